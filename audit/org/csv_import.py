"""All-or-nothing CSV imports of branches and staff, shared by the page and the CLI."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy import func, select

from audit.access import region_ids_in_scope
from audit.accounts.email_address import normalise_email
from audit.accounts.invitations import Invitation, InvitationError
from audit.accounts.invitations import invite as invite_person
from audit.csv_files import (
    CsvRow,
    CsvTable,
    ImportFailed,
    LineError,
    LineProblems,
    read_table,
)
from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember, User, record_event
from audit.org.hours import HoursError
from audit.org.hours import normalise as normalise_hours
from audit.org.timezones import change_zone, normalise_zone

BRANCH_COLUMNS = ("code", "name", "region", "address")
BRANCH_OPTIONAL = ("lat", "lng", "opening_hours", "timezone")
STAFF_COLUMNS = ("code", "name", "branch", "job_title")
STAFF_OPTIONAL = ("email",)
MAX_CODE = 20

Coded = TypeVar("Coded", Branch, StaffMember)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    regions_created: int = 0
    #: Staff imports asked to invite: the invitations made (the caller mails them after
    #: committing), and how many staff with an address were left out because they are
    #: linked to an account already or their address is another account's.
    invitations: tuple[Invitation, ...] = ()
    not_invited: int = 0

    def summary(self, noun: str) -> str:
        text = f"{self.created} {noun} created, {self.updated} updated"
        if self.regions_created:
            text += f", {self.regions_created} new regions"
        if self.invitations:
            text += f", {len(self.invitations)} invited"
        if self.not_invited:
            text += f", {self.not_invited} not invited (already linked to an account)"
        return text


class _Problems(LineProblems):
    """What is wrong with a branch or staff import: the shared collector, and the checks
    of a record's code and coordinates."""

    def __init__(self, table: CsvTable, file: str) -> None:
        super().__init__(table, file)
        self._first_line_of_code: dict[str, int] = {}

    def code(self, row: CsvRow) -> str | None:
        """The row's code, upper-cased, or None when it is empty, malformed or repeated."""
        code = row.get("code").upper()
        if not code:
            self.add(row, "code is empty")
            return None
        if len(code) > MAX_CODE or not all(c.isalnum() or c in "-_" for c in code):
            self.add(row, f"code '{code}' must be at most {MAX_CODE} letters, digits, '-' or '_'")
            return None
        first = self._first_line_of_code.setdefault(code, row.line)
        if first != row.line:
            self.add(row, f"duplicate code '{code}' (first on line {first})")
            return None
        return code

    def coordinate(self, row: CsvRow, column: str, bound: float) -> float | None:
        raw = row.get(column)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.add(row, f"{column} '{raw}' is not a number")
            return None
        if not math.isfinite(value) or abs(value) > bound:
            self.add(row, f"{column} {raw} is outside -{bound}..{bound}")
            return None
        return value


def _by_code(model: type[Coded]) -> dict[str, Coded]:
    return {row.code: row for row in db.session.scalars(select(model))}


def _row_for(existing: dict[str, Coded], model: type[Coded], code: str, tally: Counter) -> Coded:
    """The row with ``code``, or a new one added to the session; ``tally`` counts which."""
    row = existing.get(code)
    if row is None:
        row = model(code=code)
        db.session.add(row)
        tally["created"] += 1
    else:
        tally["updated"] += 1
    return row


def _imported(actor: User | None, event: str, file: str, result: ImportResult) -> ImportResult:
    """Write the import out and, when a person made it, put it in the audit trail."""
    db.session.flush()
    if actor is not None:
        record_event(actor, event, actor, file=file, created=result.created, updated=result.updated)
    return result


