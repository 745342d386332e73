"""The API's bodies, declared once: they validate what comes in, shape what goes out and
are the schemas of the OpenAPI document (pydantic v2 writes JSON Schema 2020-12, the
dialect of OpenAPI 3.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: One line of text: the codes and names an HR system sends (no line breaks).
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$"
    ),
]
Line = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=120, pattern=r"^[^\r\n]*$")
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[^\r\n]*$"),
]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^\r\n]*$")
]
#: A record id: as large as the database keeps (a bigger one is no record at all).
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- problems ----------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str = Field(
        description="Where the problem is: a body field, a query parameter or a header."
    )
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(
        description="A URI naming the kind of problem; about:blank for a plain HTTP error."
    )
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


# --- paging -------------------------------------------------------------------


class PageQuery(_Input):
    limit: int = Field(50, ge=1, le=200, description="How many items a page holds.")
    cursor: str | None = Field(
        None, max_length=200, description="The next_cursor of the previous page."
    )


class StatusQuery(PageQuery):
    status: str = Field(
        "active",
        pattern="^(active|inactive|all)$",
        description="active (default), inactive or all.",
    )


class BranchQuery(StatusQuery):
    region_id: Id | None = Field(None, description="Only the branches of this region.")


class StaffQuery(StatusQuery):
    branch_id: Id | None = Field(None, description="Only the staff of this branch.")


# --- regions ------------------------------------------------------------------


class RegionOut(BaseModel):
    id: int
    name: str


class RegionList(BaseModel):
    items: list[RegionOut]


# --- branches -----------------------------------------------------------------


#: As the branch form takes them (audit/org/hours.py): "" clears them.
OpeningHours = Annotated[
    str,
    StringConstraints(max_length=500),
    Field(description="e.g. 'Mon-Fri 09:00-17:30; Sat 10:00-16:00'; days not named are closed."),
]

#: As the branch form takes it (audit/org/timezones.py): an IANA name, matched regardless of
#: case and kept in its canonical spelling.
TimeZone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(
        description="The IANA time zone the branch keeps its clocks in, e.g. 'Europe/Madrid': "
        "its visits count in the days and months of this zone.",
        examples=["Europe/Madrid", "America/Los_Angeles"],
    ),
]


class BranchOut(BaseModel):
    id: int
    code: str
    name: str
    address: str
    region_id: int
    region: str
    lat: float | None
    lng: float | None
    opening_hours: str = Field(
        description="Weekly opening hours, e.g. 'Mon-Fri 09:00-17:30; Sat 10:00-16:00'; "
        "days not named are closed; empty when not known."
    )
    timezone: str = Field(
        description="The IANA time zone the branch keeps its clocks in, e.g. 'Europe/Madrid'."
    )
    active: bool
    created_at: datetime


class BranchPage(BaseModel):
    items: list[BranchOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


class BranchCreate(_Input):
    """A new branch; give both lat and lng, or neither."""

    code: Code
    name: Name
    region_id: Id
    address: Annotated[str, StringConstraints(max_length=500)] = ""
    lat: Latitude | None = None
    lng: Longitude | None = None
    opening_hours: OpeningHours = ""
    timezone: TimeZone | None = Field(
        None,
        description="The IANA time zone the branch keeps its clocks in, e.g. 'Europe/Madrid'; "
        "default (null or left out): the installation's AUDIT_DEFAULT_TIMEZONE.",
    )


class BranchUpdate(_Input):
    """Only the fields sent change."""

    code: Code | None = None
    name: Name | None = None
    region_id: Id | None = Field(None)
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None
    opening_hours: OpeningHours | None = None
    timezone: TimeZone | None = Field(
        None,
        description="The IANA time zone the branch keeps its clocks in, e.g. 'Europe/Madrid'; "
        "a new zone moves the branch's visits to their days and months in it (null: unchanged).",
    )


# --- staff --------------------------------------------------------------------


class StaffOut(BaseModel):
    id: int
    code: str
    name: str
    job_title: str
    email: str | None
    branch_id: int
    branch_code: str
    user_id: int | None
    active: bool
    created_at: datetime


class StaffPage(BaseModel):
    items: list[StaffOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


class StaffCreate(_Input):
    code: Code
    name: Name
    branch_id: Id
    job_title: Name
    email: Email | None = None
    user_id: Id | None = Field(None, description="A staff account to link, or null.")


class StaffUpdate(_Input):
    """Only the fields sent change."""

    code: Code | None = None
    name: Name | None = None
    branch_id: Id | None = Field(None)
    job_title: Name | None = None
    email: Email | None = None
    user_id: Id | None = Field(None)


class StaffSyncRow(_Input):
    code: Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\r\n]*$")]
    name: Line
    branch: Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\r\n]*$")] = Field(
        description="The branch's code."
    )
    job_title: Line
    email: Email | None = None


class StaffSync(_Input):
    """The whole list an HR system holds, or part of it: members are matched by code,
    created or updated; all or nothing."""

    staff: list[StaffSyncRow] = Field(min_length=1, max_length=5000)


class StaffSyncResult(BaseModel):
    created: int
    updated: int
