"""Reviewing visits before staff see them; nothing here knows of requests.

Life of a visit under review::

    submitted ──approve──> approved ──publish──> published
        │
        └──return (reason)──> returned ──(the shopper fixes it and resubmits)──> submitted

``excluded`` is a flag beside the status of a submitted, approved or published
visit, set and cleared with a reason: an excluded visit is left out of
reporting and cannot be published. A reviewer may change answers while a visit
is submitted or approved; a published visit changes only through an appeal.

Every change writes an :class:`AuditEvent`; the caller commits. Changes go
through a guarded UPDATE (``WHERE status IN allowed``), so two reviewers acting
at once, or a reviewer and a shopper resubmitting, cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from audit.access import scope_branches
from audit.actions.proposals import propose_for_visit
from audit.assignments.service import mark_completed
from audit.extensions import db
from audit.languages import localized
from audit.models import (
    AnswerChange,
    AssignmentStatus,
    AuditEvent,
    ReviewerComment,
    User,
    Visit,
    VisitStatus,
    record_event,
)
from audit.notifications.service import notify
from audit.scorecards.definition import Question, ScorecardDefinition
from audit.scorecards.scoring import SubmissionProblem, submission_problems
from audit.scorecards.store import definition_of
from audit.service_errors import TEXT_MAX, FieldError
from audit.visits.answer_changes import EVENTS as CHANGE_EVENTS
from audit.visits.answer_changes import AnswerChangeError, change_answer, checked_value
from audit.visits.answer_changes import (
    display_value as display_value,  # where answers are written out
)
from audit.visits.lock import lock_visit
from audit.visits.scores import answer_values, comments_of
from audit.webhooks.emitting import emit

V = VisitStatus

#: Statuses in which a reviewer may change answers.
EDITABLE = (V.SUBMITTED, V.APPROVED)
#: Statuses in which a visit can be left out of reporting.
EXCLUDABLE = (V.SUBMITTED, V.APPROVED, V.PUBLISHED)
REASON_MAX = TEXT_MAX

#: The queue's filters (query string ``status``); "excluded" is the flag, whatever the status.
QUEUE_FILTERS = ("submitted", "returned", "approved", "published", "excluded")
#: Lists that are work to do read oldest first; the archives newest first.
NEWEST_FIRST = frozenset({"published", "excluded"})

#: Reviewer comment library: which action a saved comment is written for.
COMMENT_CATEGORIES = {
    "return": _l("Returning a visit to the shopper"),
    "edit": _l("Editing an answer"),
    "exclude": _l("Excluding or including a visit"),
    "general": _l("Any action"),
}
#: A visit's status in words, as the refusals say it (the review pages' badges say the same).
STATUS_WORDS = {
    V.DRAFT: _l("draft"),
    V.SUBMITTED: _l("submitted"),
    V.RETURNED: _l("returned"),
    V.APPROVED: _l("approved"),
    V.PUBLISHED: _l("published"),
}
#: What :func:`_require` says when the visit's status does not allow an action, by action.
REFUSALS = {
    "approved": _l("A visit that is %(status)s cannot be approved."),
    "returned": _l("A visit that is %(status)s cannot be returned."),
    "excluded": _l("A visit that is %(status)s cannot be excluded."),
    "edited": _l("A visit that is %(status)s cannot be edited."),
}


# --- errors ------------------------------------------------------------------


class ReviewError(FieldError):
    """Something a reviewer asked for that cannot be done; ``str()`` is for the person."""


class ReviewStateError(ReviewError):
    """An action the visit's current status (or exclusion) does not allow."""


def _now() -> datetime:
    return datetime.now(UTC)


