"""All-or-nothing CSV imports of branches and staff, shared by the page and the CLI."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, select

from audit.access import region_ids_in_scope
from audit.accounts.email_address import normalise_email
from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember, User, record_event
from audit.org.csv_files import (
    CsvRow,
    CsvTable,
    ImportFailed,
    LineError,
    fail_if_any,
    read_table,
)

BRANCH_COLUMNS = ("code", "name", "region", "address")
BRANCH_OPTIONAL = ("lat", "lng")
STAFF_COLUMNS = ("code", "name", "branch", "job_title")
STAFF_OPTIONAL = ("email",)
MAX_CODE = 20

Coded = TypeVar("Coded", Branch, StaffMember)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    regions_created: int = 0

    def summary(self, noun: str) -> str:
        text = f"{self.created} {noun} created, {self.updated} updated"
        if self.regions_created:
            text += f", {self.regions_created} new regions"
        return text


class _Problems:
    """What is wrong with an import, each problem on its line of ``file``."""

    def __init__(self, table: CsvTable, file: str) -> None:
        self.file = file
        self.errors: list[LineError] = list(table.errors)
        self._first_line_of_code: dict[str, int] = {}

    def add(self, row: CsvRow, message: str) -> None:
        self.errors.append(LineError(self.file, row.line, message))

    def on_line(self, row: CsvRow) -> bool:
        return any(e.line == row.line for e in self.errors)

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

    def required(self, row: CsvRow, column: str, limit: int) -> str:
        value = row.get(column)
        if not value:
            self.add(row, f"{column} is empty")
        elif len(value) > limit:
            self.add(row, f"{column} is longer than {limit} characters")
        return value

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

    def raise_if_any(self) -> None:
        fail_if_any(self.errors)


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
        planned.append((code, name, region_name, address, lat, lng))
    problems.raise_if_any()

    tally: Counter = Counter()
    regions_created = 0
    for code, name, region_name, address, lat, lng in planned:
        region = regions.get(region_name.lower())
        if region is None:
            region = Region(name=region_name)
            db.session.add(region)
            regions[region_name.lower()] = region
            regions_created += 1
        branch = _row_for(existing, Branch, code, tally)
        branch.name, branch.region, branch.address = name, region, address
        branch.lat, branch.lng = lat, lng
    return _imported(
        actor,
        "branches.imported",
        file,
        ImportResult(tally["created"], tally["updated"], regions_created),
    )


def import_staff(data: bytes, file: str, actor: User | None = None) -> ImportResult:
    """Create or update staff members by code; raises ImportFailed, having written nothing."""
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
    for code, name, branch, job_title, email in planned:
        member = _row_for(existing, StaffMember, code, tally)
        member.name, member.branch, member.job_title, member.email = name, branch, job_title, email
        user = staff_users.get(email) if email else None
        if user is not None and member.user is None and user.staff_member is None:
            member.user = user
    return _imported(
        actor, "staff.imported", file, ImportResult(tally["created"], tally["updated"])
    )


__all__ = ["ImportFailed", "ImportResult", "LineError", "import_branches", "import_staff"]
