"""Removing what is older than the retention settings, from the database and the storage.

Three settings (days; 0 keeps forever), each read when the run starts:

- ``retention_photo_days``: the photos and receipts of visits that took place before
  the cut-off (the file, its thumbnail and the attachment row), the photo of an action
  update made before it and the evidence of an appeal made before it (the files; the
  update and the appeal stay).
- ``retention_comment_days``: free text. Of visits that took place before the cut-off:
  answer comments, answers to free-text questions, the description of the staff who
  served, the reason a visit was returned, the comments and reasons of its answer
  changes and the texts of its appeals. Written before the cut-off: coaching notes and
  replies, kudos messages, action-update notes. Text the app requires is replaced by
  :data:`REMOVED`, optional text is emptied. Scores and values that score stay.
- ``retention_personal_days``: people who left — accounts and staff members inactive
  since before the cut-off (when they were deactivated is read from the audit trail,
  else when they were made) — are erased (:mod:`audit.privacy.erasure`); failed
  sign-ins, ended sessions, expired links, notifications, the e-mails customers left on
  the survey page and the survey limits' device and address keys older than it are
  deleted.

Work goes in batches of :data:`BATCH` rows, each committed on its own, so a large first
run holds no long lock and a stopped run keeps what it did; on PostgreSQL a batch is
claimed with ``FOR UPDATE SKIP LOCKED``, so two runs at once share the rows. Files are
deleted before their rows: a failure leaves the row, and the next run deletes it again
(deleting a missing object is no error). Every step selects only what is still there
or still holds text, so a second run, or two at once, do nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    select,
    update,
)

from audit.extensions import db
from audit.models import (
    AccountLink,
    ActionUpdate,
    Answer,
    AnswerChange,
    Appeal,
    Attachment,
    AuditEvent,
    CoachingNote,
    CoachingReply,
    Kudos,
    LoginAttempt,
    Notification,
    ScorecardQuestion,
    StaffMember,
    SurveyContact,
    SurveyResponse,
    User,
    UserSession,
    Visit,
)
from audit.models.text_fingerprint import fingerprint_values
from audit.privacy.erasure import erase
from audit.settings import get_setting
from audit.storage import Storage

__all__ = ["BATCH", "REMOVED", "RetentionRun", "apply_retention"]

BATCH = 500
#: What stands where required text was removed, so a reader sees why it is gone.
REMOVED = "[removed after the retention period]"


@dataclass
class RetentionRun:
    """What a run removed (or, dry, would remove): one count per kind of data."""

    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    #: Cut-offs of the settings in force; a setting at 0 is absent.
    cutoffs: dict[str, datetime] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        """The report a person reads, one line per setting and per kind of data."""
        verb = "would be removed (dry run)" if self.dry_run else "removed"
        lines = []
        for key in ("photo", "comment", "personal"):
            if key not in self.cutoffs:
                lines.append(f"{key}: kept forever (retention_{key}_days is 0)")
            else:
                lines.append(f"{key}: older than {self.cutoffs[key]:%Y-%m-%d %H:%M} UTC")
        lines += [f"  {what}: {count} {verb}" for what, count in self.counts.items()]
        return lines

    def summary(self) -> str:
        """One sentence (what the periodic job returns)."""
        done = ", ".join(f"{count} {what}" for what, count in self.counts.items() if count)
        return done or "nothing was past its retention period"


def apply_retention(
    store: Storage, *, dry_run: bool = False, now: datetime | None = None, batch: int = BATCH
) -> RetentionRun:
    """Remove (or with ``dry_run`` count) what is past the retention settings; commits
    batch by batch."""
    now = now or datetime.now(UTC)
    run = RetentionRun(dry_run)
    steps: dict[str, Callable[[_Step], None]] = {
        "photo": _photos,
        "comment": _comments,
        "personal": _personal,
    }
    for key, step in steps.items():
        days = get_setting(f"retention_{key}_days")
        if days:
            run.cutoffs[key] = now - timedelta(days=days)
            step(_Step(run, run.cutoffs[key], store, batch))
    return run


@dataclass
class _Step:
    run: RetentionRun
    cutoff: datetime
    store: Storage
    batch: int

    @property
    def dry(self) -> bool:
        return self.run.dry_run

    def count(self, query: Select[Any]) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


# --- photos ----------------------------------------------------------------------------


def _photos(step: _Step) -> None:
    old_visits = select(Visit.id).where(Visit.visited_at < step.cutoff)
    attachments = select(Attachment.id, Attachment.stored_name, Attachment.thumb_name).where(
        Attachment.visit_id.in_(old_visits)
    )
    step.run.add("visit photos and receipts", _delete_with_files(step, Attachment, attachments))
    updates = select(ActionUpdate.id, ActionUpdate.photo_name, ActionUpdate.thumb_name).where(
        ActionUpdate.created_at < step.cutoff, ActionUpdate.photo_name.is_not(None)
    )
    step.run.add(
        "action-update photos",
        _clear_files(step, ActionUpdate, updates, photo_name=None, thumb_name=None),
    )
    evidence = select(Appeal.id, Appeal.evidence_name, Appeal.evidence_thumb_name).where(
        Appeal.created_at < step.cutoff, Appeal.evidence_name.is_not(None)
    )
    step.run.add(
        "appeal evidence photos",
        _clear_files(step, Appeal, evidence, evidence_name=None, evidence_thumb_name=None),
    )


def _delete_with_files(step: _Step, model: Any, query: Select[Any]) -> int:
    """Delete the rows ``query`` selects (id, then file keys) and their files."""
    return _in_batches(step, model, query, lambda ids: delete(model).where(model.id.in_(ids)))


def _clear_files(step: _Step, model: Any, query: Select[Any], **cleared: None) -> int:
    """Delete the files of the rows ``query`` selects and set their file columns to None."""

    def clear(ids: list[int]) -> Any:
        return update(model).where(model.id.in_(ids)).values(**cleared)

    return _in_batches(step, model, query, clear)


def _in_batches(
    step: _Step, model: Any, query: Select[Any], change: Callable[[list[int]], Any]
) -> int:
    if step.dry:
        return step.count(query)
    done = 0
    while rows := _claim(query, model, step.batch):
        keys = [key for row in rows for key in row[1:] if key]
        step.store.delete(*keys)  # first: a failure keeps the rows for the next run
        result = db.session.execute(
            change([row[0] for row in rows]).execution_options(synchronize_session=False)
        )
        db.session.commit()
        done += result.rowcount or 0  # what another run (on SQLite) did first is not counted
    db.session.commit()
    return done


def _claim(query: Select[Any], model: Any, batch: int) -> list[Any]:
    """The next batch of rows, locked for this run (PostgreSQL): a second run at the same
    time skips them and takes the next, so two runs share the work instead of waiting on,
    or deadlocking over, the same rows. SQLite has one writer at a time anyway."""
    claimed = query.order_by(model.id).limit(batch).with_for_update(skip_locked=True)
    return list(db.session.execute(claimed).all())


# --- comments --------------------------------------------------------------------------


def _comments(step: _Step) -> None:
    old_visit = select(Visit.id).where(Visit.visited_at < step.cutoff)
    text_questions = select(ScorecardQuestion.id).where(ScorecardQuestion.type == "text")
    text_change = exists().where(
        Answer.visit_id == AnswerChange.visit_id,
        Answer.question_key == AnswerChange.question_key,
        Answer.question_id.in_(text_questions),
    )
    visit_texts: list[tuple[Any, Any, ColumnElement[bool], str]] = [
        (Answer, Answer.comment, Answer.visit_id.in_(old_visit), ""),
        (
            Answer,
            Answer.value_text,
            and_(Answer.visit_id.in_(old_visit), Answer.question_id.in_(text_questions)),
            REMOVED,
        ),
        (Visit, Visit.staff_description, Visit.visited_at < step.cutoff, ""),
        (Visit, Visit.return_reason, Visit.visited_at < step.cutoff, ""),
        (AnswerChange, AnswerChange.old_comment, AnswerChange.visit_id.in_(old_visit), ""),
        (AnswerChange, AnswerChange.new_comment, AnswerChange.visit_id.in_(old_visit), ""),
        (AnswerChange, AnswerChange.reason, AnswerChange.visit_id.in_(old_visit), REMOVED),
        (
            AnswerChange,
            AnswerChange.old_value,
            and_(AnswerChange.visit_id.in_(old_visit), text_change),
            REMOVED,
        ),
        (
            AnswerChange,
            AnswerChange.new_value,
            and_(AnswerChange.visit_id.in_(old_visit), text_change),
            REMOVED,
        ),
        (Appeal, Appeal.reason, Appeal.visit_id.in_(old_visit), REMOVED),
        (Appeal, Appeal.requested_value, Appeal.visit_id.in_(old_visit), ""),
        (Appeal, Appeal.decision_note, Appeal.visit_id.in_(old_visit), ""),
    ]
    written_texts = [
        (CoachingNote, CoachingNote.body, REMOVED),
        (CoachingNote, CoachingNote.goal, ""),
        (CoachingNote, CoachingNote.closing_note, ""),
        (CoachingReply, CoachingReply.body, REMOVED),
        (Kudos, Kudos.message, REMOVED),
        (Kudos, Kudos.quoted, ""),
        (ActionUpdate, ActionUpdate.note, ""),
    ]
    texts = visit_texts + [
        (model, column, model.created_at < step.cutoff, replacement)
        for model, column, replacement in written_texts
    ]
    for model, column, condition, replacement in texts:
        step.run.add("free texts", _blank(step, model, column, condition, replacement))


def _blank(step: _Step, model: Any, column: Any, condition: Any, replacement: str) -> int:
    """Set ``column`` to ``replacement`` where ``condition`` holds and it still has text."""
    pending = select(model.id).where(
        condition, column.is_not(None), column != "", column != replacement
    )
    # A comment's fingerprint goes with its text (audit.models.text_fingerprint).
    change = update(model).values(fingerprint_values(model.__table__, {column.key: replacement}))
    return _until_done(step, model, pending, change)


def _until_done(step: _Step, model: Any, chosen: Select[Any], change: Any) -> int:
    """Run ``change`` (an UPDATE or DELETE of ``model``) on the rows ``chosen`` selects, a
    batch at a time, each committed, until none is left (dry: only count them)."""
    if step.dry:
        return step.count(chosen)
    done = 0
    while rows := _claim(chosen, model, step.batch):
        ids = [row[0] for row in rows]
        result = db.session.execute(
            change.where(model.id.in_(ids)).execution_options(synchronize_session=False)
        )
        db.session.commit()
        done += result.rowcount or 0
    db.session.commit()
    return done


# --- personal data ---------------------------------------------------------------------


def _personal(step: _Step) -> None:
    people = _people_who_left(step.cutoff)
    step.run.add("people who left, erased", len(people) if step.dry else 0)
    for record in [] if step.dry else people:
        erased = erase(record, None, reason="retention").changes  # empty: erased meanwhile
        db.session.commit()
        step.run.add("people who left, erased", 1 if erased else 0)
    for what, model, condition in (
        ("failed sign-ins", LoginAttempt, LoginAttempt.at < step.cutoff),
        ("ended sessions", UserSession, UserSession.ended_at < step.cutoff),
        ("expired sign-in links", AccountLink, AccountLink.expires_at < step.cutoff),
        ("notifications", Notification, Notification.created_at < step.cutoff),
        ("customers' contact e-mails", SurveyContact, SurveyContact.created_at < step.cutoff),
        ("survey limit keys", SurveyResponse, SurveyResponse.created_at < step.cutoff),
    ):
        step.run.add(what, _delete_rows(step, model, condition))


def _delete_rows(step: _Step, model: Any, condition: Any) -> int:
    return _until_done(step, model, select(model.id).where(condition), delete(model))


def _people_who_left(cutoff: datetime) -> list[User | StaffMember]:
    """One record per person (the account when there is one) whose every record is
    inactive, not erased, and was deactivated before ``cutoff``."""
    users = {user.id: (user, left) for user, left in _inactive(User, "users", "user.deactivated")}
    chosen: list[User | StaffMember] = []
    for member, left in _inactive(StaffMember, "staff_members", "staff.deactivated"):
        if member.user_id is None:
            if left < cutoff:
                chosen.append(member)
            continue
        user_left = users.get(member.user_id)
        if user_left is not None and max(left, user_left[1]) < cutoff:
            chosen.append(user_left[0])
    for user, left in users.values():
        if user.staff_member is None and left < cutoff:
            chosen.append(user)  # with a staff record, the loop above decided
    return chosen


def _inactive(model: Any, table: str, action: str) -> list[tuple[Any, datetime]]:
    """Inactive, unerased records of ``model`` with when they were last deactivated (the
    latest ``action`` event of the audit trail, else when the record was made)."""
    last = (
        select(AuditEvent.subject_id, func.max(AuditEvent.at).label("at"))
        .where(AuditEvent.subject_type == table, AuditEvent.action == action)
        .group_by(AuditEvent.subject_id)
        .subquery()
    )
    rows = db.session.execute(
        select(model, last.c.at)
        .outerjoin(last, last.c.subject_id == model.id)
        .where(model.active.is_(False), model.erased_at.is_(None))
        .order_by(model.id)
    ).all()
    return [(record, _aware(at) if at is not None else record.created_at) for record, at in rows]


def _aware(value: datetime | str) -> datetime:
    """``max(at)`` comes back without its column type: naive, or text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
