from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audit.demo import DEMO_LOGINS, DEMO_PASSWORD
from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember, User
from tests.factories import make_region


def test_demo_fills_an_empty_database(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.test" in result.output
    with app.app_context():
        count = lambda m: db.session.scalar(select(func.count()).select_from(m))  # noqa: E731
        assert count(Region) >= 3
        assert count(Branch) >= 12
        assert count(StaffMember) >= 60
        north = db.session.scalar(select(User).where(User.email == "north@demo.test"))
        assert [r.name for r in north.regions] == ["North"]
        staff = db.session.scalar(select(User).where(User.email == "staff@demo.test"))
        assert staff.staff_member is not None
        assert len({b.address for b in db.session.scalars(select(Branch))}) == count(Branch)


def test_demo_refuses_a_database_with_data(app, runner):
    with app.app_context():
        make_region()
        db.session.commit()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "already holds data" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_if_empty_is_a_no_op_on_second_start(app, runner):
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded again" in result.output
    assert "manager@demo.test" in result.output


HOMES = {
    Role.ADMIN: "/admin/users",
    Role.MANAGER: "/org/branches",
    Role.ASSESSOR: "/assessor",
    Role.SHOPPER: "/shopper",
    Role.STAFF: "/me",
}


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login.email)
def test_each_demo_login_lands_on_its_home(app, runner, client, login):
    runner.invoke(args=["demo"])
    response = client.post("/login", data={"email": login.email, "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/"
    response = client.get("/")
    assert response.headers["Location"] == HOMES[login.role]
    assert client.get(HOMES[login.role]).status_code == 200


def test_regional_manager_sees_only_north(app, runner, client):
    runner.invoke(args=["demo"])
    client.post("/login", data={"email": "north@demo.test", "password": DEMO_PASSWORD})
    page = client.get("/org/branches").get_data(as_text=True)
    assert "Leeds Briggate" in page and "Bristol Broadmead" not in page
