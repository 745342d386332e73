"""Appeals against one answer of a published visit; nothing here knows of requests.

Who may appeal: a manager whose scope covers the visit's branch, or the staff
member named on the visit (through their linked login), within
``appeal_window_days`` of ``Visit.published_at``. One appeal per answer is open
at a time, and nobody appeals the same answer twice.

Who may decide: a manager in scope, or an admin, who is neither the appellant
nor the author of the decision under appeal. "Their own review decision" means,
for a visit and the appealed question:

- approving or publishing the visit (AuditEvents ``visit.approved`` /
  ``visit.published`` with them as actor), or
- having changed that answer (an AnswerChange of that question, from review or
  an earlier appeal, with them as author).

Nobody may raise an appeal against their own review decision either.

An upheld appeal changes no number. An amended appeal changes the answer,
re-scores the visit and records an AnswerChange (source ``appeal``: old and new
value, reason, author, time, score before and after) linked from the appeal.
Every change writes an AuditEvent; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import joinedload

from audit.access import branch_in_scope, scope_branches
from audit.actions.proposals import propose_for_visit
from audit.actions.service import managers_for_branch
from audit.dates import format_datetime, lazy_date
from audit.extensions import N_, db
from audit.models import (
    AnswerChange,
    Appeal,
    AppealStatus,
    AuditEvent,
    Branch,
    Role,
    StaffMember,
    User,
    Visit,
    VisitStatus,
    record_event,
    record_new,
    visit_staff,
)
from audit.notifications.service import notify
from audit.org.timezones import visit_day
from audit.scorecards.definition import Question
from audit.scorecards.store import definition_of
from audit.scorecards.values import AnswerValue, InvalidAnswer, normalise_value
from audit.service_errors import TEXT_MAX as TEXT_MAX  # the forms' limit too
from audit.service_errors import FieldError
from audit.settings import get_setting
from audit.visits.answer_changes import (
    SHOPPERS_COMMENT,
    AnswerChangeError,
    apply_change,
    check_change,
    checked_value,
    comment_labels,
    display_value,
)
from audit.visits.lock import lock_visit
from audit.visits.scores import stored_value
from audit.webhooks.emitting import emit

#: Tolerance when comparing earned with possible points (they are floats).
_EPSILON = 1e-9
#: The visit events that are someone's review decision on the whole visit.
DECISION_EVENTS = ("visit.approved", "visit.published")
#: The statuses in words: English as the API gives them (``status_label``), pages
#: translate them (:func:`status_words`).
STATUS_LABELS = {
    AppealStatus.OPEN: N_("Open"),
    AppealStatus.UPHELD: N_("Upheld — the answer stands"),
    AppealStatus.AMENDED: N_("Amended — the answer was changed"),
    AppealStatus.WITHDRAWN: N_("Withdrawn"),
}


def status_words() -> dict[AppealStatus, str]:
    """:data:`STATUS_LABELS` in the reader's language."""
    return {status: gettext(label) for status, label in STATUS_LABELS.items()}


class AppealError(FieldError):
    """Something that cannot be done with an appeal; ``str()`` is for the person."""


def _now() -> datetime:
    return datetime.now(UTC)


_text = AppealError.required_text


def _link(appeal: Appeal) -> str:
    return f"/appeals/{appeal.id}"


# --- who may do what -------------------------------------------------------------------


def _in_scope(visit: Visit, user: User) -> bool:
    return branch_in_scope(visit.branch, user)


def window_ends(visit: Visit) -> datetime | None:
    """When the visit stops taking appeals; None if it was never published."""
    if visit.published_at is None:
        return None
    return visit.published_at + timedelta(days=get_setting("appeal_window_days"))


def window_open(visit: Visit, now: datetime | None = None) -> bool:
    ends = window_ends(visit)
    return (
        visit.status is VisitStatus.PUBLISHED
        and not visit.excluded
        and ends is not None
        and (now or _now()) <= ends
    )


