"""The API's bodies for assignments: a shopper or assessor sent to a branch with a
scorecard, within a window of days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from audit.api.schemas import Id, PageQuery, _Input
from audit.models import AssignmentStatus, Role

Scenario = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
#: What the list's ``status`` may be: a status, open or all.
STATUS_FILTERS = ("all", "open", *(s.value for s in AssignmentStatus))

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class AssignmentQuery(PageQuery):
    status: str = Field(
        "all",
        pattern=f"^({'|'.join(STATUS_FILTERS)})$",
        description="One status, open (offered, accepted or overdue) or all (default).",
    )
    region_id: Id | None = Field(None, description="Only assignments at branches of this region.")
    branch_id: Id | None = Field(None, description="Only assignments at this branch.")
    shopper_id: Id | None = Field(None, description="Only this shopper's or assessor's.")
    window_from: date | None = Field(
        None, description="Only assignments whose window ends on or after this day."
    )
    window_to: date | None = Field(
        None, description="Only assignments whose window starts on or before this day."
    )


class AssignmentOut(BaseModel):
    id: int
    status: AssignmentStatus
    scorecard_id: int
    scorecard: str = Field(description="The scorecard's slug.")
    branch_id: int
    branch_code: str
    region_id: int
    shopper_id: int
    shopper_name: str
    shopper_role: Role
    window_start: date
    window_end: date
    scenario: str
    lockout_overridden: bool
    override_reason: str
    rating_overridden: bool = Field(
        description="Offered although the shopper's rating was below the scorecard's minimum."
    )
    rating_override_reason: str
    decline_reason: str
    cancel_reason: str
    visit_id: int | None
    created_at: datetime
    responded_at: datetime | None
    cancelled_at: datetime | None


class AssignmentPage(BaseModel):
    items: list[AssignmentOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


class AssignmentCreate(_Input):
    """One assignment, by the rules of the New assignment page: an active shopper or
    assessor, an active branch in the caller's regions (and the assessor's), a scorecard
    with a published version, a window that has not ended, and the lockout."""

    scorecard_id: Id
    branch_id: Id
    shopper_id: Id = Field(description="The mystery shopper or assessor to offer it to.")
    window_start: date
    window_end: date
    scenario: Scenario = Field(description="What to ask or buy, what to look for.")
    override_lockout: bool = Field(
        False, description="Send the shopper back within the lockout period (give a reason)."
    )
    override_reason: Reason = ""
    override_rating: bool = Field(
        False,
        description="Offer it although the shopper's rating is below the scorecard's "
        "min_rating (give a rating_override_reason).",
    )
    rating_override_reason: Reason = ""


class AssignmentCancel(_Input):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ] = Field(description="Why it is cancelled: kept in its history.")