def import_branches(data: bytes, file: str, actor: User | None = None) -> ImportResult:
    """Create or update branches by code; regions are created as needed.

    A user limited to some regions may only touch branches in those regions and
    may not create regions. Raises ImportFailed, having written nothing.
    """
    table = read_table(data, file, BRANCH_COLUMNS, BRANCH_OPTIONAL)
    problems = _Problems(table, file)
    scope = region_ids_in_scope(actor) if actor is not None else None
    regions = {r.name.lower(): r for r in db.session.scalars(select(Region))}
    existing = _by_code(Branch)
    planned = []
    for row in table.rows:
        code = problems.code(row)
        name = problems.required(row, "name", 120)
        region_name = problems.required(row, "region", 80)
        address = row.get("address")
        lat = problems.coordinate(row, "lat", 90)
        lng = problems.coordinate(row, "lng", 180)
        if (lat is None) != (lng is None) and not problems.on_line(row):
            problems.add(row, "give both lat and lng, or neither")
        hours = None  # the column left out of the file: the branch keeps its hours
        if "opening_hours" in table.columns:
            try:
                hours = normalise_hours(row.get("opening_hours"))
            except HoursError as error:
                problems.add(row, f"opening_hours: {error}")
        zone = None  # no column, or an empty cell: a new branch takes the default zone
        if row.get("timezone"):
            try:
                zone = normalise_zone(row.get("timezone"))
            except ValueError as error:
                problems.add(row, f"timezone: {error}")
        region = regions.get(region_name.lower())
        if scope is not None and region_name:
            if region is None:
                problems.add(
                    row, f"region '{region_name}' does not exist and you may not create regions"
                )
            elif region.id not in scope:
                problems.add(row, f"region '{region.name}' is outside your scope")
        current = existing.get(code) if code else None
        if scope is not None and current is not None and current.region_id not in scope:
            problems.add(row, f"branch '{code}' is outside your scope")
        planned.append((code, name, region_name, address, lat, lng, hours, zone))
    problems.raise_if_any()

    tally: Counter = Counter()
    regions_created = 0
    for code, name, region_name, address, lat, lng, hours, zone in planned:
        region = regions.get(region_name.lower())
        if region is None:
            region = Region(name=region_name)
            db.session.add(region)
            regions[region_name.lower()] = region
            regions_created += 1
        branch = _row_for(existing, Branch, code, tally)
        branch.name, branch.region, branch.address = name, region, address
        branch.lat, branch.lng = lat, lng
        if hours is not None:
            branch.opening_hours = hours
        if zone is not None:
            change_zone(branch, zone)  # an existing branch's visits move to their new days
    return _imported(
        actor,
        "branches.imported",
        file,
        ImportResult(tally["created"], tally["updated"], regions_created),
    )


def import_staff(
    data: bytes, file: str, actor: User | None = None, *, invite: bool = False
) -> ImportResult:
    """Create or update staff members by code; raises ImportFailed, having written nothing.

    With ``invite``, every staff member of the file who has an e-mail address and no
    account is invited to a staff account of their own (see :func:`_invite_staff`).
    """
    table = read_table(data, file, STAFF_COLUMNS, STAFF_OPTIONAL)
    problems = _Problems(table, file)
    scope = region_ids_in_scope(actor) if actor is not None else None
    branches, existing = _by_code(Branch), _by_code(StaffMember)
    planned = []
    for row in table.rows:
        code = problems.code(row)
        name = problems.required(row, "name", 120)
        branch_code = problems.required(row, "branch", MAX_CODE).upper()
        job_title = problems.required(row, "job_title", 120)
        email = row.get("email").lower() or None
        if email:
            try:
                email = normalise_email(email)
            except ValueError as error:
                problems.add(row, f"email '{email}': {error}")
        branch = branches.get(branch_code)
        if branch_code and branch is None:
            problems.add(row, f"unknown branch '{branch_code}'")
        elif branch is not None and scope is not None and branch.region_id not in scope:
            problems.add(row, f"branch '{branch_code}' is outside your scope")
        current = existing.get(code) if code else None
        if current is not None and scope is not None and current.branch.region_id not in scope:
            problems.add(row, f"staff member '{code}' is outside your scope")
        planned.append((code, name, branch, job_title, email))
    problems.raise_if_any()

    emails = [p[4] for p in planned if p[4]]
    staff_users = {
        u.email: u
        for u in db.session.scalars(
            select(User).where(User.role == Role.STAFF, func.lower(User.email).in_(emails))
        )
    }
    tally: Counter = Counter()
    members = []
    for code, name, branch, job_title, email in planned:
        member = _row_for(existing, StaffMember, code, tally)
        member.name, member.branch, member.job_title, member.email = name, branch, job_title, email
        user = staff_users.get(email) if email else None
        if user is not None and member.user is None and user.staff_member is None:
            member.user = user
        members.append(member)
    result = ImportResult(tally["created"], tally["updated"])
    if invite:
        invitations, not_invited = _invite_staff(table.rows, members, problems, actor)
        result = replace(result, invitations=tuple(invitations), not_invited=not_invited)
    return _imported(actor, "staff.imported", file, result)


def _invite_staff(
    rows: list[CsvRow], members: list[StaffMember], problems: _Problems, actor: User | None
) -> tuple[list[Invitation], int]:
    """Invite the imported staff members who have an address and no account: the
    invitations, and how many with an address were left out (linked to an account
    already, or their address is another account's). Raises ImportFailed when the
    invitation rule refuses one (the caller rolls back)."""
    db.session.flush()
    emails = [m.email for m in members if m.email]
    taken = set(
        db.session.scalars(select(func.lower(User.email)).where(func.lower(User.email).in_(emails)))
    )
    invitations, not_invited = [], 0
    for row, member in zip(rows, members, strict=True):
        if not member.email:
            continue
        if member.user is not None or member.email in taken:
            not_invited += 1
            continue
        taken.add(member.email)
        try:
            invitations.append(
                invite_person(
                    email=member.email,
                    name=member.name,
                    role=Role.STAFF,
                    staff_member=member,
                    actor=actor,
                )
            )
        except InvitationError as error:
            problems.add(row, str(error))
    problems.raise_if_any()
    return invitations, not_invited


__all__ = ["ImportFailed", "ImportResult", "LineError", "import_branches", "import_staff"]