def is_named_staff(visit: Visit, user: User) -> bool:
    member = user.staff_member
    return user.role is Role.STAFF and member is not None and member in visit.staff


def may_appeal_visit(visit: Visit, user: User) -> bool:
    """The roles that may appeal this visit at all (window and answer aside)."""
    if user.role is Role.MANAGER:
        return _in_scope(visit, user)
    return is_named_staff(visit, user)


def own_decision(visit: Visit, question_key: str, user: User) -> bool:
    """Whether ``user`` approved or published the visit, or changed this answer."""
    decided = db.session.scalar(
        select(
            exists().where(
                AuditEvent.subject_type == Visit.__tablename__,
                AuditEvent.subject_id == visit.id,
                AuditEvent.action.in_(DECISION_EVENTS),
                AuditEvent.actor_id == user.id,
            )
        )
    )
    if decided:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    AnswerChange.visit_id == visit.id,
                    AnswerChange.question_key == question_key,
                    AnswerChange.changed_by_id == user.id,
                )
            )
        )
    )


def why_not_decide(appeal: Appeal, user: User) -> str | None:
    """None when ``user`` may decide the appeal; else the reason, for the person."""
    if appeal.status is not AppealStatus.OPEN:
        return gettext("This appeal has been decided.")
    if user.role is not Role.ADMIN and not (
        user.role is Role.MANAGER and _in_scope(appeal.visit, user)
    ):
        return gettext("Only a reviewer responsible for this branch decides appeals.")
    if appeal.raised_by_id == user.id:
        return gettext("You raised this appeal; another reviewer decides it.")
    if own_decision(appeal.visit, appeal.question_key, user):
        return gettext(
            "You approved, published or changed this answer of the visit; "
            "another reviewer decides an appeal against it."
        )
    return None


def may_see(appeal: Appeal, user: User) -> bool:
    """Reviewers in scope see every appeal of a visit; staff only the ones they raised."""
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.MANAGER:
        return _in_scope(appeal.visit, user)
    return appeal.raised_by_id == user.id


# --- raising -------------------------------------------------------------------------------


def appealable_questions(visit: Visit) -> list[Question]:
    """Questions with a shown answer that counts: scored or not, hidden ones left out."""
    definition = definition_of(visit.version)
    answers = {a.question_key: a for a in visit.answers}
    return [q for q in definition.questions() if q.key in answers and not answers[q.key].hidden]


@dataclass(frozen=True)
class DisputableAnswer:
    """An answer that lost points, as the appeal form offers it."""

    question: Question
    section: str
    current: AnswerValue
    earned: float
    possible: float
    comment: str
    #: Whose words the comment is: the shopper's, or a reviewer's who rewrote it.
    comment_by: str = SHOPPERS_COMMENT

    @property
    def key(self) -> str:
        return self.question.key

    @property
    def value(self) -> str:
        text = display_value(self.current) or gettext("no answer")
        return text.capitalize() if self.question.type == "yes_no" else text

    @property
    def points_label(self) -> str:
        return gettext(
            "%(earned)s of %(possible)s points",
            earned=format(self.earned, "g"),
            possible=format(self.possible, "g"),
        )


def disputable_answers(visit: Visit) -> list[tuple[str, list[DisputableAnswer]]]:
    """The shown answers that lost points, grouped by section in form order.

    These are what the appeal form offers: an answer with full points, N/A or
    no points to earn gives a staff member nothing to win back.
    """
    definition = definition_of(visit.version)
    answers = {a.question_key: a for a in visit.answers}
    writers = comment_labels([visit.id])
    groups: list[tuple[str, list[DisputableAnswer]]] = []
    for section in definition.sections:
        found = []
        for question in section.questions:
            answer = answers.get(question.key)
            if answer is None or answer.hidden or answer.is_na or not answer.possible:
                continue
            if answer.earned is None or answer.earned >= answer.possible - _EPSILON:
                continue
            found.append(
                DisputableAnswer(
                    question,
                    section.title,
                    stored_value(answer),
                    answer.earned,
                    answer.possible,
                    answer.comment or "",
                    writers.get((visit.id, question.key), SHOPPERS_COMMENT),
                )
            )
        if found:
            groups.append((section.title, found))
    return groups


