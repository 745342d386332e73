"""The API's bodies for user accounts: the list, one account, and an invitation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from audit.api.schemas import Email, Id, Name, PageQuery, RegionOut, _Input
from audit.models import Role


class UserQuery(PageQuery):
    role: Role | None = Field(None, description="Only accounts of this role.")
    status: Literal["active", "invited", "inactive", "all"] = Field(
        "active",
        description="active (default: may sign in, invited ones included), invited "
        "(invitation not accepted yet), inactive (deactivated or invitation withdrawn), all.",
    )
    region_id: Id | None = Field(
        None,
        description="Only accounts limited to this region, and staff accounts of its branches.",
    )


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    status: Literal["active", "invited", "inactive"]
    active: bool
    regions: list[RegionOut] = Field(
        description="The regions the account is limited to; empty: the whole organisation."
    )
    staff_id: int | None = Field(description="The staff member a staff account belongs to.")
    created_at: datetime
    joined_at: datetime | None = Field(description="When the invitation was accepted.")
    last_login_at: datetime | None


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


class UserInvite(_Input):
    """A person to invite by e-mail: the rules of the Invitations page (a manager invites
    assessors, shoppers and staff, within their regions)."""

    email: Email
    name: Name
    role: Role
    region_ids: list[Id] = Field(
        default_factory=list,
        max_length=200,
        description="Managers and assessors only: the regions they are limited to.",
    )
    staff_code: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=20, pattern=r"^[^\r\n]*$")
    ] = Field("", description="Staff accounts: the code of the staff member it is for.")


class InvitationOut(BaseModel):
    expires_at: datetime
    mailed: bool = Field(
        description="Whether the invitation mail was queued for mailing (false when mail "
        "is not set up); a mail the server refuses later shows on the waiting invitations."
    )
    link: str | None = Field(
        description="The link to pass on yourself: given only when mail is not set up."
    )


class InvitedUser(BaseModel):
    user: UserOut
    invitation: InvitationOut
