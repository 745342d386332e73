"""All-or-nothing CSV imports of branches and staff, shared by the page and the CLI."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select

from audit.access import region_ids_in_scope
from audit.accounts.email_address import normalise_email
from audit.csv_files import CsvRow, ImportFailed, LineError, fail_if_any, read_table
from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember, User, record_event

BRANCH_COLUMNS = ("code", "name", "region", "address")
BRANCH_OPTIONAL = ("lat", "lng")
STAFF_COLUMNS = ("code", "name", "branch", "job_title")
STAFF_OPTIONAL = ("email",)
MAX_CODE = 20


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


def _code(row: CsvRow, errors: list[LineError], file: str, seen: dict[str, int]) -> str | None:
    code = row.get("code").upper()
    if not code:
        errors.append(LineError(file, row.line, "code is empty"))
        return None
    if len(code) > MAX_CODE or not all(c.isalnum() or c in "-_" for c in code):
        errors.append(
            LineError(
                file,
                row.line,
                f"code '{code}' must be at most {MAX_CODE} letters, digits, '-' or '_'",
            )
        )
        return None
    if code in seen:
        errors.append(
            LineError(file, row.line, f"duplicate code '{code}' (first on line {seen[code]})")
        )
        return None
    seen[code] = row.line
    return code


def _required(row: CsvRow, column: str, errors: list[LineError], file: str, limit: int) -> str:
    value = row.get(column)
    if not value:
        errors.append(LineError(file, row.line, f"{column} is empty"))
    elif len(value) > limit:
        errors.append(LineError(file, row.line, f"{column} is longer than {limit} characters"))
    return value


def _coordinate(
    row: CsvRow, column: str, bound: float, errors: list[LineError], file: str
) -> float | None:
    raw = row.get(column)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors.append(LineError(file, row.line, f"{column} '{raw}' is not a number"))
        return None
    if not math.isfinite(value) or abs(value) > bound:
        errors.append(LineError(file, row.line, f"{column} {raw} is outside -{bound}..{bound}"))
        return None
    return value


def import_branches(data: bytes, file: str, actor: User | None = None) -> ImportResult:
    """Create or update branches by code; regions are created as needed.

    A user limited to some regions may only touch branches in those regions and
    may not create regions. Raises ImportFailed, having written nothing.
    """
    table = read_table(data, file, BRANCH_COLUMNS, BRANCH_OPTIONAL)
    scope = region_ids_in_scope(actor) if actor is not None else None
    regions = {r.name.lower(): r for r in db.session.scalars(select(Region))}
    existing = {b.code: b for b in db.session.scalars(select(Branch))}
    errors: list[LineError] = list(table.errors)
    seen: dict[str, int] = {}
    planned = []
    for row in table.rows:
        code = _code(row, errors, file, seen)
        name = _required(row, "name", errors, file, 120)
        region_name = _required(row, "region", errors, file, 80)
        address = row.get("address")
        lat = _coordinate(row, "lat", 90, errors, file)
        lng = _coordinate(row, "lng", 180, errors, file)
        if (lat is None) != (lng is None) and not any(e.line == row.line for e in errors):
            errors.append(LineError(file, row.line, "give both lat and lng, or neither"))
        region = regions.get(region_name.lower())
        if scope is not None and region_name:
            if region is None:
                errors.append(
                    LineError(
                        file,
                        row.line,
                        f"region '{region_name}' does not exist and you may not create regions",
                    )
                )
            elif region.id not in scope:
                errors.append(
                    LineError(file, row.line, f"region '{region.name}' is outside your scope")
                )
        current = existing.get(code) if code else None
        if scope is not None and current is not None and current.region_id not in scope:
            errors.append(LineError(file, row.line, f"branch '{code}' is outside your scope"))
        planned.append((code, name, region_name, address, lat, lng))
    fail_if_any(errors)

    created = updated = regions_created = 0
    for code, name, region_name, address, lat, lng in planned:
        region = regions.get(region_name.lower())
        if region is None:
            region = Region(name=region_name)
            db.session.add(region)
            regions[region_name.lower()] = region
            regions_created += 1
        branch = existing.get(code)
        if branch is None:
            branch = Branch(code=code)
            db.session.add(branch)
            created += 1
        else:
            updated += 1
        branch.name, branch.region, branch.address = name, region, address
        branch.lat, branch.lng = lat, lng
    db.session.flush()
    if actor is not None:
        record_event(actor, "branches.imported", actor, file=file, created=created, updated=updated)
    return ImportResult(created, updated, regions_created)


def import_staff(data: bytes, file: str, actor: User | None = None) -> ImportResult:
    """Create or update staff members by code; raises ImportFailed, having written nothing."""
    table = read_table(data, file, STAFF_COLUMNS, STAFF_OPTIONAL)
    scope = region_ids_in_scope(actor) if actor is not None else None
    branches = {b.code: b for b in db.session.scalars(select(Branch))}
    existing = {s.code: s for s in db.session.scalars(select(StaffMember))}
    errors: list[LineError] = list(table.errors)
    seen: dict[str, int] = {}
    planned = []
    for row in table.rows:
        code = _code(row, errors, file, seen)
        name = _required(row, "name", errors, file, 120)
        branch_code = _required(row, "branch", errors, file, MAX_CODE).upper()
        job_title = _required(row, "job_title", errors, file, 120)
        email = row.get("email").lower() or None
        if email:
            try:
                email = normalise_email(email)
            except ValueError as error:
                errors.append(LineError(file, row.line, f"email '{email}': {error}"))
        branch = branches.get(branch_code)
        if branch_code and branch is None:
            errors.append(LineError(file, row.line, f"unknown branch '{branch_code}'"))
        elif branch is not None and scope is not None and branch.region_id not in scope:
            errors.append(
                LineError(file, row.line, f"branch '{branch_code}' is outside your scope")
            )
        current = existing.get(code) if code else None
        if current is not None and scope is not None and current.branch.region_id not in scope:
            errors.append(LineError(file, row.line, f"staff member '{code}' is outside your scope"))
        planned.append((code, name, branch, job_title, email))
    fail_if_any(errors)

    emails = [p[4] for p in planned if p[4]]
    staff_users = {
        u.email: u
        for u in db.session.scalars(
            select(User).where(User.role == Role.STAFF, func.lower(User.email).in_(emails))
        )
    }
    created = updated = 0
    for code, name, branch, job_title, email in planned:
        member = existing.get(code)
        if member is None:
            member = StaffMember(code=code)
            db.session.add(member)
            created += 1
        else:
            updated += 1
        member.name, member.branch, member.job_title, member.email = name, branch, job_title, email
        user = staff_users.get(email) if email else None
        if user is not None and member.user is None and user.staff_member is None:
            member.user = user
    db.session.flush()
    if actor is not None:
        record_event(actor, "staff.imported", actor, file=file, created=created, updated=updated)
    return ImportResult(created, updated)


__all__ = ["ImportFailed", "ImportResult", "LineError", "import_branches", "import_staff"]
