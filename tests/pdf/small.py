"""A small organisation for the download, job and CLI tests (fresh per test)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select

from audit.extensions import db
from audit.models import Role, Visit, VisitStatus
from tests.builders import make_branch, make_region, make_staff, make_user
from tests.pdf.conftest import SHOPPER_EMAIL, SHOPPER_NAME
from tests.reporting.dataset import add_visits, build_org


@dataclass
class Small:
    north_id: int
    south_id: int
    codes: dict[str, str]  # "N1", "N2", "S1" -> branch code
    staff_code: str
    visit_id: int  # published, names the staff member, made by the shopper
    other_visit_id: int  # published, names nobody
    north_manager: str
    other_manager: str
    staff_email: str
    shopper_email: str


def build_small() -> Small:
    build_org(random.Random(1), regions=1, branches=0)
    north, south = make_region("North"), make_region("South")
    branches = {
        "N1": make_branch(north, name="Harbour Lane"),
        "N2": make_branch(north, name="Castle Gate"),
        "S1": make_branch(south, name="Seafront Parade"),
    }
    member = make_staff(branches["N1"], name="Nadia Staffwell")
    for branch in branches.values():
        add_visits(branch, [82, 91, 68, 77], status=VisitStatus.PUBLISHED)
    add_visits(branches["N1"], [88], status=VisitStatus.PUBLISHED, staff=[member])
    shopper = make_user(Role.SHOPPER, SHOPPER_EMAIL, name=SHOPPER_NAME)
    visits = db.session.scalars(
        select(Visit).where(Visit.branch_id == branches["N1"].id).order_by(Visit.id)
    ).all()
    named = next(v for v in visits if v.staff)
    named.visitor = shopper
    other = next(v for v in visits if not v.staff)
    staff_user = make_user(Role.STAFF, name=member.name)
    member.user = staff_user
    north_manager = make_user(Role.MANAGER, regions=[north])
    other_manager = make_user(Role.MANAGER, regions=[north])
    db.session.commit()
    return Small(
        north.id,
        south.id,
        {key: b.code for key, b in branches.items()},
        member.code,
        named.id,
        other.id,
        north_manager.email,
        other_manager.email,
        staff_user.email,
        shopper.email,
    )
