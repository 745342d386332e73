"""Inviting many people from one CSV file, all or nothing, shared by the page and the CLI.

Columns: ``name,email,role`` and, optionally, ``regions`` (region names separated by
``;``, e.g. ``North;South``: a comma would need quoting) and ``staff_code`` (the staff
member a staff account is for). Every problem is reported as ``FILE:LINE: message`` and
nothing is written when there is one: the importer tries every line, so a file with
five problems is refused naming all five, and the caller rolls back.
"""

from __future__ import annotations

from audit.accounts.email_address import normalise_email
from audit.accounts.invitations import (
    Invitation,
    InvitationError,
    invite,
    regions_named,
    staff_member_with_code,
)
from audit.csv_files import CsvRow, LineProblems, read_table
from audit.models import Role, User

COLUMNS = ("name", "email", "role")
OPTIONAL = ("regions", "staff_code")
#: What separates region names in the ``regions`` column.
REGION_SEPARATOR = ";"


def invite_from_csv(data: bytes, file: str, actor: User | None) -> list[Invitation]:
    """Invite everyone in the file, as ``actor``; raises :class:`ImportFailed` naming every
    line with a problem (the caller rolls back: some lines may have been tried)."""
    table = read_table(data, file, COLUMNS, OPTIONAL)
    problems = LineProblems(table, file)
    first_line: dict[str, int] = {}
    invitations = []
    for row in table.rows:
        fields = _fields(row, problems, first_line)
        if fields is None:
            continue
        try:
            invitations.append(invite(**fields, actor=actor))
        except InvitationError as error:
            problems.add(row, str(error))
    problems.raise_if_any()
    return invitations


def _fields(row: CsvRow, problems: LineProblems, first_line: dict[str, int]) -> dict | None:
    """What ``invite`` takes from one row, or None when the row has a problem (added)."""
    name = problems.required(row, "name", 120)
    email = problems.required(row, "email", 254)
    role = problems.required(row, "role", 20).lower()
    if email:
        try:
            email = normalise_email(email)
        except ValueError as error:
            problems.add(row, f"email '{email}': {error}")
        else:
            first = first_line.setdefault(email, row.line)
            if first != row.line:
                problems.add(row, f"{email} is also on line {first}")
    if role and role not in {r.value for r in Role}:
        allowed = ", ".join(r.value for r in Role)
        problems.add(row, f"unknown role '{role}' (use one of: {allowed})")
    names = row.get("regions").split(REGION_SEPARATOR)
    regions, unknown = regions_named(names)
    for region in unknown:
        problems.add(row, f"unknown region '{region}'")
    staff_member = None
    if row.get("staff_code"):
        try:
            staff_member = staff_member_with_code(row.get("staff_code"))
        except InvitationError as error:
            problems.add(row, str(error))
    if problems.on_line(row):
        return None
    return {
        "email": email,
        "name": name,
        "role": role,
        "region_ids": [r.id for r in regions],
        "staff_member": staff_member,
    }
