"""Worlds: a whole small organisation for a group of tests, committed.

:func:`make_world` is the base (North with Leeds, South with Bristol, the rules card, a
shopper and managers); the others add to it what their tests need.
"""

from __future__ import annotations

from types import SimpleNamespace

from audit.appeals import service as appeals
from audit.extensions import db
from audit.models import Role
from tests.builders.org import make_branch, make_region, make_staff, make_staff_login, make_user
from tests.builders.scorecards import publish_card, published_card
from tests.builders.visits import EXCELLENT, PARTLY, import_visits, publish_reviewed

SHOPPER_NAME = "Sally Shopper"
SHOPPER_EMAIL = "shopper@example.org"


def make_world() -> SimpleNamespace:
    """North (Leeds, with coordinates) and South (Bristol), the rules card, people:
    ``shopper`` (Sally Shopper), ``manager`` (head office), ``north_manager``."""
    north, south = make_region("North"), make_region("South")
    world = SimpleNamespace(
        north=north,
        south=south,
        leeds=make_branch(north, code="LDS01", name="Leeds Briggate", lat=53.7965, lng=-1.5426),
        bristol=make_branch(south, code="BRS01", name="Bristol Broadmead"),
        shopper=make_user(Role.SHOPPER, email=SHOPPER_EMAIL, name=SHOPPER_NAME),
        manager=make_user(Role.MANAGER, name="Mia Manager"),
        north_manager=make_user(Role.MANAGER, regions=[north], name="Ned North"),
    )
    world.card = published_card()
    db.session.commit()
    return world


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


def make_assignment_world() -> SimpleNamespace:
    """:func:`make_world` with two more North branches, York (YRK01) and Hull (HUL01), and a
    second shopper, ``other_shopper``."""
    world = make_world()
    world.york = make_branch(world.north, code="YRK01", name="York")
    world.hull = make_branch(world.north, code="HUL01", name="Hull")
    world.other_shopper = make_user(Role.SHOPPER)
    db.session.commit()
    return world


def make_appeal_world() -> SimpleNamespace:
    """:func:`make_world` with two Leeds staff members who have logins, ``adviser`` (ADV1,
    Ada Adviser; ``adviser_user``) and ``colleague`` (COL1; ``colleague_user``), and a
    head-office ``reviewer`` (Rita Reviewer) to approve and publish visits."""
    world = make_world()
    world.adviser = make_staff_login(world.leeds, "ADV1", "Ada Adviser")
    world.adviser_user = world.adviser.user
    world.colleague = make_staff_login(world.leeds, "COL1")
    world.colleague_user = world.colleague.user
    world.reviewer = make_user(Role.MANAGER, name="Rita Reviewer")
    db.session.commit()
    return world


def make_appeal_figures_world() -> SimpleNamespace:
    """:func:`make_world` with published visits appealed by the head-office manager and
    decided by an admin (``decider``), all through the appeal service. ``v`` maps the
    external ids to the visits:

    L0..L3  Leeds, published 1..4 May     L0: two appeals (empathy amended, wait open)
                                          L1: upheld   L2: open   L3: withdrawn
    LA      Leeds, approved 9 May         not published: no appeal
    B1      Bristol, published 14 May     amended
    APR     Leeds, published 20 April     amended
    """
    world = make_world()
    world.decider = make_user(Role.ADMIN)
    visits = import_visits(
        *[
            {"external_id": f"L{i}", "status": "published", "visited_at": f"2026-05-0{i + 1}T10:00"}
            for i in range(4)
        ],
        {"external_id": "LA", "status": "approved", "visited_at": "2026-05-09T10:00"},
        {"external_id": "B1", "branch": "BRS01", "status": "published"},
        {"external_id": "APR", "status": "published", "visited_at": "2026-04-20T10:00"},
    )
    world.v = v = {visit.external_id: visit for visit in visits}
    by, decider = world.manager, world.decider
    amended = appeals.raise_appeal(v["L0"], "empathy", by, "Was a 5")
    appeals.amend(amended, decider, "5", None, "Agreed")
    appeals.raise_appeal(v["L0"], "wait", by, "Short queue")
    appeals.uphold(appeals.raise_appeal(v["L1"], "empathy", by, "x"), decider, "Stands")
    appeals.raise_appeal(v["L2"], "empathy", by, "x")
    appeals.withdraw(appeals.raise_appeal(v["L3"], "empathy", by, "x"), by)
    appeals.amend(appeals.raise_appeal(v["B1"], "empathy", by, "x"), decider, "5", None, "Agreed")
    appeals.amend(appeals.raise_appeal(v["APR"], "empathy", by, "x"), decider, "5", None, "Ok")
    db.session.commit()
    return world


def make_shop_world(card: dict) -> SimpleNamespace:
    """What a shopper's phone needs: a ``branch`` with one ``staff`` member, ``card``
    published from the given file-format data, and a ``shopper``."""
    branch = make_branch()
    world = SimpleNamespace(
        branch=branch,
        staff=make_staff(branch),
        card=publish_card(card),
        shopper=make_user(Role.SHOPPER),
    )
    db.session.commit()
    return world


def make_staff_visit_world(
    card: dict, answers: dict, comments: dict | None = None, *, adviser: str = "Ada Adviser"
) -> SimpleNamespace:
    """One published visit of ``card`` (published first) at Leeds (LDS01), naming the
    adviser ADV1, who has a login; the shopper and the manager who reviewed it exist.

    Returns ``visit`` (its id), ``staff`` (the adviser's email), ``staff_id`` (the staff
    member's id) and ``manager`` (the reviewer's email).
    """
    branch = make_branch(make_region("North"), code="LDS01", name="Leeds Briggate")
    make_user(Role.SHOPPER, email=SHOPPER_EMAIL)
    manager = make_user(Role.MANAGER, name="Mia Manager")
    member = make_staff_login(branch, "ADV1", adviser)
    publish_card(card)
    (visit,) = import_visits(
        {
            "external_id": "S1",
            "scorecard": card["slug"],
            "staff": "ADV1",
            "visited_at": "2026-05-14T10:30:00",
            "answers": answers,
            "comments": comments or {},
        }
    )
    publish_reviewed(visit, manager)
    db.session.commit()
    return SimpleNamespace(
        visit=visit.id, staff=member.user.email, staff_id=member.id, manager=manager.email
    )
