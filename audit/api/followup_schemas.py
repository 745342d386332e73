"""The follow-up records over the API: corrective actions, appeals and coaching notes.

The bodies are declared once here (pydantic: validated in, serialised out, the schemas
of the OpenAPI document), and so are the functions that turn a record into its body:
:func:`action_out`, :func:`appeal_out` and :func:`coaching_note_out`. They know nothing
of requests, so the webhook deliveries build their ``data`` with them too. A ``viewer``
narrows a body to what that person's page shows; without one (a webhook to an endpoint
an administrator registered) the body is the whole record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from audit.actions import service as actions
from audit.api.schemas import Id, PageQuery, _Input
from audit.appeals.service import LIST_FILTERS as APPEAL_FILTERS
from audit.appeals.service import STATUS_LABELS as APPEAL_LABELS
from audit.coaching.service import BODY_MAX, GOAL_MAX, NoteFilter
from audit.extensions import db
from audit.models import (
    Action,
    AnswerChange,
    Appeal,
    CoachingNote,
    Role,
    User,
    VisitStatus,
    event_words,
)
from audit.scorecards.store import definition_of
from audit.service_errors import TEXT_MAX
from audit.visits.answer_changes import answer_words
from audit.visits.scores import stored_value

__all__ = [
    "action_out",
    "appeal_out",
    "coaching_note_out",
]

# --- what may be sent ----------------------------------------------------------------

#: Free text as the forms take it: any line breaks, never a NUL (no database keeps one).
_NO_NUL = r"^[^\x00]*$"


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length, pattern=_NO_NUL)]


Title = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00\r\n]*$")]
ActionText = _text(TEXT_MAX)
NoteText = _text(BODY_MAX)
GoalText = _text(GOAL_MAX)
#: An action's owner as the action pages name one: ``u:ID`` a manager, ``s:ID`` a staff member.
OwnerRef = Annotated[str, StringConstraints(pattern=r"^[us]:[0-9]{1,10}$")]
Priority = Literal["low", "medium", "high"]
OWNER_HELP = "u:ID for a manager (a user id), s:ID for a staff member of the branch; null: nobody."


# --- corrective actions ----------------------------------------------------------------


class ActionQuery(PageQuery):
    status: Literal[actions.LIST_FILTERS] = Field(  # type: ignore[valid-type]
        "active",
        description="active (open or in progress, the default), overdue, proposed, open, "
        "in_progress, done, dismissed or all.",
    )
    branch_id: Id | None = Field(None, description="Only the actions of this branch.")
    region_id: Id | None = Field(None, description="Only the actions of this region's branches.")
    overdue: bool | None = Field(
        None, description="true: only active actions past their due date; false: none of those."
    )
    owner: str | None = Field(
        None,
        pattern=r"^(me|none|[us]:[0-9]{1,10})$",
        description="me, none (nobody yet), u:ID (a manager) or s:ID (a staff member).",
    )


class ActionCreate(_Input):
    """An action raised by hand at a branch in the caller's regions: it starts open."""

    branch_id: Id
    title: Title
    description: ActionText = ""
    priority: Priority = "medium"
    due_on: date | None = Field(None, description="Not in the past.")
    owner: OwnerRef | None = Field(None, description=OWNER_HELP)


class ActionPlan(_Input):
    """The plan of an action: only the fields sent change."""

    title: Title | None = None
    description: ActionText | None = None
    priority: Priority | None = None
    due_on: date | None = Field(None, description="null clears the due date.")
    owner: OwnerRef | None = Field(None, description=OWNER_HELP)


class ActionDismissal(_Input):
    reason: ActionText = Field(description="Why the proposal needs no action.")


class ActionProgress(_Input):
    """An owner's (or a manager's) update: what was done, and the status it leaves."""

    status: Literal["open", "in_progress", "done"]
    note: ActionText = Field(description="What was done.")


class ActionUpdateOut(BaseModel):
    id: int
    status_from: str | None
    status_to: str | None
    note: str
    author: str | None = Field(description="Who posted it, by name.")
    has_photo: bool
    created_at: datetime


class ActionEventOut(BaseModel):
    at: datetime
    event: str
    words: str = Field(description="The event as the action's page reads it.")
    actor: str | None
    details: dict[str, Any]


