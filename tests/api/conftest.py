"""An organisation of two regions and a token for each kind of person, and a client
that speaks to the API with a bearer token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit.accounts.api_tokens import create_token
from audit.extensions import db
from audit.models import Role
from tests.builders import make_branch, make_region, make_staff, make_staff_login, make_user


@dataclass
class World:
    """Ids of what was made, and the secret of each person's token."""

    regions: dict[str, int] = field(default_factory=dict)
    branches: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # who → e-mail
    tokens: dict[str, str] = field(default_factory=dict)  # who → secret


def build_world() -> World:
    world = World()
    north, south = make_region("North"), make_region("South")
    leeds = make_branch(north, code="N-LEEDS", name="Leeds")
    york = make_branch(north, code="N-YORK", name="York")
    bristol = make_branch(south, code="S-BRIS", name="Bristol")
    world.regions = {"North": north.id, "South": south.id}
    world.branches = {"N-LEEDS": leeds.id, "N-YORK": york.id, "S-BRIS": bristol.id}
    for code, branch in (("NS1", leeds), ("NS2", york), ("SS1", bristol)):
        world.staff[code] = make_staff(branch, code=code).id
    people = {
        "admin": make_user(Role.ADMIN),
        "national": make_user(Role.MANAGER),
        "regional": make_user(Role.MANAGER, regions=[north]),
        "assessor": make_user(Role.ASSESSOR),
        "shopper": make_user(Role.SHOPPER),
        "staff": make_staff_login(leeds, code="NSL").user,
    }
    world.staff["NSL"] = people["staff"].staff_member.id
    for who, user in people.items():
        world.users[who] = user.email
        world.tokens[who] = create_token(user, f"{who} token").secret
    db.session.commit()
    return world


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


class Api:
    """``client`` calls with ``Authorization: Bearer`` (JSON bodies by ``json=``)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __call__(
        self,
        method: str,
        path: str,
        token: str | None = None,
        headers: dict | None = None,
        **kw: Any,
    ):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)