def _reason(reason: str | None, missing: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ReviewError(missing, field="reason")
    if len(text) > REASON_MAX:
        raise ReviewError(
            gettext("Keep the reason under %(max)s characters.", max=REASON_MAX), field="reason"
        )
    return text


def _require(visit: Visit, allowed: Sequence[VisitStatus], doing: str) -> None:
    if visit.status not in allowed:
        raise ReviewStateError(str(REFUSALS[doing]) % {"status": STATUS_WORDS[visit.status]})


def _guarded_update(
    visit: Visit,
    allowed: Sequence[VisitStatus],
    *conditions: ColumnElement[bool],
    **values: Any,
) -> None:
    """Change the visit row only if it is still in an ``allowed`` status (compare-and-set);
    without ``values``, only lock it.

    The row stays locked until the caller commits (:mod:`audit.visits.lock`), so work that
    follows reads the visit as it is now, not as it was when the page was drawn.
    """
    if values:
        values["updated_at"] = _now()
    if not lock_visit(visit, allowed, *conditions, **values):
        status = STATUS_WORDS[visit.status]
        if visit.excluded:
            raise ReviewStateError(
                gettext(
                    "This visit is now %(status)s, excluded from reporting; nothing was changed.",
                    status=status,
                )
            )
        raise ReviewStateError(
            gettext("This visit is now %(status)s; nothing was changed.", status=status)
        )


# --- actions -----------------------------------------------------------------


def open_problems(
    visit: Visit, definition: ScorecardDefinition | None = None
) -> list[SubmissionProblem]:
    """What the visit's answers lack by the submission rules (photos aside: they can't be
    added in review). Empty for a visit as submitted; an edit can open one, e.g. an answer
    that now shows a follow-up question nobody answered."""
    definition = definition or definition_of(visit.version)
    every_key = frozenset(q.key for q in definition.questions())
    return submission_problems(
        definition, answer_values(visit), comments_of(visit), evidence=every_key
    )


def approve(visit: Visit, actor: User) -> None:
    """submitted -> approved; its assignment (if it is waiting on this visit) is completed."""
    _require(visit, (V.SUBMITTED,), "approved")
    _guarded_update(visit, (V.SUBMITTED,))  # the answers checked below are the ones approved
    definition = definition_of(visit.version)
    problems = open_problems(visit, definition)
    if problems:
        texts = {q.key: localized(q.text) for q in definition.questions()}
        first = problems[0]
        raise ReviewError(
            gettext(
                "%(question)s: %(problem)s. Edit the answer or return the visit to the shopper.",
                question=texts.get(first.key, first.key),
                problem=gettext(first.message),
            )
        )
    _guarded_update(visit, (V.SUBMITTED,), status=V.APPROVED, approved_at=_now())
    assignment = visit.assignment
    if assignment is not None and assignment.status is AssignmentStatus.SUBMITTED:
        mark_completed(assignment, actor)
    record_event(actor, "visit.approved", visit, percent=visit.percent, band=visit.band)
    emit("visit.approved", visit)
    propose_for_visit(visit, actor)  # a failed critical item proposes a corrective action


def return_to_shopper(visit: Visit, actor: User, reason: str) -> None:
    """submitted -> returned with a reason the shopper reads, fixes and resubmits."""
    reason = _reason(reason, gettext("Tell the shopper what to fix."))
    _require(visit, (V.SUBMITTED,), "returned")
    if visit.visitor_id is None:
        raise ReviewStateError(
            gettext("This visit has no shopper to return it to; edit the answers or exclude it.")
        )
    _guarded_update(visit, (V.SUBMITTED,), status=V.RETURNED, return_reason=reason)
    record_event(actor, "visit.returned", visit, reason=reason)
    emit("visit.returned", visit)


def exclude(visit: Visit, actor: User, reason: str) -> None:
    """Leave the visit out of reporting (it keeps its status), with a reason."""
    reason = _reason(reason, gettext("Say why this visit should be left out of reporting."))
    if visit.excluded:
        raise ReviewStateError(gettext("This visit is already excluded from reporting."))
    _require(visit, EXCLUDABLE, "excluded")
    _guarded_update(
        visit, EXCLUDABLE, Visit.excluded.is_(False), excluded=True, exclusion_reason=reason
    )
    record_event(actor, "visit.excluded", visit, reason=reason)
    emit("visit.excluded", visit)


def include(visit: Visit, actor: User, reason: str) -> None:
    """Count an excluded visit in reporting again, with a reason."""
    reason = _reason(reason, gettext("Say why this visit should count again."))
    if not visit.excluded:
        raise ReviewStateError(gettext("This visit is not excluded from reporting."))
    previous = visit.exclusion_reason
    _guarded_update(visit, tuple(V), Visit.excluded.is_(True), excluded=False, exclusion_reason="")
    record_event(actor, "visit.included", visit, reason=reason, exclusion_reason=previous)


def publish(visit: Visit, actor: User) -> None:
    """approved -> published: staff named on the visit see it. Not while excluded."""
    if visit.status is V.PUBLISHED:
        raise ReviewStateError(gettext("This visit is already published."))
    if visit.status is not V.APPROVED:
        raise ReviewStateError(
            gettext(
                "Only an approved visit can be published; this one is %(status)s.",
                status=STATUS_WORDS[visit.status],
            )
        )
    if visit.excluded:
        raise ReviewStateError(
            gettext(
                "An excluded visit is left out of reporting and is not published; "
                "include it again first."
            )
        )
    _guarded_update(
        visit, (V.APPROVED,), Visit.excluded.is_(False), status=V.PUBLISHED, published_at=_now()
    )
    record_event(actor, "visit.published", visit)
    emit("visit.published", visit)
    notify(
        [member.user for member in visit.staff],
        "visit.published",
        f"New feedback is ready for you: {visit.scorecard.title}.",
        f"/coaching/me/visits/{visit.id}",
    )


# --- editing an answer ---------------------------------------------------------


def answer_options(question: Question) -> list[tuple[str, str]] | None:
    """(value, label) pairs for the edit form's select; None where the value is typed."""
    if question.type == "yes_no":
        options = [("yes", gettext("Yes")), ("no", gettext("No"))]
    elif question.type == "choice":
        options = [
            (o.label, f"{localized(o.label)} ({_points(o.points)})") for o in question.options
        ]
    elif question.type == "scale" and question.min is not None and question.max is not None:
        options = [
            (str(n), f"{n} – {localized(question.labels[n])}" if n in question.labels else str(n))
            for n in range(question.min, question.max + 1)
        ]
    elif question.type == "nps":
        options = [(str(n), str(n)) for n in range(11)]
    else:
        return None
    if question.allow_na:
        options.append(("N/A", "N/A"))
    if not (question.scored or question.required):
        options.insert(0, ("", gettext("— no answer —")))
    return options


def edit_answer(
    visit: Visit,
    question_key: str,
    raw_value: object,
    comment: str | None,
    actor: User,
    reason: str,
) -> AnswerChange:
    """Change one answer as a reviewer: recorded (old, new, who, why) and the visit rescored.

    ``raw_value`` is what the form sent, checked by the scoring engine; ``comment``
    None keeps the answer's comment. Raises :class:`ReviewError` for an invalid
    value, a scored or required question left blank, a missing comment where the
    scorecard asks for one, or an edit that changes nothing.
    """
    reason = _reason(reason, gettext("Say why you are changing this answer."))
    if visit.status is V.PUBLISHED:
        raise ReviewStateError(
            gettext(
                "A published visit is not edited in review: "
                "its answers change only through an appeal."
            )
        )
    _require(visit, EDITABLE, "edited")
    definition = definition_of(visit.version)
    question = definition.question(question_key)
    if question is None:
        raise ReviewError(
            gettext("'%(key)s' is not a question of this scorecard.", key=question_key)
        )
    try:
        value = checked_value(question, raw_value)
        # Lock the row, then read the answers as they are now: another reviewer may just
        # have changed one, and the record must hold the value this edit really replaced.
        _guarded_update(visit, EDITABLE)
        change = change_answer(
            visit,
            question,
            value,
            comment,
            reason=reason,
            source="review",
            user=actor,
            definition=definition,
        )
    except AnswerChangeError as problem:
        raise ReviewError(str(problem), field=problem.field) from None
    # An approved visit whose edit fails a critical item proposes its action now.
    propose_for_visit(visit, actor)
    return change


def _points(n: float) -> str:
    """ "5 pts", "1 pt": an option's points in the edit form's list."""
    return ngettext("%(points)s pt", "%(points)s pts", n, points=format(n, "g"))


# --- the queue and the history -------------------------------------------------


def queue_query(user: User, status: str) -> Select:
    """Visits in the user's scope with ``status`` (one of QUEUE_FILTERS), in queue order."""
    query = (
        select(Visit)
        .join(Visit.branch)
        .options(
            joinedload(Visit.branch),
            joinedload(Visit.scorecard),
            joinedload(Visit.visitor),
            selectinload(Visit.attachments),
        )
    )
    if status == "excluded":
        query = query.where(Visit.excluded.is_(True))
    else:
        query = query.where(Visit.status == VisitStatus(status))
    submitted = Visit.submitted_at.desc() if status in NEWEST_FIRST else Visit.submitted_at.asc()
    query = query.order_by(submitted.nulls_last(), Visit.id)
    return scope_branches(query, user)


def queue_counts(user: User) -> dict[str, int]:
    """How many visits each queue filter holds, in the user's scope (one query)."""
    excluded = func.count().filter(Visit.excluded.is_(True))
    query = (
        select(Visit.status, func.count(), excluded)
        .join(Visit.branch)
        .where(Visit.status != V.DRAFT)
        .group_by(Visit.status)
    )
    counts = dict.fromkeys(QUEUE_FILTERS, 0)
    for status, count, excluded_count in db.session.execute(scope_branches(query, user)):
        counts[VisitStatus(status).value] = count
        counts["excluded"] += excluded_count
    return counts


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    event: AuditEvent | None = None
    change: AnswerChange | None = None

    @property
    def action(self) -> str:
        """The event's name; an answer change is named as the event that announced it."""
        if self.change is not None:
            return CHANGE_EVENTS[self.change.source]
        assert self.event is not None  # noqa: S101
        return self.event.action


def history(visit: Visit) -> list[HistoryEntry]:
    """The visit's AuditEvents and AnswerChanges in time order.

    An answer change is shown once, from its AnswerChange row (old and new value,
    comment, score before and after), not again from the event that announced it.
    """
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == Visit.__tablename__, AuditEvent.subject_id == visit.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    changes = list(visit.answer_changes)
    change_ids = {c.id for c in changes}
    entries = [HistoryEntry(c.changed_at, change=c) for c in changes]
    entries += [
        HistoryEntry(e.at, event=e)
        for e in events
        if (e.details or {}).get("change_id") not in change_ids
    ]
    entries.sort(key=lambda entry: entry.at)
    return entries


# --- the reviewer comment library ----------------------------------------------


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def comments(active_only: bool = False) -> list[ReviewerComment]:
    query = select(ReviewerComment).order_by(
        ReviewerComment.active.desc(), ReviewerComment.category, ReviewerComment.text
    )
    if active_only:
        query = query.where(ReviewerComment.active.is_(True))
    return list(db.session.scalars(query))


def comment_choices(purpose: str) -> list[SelectChoice]:
    """Active saved comments for one action (and the general ones), for a select.

    Each option carries the full text in ``data-text`` for review.js to copy.
    """
    query = (
        select(ReviewerComment)
        .where(
            ReviewerComment.active.is_(True),
            ReviewerComment.category.in_((purpose, "general")),
        )
        .order_by(ReviewerComment.category != purpose, ReviewerComment.text)
    )
    return [SelectChoice(0, gettext("— type a reason, or choose a saved comment —"))] + [
        SelectChoice(c.id, _short(c.text), render_kw={"data-text": c.text})
        for c in db.session.scalars(query)
    ]


def library_text(comment_id: int | None, purpose: str) -> str | None:
    """The text of an active saved comment usable for ``purpose``; None otherwise."""
    if not comment_id:
        return None
    comment = db.session.get(ReviewerComment, comment_id)
    if comment is None or not comment.active or comment.category not in (purpose, "general"):
        return None
    return comment.text


def add_comment(category: str, text: str, actor: User) -> ReviewerComment:
    if category not in COMMENT_CATEGORIES:
        raise ReviewError(
            gettext("Unknown category '%(category)s'.", category=category), field="category"
        )
    text = text.strip()
    if not text:
        raise ReviewError(gettext("Write the comment."), field="text")
    comment = ReviewerComment(category=category, text=text, created_by_id=actor.id)
    db.session.add(comment)
    db.session.flush()
    record_event(actor, "reviewer_comment.added", comment, category=category)
    return comment


def set_comment_active(comment: ReviewerComment, active: bool, actor: User) -> None:
    """Deactivated comments leave the pick lists; reasons already given keep their text."""
    if comment.active == active:
        return
    comment.active = active
    record_event(
        actor, "reviewer_comment.activated" if active else "reviewer_comment.deactivated", comment
    )