def check_requested(question: Question, raw: object, current: AnswerValue) -> str:
    """What the appellant says the answer should have been, checked against the question.

    Returns it as the reviewer's amend form takes it ("yes", "4", "Partly", "N/A"),
    or "" when none was given. Raises :class:`AppealError` beside
    ``requested_value`` for a value the question cannot take, or the answer as given.
    """
    if raw is None or not str(raw).strip():
        return ""
    try:
        value = normalise_value(question, raw)
    except InvalidAnswer as problem:
        if question.type in ("yes_no", "choice"):
            message = gettext("Choose one of the answers offered for this question.")
        else:
            message = f"{problem}."
        raise AppealError(message, field="requested_value") from None
    if value is None:
        return ""
    if display_value(value) == display_value(current):
        raise AppealError(
            gettext("That is the answer as it was given: choose what it should have been."),
            field="requested_value",
        )
    return display_value(value)


def raise_appeal(
    visit: Visit,
    question_key: str,
    user: User,
    reason: str,
    requested_value: str = "",
    evidence: tuple[str, str] | None = None,
    now: datetime | None = None,
) -> Appeal:
    """Dispute one answer. ``evidence`` is a stored (photo, thumbnail) name pair."""
    reason = _text(reason, gettext("Say why the answer is wrong."), "reason")
    if not may_appeal_visit(visit, user):
        raise AppealError(gettext("You cannot appeal this visit."))
    if visit.status is not VisitStatus.PUBLISHED or visit.excluded:
        raise AppealError(gettext("Only a published visit can be appealed."))
    if not window_open(visit, now):
        ends = window_ends(visit)
        raise AppealError(
            gettext(
                "The appeal window closed on %(when)s.", when=format_datetime(ends, visit.branch)
            )
        )
    if question_key not in {q.key for q in appealable_questions(visit)}:
        raise AppealError(gettext("Choose an answer of this visit."), field="question_key")
    if own_decision(visit, question_key, user):
        raise AppealError(gettext("You cannot appeal your own review decision."))
    question = definition_of(visit.version).question(question_key)
    if question is not None:  # appealable questions are the version's own
        requested_value = check_requested(
            question, requested_value, stored_value(visit.answer(question_key))
        )
    earlier = db.session.scalars(
        select(Appeal).where(Appeal.visit_id == visit.id, Appeal.question_key == question_key)
    ).all()
    if any(a.status is AppealStatus.OPEN for a in earlier):
        raise AppealError(gettext("This answer already has an open appeal."), field="question_key")
    if any(a.raised_by_id == user.id and a.status is not AppealStatus.WITHDRAWN for a in earlier):
        raise AppealError(gettext("You have already appealed this answer."), field="question_key")
    appeal = Appeal(
        visit=visit,
        question_key=question_key,
        raised_by=user,
        reason=reason,
        requested_value=requested_value[:TEXT_MAX],
        evidence_name=evidence[0] if evidence else None,
        evidence_thumb_name=evidence[1] if evidence else None,
        created_at=now or _now(),
    )
    record_new(
        user,
        "appeal.raised",
        appeal,
        visit_id=visit.id,
        question=question_key,
        reason=reason,
        evidence=bool(evidence),
    )
    emit("appeal.raised", appeal)
    notify(
        [u for u in managers_for_branch(visit.branch) if u.id != user.id],
        "appeal.raised",
        _l(
            "%(name)s appealed an answer of the visit to %(branch)s on %(day)s.",
            name=user.name,
            branch=visit.branch.name,
            day=lazy_date(visit_day(visit)),
        ),
        _link(appeal),
    )
    return appeal


