"""The follow-up records of the API tests, on the `world` of conftest.py (North: Leeds
and York, South: Bristol; the staff login NSL works at Leeds), made through the areas'
services, with their ids:

visits   PUB_N   Leeds, published, names NSL, PARTLY (empathy and outcome lost points)
         PUB_S   Bristol, published, names SS1, PARTLY
         WAIT_N  Leeds, approved (not published), names NSL
actions  mine    Leeds, open, owned by NSL        leeds_open   Leeds, open, nobody
         york    York, open, overdue               proposed     Leeds, proposed
         bristol Bristol, open
appeals  staff_n  NSL's on PUB_N (outcome)         manager_s   the head office's on PUB_S (empathy)
notes    nsl      to NSL, from WAIT_N (unpublished) ns1        to NS1 (Leeds)
         ss1      to SS1 (Bristol)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from audit.appeals import service as appeals
from audit.extensions import db
from audit.models import ActionStatus, Branch, StaffMember, User
from tests.builders import PARTLY, import_visits, make_action, make_note, published_card


@dataclass
class Followup:
    visits: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    appeals: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)


def listed(api, path: str, token: str) -> list[dict]:  # noqa: ANN001  (tests.api.conftest.Api)
    """The items of a list the token reads (asserting it may)."""
    answer = api("GET", path, token)
    assert answer.status_code == 200, answer.text
    return answer.get_json()["items"]


def keys_of(made: dict[str, int], items: list[dict]) -> set[str]:
    """The names (in ``made``) of the records listed; "new" for one made by the test."""
    names = {record_id: key for key, record_id in made.items()}
    return {names.get(item["id"], "new") for item in items}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def build_followup(world) -> Followup:  # noqa: ANN001  (tests.api.conftest.World)
    made = Followup()
    published_card()
    shopper = world.users["shopper"]
    visits = import_visits(
        *(
            {"external_id": external_id, "branch": branch, "staff": staff, "status": status}
            | {"shopper": shopper, "answers": PARTLY}
            for external_id, branch, staff, status in (
                ("PUB_N", "N-LEEDS", "NSL", "published"),
                ("PUB_S", "S-BRIS", "SS1", "published"),
                ("WAIT_N", "N-LEEDS", "NSL", "approved"),
            )
        )
    )
    made.visits = {v.external_id: v.id for v in visits}
    pub_n, pub_s, wait_n = visits
    national, staff_user = _user(world.users["national"]), _user(world.users["staff"])
    leeds, york, bristol = (
        db.session.get(Branch, world.branches[code]) for code in ("N-LEEDS", "N-YORK", "S-BRIS")
    )
    nsl = db.session.get(StaffMember, world.staff["NSL"])
    made.actions = {
        "mine": make_action(leeds, "Fix the queue", by=national, owner=nsl).id,
        "leeds_open": make_action(leeds, "Tidy the window", by=national).id,
        "proposed": make_action(leeds, "Greet faster", ActionStatus.PROPOSED, by=national).id,
        "york": make_action(
            york, "Mend the door", by=national, due_on=date.today() - timedelta(days=3)
        ).id,
        "bristol": make_action(bristol, "Train the team", by=national).id,
    }
    made.appeals = {
        "staff_n": appeals.raise_appeal(pub_n, "outcome", staff_user, "It was resolved").id,
        "manager_s": appeals.raise_appeal(pub_s, "empathy", national, "Was a 5").id,
    }
    members = {code: db.session.get(StaffMember, world.staff[code]) for code in ("NS1", "SS1")}
    made.notes = {
        "nsl": make_note(nsl, national, "Slow down at the till.", visit=wait_n).id,
        "ns1": make_note(members["NS1"], national, "Good smile.").id,
        "ss1": make_note(members["SS1"], national, "Check the rota.").id,
    }
    db.session.commit()
    return made


@pytest.fixture(name="followup")
def followup_fixture(app: Flask, world) -> Followup:  # noqa: ANN001
    """Import it as ``followup_fixture``; tests ask for ``followup``."""
    with app.app_context():
        return build_followup(world)
