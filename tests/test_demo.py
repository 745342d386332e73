from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from audit.demo.load import DEMO_LOGINS, DEMO_PASSWORD, SCORECARD_LIBRARY, load_demo
from audit.demo.profiles import DAYS_BACK
from audit.extensions import db
from audit.models import (
    Branch,
    Region,
    Role,
    Scorecard,
    ScorecardVersion,
    StaffMember,
    User,
    VersionStatus,
    Visit,
    visit_staff,
)
from tests.builders import make_region


def test_demo_fills_an_empty_database_once(app, runner):
    # --if-empty loads into an empty database, and is a no-op on the next start.
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.test" in result.output
    assert "6 scorecards" in result.output and " visits." in result.output
    with app.app_context():
        count = lambda m: db.session.scalar(select(func.count()).select_from(m))  # noqa: E731
        assert count(Region) >= 3
        assert count(Branch) >= 12
        assert count(StaffMember) >= 60
        assert count(Scorecard) == len(list(SCORECARD_LIBRARY.glob("*.yaml"))) == 6
        published = select(func.count()).where(ScorecardVersion.status == VersionStatus.PUBLISHED)
        assert db.session.scalar(published) == 6
        assert 600 <= count(Visit) <= 900
        north = db.session.scalar(select(User).where(User.email == "north@demo.test"))
        assert [r.name for r in north.regions] == ["North"]
        staff = db.session.scalar(select(User).where(User.email == "staff@demo.test"))
        assert staff.staff_member is not None
        assert len({b.address for b in db.session.scalars(select(Branch))}) == count(Branch)
        # The demo staff login has feedback of their own to look at.
        own = select(func.count()).select_from(visit_staff)
        assert db.session.scalar(own.where(visit_staff.c.staff_member_id == staff.staff_member.id))

    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded again" in result.output
    assert "manager@demo.test" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Scorecard)) == 6


def test_demo_without_visits_still_publishes_the_library(ctx):
    counts = load_demo(visits=False)
    assert counts["scorecards"] == 6 and counts["visits"] == 0
    versions = db.session.scalars(select(ScorecardVersion)).all()
    assert {v.status for v in versions} == {VersionStatus.PUBLISHED}
    assert all(v.published_at < datetime.now(UTC) - timedelta(days=DAYS_BACK) for v in versions)


def test_demo_refuses_a_database_with_data(app, runner):
    with app.app_context():
        make_region()
        db.session.commit()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "already holds data" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


HOMES = {
    Role.ADMIN: "/admin/users",
    Role.MANAGER: "/review/",
    Role.ASSESSOR: "/shop/",
    Role.SHOPPER: "/shop/",
    Role.STAFF: "/coaching/me",
}


def test_each_demo_login_lands_on_its_home(app, runner):
    # One load for every login: the full demo is a few seconds' work.
    assert runner.invoke(args=["demo"]).exit_code == 0
    for login in DEMO_LOGINS:
        client = app.test_client()
        response = client.post("/login", data={"email": login.email, "password": DEMO_PASSWORD})
        assert response.headers["Location"] == "/", login.email
        response = client.get("/")
        assert response.headers["Location"] == HOMES[login.role], login.email
        assert client.get(HOMES[login.role]).status_code == 200, login.email
        if login.email == "north@demo.test":  # a regional manager sees only North
            page = client.get("/org/branches").get_data(as_text=True)
            assert "Leeds Briggate" in page and "Bristol Broadmead" not in page
