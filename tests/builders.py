"""Builders for test data, the one place tests make their records.

Small builders (a region, a branch, a staff member, a user, a scorecard) add to the
session and flush; worlds (:func:`make_world`, :func:`make_coaching_world`) build a
whole small organisation and commit; :func:`import_visits` makes scored visits through
the real import path.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from audit.assignments.service import today
from audit.extensions import db
from audit.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Branch,
    Region,
    Role,
    Scorecard,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from audit.scorecards.fileformat import definition_from_data, load_file
from audit.scorecards.store import save_definition
from audit.shop.service import start_visit
from audit.visits.imports import RawVisit, import_records
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


def publish_card(data: dict) -> Scorecard:
    """A scorecard from file-format data, published as its first version."""
    definition, errors = definition_from_data(data)
    assert definition is not None, errors
    version, _ = save_definition(definition, publish=True)
    return version.scorecard


# --- worlds -------------------------------------------------------------------------------

DATA = Path(__file__).parent / "data"
RULES_CARD = DATA / "rules-card.yaml"
S = AssignmentStatus
TODAY = today()


#: 5 + 10 × (4 − 1) / (5 − 1) = 7.5 + 10 + 4 (3 min is inside max 5) = 26.5 of 29.
FULL = {
    "greeted": "yes",
    "empathy": 4,
    "outcome": "Fully",
    "wait": 3,
    "recommend": 9,
    "summary": "Fine",
}

#: empathy 5: every point, 100% (exceeds on the rules card).
EXCELLENT = {**FULL, "empathy": 5}
#: outcome Partly shows follow_up: 5 + 7.5 + 5 + 2 + 4 = 23.5 of 31.
PARTLY = {**FULL, "outcome": "Partly", "follow_up": "yes"}


def make_world() -> SimpleNamespace:
    """North (Leeds, with coordinates) and South (Bristol), the rules card, people."""
    north, south = make_region("North"), make_region("South")
    world = SimpleNamespace(
        north=north,
        south=south,
        leeds=make_branch(north, code="LDS01", name="Leeds Briggate", lat=53.7965, lng=-1.5426),
        bristol=make_branch(south, code="BRS01", name="Bristol Broadmead"),
        shopper=make_user(Role.SHOPPER, email="shopper@example.org", name="Sally Shopper"),
        manager=make_user(Role.MANAGER, name="Mia Manager"),
        north_manager=make_user(Role.MANAGER, regions=[north], name="Ned North"),
    )
    version, _ = save_definition(load_file(DATA / "rules-card.yaml"), publish=True)
    world.card = version.scorecard
    db.session.commit()
    return world


def import_visits(*specs: dict) -> list[Visit]:
    """Import visits (status submitted unless given) and return them in the order given.

    Each spec holds the import fields; ``answers`` and ``comments`` default to FULL / none.
    """
    records = []
    for index, spec in enumerate(specs):
        fields = {
            "branch": "LDS01",
            "scorecard": "rules-card",
            "visited_at": "2026-05-14T10:30:00",
            "shopper": "shopper@example.org",
            "status": "submitted",
        }
        fields.update({k: v for k, v in spec.items() if k not in ("answers", "comments")})
        answers = spec.get("answers", FULL)
        records.append(RawVisit(f"[{index}].", fields, dict(answers), spec.get("comments", {})))
    import_records(records)
    db.session.commit()
    by_id = {v.external_id: v for v in db.session.scalars(select(Visit))}
    return [by_id[spec["external_id"]] for spec in specs]


SHOPPER_NAME = "Sally Shopper"

SHOPPER_EMAIL = "shopper@example.org"


def make_coaching_world() -> SimpleNamespace:
    """Leeds (North): Alice and Bob, each with a login; Bristol (South): Carol. Visits:

    A_LOW   published, Alice, PARTLY with comments      A_TOP  published, Alice, EXCELLENT
    A_WAIT  approved (not published), Alice, FULL        B_ONE  published, Bob, PARTLY
    C_ONE   published, Carol (Bristol), FULL
    """
    world = make_world()
    world.alice_user = make_user(Role.STAFF, email="alice@example.org", name="Alice Adams")
    world.bob_user = make_user(Role.STAFF, email="bob@example.org", name="Bob Brown")
    world.carol_user = make_user(Role.STAFF, email="carol@example.org", name="Carol Clark")
    world.alice = make_staff(world.leeds, code="ALICE", name="Alice Adams", user=world.alice_user)
    world.bob = make_staff(world.leeds, code="BOB", name="Bob Brown", user=world.bob_user)
    world.carol = make_staff(world.bristol, code="CAROL", name="Carol Clark", user=world.carol_user)
    db.session.commit()
    visits = import_visits(
        {
            "external_id": "A_LOW",
            "status": "published",
            "staff": "ALICE",
            "visited_at": "2026-05-04T10:00:00",
            "answers": PARTLY,
            "comments": {
                "empathy": "Looked at the screen, not at me",
                "greeted": "Warm hello at the door",
            },
        },
        {
            "external_id": "A_TOP",
            "status": "published",
            "staff": "ALICE",
            "visited_at": "2026-05-12T10:00:00",
            "answers": EXCELLENT,
            "comments": {"empathy": "Truly listened to my worries"},
        },
        {
            "external_id": "A_WAIT",
            "status": "approved",
            "staff": "ALICE",
            "visited_at": "2026-05-20T10:00:00",
            "comments": {"outcome": "UNPUBLISHED-COMMENT"},
        },
        {
            "external_id": "B_ONE",
            "status": "published",
            "staff": "BOB",
            "visited_at": "2026-05-06T10:00:00",
            "answers": PARTLY,
            "comments": {"empathy": "BOB-PRIVATE-COMMENT"},
        },
        {
            "external_id": "C_ONE",
            "status": "published",
            "branch": "BRS01",
            "staff": "CAROL",
            "visited_at": "2026-05-07T10:00:00",
            "comments": {"outcome": "CAROL-PRIVATE-COMMENT"},
        },
    )
    for visit in visits:
        setattr(world, visit.external_id.lower(), visit)
    return world


def published_card() -> Scorecard:
    version, _ = save_definition(load_file(RULES_CARD), publish=True)
    return version.scorecard


def make_assignment(card, branch, shopper, *, start=None, end=None, status=S.OFFERED, **kw):
    start = start or TODAY
    assignment = Assignment(
        scorecard=card,
        branch=branch,
        shopper=shopper,
        window_start=start,
        window_end=end or start + timedelta(days=7),
        status=status,
        **kw,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def started_draft(card, branch, shopper) -> Visit:
    """A draft visit the shopper started from an accepted assignment, as the phone does."""
    assignment = make_assignment(card, branch, shopper, status=S.ACCEPTED)
    return start_visit(assignment, shopper)


def make_visit(card, branch, visitor, when: date, status=VisitStatus.SUBMITTED, **kw) -> Visit:
    visit = Visit(
        scorecard=card,
        version=card.latest_published,
        branch=branch,
        visitor=visitor,
        status=status,
        visited_at=datetime.combine(when, datetime.min.time(), tzinfo=UTC).replace(hour=11),
        **kw,
    )
    db.session.add(visit)
    db.session.flush()
    return visit


# --- reading what happened ----------------------------------------------------------------


def audit_events(subject_type: str, subject_id: int) -> list[AuditEvent]:
    """The audit events about one record, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def event_actions(subject: object) -> list[str]:
    """What was done to a record (``visit.approved``, ...), oldest first."""
    table = subject.__tablename__  # type: ignore[attr-defined]
    return [event.action for event in audit_events(table, subject.id)]  # type: ignore[attr-defined]
