"""The organisation: regions, branches, staff members and user accounts.

Each builder adds one record to the session and flushes (the caller commits); names
and codes are numbered so that any number of them can be made in one test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember, User
from tests.conftest import TEST_PASSWORD

_seq = itertools.count(1)


def make_region(name: str | None = None) -> Region:
    region = Region(name=name or f"Region {next(_seq)}")
    db.session.add(region)
    db.session.flush()
    return region


def make_branch(
    region: Region | None = None, code: str | None = None, name: str | None = None, **fields
) -> Branch:
    n = next(_seq)
    branch = Branch(
        code=code or f"BR{n:03d}",
        name=name or f"Branch {n}",
        address=fields.pop("address", f"{n} High Street"),
        region=region or make_region(),
        **fields,
    )
    db.session.add(branch)
    db.session.flush()
    return branch


def make_staff(branch: Branch | None = None, code: str | None = None, **fields) -> StaffMember:
    n = next(_seq)
    member = StaffMember(
        code=code or f"ST{n:04d}",
        name=fields.pop("name", f"Staff Member {n}"),
        job_title=fields.pop("job_title", "Customer Service Adviser"),
        branch=branch or make_branch(),
        **fields,
    )
    db.session.add(member)
    db.session.flush()
    return member


def make_user(
    role: Role | str = Role.MANAGER,
    email: str | None = None,
    *,
    regions: Iterable[Region] = (),
    active: bool = True,
    password: str = TEST_PASSWORD,
    name: str | None = None,
) -> User:
    role = Role(role)
    n = next(_seq)
    user = User(
        email=email or f"{role.value}{n}@example.org",
        name=name or f"{role.label} {n}",
        role=role,
        active=active,
    )
    user.set_password(password)
    user.regions = list(regions)
    db.session.add(user)
    db.session.flush()
    return user


def make_staff_login(
    branch: Branch, code: str | None = None, name: str | None = None, **fields
) -> StaffMember:
    """A staff member at ``branch`` with a staff login of the same name (``member.user``)."""
    member = make_staff(branch, code, **({"name": name} if name else {}), **fields)
    member.user = make_user(Role.STAFF, name=name)
    db.session.flush()
    return member
