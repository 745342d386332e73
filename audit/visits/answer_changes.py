"""Changing one answer of a scored visit after submission; nothing here knows of requests.

A reviewer's edit (:func:`audit.review.service.edit_answer`) and an amended appeal
(:func:`audit.appeals.service.amend`) change an answer the same way: the value is
checked by the scoring engine, the scorecard's comment rule still holds, the visit
is re-scored, and an :class:`AnswerChange` (old and new value and comment, reason,
author, time, score before and after) and an AuditEvent record it, and the visit's
trust signals are queued to be computed again. The caller locks the visit first (so
the old value read here is the one really replaced) and commits.

:func:`change_answer` does it in one step; :func:`check_change` and
:func:`apply_change` are its two halves, for a caller that has more to do once the
change is known to be valid and before anything is written (an appeal closes itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from flask_babel import gettext
from sqlalchemy import select

from audit.extensions import N_, db
from audit.models import Answer, AnswerChange, User, Visit, record_event
from audit.scorecards.definition import Question, ScorecardDefinition
from audit.scorecards.scoring import (
    NA,
    AnswerValue,
    InvalidAnswer,
    normalise_value,
    question_earned,
    submission_problems,
)
from audit.scorecards.store import definition_of
from audit.service_errors import FieldError
from audit.tasks import enqueue
from audit.visits.scores import answer_values, comments_of, set_answer, store_score, stored_value
from audit.webhooks.emitting import emit, emit_critical_failure

Source = Literal["review", "appeal"]
#: The AuditEvent each source writes on the visit.
EVENTS: dict[str, str] = {"review": "visit.answer_edited", "appeal": "visit.answer_amended"}
UNCHANGED = N_("Nothing changed: the answer and comment are as before.")
#: audit.trust.service.compute_visit_signals, named so that visits does not import trust.
SIGNALS_TASK = "audit.trust.service:compute_visit_signals"


class AnswerChangeError(FieldError):
    """A change that cannot be made; ``field`` is "value" or "comment"."""


def display_value(value: AnswerValue) -> str:
    """An answer as a person reads it: "yes", "4", "3.5", "Partly", "N/A"; "" unanswered."""
    if value is None:
        return ""
    if value is NA:
        return "N/A"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: A yes/no answer as the visit form's buttons say it; English here (the API's words), in
#: the reader's language on pages (the ``answer`` filter of :mod:`audit.templating`).
YES_NO_WORDS: dict[str, str] = {"yes": N_("Yes"), "no": N_("No")}


def answer_words(value: AnswerValue) -> str:
    """An answer as the visit form shows it: ``display_value`` with "Yes" and "No" as the
    form's buttons say them (the stored value and ``display_value`` stay "yes"/"no")."""
    text = display_value(value)
    return YES_NO_WORDS.get(text, text)


def checked_value(question: Question, raw_value: object) -> AnswerValue:
    """What a form sent, as the engine's value; a scored or required question is never blank."""
    try:
        value = normalise_value(question, raw_value)
    except InvalidAnswer as problem:
        raise AnswerChangeError(str(problem), field="value") from None
    if value is None and (question.scored or question.required):
        blank = (
            gettext("Give an answer (or N/A): this question cannot be blank.")
            if question.allow_na
            else gettext("Give an answer: this question cannot be blank.")
        )
        raise AnswerChangeError(blank, field="value")
    return value


@dataclass(frozen=True)
class PendingChange:
    """A change checked against the visit as it is now, not yet written."""

    visit: Visit
    definition: ScorecardDefinition
    question: Question
    value: AnswerValue
    old_value: AnswerValue
    old_comment: str
    new_comment: str


def check_change(
    visit: Visit,
    question: Question,
    value: AnswerValue,
    comment: str | None,
    *,
    definition: ScorecardDefinition | None = None,
    unchanged: str = UNCHANGED,
) -> PendingChange:
    """Check that setting ``value`` (normalised) and ``comment`` (None keeps the answer's)
    changes something and keeps the scorecard's comment rule; writes nothing."""
    definition = definition or definition_of(visit.version)
    answer = visit.answer(question.key)
    old_value = stored_value(answer)
    old_comment = answer.comment if answer is not None else ""
    new_comment = old_comment if comment is None else comment.strip()
    if old_value == value and new_comment == old_comment:
        raise AnswerChangeError(gettext(unchanged), field="value")
    if (
        old_comment
        and new_comment == old_comment
        and _full(question, old_value) != _full(question, value)
    ):
        # The shopper's words were about the old answer: kept beside the new one they would
        # praise a failure or criticise a pass (on the staff portal, in the PDFs).
        message = (
            N_(
                "The answer now earns full points, so its comment (“%(comment)s”) no longer "
                "fits: rewrite it for the new answer or clear it. The old comment stays in "
                "the history."
            )
            if _full(question, value)
            else N_(
                "The answer now loses points, so its comment (“%(comment)s”) no longer fits: "
                "rewrite it for the new answer or clear it. The old comment stays in the history."
            )
        )
        raise AnswerChangeError(
            gettext(message, comment=_short(old_comment)),
            field="comment",
        )
    values = {**answer_values(visit), question.key: value}
    comments = {**comments_of(visit), question.key: new_comment}
    every_key = frozenset(q.key for q in definition.questions())  # photos can't be added now
    for problem in submission_problems(definition, values, comments, evidence=every_key):
        if problem.key == question.key:
            raise AnswerChangeError(gettext(problem.message), field="comment")
    return PendingChange(visit, definition, question, value, old_value, old_comment, new_comment)