class ActionOut(BaseModel):
    id: int
    branch_id: int
    branch_code: str
    branch: str
    region_id: int
    kind: Literal["critical", "recurring", "manual", "customer_follow_up"]
    status: Literal["proposed", "open", "in_progress", "done", "dismissed"]
    priority: Priority
    title: str
    description: str
    owner: str | None = Field(description="u:ID (a manager) or s:ID (a staff member).")
    owner_name: str | None
    due_on: date | None
    overdue: bool
    visit_id: int | None = Field(description="The visit it came from (managers only).")
    question_key: str | None = Field(description="The question it is about (managers only).")
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    dismiss_reason: str
    closed_at: datetime | None
    updates: list[ActionUpdateOut]
    history: list[ActionEventOut] | None = Field(
        description="The audit trail: on a manager's read of one action; null in lists."
    )


class ActionPage(BaseModel):
    items: list[ActionOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


def _name(user: User | None) -> str | None:
    return user.name if user is not None else None


def action_out(action: Action, viewer: User | None = None, *, history: bool = True) -> ActionOut:
    """The action as ``viewer``'s page shows it: its visit, question and audit trail only
    for a manager in scope (``history=False`` leaves the trail out, as a list does)."""
    managing = viewer is None or actions.may_manage(action, viewer)
    events = None
    if managing and history:
        events = [
            ActionEventOut(
                at=e.at,
                event=e.action,
                words=event_words(e.action),
                actor=_name(e.actor),
                details=e.details or {},
            )
            for e in actions.events_of(action)
        ]
    return ActionOut(
        id=action.id,
        branch_id=action.branch_id,
        branch_code=action.branch.code,
        branch=action.branch.name,
        region_id=action.branch.region_id,
        kind=action.kind.value,
        status=action.status.value,
        priority=action.priority.value,
        title=action.title,
        description=action.description,
        owner=actions.owner_value(action) or None,
        owner_name=actions.owner_name(action) or None,
        due_on=action.due_on,
        overdue=actions.is_overdue(action),
        visit_id=action.visit_id if managing else None,
        question_key=action.question_key if managing else None,
        created_at=action.created_at,
        decided_at=action.decided_at,
        decided_by=_name(action.decided_by),
        dismiss_reason=action.dismiss_reason,
        closed_at=action.closed_at,
        updates=[
            ActionUpdateOut(
                id=u.id,
                status_from=u.status_from.value if u.status_from else None,
                status_to=u.status_to.value if u.status_to else None,
                note=u.note,
                author=_name(u.author),
                has_photo=bool(u.photo_name),
                created_at=u.created_at,
            )
            for u in action.updates
        ],
        history=events,
    )


# --- appeals -----------------------------------------------------------------------------


class AppealQuery(PageQuery):
    status: Literal[APPEAL_FILTERS] = Field(  # type: ignore[valid-type]
        "open", description="open (the default), decided (upheld or amended) or all."
    )
    visit_id: Id | None = Field(None, description="Only the appeals of this visit.")


class AppealCreate(_Input):
    """Dispute one answer of a published visit, within the appeal window."""

    visit_id: Id
    question_key: Annotated[str, StringConstraints(max_length=80, pattern=_NO_NUL)] = Field(
        description="The question whose answer is disputed: one that lost points."
    )
    reason: ActionText = Field(description="Why the answer is wrong.")
    requested_value: Annotated[str, StringConstraints(max_length=200, pattern=_NO_NUL)] = Field(
        "", description="What it should have been, in the question's terms (yes, 4, Partly)."
    )


class AppealDecision(_Input):
    """uphold: the answer stands. amend: the answer becomes ``value`` and the visit is
    re-scored (``comment``, when sent, replaces the answer's comment)."""

    decision: Literal["uphold", "amend"]
    note: ActionText = Field(description="The reason for the decision.")
    value: Annotated[str, StringConstraints(max_length=200, pattern=_NO_NUL)] | None = Field(
        None, description="amend: the new answer (yes, 4, Partly, N/A)."
    )
    comment: _text(4000) | None = Field(None, description="amend: the answer's new comment.")


class AnswerChangeOut(BaseModel):
    old_value: str
    new_value: str
    percent_before: float | None
    percent_after: float | None


class AppealOut(BaseModel):
    id: int
    visit_id: int
    branch_id: int
    branch: str
    question_key: str
    question_text: str
    answer: str = Field(description="The answer as it stands now.")
    reason: str
    requested_value: str
    status: Literal["open", "upheld", "amended", "withdrawn"]
    status_label: str
    raised_by: str | None
    raised_by_id: int | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    has_evidence: bool
    change: AnswerChangeOut | None = Field(description="The change an amended appeal made.")


class AppealPage(BaseModel):
    items: list[AppealOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


def appeal_out(appeal: Appeal) -> AppealOut:
    """The appeal as its page shows it (every viewer who reaches it sees the same)."""
    visit = appeal.visit
    question = definition_of(visit.version).question(appeal.question_key)
    answer = visit.answer(appeal.question_key)
    change = (
        db.session.get(AnswerChange, appeal.answer_change_id) if appeal.answer_change_id else None
    )
    return AppealOut(
        id=appeal.id,
        visit_id=appeal.visit_id,
        branch_id=visit.branch_id,
        branch=visit.branch.name,
        question_key=appeal.question_key,
        question_text=question.text if question else appeal.question_key,
        answer=answer_words(stored_value(answer)) if answer else "",
        reason=appeal.reason,
        requested_value=appeal.requested_value,
        status=appeal.status.value,
        status_label=APPEAL_LABELS[appeal.status],
        raised_by=_name(appeal.raised_by),
        raised_by_id=appeal.raised_by_id,
        created_at=appeal.created_at,
        decided_by=_name(appeal.decided_by),
        decided_at=appeal.decided_at,
        decision_note=appeal.decision_note,
        has_evidence=bool(appeal.evidence_name),
        change=AnswerChangeOut(
            old_value=change.old_value,
            new_value=change.new_value,
            percent_before=change.percent_before,
            percent_after=change.percent_after,
        )
        if change
        else None,
    )


# --- coaching notes ------------------------------------------------------------------------


class CoachingNoteQuery(PageQuery):
    status: Literal[tuple(f.value for f in NoteFilter)] = Field(  # type: ignore[valid-type]
        "all",
        description="all (the default), open, unacknowledged, due (follow-up date reached) "
        "or closed.",
    )
    branch_id: Id | None = Field(None, description="Only notes to staff of this branch.")
    staff_id: Id | None = Field(None, description="Only notes to this staff member.")


class CoachingNoteCreate(_Input):
    """A note to a staff member in the caller's regions, from a reviewed visit naming them
    or about nothing in particular."""

    staff_id: Id
    body: NoteText
    goal: GoalText = ""
    follow_up_on: date | None = Field(None, description="Not in the past.")
    visit_id: Id | None = Field(None, description="An approved or published visit naming them.")


class CoachingReplyCreate(_Input):
    body: NoteText


class CoachingNoteClosing(_Input):
    closing_note: GoalText = Field("", description="How the follow-up went (optional).")


class CoachingReplyOut(BaseModel):
    id: int
    author: str | None
    by_staff_member: bool = Field(description="Written by the staff member the note is for.")
    body: str
    created_at: datetime


class CoachingNoteOut(BaseModel):
    id: int
    staff_id: int
    staff_name: str
    branch_id: int
    visit_id: int | None = Field(
        description="The visit it was written from; for a staff member only once published."
    )
    author: str | None
    body: str
    goal: str
    follow_up_on: date | None
    created_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    closing_note: str
    replies: list[CoachingReplyOut]


class CoachingNotePage(BaseModel):
    items: list[CoachingNoteOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


def _visit_shown(note: CoachingNote, viewer: User | None) -> int | None:
    """Staff learn of a visit only once it is published to them (as the note page links it)."""
    visit = note.visit
    if visit is None:
        return None
    if viewer is not None and viewer.role is Role.STAFF:
        if visit.status is not VisitStatus.PUBLISHED or visit.excluded:
            return None
    return visit.id


def coaching_note_out(note: CoachingNote, viewer: User | None = None) -> CoachingNoteOut:
    member = note.staff_member
    return CoachingNoteOut(
        id=note.id,
        staff_id=member.id,
        staff_name=member.name,
        branch_id=member.branch_id,
        visit_id=_visit_shown(note, viewer),
        author=_name(note.author),
        body=note.body,
        goal=note.goal,
        follow_up_on=note.follow_up_on,
        created_at=note.created_at,
        acknowledged_at=note.acknowledged_at,
        closed_at=note.closed_at,
        closing_note=note.closing_note,
        replies=[
            CoachingReplyOut(
                id=r.id,
                author=_name(r.author),
                by_staff_member=r.author_id is not None and r.author_id == member.user_id,
                body=r.body,
                created_at=r.created_at,
            )
            for r in note.replies
        ],
    )
