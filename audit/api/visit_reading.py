"""Which visits a token's person may read through the API, and how each reads one: the
rules of their own pages, from the same access layer and area modules.

- managers (and admins): every visit at a branch in their regions, as the review pages
  show it (drafts are still the shopper's: not listed, 404);
- shoppers and assessors: their own visits, as their phone shows them (a sent visit's
  answers as they sent them, never a score or points);
- staff: the published, not excluded visits that name them, as their portal shows them
  (no shopper, no other staff, no review, hidden questions left out).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from audit.access import get_visit, scope_branches
from audit.api.problems import invalid
from audit.api.visit_schemas import (
    MANAGER,
    STAFF,
    VISITOR,
    AnswerOut,
    HistoryOut,
    OpenProblem,
    ReviewOut,
    SignalOut,
    View,
    VisitDetail,
    VisitQuery,
    summary_fields,
)
from audit.models import (
    Branch,
    Role,
    Scorecard,
    User,
    Visit,
    VisitSectionScore,
    VisitStatus,
    event_words,
    visit_staff,
)
from audit.reporting.sql import period_conditions
from audit.review import service as review
from audit.scorecards.definition import Question, ScorecardDefinition
from audit.scorecards.scoring import NA, AnswerValue, hidden_questions
from audit.scorecards.store import definition_of
from audit.shop.reading import as_sent
from audit.trust.service import findings_of
from audit.visits.answer_changes import (
    SHOPPERS_COMMENT,
    change_marks,
    comment_labels,
    display_value,
)
from audit.visits.scores import answer_values, comments_of, stored_value

V = VisitStatus
#: Filters each kind of reader may not use: they would tell what their pages hide (a
#: shopper filtering on critical_failed learns a score; staff filtering on a colleague
#: learns who else a visit names).
REFUSED_FILTERS: dict[View, frozenset[str]] = {
    MANAGER: frozenset(),
    VISITOR: frozenset({"visitor_id", "excluded", "critical_failed"}),
    STAFF: frozenset({"visitor_id", "excluded", "staff_id"}),
}
#: A shopper's own visit shows its current answers while they may still change it.
SHOPPER_EDITABLE = (V.DRAFT, V.RETURNED)


def view_for(user: User) -> View:
    if user.role in (Role.SHOPPER, Role.ASSESSOR):
        return VISITOR
    if user.role is Role.STAFF:
        return STAFF
    return MANAGER


# --- lists ---------------------------------------------------------------------------


def visible_visits(user: User) -> Select:
    """Every visit ``user`` may list (see the module docstring), joined to its branch."""
    query = select(Visit).join(Visit.branch)
    view = view_for(user)
    if view == VISITOR:
        return query.where(Visit.visitor_id == user.id)
    if view == STAFF:
        member = user.staff_member
        if member is None:
            return query.where(false())
        names_member = select(visit_staff.c.visit_id).where(
            visit_staff.c.staff_member_id == member.id
        )
        return query.where(
            Visit.id.in_(names_member), Visit.status == V.PUBLISHED, Visit.excluded.is_(False)
        )
    return scope_branches(query.where(Visit.status != V.DRAFT), user)


def filtered(query: Select, asked: VisitQuery, view: View) -> Select:
    """``query`` narrowed by the filters asked; 422 naming a filter the reader may not use."""
    refused = [
        {"field": name, "message": "This filter is not available to your role."}
        for name in sorted(REFUSED_FILTERS[view])
        if getattr(asked, name) is not None
    ]
    if refused:
        raise invalid(refused)
    if asked.branch_id is not None:
        query = query.where(Visit.branch_id == asked.branch_id)
    if asked.region_id is not None:
        query = query.where(Branch.region_id == asked.region_id)
    if asked.scorecard:
        slug = select(Scorecard.id).where(Scorecard.slug == asked.scorecard)
        query = query.where(Visit.scorecard_id.in_(slug))
    if asked.status is not None:
        query = query.where(Visit.status == VisitStatus(asked.status))
    if asked.visitor_id is not None:
        query = query.where(Visit.visitor_id == asked.visitor_id)
    if asked.staff_id is not None:
        names = select(visit_staff.c.visit_id).where(
            visit_staff.c.staff_member_id == asked.staff_id
        )
        query = query.where(Visit.id.in_(names))
    query = query.where(*period_conditions(asked.visited_from, asked.visited_to))
    if asked.critical_failed is not None:
        query = query.where(Visit.critical_failed.is_(asked.critical_failed))
    if asked.excluded is not None:
        query = query.where(Visit.excluded.is_(asked.excluded))
    if asked.updated_since is not None:
        query = query.where(Visit.updated_at >= asked.updated_since)
    return query


def with_list_fields(query: Select) -> Select:
    """Load what a list item shows with the page, in a fixed number of queries."""
    return query.options(
        contains_eager(Visit.branch),  # joined by visible_visits
        joinedload(Visit.scorecard),
        joinedload(Visit.version),
        joinedload(Visit.visitor),
        selectinload(Visit.staff),
        selectinload(Visit.section_scores).joinedload(VisitSectionScore.section),
    )


# --- one visit -----------------------------------------------------------------------


def readable_visit(visit_id: int, user: User) -> Visit:
    """The visit if ``user`` may read it (:func:`audit.access.get_visit`: 404, or 403
    outside a manager's regions); a draft only for the one who is filling it in."""
    visit = get_visit(visit_id, user)
    if visit.status is V.DRAFT and view_for(user) != VISITOR:
        abort(404)
    return visit


def _json_value(value: AnswerValue) -> str | int | float | None:
    return None if value is None or value is NA else value


def _answer(
    question: Question,
    section_key: str,
    section_title: str,
    value: AnswerValue,
    comment: str,
    **fields: object,
) -> AnswerOut:
    """One answer; ``fields`` are those the reader may see (the others stay null)."""
    return AnswerOut(
        key=question.key,
        section=section_key,
        section_title=section_title,
        question=question.text,
        type=question.type,
        value=_json_value(value),
        na=value is NA,
        display=display_value(value),
        comment=comment,
        **fields,
    )


def _scored_answers(visit: Visit, definition: ScorecardDefinition, view: View) -> list[AnswerOut]:
    """The stored answers with their points, as the review page (managers) or the staff
    portal (hidden questions left out, the standard shown) reads them."""
    stored = {a.question_key: a for a in visit.answers}
    marks, writers = change_marks([visit.id]), comment_labels([visit.id])
    lines = []
    for section in definition.sections:
        for question in section.questions:
            answer = stored.get(question.key)
            if view == STAFF and (answer is None or answer.hidden):
                continue
            value = stored_value(answer)
            counted = answer is not None and not answer.is_na
            lines.append(
                _answer(
                    question,
                    section.key,
                    section.title,
                    value,
                    answer.comment if answer else "",
                    comment_by=writers.get((visit.id, question.key), SHOPPERS_COMMENT)
                    if answer is not None and answer.comment
                    else None,
                    earned=answer.earned if counted else None,
                    possible=answer.possible if counted else None,
                    hidden=answer.hidden if answer is not None and view == MANAGER else None,
                    critical=question.critical,
                    critical_failed=answer.critical_failed if answer is not None else None,
                    changed=marks.get((visit.id, question.key)),
                    standard=question.standard,
                )
            )
    return lines


def _visitor_answers(visit: Visit, definition: ScorecardDefinition) -> list[AnswerOut]:
    """The answers as the shopper's phone shows them: while they may change the visit, as
    saved; once sent, as they sent them (a reviewer's later edit is not theirs). Never
    points; questions their answers hide left out."""
    if visit.status in SHOPPER_EDITABLE:
        values, comments = answer_values(visit), comments_of(visit)
    else:
        values, comments = as_sent(visit)
    hidden = hidden_questions(definition, values)
    return [
        _answer(
            question,
            section.key,
            section.title,
            values.get(question.key),
            comments.get(question.key, ""),
        )
        for section in definition.sections
        for question in section.questions
        if question.key not in hidden
    ]


def _actions(visit: Visit) -> list[str]:
    """What a manager may do to the visit now (the review page's buttons)."""
    status, actions = visit.status, []
    if status is V.SUBMITTED:
        actions.append("approve")
    if status is V.APPROVED and not visit.excluded:
        actions.append("publish")
    if status is V.SUBMITTED and visit.visitor_id is not None:
        actions.append("return")
    if visit.excluded:
        actions.append("include")
    elif status in review.EXCLUDABLE:
        actions.append("exclude")
    if status in review.EDITABLE:
        actions.append("edit_answer")
    return actions


def _history(visit: Visit) -> list[HistoryOut]:
    entries = []
    for entry in review.history(visit):
        change, event = entry.change, entry.event
        if change is not None:
            entries.append(
                HistoryOut(
                    at=entry.at,
                    event=entry.action,
                    words=event_words(entry.action),
                    by=change.changed_by.name if change.changed_by else None,
                    question=change.question_key,
                    old_value=change.old_value,
                    new_value=change.new_value,
                    old_comment=change.old_comment,
                    new_comment=change.new_comment,
                    reason=change.reason,
                    percent_before=change.percent_before,
                    percent_after=change.percent_after,
                )
            )
            continue
        details = event.details or {}
        rescored = event.action == "visit.rescored"
        entries.append(
            HistoryOut(
                at=entry.at,
                event=entry.action,
                words=event_words(entry.action),
                by=event.actor.name if event.actor else None,
                question=details.get("question") or details.get("question_key"),
                old_value=None,
                new_value=None,
                old_comment=None,
                new_comment=None,
                reason=details.get("reason"),
                percent_before=details.get("before") if rescored else None,
                percent_after=details.get("after") if rescored else None,
            )
        )
    return entries


def _review(visit: Visit, definition: ScorecardDefinition) -> ReviewOut:
    texts = {q.key: q.text for q in definition.questions()}
    return ReviewOut(
        actions=_actions(visit),
        problems=[
            OpenProblem(key=p.key, question=texts.get(p.key, p.key), message=p.message)
            for p in review.open_problems(visit, definition)
        ],
        signals=[SignalOut(kind=s.kind, level=s.level, text=s.detail) for s in findings_of(visit)],
        history=_history(visit),
    )


def visit_detail(visit: Visit, view: View) -> VisitDetail:
    """One visit with its answers, as ``view`` reads it (see the module docstring)."""
    definition = definition_of(visit.version)
    manager, staff = view == MANAGER, view == STAFF
    if view == VISITOR:
        answers = _visitor_answers(visit, definition)
    else:
        answers = _scored_answers(visit, definition, view)
    shows_return = manager or (view == VISITOR and visit.status is V.RETURNED)
    return VisitDetail(
        **summary_fields(visit, view),
        started_at=None if staff else visit.started_at,
        ended_at=None if staff else visit.ended_at,
        staff_description=None if staff else visit.staff_description,
        return_reason=(visit.return_reason or None) if shows_return else None,
        exclusion_reason=(visit.exclusion_reason or None) if manager else None,
        answers=answers,
        review=_review(visit, definition) if manager else None,
    )