def change_problem(
    visit: Visit,
    question: Question,
    raw_value: object,
    comment: str | None,
    *,
    definition: ScorecardDefinition | None = None,
) -> AnswerChangeError | None:
    """Why setting ``raw_value`` (as a form sent it) and ``comment`` would be refused, or
    None; writes nothing. For a form that has another problem already (no reason given)
    and must report this one in the same answer rather than on the next try."""
    try:
        check_change(
            visit, question, checked_value(question, raw_value), comment, definition=definition
        )
    except AnswerChangeError as problem:
        return problem
    return None


#: How an answer changed after it was sent is marked wherever it is shown (English here, the
#: API's words; pages translate them with ``gettext`` when they show them).
CHANGED = N_("changed")
CHANGE_MARKS: dict[str, str] = {
    "review": N_("changed by the reviewer"),
    "appeal": N_("changed on appeal"),
}


def change_marks(visit_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """How each changed answer of these visits reads, by (visit id, question key): the
    latest change's source ("changed on appeal"); one query for any number of visits."""
    ids = sorted(set(visit_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(AnswerChange.visit_id, AnswerChange.question_key, AnswerChange.source)
        .where(AnswerChange.visit_id.in_(ids))
        .order_by(AnswerChange.changed_at, AnswerChange.id)
    )
    return {(visit_id, key): CHANGE_MARKS.get(source, CHANGED) for visit_id, key, source in rows}


#: Whose words a comment is, as the places that quote it label it (English, translated
#: where shown, as the change marks).
SHOPPERS_COMMENT = N_("Shopper's comment")
COMMENT_WRITERS: dict[str, str] = {
    "review": N_("Reviewer's comment"),
    "appeal": N_("Comment written on appeal"),
}
COMMENT_CHANGED = N_("Comment changed after sending")


def comment_labels(visit_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """The answers of these visits whose comment a reviewer or an appeal wrote, rather than
    the shopper: (visit id, question key) -> "Reviewer's comment" or "Comment written on
    appeal". Any answer not listed carries the shopper's own words (:data:`SHOPPERS_COMMENT`).

    A change that moves an answer between full points and not must rewrite its comment
    (:func:`check_change`); the rewrite is the reviewer's, and is labelled so wherever the
    comment is quoted. It stays theirs while the answer's comment is the one that change
    wrote (a shopper correcting a returned visit may write their own again). Two queries.
    """
    ids = sorted(set(visit_ids))
    if not ids:
        return {}
    written: dict[tuple[int, str], tuple[str, str]] = {}
    for visit_id, key, source, comment in db.session.execute(
        select(
            AnswerChange.visit_id,
            AnswerChange.question_key,
            AnswerChange.source,
            AnswerChange.new_comment,
        )
        .where(AnswerChange.visit_id.in_(ids), AnswerChange.new_comment != AnswerChange.old_comment)
        .order_by(AnswerChange.changed_at, AnswerChange.id)
    ):
        written[(visit_id, key)] = (source, comment)
    if not written:
        return {}
    current = {
        (visit_id, key): comment or ""
        for visit_id, key, comment in db.session.execute(
            select(Answer.visit_id, Answer.question_key, Answer.comment).where(
                Answer.visit_id.in_({visit_id for visit_id, _ in written})
            )
        )
    }
    return {
        ident: COMMENT_WRITERS.get(source, COMMENT_CHANGED)
        for ident, (source, comment) in written.items()
        if comment.strip() and current.get(ident, "").strip() == comment.strip()
    }


def _full(question: Question, value: AnswerValue) -> bool:
    """Whether ``value`` earns the question's full points (never for an unscored question,
    an N/A or no answer)."""
    if not question.scored or value is None or value is NA:
        return False
    return question_earned(question, value) >= question.possible


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def apply_change(
    pending: PendingChange,
    *,
    reason: str,
    source: Source,
    user: User,
    **details: object,
) -> AnswerChange:
    """Write the checked change, re-score the visit, record the AnswerChange and the event.

    ``details`` are added to the event (e.g. ``appeal_id``).
    """
    visit, question = pending.visit, pending.question
    percent_before = visit.percent
    critical_before = visit.critical_failed
    set_answer(visit, question, pending.value, pending.new_comment)
    store_score(visit, pending.definition)
    change = AnswerChange(
        visit=visit,
        question_key=question.key,
        old_value=display_value(pending.old_value),
        new_value=display_value(pending.value),
        old_comment=pending.old_comment,
        new_comment=pending.new_comment,
        reason=reason,
        source=source,
        percent_before=percent_before,
        percent_after=visit.percent,
        changed_by=user,
        changed_at=datetime.now(UTC),
    )
    db.session.add(change)
    db.session.flush()
    record_event(
        user,
        EVENTS[source],
        visit,
        change_id=change.id,
        **details,
        question=question.key,
        old=change.old_value,
        new=change.new_value,
        reason=reason,
        percent_before=percent_before,
        percent_after=visit.percent,
    )
    emit("visit.answer_changed", visit)
    emit_critical_failure(visit, critical_before)
    # A comment written or cleared may raise or end a signal (a copied comment): the visit's
    # trust signals are computed again, after the commit.
    enqueue(SIGNALS_TASK, visit_ids=[visit.id])
    return change


def change_answer(
    visit: Visit,
    question: Question,
    value: AnswerValue,
    comment: str | None,
    *,
    reason: str,
    source: Source,
    user: User,
    definition: ScorecardDefinition | None = None,
    unchanged: str = UNCHANGED,
) -> AnswerChange:
    """Check and write one answer change (see the module docstring); the visit is locked."""
    pending = check_change(
        visit, question, value, comment, definition=definition, unchanged=unchanged
    )
    return apply_change(pending, reason=reason, source=source, user=user)