def withdraw(appeal: Appeal, user: User) -> None:
    if appeal.raised_by_id != user.id:
        raise AppealError(gettext("Only the person who raised an appeal withdraws it."))
    _close(appeal, user, AppealStatus.WITHDRAWN, "")
    record_event(user, "appeal.withdrawn", appeal, visit_id=appeal.visit_id)


# --- deciding ------------------------------------------------------------------------------


def _close(appeal: Appeal, user: User, status: AppealStatus, note: str) -> None:
    """open -> ``status`` through a guarded UPDATE, so two reviewers cannot both decide."""
    now = _now()
    result = db.session.execute(
        update(Appeal)
        .where(Appeal.id == appeal.id, Appeal.status == AppealStatus.OPEN)
        .values(status=status, decided_by_id=user.id, decided_at=now, decision_note=note)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(appeal)
    if result.rowcount != 1:
        raise AppealError(gettext("This appeal has been decided already; nothing was changed."))


def _check_decider(appeal: Appeal, user: User) -> None:
    problem = why_not_decide(appeal, user)
    if problem:
        raise AppealError(problem)


def uphold(appeal: Appeal, user: User, note: str) -> None:
    """The answer stands: nothing on the visit changes; the reason is kept."""
    note = _text(note, gettext("Say why the answer stands."), "note")
    _check_decider(appeal, user)
    _close(appeal, user, AppealStatus.UPHELD, note)
    record_event(user, "appeal.upheld", appeal, visit_id=appeal.visit_id, note=note)
    emit("appeal.decided", appeal)
    _tell_appellant(
        appeal,
        _l(
            "Your appeal on the visit to %(branch)s was upheld: the answer stands.",
            branch=appeal.visit.branch.name,
        ),
    )


def amend(
    appeal: Appeal, user: User, raw_value: object, comment: str | None, note: str
) -> AnswerChange:
    """Change the appealed answer, re-score the visit and record the change.

    ``raw_value`` is checked by the scoring engine as in review; ``comment`` None
    keeps the answer's comment.
    """
    note = _text(note, gettext("Say why the answer is changed."), "note")
    _check_decider(appeal, user)
    visit = appeal.visit
    definition = definition_of(visit.version)
    question = definition.question(appeal.question_key)
    if question is None:  # pragma: no cover  (appeals are raised on the version's questions)
        raise AppealError(gettext("This question is not on the visit's scorecard."))
    try:
        value = checked_value(question, raw_value)
    except AnswerChangeError as problem:
        raise AppealError.wrap(problem) from None

    # Lock the visit (still published) and read its answers as they are now.
    if not lock_visit(visit, (VisitStatus.PUBLISHED,), updated_at=_now()):
        raise AppealError(gettext("The visit is no longer published; nothing was changed."))

    try:
        pending = check_change(
            visit,
            question,
            value,
            comment,
            definition=definition,
            unchanged=gettext("Nothing changed: to leave the answer as it is, uphold the appeal."),
        )
    except AnswerChangeError as problem:
        raise AppealError.wrap(problem) from None

    # Closed only once the change is known to be valid, and before anything is written.
    _close(appeal, user, AppealStatus.AMENDED, note)
    change = apply_change(pending, reason=note, source="appeal", user=user, appeal_id=appeal.id)
    appeal.answer_change_id = change.id
    record_event(
        user,
        "appeal.amended",
        appeal,
        visit_id=visit.id,
        change_id=change.id,
        note=note,
        percent_before=change.percent_before,
        percent_after=change.percent_after,
    )
    emit("appeal.decided", appeal)
    _tell_appellant(
        appeal,
        _l(
            "Your appeal on the visit to %(branch)s was amended: the answer was changed and "
            "the visit re-scored.",
            branch=visit.branch.name,
        ),
    )
    propose_for_visit(visit, user)  # an amendment can fail a critical item
    return change


def _tell_appellant(appeal: Appeal, message: LazyString) -> None:
    """``message`` is lazy: the appellant reads it in their own language."""
    notify([appeal.raised_by], "appeal.decided", message, _link(appeal))


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealView:
    """An appeal as the visit page, its PDF and the staff portal show it."""

    appeal: Appeal
    question_text: str
    status_label: str
    change: AnswerChange | None


def appeals_for_visit(visit_id: int, viewer: User | None = None) -> list[AppealView]:
    """The visit's appeals, oldest first; a staff ``viewer`` gets only their own.

    Callers check that the viewer may see the visit (``audit.access.get_visit``).
    """
    query = (
        select(Appeal)
        .where(Appeal.visit_id == visit_id)
        .options(
            joinedload(Appeal.raised_by),
            joinedload(Appeal.decided_by),
            joinedload(Appeal.visit).joinedload(Visit.version),
        )
        .order_by(Appeal.created_at, Appeal.id)
    )
    if viewer is not None and viewer.role not in (Role.ADMIN, Role.MANAGER):
        query = query.where(Appeal.raised_by_id == viewer.id)
    appeals = db.session.scalars(query).unique().all()
    if not appeals:
        return []
    definition = definition_of(appeals[0].visit.version)
    change_ids = [a.answer_change_id for a in appeals if a.answer_change_id]
    changes = (
        {
            c.id: c
            for c in db.session.scalars(select(AnswerChange).where(AnswerChange.id.in_(change_ids)))
        }
        if change_ids
        else {}
    )
    views = []
    for appeal in appeals:
        question = definition.question(appeal.question_key)
        views.append(
            AppealView(
                appeal,
                question.text if question else appeal.question_key,
                gettext(STATUS_LABELS[appeal.status]),
                changes.get(appeal.answer_change_id) if appeal.answer_change_id else None,
            )
        )
    return views


LIST_FILTERS = ("open", "decided", "all")


def list_query(user: User, status: str = "open") -> Select:
    """Appeals the user may see: reviewers in their scope, anyone else their own."""
    query = (
        select(Appeal)
        .join(Visit, Visit.id == Appeal.visit_id)
        .options(
            joinedload(Appeal.visit).joinedload(Visit.branch),
            joinedload(Appeal.visit).joinedload(Visit.version),  # the question's wording
            joinedload(Appeal.raised_by),
        )
        .order_by(Appeal.created_at.desc(), Appeal.id.desc())
    )
    if status == "open":
        query = query.where(Appeal.status == AppealStatus.OPEN)
    elif status == "decided":
        query = query.where(Appeal.status.in_((AppealStatus.UPHELD, AppealStatus.AMENDED)))
    if user.role is Role.ADMIN:
        return query
    if user.role is Role.MANAGER:
        return query.where(Visit.branch_id.in_(scope_branches(select(Branch.id), user)))
    return query.where(Appeal.raised_by_id == user.id)


def appealable_visits(user: User, now: datetime | None = None) -> Sequence[Visit]:
    """Published visits naming this staff user whose window is still open (newest first)."""
    member = db.session.scalar(select(StaffMember).where(StaffMember.user_id == user.id))
    if member is None:
        return []
    days = get_setting("appeal_window_days")
    since = (now or _now()) - timedelta(days=days)
    return db.session.scalars(
        select(Visit)
        .join(visit_staff, visit_staff.c.visit_id == Visit.id)
        .where(
            visit_staff.c.staff_member_id == member.id,
            Visit.status == VisitStatus.PUBLISHED,
            Visit.excluded.is_(False),
            Visit.published_at >= since,
        )
        .options(joinedload(Visit.branch), joinedload(Visit.scorecard))
        .order_by(Visit.published_at.desc())
    ).all()
