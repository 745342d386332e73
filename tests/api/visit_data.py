"""Visits in both regions of the API ``world``, one per status and kind of visitor, for
the visit resources' tests (the rules card, tests/data/rules-card.yaml)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from audit.extensions import db
from audit.models import Branch, StaffMember, User, Visit, VisitStatus
from tests.api.conftest import World
from tests.builders import FULL, import_visits, make_visit, published_card

#: Who may see which visit (by external_id; the draft has none: "draft").
VISITS = {
    # external_id: branch, status, visitor, staff, answers
    "N-SUB": ("N-LEEDS", "submitted", "shopper", ["NSL"], FULL),
    "N-PUB": ("N-LEEDS", "published", "shopper", ["NSL", "NS1"], FULL),
    "N-APP": ("N-YORK", "approved", "assessor", ["NS2"], {**FULL, "greeted": "no"}),
    "S-SUB": ("S-BRIS", "submitted", "shopper", ["SS1"], FULL),
    "S-PUB": ("S-BRIS", "published", "shopper", ["SS1"], FULL),
}
SEES = {
    "admin": {"N-SUB", "N-PUB", "N-APP", "S-SUB", "S-PUB"},
    "national": {"N-SUB", "N-PUB", "N-APP", "S-SUB", "S-PUB"},
    "regional": {"N-SUB", "N-PUB", "N-APP"},
    "shopper": {"N-SUB", "N-PUB", "S-SUB", "S-PUB", "draft"},
    "assessor": {"N-APP"},
    "staff": {"N-PUB"},
}


def user(world: World, who: str) -> User:
    return db.session.scalar(select(User).where(User.email == world.users[who]))


def build_visits(world: World) -> dict[str, int]:
    """The visits of :data:`VISITS` (days apart, in that order) and the shopper's draft;
    their ids by external_id."""
    published_card()
    specs = []
    for day, (external_id, (branch, status, who, staff, answers)) in enumerate(VISITS.items()):
        specs.append(
            {
                "external_id": external_id,
                "branch": branch,
                "status": status,
                "shopper": world.users[who],
                "staff": staff,
                "visited_at": f"2026-05-{day + 10:02d}T10:30:00",
                "answers": answers,
            }
        )
    ids = {visit.external_id: visit.id for visit in import_visits(*specs)}
    leeds = db.session.get(Branch, world.branches["N-LEEDS"])
    card = db.session.get(Visit, ids["N-SUB"]).scorecard
    draft = make_visit(card, leeds, user(world, "shopper"), date(2026, 5, 20), VisitStatus.DRAFT)
    ids["draft"] = draft.id
    db.session.commit()
    return ids


@pytest.fixture(name="visits")
def visits_fixture(app: Flask, world: World) -> dict[str, int]:
    """Import ``visits_fixture`` in a test module to use ``visits``."""
    with app.app_context():
        return build_visits(world)


def staff_member(code: str) -> StaffMember:
    return db.session.scalar(select(StaffMember).where(StaffMember.code == code))
