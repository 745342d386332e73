"""The visit resources' bodies, and :func:`visit_out`: a visit as the API lists it.

Each person reads a visit as their pages show it, so one schema carries every field and
a field the caller's role may not see is ``null`` (never left out, so a client's parser
does not depend on the role): shoppers and assessors never get a score, points or
exclusion; staff never get the shopper, the other staff named or the review. See
:data:`View`.

:func:`visit_out` needs nothing but the visit and its loaded relations (no request), so
webhook payloads can carry "the record as the API returns it".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from audit.api.schemas import Id, PageQuery, _Input
from audit.models import Visit
from audit.org.timezones import zone
from audit.service_errors import TEXT_MAX
from audit.visits.imports import parse_visited_at

#: How a visit is read: by a manager or admin (everything), by the shopper or assessor
#: who made it (their own answers, never a score), by a staff member it names (what the
#: staff portal shows).
View = Literal["manager", "visitor", "staff"]
MANAGER: View = "manager"
VISITOR: View = "visitor"
STAFF: View = "staff"

Status = Literal["draft", "submitted", "returned", "approved", "published"]
Band = Literal["exceeds", "meets", "below"]
ReviewAction = Literal["approve", "return", "publish", "exclude", "include", "edit_answer"]

#: Text without NUL characters (PostgreSQL keeps none); line breaks are fine.
_NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX, pattern=_NO_NUL)]
Short = Annotated[str, StringConstraints(max_length=255, pattern=_NO_NUL)]
Key = Annotated[str, StringConstraints(max_length=80, pattern=_NO_NUL)]
Slug = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=80, pattern=r"^[A-Za-z0-9_-]+$")
]
AnswerIn = Text | int | float | bool | None


# --- a visit -----------------------------------------------------------------------


class BranchRef(BaseModel):
    id: int
    code: str
    name: str
    region_id: int
    timezone: str = Field(description="The IANA time zone the branch keeps its clocks in.")


class ScorecardRef(BaseModel):
    id: int
    slug: str
    title: str
    version: int = Field(description="The scorecard version the visit was filled in against.")


class PersonRef(BaseModel):
    id: int
    name: str
    email: str
    role: str


class StaffRef(BaseModel):
    id: int
    code: str
    name: str


class SectionScoreOut(BaseModel):
    key: str
    title: str
    earned: float
    possible: float
    percent: float | None = Field(description="null: no possible points in this section.")
    critical_failed: bool


class VisitOut(BaseModel):
    """A visit with its stored score. ``null``: not set yet, or not for the caller's role."""

    id: int
    external_id: str | None
    status: Status
    excluded: bool | None = Field(description="Left out of reporting (managers only).")
    branch: BranchRef
    scorecard: ScorecardRef
    visited_at: datetime = Field(description="In UTC, like every time the API gives.")
    visited_at_local: datetime = Field(
        description="The same instant on the branch's clock, with its offset "
        "(2026-01-31T23:30:00-08:00 in America/Los_Angeles); its date is the day, and its "
        "month the month, the visit counts in."
    )
    submitted_at: datetime | None
    approved_at: datetime | None
    published_at: datetime | None
    updated_at: datetime
    visitor: PersonRef | None = Field(description="The shopper or assessor (not for staff).")
    staff: list[StaffRef] | None = Field(description="The staff named (not for staff).")
    earned: float | None
    possible: float | None
    percent: float | None
    band: Band | None
    critical_failed: bool | None
    sections: list[SectionScoreOut] | None


class AnswerOut(BaseModel):
    """One answer; the fields from ``comment_by`` on are null where the reader's pages do
    not show them (points to shoppers, hidden questions to anyone but managers)."""

    key: str
    section: str = Field(description="The section's key.")
    section_title: str
    question: str
    type: str
    value: str | int | float | None = Field(
        description="yes/no, an option's label, a number or text; null: unanswered or N/A."
    )
    na: bool
    display: str = Field(description="The answer as a person reads it; '' when unanswered.")
    comment: str
    comment_by: str | None = Field(None, description="Whose words the comment is.")
    earned: float | None = None
    possible: float | None = None
    hidden: bool | None = Field(None, description="Not shown for these answers (counts as N/A).")
    critical: bool | None = Field(None, description="A must-do item.")
    critical_failed: bool | None = None
    changed: str | None = Field(None, description="How it changed after it was sent, if it did.")
    standard: str | None = Field(None, description="The standard staff are held to.")


class OpenProblem(BaseModel):
    key: str
    question: str
    message: str


class SignalOut(BaseModel):
    kind: str = Field(
        description="too_short, far_from_branch, photo_time, late_submission, "
        "outside_hours, photo_reuse, duplicate_text or impossible_travel."
    )
    level: Literal["ok", "warn", "high"] = Field(
        description="ok: checked and found right; warn: check this; high: hard to explain."
    )
    text: str


class HistoryOut(BaseModel):
    at: datetime
    event: str = Field(description="The audit event, e.g. visit.approved.")
    words: str
    by: str | None
    question: str | None = Field(description="The key of the answer changed, if one was.")
    old_value: str | None
    new_value: str | None
    old_comment: str | None
    new_comment: str | None
    reason: str | None
    percent_before: float | None
    percent_after: float | None


class ReviewOut(BaseModel):
    """The review page's state: what may be done now, what blocks approval, the trust
    signals and the history."""

    actions: list[ReviewAction]
    problems: list[OpenProblem]
    signals: list[SignalOut]
    history: list[HistoryOut]


class VisitDetail(VisitOut):
    started_at: datetime | None
    ended_at: datetime | None
    staff_description: str | None
    return_reason: str | None = Field(description="Why it was (last) returned to the shopper.")
    exclusion_reason: str | None
    answers: list[AnswerOut]
    review: ReviewOut | None = Field(description="Managers only.")


