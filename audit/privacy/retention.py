"""Removing what is older than the retention settings, from the database and the storage.

Three settings (days; 0 keeps forever), each read when the run starts:

- ``retention_photo_days``: the photos and receipts of visits that took place before
  the cut-off (the file, its thumbnail and the attachment row), the photos of
  calibration cases added before it (the same), the photo of an action update made
  before it and the evidence of an appeal made before it (the files; the update and the
  appeal stay).
- ``retention_comment_days``: free text (:func:`_texts`). Of visits that took place
  before the cut-off: answer comments, answers to free-text questions, the description
  of the staff who served, the reasons a visit was returned or excluded, the comments,
  reasons and written values of its answer changes, the texts of its appeals, and the
  description of an action raised from it (it quotes the failed answer's comment).
  Written before the cut-off: coaching notes and replies, kudos messages, actions'
  descriptions and dismissal reasons, action-update notes, assignments' scenarios and
  reasons, and raters' comments on calibration cases. Text the app requires is replaced
  by :data:`REMOVED`, optional text is emptied. Scores and values that score stay.

  Webhook deliveries made before the cut-off are deleted: their bodies copy the
  records they were about, comments included (the receivers have their own copy).
  The audit trail keeps the texts its events recorded (the reason a visit was
  returned, an edit's old and new comment): it is the record of who did what, it has
  no retention setting of its own, and an erasure replaces names there.

  Kept, with the reasons :data:`KEPT` gives: an action's title (it names the action
  everywhere and is needed to manage it), a calibration case's title, scenario,
  transcript and reference explanations (the exercise itself), the reviewers'
  ready-made comments, and what other settings or an erasure remove.
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
    func,
    or_,
    select,
    update,
)

from audit.extensions import db
from audit.models import (
    AccountLink,
    Action,
    ActionUpdate,
    Answer,
    AnswerChange,
    Appeal,
    Assignment,
    Attachment,
    AuditEvent,
    CalibrationAssignment,
    CalibrationPhoto,
    CalibrationResponse,
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
    WebhookDelivery,
)
from audit.models.text_fingerprint import fingerprint_values
from audit.privacy.erasure import erase
from audit.privacy.free_text import written_answer
from audit.settings import get_setting
from audit.storage import Storage

__all__ = ["BATCH", "KEPT", "REMOVED", "RetentionRun", "apply_retention", "comment_columns"]

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
    cases = select(
        CalibrationPhoto.id, CalibrationPhoto.stored_name, CalibrationPhoto.thumb_name
    ).where(CalibrationPhoto.created_at < step.cutoff)
    step.run.add("calibration case photos", _delete_with_files(step, CalibrationPhoto, cases))
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

_CASE = (
    "the exercise itself, written as training material: raters' answers and agreement are "
    "read against it, and an erasure removes a name from it"
)
_MAIL = (
    "a mail server's words or the addresses a report went to, never a visit's text; an "
    "erasure replaces an address"
)

#: The columns of people's words (:func:`audit.privacy.free_text.free_text`) that the
#: comments step keeps, with why: a test fails for a column there that is neither here
#: nor in :func:`comment_columns`, so a column added later is classified.
KEPT: dict[str, str] = {
    "actions.title": "it names the action on every list, page and reminder and is needed "
    "to manage it; proposals write it from the scorecard's question",
    "calibration_cases.title": _CASE,
    "calibration_cases.scenario": _CASE,
    "calibration_cases.transcript": _CASE,
    "calibration_references.explanation": _CASE,
    "reviewer_comments.text": "the reviewers' ready-made comments: the app's wording, not "
    "a visit's",
    "attachments.original_name": "a photo's file name: deleted with the photo "
    "(retention_photo_days)",
    "visit_signals.detail": "the trust checks' own sentence, quoting no text (a photo's "
    "file name at most, which an erasure removes)",
    "notifications.message": "the app's own sentence (a name, a branch, an action's title), "
    "never a comment; deleted after retention_personal_days",
    "survey_contacts.email": "an address, not words; deleted after retention_personal_days",
    "audit_events.details": "the audit trail, the record of who did what: it keeps the "
    "texts its events recorded; an erasure replaces names there",
    "api_idempotency.body": "a stored API answer: deleted after 24 hours by the daily "
    "prune-api-answers job",
    "report_subscriptions.last_mail_error": _MAIL,
    "report_mailings.sent_to": _MAIL,
    "report_mailings.last_error": _MAIL,
}


def _texts(cutoff: datetime) -> list[tuple[Any, ColumnElement[bool], str]]:
    """Each free text the comments step removes: its column, the rows past ``cutoff``, and
    what stands there after (required text: :data:`REMOVED`; optional text: empty)."""
    old_visit = select(Visit.id).where(Visit.visited_at < cutoff)
    text_questions = select(ScorecardQuestion.id).where(ScorecardQuestion.type == "text")

    def of_old_visit(model: Any, *also: ColumnElement[bool]) -> ColumnElement[bool]:
        return and_(model.visit_id.in_(old_visit), *also)

    def written(model: Any) -> ColumnElement[bool]:
        return model.created_at < cutoff

    old = Visit.visited_at < cutoff
    rated = select(CalibrationAssignment.id).where(CalibrationAssignment.assigned_at < cutoff)
    return [
        (Visit.staff_description, old, ""),
        (Visit.return_reason, old, ""),
        (Visit.exclusion_reason, old, REMOVED),
        (Answer.comment, of_old_visit(Answer), ""),
        (Answer.value_text, of_old_visit(Answer, Answer.question_id.in_(text_questions)), REMOVED),
        (AnswerChange.old_comment, of_old_visit(AnswerChange), ""),
        (AnswerChange.new_comment, of_old_visit(AnswerChange), ""),
        (AnswerChange.reason, of_old_visit(AnswerChange), REMOVED),
        # A choice's label must stay what it scores as: only written answers' values.
        (AnswerChange.old_value, of_old_visit(AnswerChange, written_answer(AnswerChange)), REMOVED),
        (AnswerChange.new_value, of_old_visit(AnswerChange, written_answer(AnswerChange)), REMOVED),
        (Appeal.reason, of_old_visit(Appeal), REMOVED),
        (Appeal.requested_value, of_old_visit(Appeal, written_answer(Appeal)), ""),
        (Appeal.decision_note, of_old_visit(Appeal), ""),
        (Action.description, or_(written(Action), Action.visit_id.in_(old_visit)), ""),
        (Action.dismiss_reason, written(Action), REMOVED),
        (ActionUpdate.note, written(ActionUpdate), ""),
        (CoachingNote.body, written(CoachingNote), REMOVED),
        (CoachingNote.goal, written(CoachingNote), ""),
        (CoachingNote.closing_note, written(CoachingNote), ""),
        (CoachingReply.body, written(CoachingReply), REMOVED),
        (Kudos.message, written(Kudos), REMOVED),
        (Kudos.quoted, written(Kudos), ""),
        (Assignment.scenario, written(Assignment), ""),
        (Assignment.override_reason, written(Assignment), REMOVED),
        (Assignment.rating_override_reason, written(Assignment), REMOVED),
        (Assignment.decline_reason, written(Assignment), ""),
        (Assignment.cancel_reason, written(Assignment), REMOVED),
        (CalibrationResponse.comment, CalibrationResponse.assignment_id.in_(rated), ""),
    ]


def comment_columns() -> set[str]:
    """``table.column`` of every text the comments step removes, or deletes with its row."""
    deliveries = WebhookDelivery.__table__
    columns = [column.expression for column, _, _ in _texts(datetime.now(UTC))]
    columns += [deliveries.c.body, deliveries.c.response_excerpt]
    return {f"{column.table.name}.{column.name}" for column in columns}


def _comments(step: _Step) -> None:
    for column, condition, replacement in _texts(step.cutoff):
        step.run.add("free texts", _blank(step, column, condition, replacement))
    old_deliveries = WebhookDelivery.created_at < step.cutoff
    step.run.add("webhook deliveries", _delete_rows(step, WebhookDelivery, old_deliveries))


def _blank(step: _Step, column: Any, condition: Any, replacement: str) -> int:
    """Set ``column`` to ``replacement`` where ``condition`` holds and it still has text."""
    model = column.class_
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