class VisitPage(BaseModel):
    items: list[VisitOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


# --- asking --------------------------------------------------------------------------


class VisitQuery(PageQuery):
    """Filters; visits come in order of ``visited_at``, then id."""

    branch_id: Id | None = None
    region_id: Id | None = None
    scorecard: Slug | None = Field(None, description="A scorecard's slug.")
    status: Status | None = None
    visitor_id: Id | None = Field(None, description="The shopper or assessor (managers).")
    staff_id: Id | None = Field(None, description="Visits naming this staff member.")
    visited_from: date | None = Field(
        None, description="First day, inclusive: the branch's day (visited_at_local's date)."
    )
    visited_to: date | None = Field(
        None, description="Last day, inclusive: the branch's day (visited_at_local's date)."
    )
    critical_failed: bool | None = None
    excluded: bool | None = Field(None, description="Managers only.")
    updated_since: datetime | None = Field(
        None, description="Changed at or after this time (a time without a zone is UTC)."
    )

    @field_validator("updated_since")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("updated_since is outside the calendar") from None


class VisitCreate(_Input):
    """One visit, exactly as one item of the JSON file ``flask visits import`` reads; the
    import's rules check it, and its status is the one given (approved by default)."""

    external_id: Short = Field(description="Your id for the visit; a second one is refused.")
    branch: Short = Field(description="The branch's code.")
    scorecard: Short = Field(description="The scorecard's slug.")
    version: Id | None = Field(None, description="Default: the latest published version.")
    visited_at: Short = Field(
        description="ISO 8601 date or date-time; without a zone, the branch's local time "
        "(its timezone)."
    )
    shopper: Short | None = Field(None, description="The e-mail of the shopper or assessor.")
    staff: list[Short] | Short | None = Field(None, description="Staff codes.")
    status: Short | None = Field(None, description="submitted, approved (default) or published.")
    answers: dict[Key, AnswerIn] = Field(default_factory=dict, description="Question key: value.")
    comments: dict[Key, Text | None] = Field(default_factory=dict)

    @field_validator("visited_at")
    @classmethod
    def _a_time(cls, value: str) -> str:
        """The import's own reading, so a date past the calendar's end is refused here
        by name instead of failing on its way to UTC."""
        try:
            parse_visited_at(value)
        except OverflowError:
            raise ValueError("visited_at is outside the calendar") from None
        except ValueError:
            pass  # the import names it, with its own words
        return value


class Reason(_Input):
    """A reason typed, or a saved comment of the reviewers' library chosen."""

    reason: Text = ""
    saved_comment_id: Id | None = Field(None, description="Used when reason is empty.")


class AnswerChangeIn(Reason):
    value: AnswerIn = Field(description="The new answer, checked by the scoring engine.")
    comment: Text | None = Field(None, description="null keeps the answer's comment.")


# --- building ------------------------------------------------------------------------


def summary_fields(visit: Visit, view: View) -> dict:
    """The list fields of ``visit`` as ``view`` reads them (relations loaded or lazy)."""
    scored = view != VISITOR
    manager = view == MANAGER
    sections = None
    if scored:
        sections = [
            SectionScoreOut(
                key=s.section_key,
                title=s.section.title,
                earned=s.earned,
                possible=s.possible,
                percent=s.percent,
                critical_failed=s.critical_failed,
            )
            for s in visit.section_scores
        ]
    visitor = visit.visitor
    return {
        "id": visit.id,
        "external_id": visit.external_id if view != STAFF else None,
        "status": visit.status.value,
        "excluded": visit.excluded if manager else None,
        "branch": BranchRef(
            id=visit.branch.id,
            code=visit.branch.code,
            name=visit.branch.name,
            region_id=visit.branch.region_id,
            timezone=visit.branch.timezone,
        ),
        "scorecard": ScorecardRef(
            id=visit.scorecard.id,
            slug=visit.scorecard.slug,
            title=visit.scorecard.title,
            version=visit.version.number,
        ),
        "visited_at": visit.visited_at,
        "visited_at_local": visit.visited_at.astimezone(zone(visit.branch.timezone)),
        "submitted_at": visit.submitted_at if view != STAFF else None,
        "approved_at": visit.approved_at if view != STAFF else None,
        "published_at": visit.published_at,
        "updated_at": visit.updated_at,
        "visitor": (
            PersonRef(
                id=visitor.id, name=visitor.name, email=visitor.email, role=visitor.role.value
            )
            if visitor is not None and view != STAFF
            else None
        ),
        "staff": [StaffRef(id=m.id, code=m.code, name=m.name) for m in visit.staff]
        if view != STAFF
        else None,
        "earned": visit.earned if scored else None,
        "possible": visit.possible if scored else None,
        "percent": visit.percent if scored else None,
        "band": visit.band if scored else None,
        "critical_failed": visit.critical_failed if scored else None,
        "sections": sections,
    }


def visit_out(visit: Visit, view: View = MANAGER) -> VisitOut:
    """``visit`` as ``GET /api/v1/visits`` lists it (by default as a manager reads it)."""
    return VisitOut(**summary_fields(visit, view))


__all__ = [
    "MANAGER",
    "STAFF",
    "VISITOR",
    "AnswerChangeIn",
    "AnswerOut",
    "HistoryOut",
    "OpenProblem",
    "Reason",
    "ReviewOut",
    "SignalOut",
    "View",
    "VisitCreate",
    "VisitDetail",
    "VisitOut",
    "VisitPage",
    "VisitQuery",
    "visit_out",
]
