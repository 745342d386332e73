"""Changing a branch's time zone moves its visits to their days and months in the new
zone, rollups included, in the change's own transaction; the branch form offers the
installation's default zone and keeps a wrong name as typed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from audit.accounts.api_tokens import create_token
from audit.extensions import db
from audit.models import Branch, Role, Visit
from audit.reporting import ReportFilter, figure
from audit.reporting.rollups import direct_queries
from tests.api.conftest import Api
from tests.builders import (
    BRANCH_VISIT,
    add_visits,
    import_visits,
    make_branch,
    make_region,
    make_user,
    publish_report_cards,
    published_card,
)
from tests.conftest import make_app

JANUARY = ReportFilter(date(2026, 1, 1), date(2026, 1, 31), BRANCH_VISIT)
FEBRUARY = ReportFilter(date(2026, 2, 1), date(2026, 2, 28), BRANCH_VISIT)


def counts() -> tuple[int, int]:
    """January's and February's visits, from the rollups; the visits say the same."""
    found = (figure(JANUARY).n, figure(FEBRUARY).n)
    with direct_queries():
        assert (figure(JANUARY).n, figure(FEBRUARY).n) == found
    return found


def test_a_new_zone_moves_a_visit_to_its_new_local_month(app, ctx):
    publish_report_cards()
    branch = make_branch(make_region(), code="LAX", timezone="America/Los_Angeles")
    # 07:30 UTC on 1 February: 23:30 on 31 January in Los Angeles, 16:30 on 1 February in Tokyo.
    add_visits(branch, [90.0], at=datetime(2026, 2, 1, 7, 30, tzinfo=UTC))
    add_visits(branch, [50.0], at=datetime(2026, 2, 10, 12, tzinfo=UTC))
    token = create_token(make_user(Role.ADMIN), "zones").secret
    db.session.commit()
    assert counts() == (1, 1)

    api = Api(app.test_client())
    wrong = api("PATCH", f"/branches/{branch.id}", token, json={"timezone": "Mars/Olympus"})
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.get_json()["errors"]] == ["timezone"]
    moved = api("PATCH", f"/branches/{branch.id}", token, json={"timezone": "asia/tokyo"})
    assert moved.status_code == 200 and moved.get_json()["timezone"] == "Asia/Tokyo"

    db.session.expire_all()
    days = dict(db.session.execute(select(Visit.percent, Visit.local_day)).all())
    assert days == {90.0: "2026-02-01", 50.0: "2026-02-10"}
    assert counts() == (0, 2)
    unchanged = api("PATCH", f"/branches/{branch.id}", token, json={"timezone": None})
    assert unchanged.get_json()["timezone"] == "Asia/Tokyo"


def test_an_imported_time_without_a_zone_is_the_branchs_clock(app, ctx):
    published_card()
    make_branch(code="LAX", timezone="America/Los_Angeles")
    make_user(Role.SHOPPER, "shopper@example.org")
    late, day, utc = import_visits(
        {"external_id": "LATE", "branch": "LAX", "visited_at": "2026-01-31T23:30"},
        {"external_id": "DAY", "branch": "LAX", "visited_at": "2026-01-31"},
        {"external_id": "UTC", "branch": "LAX", "visited_at": "2026-02-01T07:30Z"},
    )
    assert late.visited_at == utc.visited_at == datetime(2026, 2, 1, 7, 30, tzinfo=UTC)
    assert day.visited_at == datetime(2026, 1, 31, 8, tzinfo=UTC)  # midnight there
    assert {v.local_day for v in (late, day, utc)} == {"2026-01-31"}


def test_the_branch_form_offers_the_default_and_keeps_a_wrong_zone(app, client, auth, ctx):
    app.config["AUDIT_DEFAULT_TIMEZONE"] = "Europe/Madrid"
    region = make_region("Iberia")
    manager = make_user(Role.ADMIN)
    db.session.commit()
    auth.login(manager.email)
    page = client.get("/org/branches/new").get_data(as_text=True)
    assert 'value="Europe/Madrid"' in page and '<option value="Asia/Tokyo">' in page

    fields = {"code": "MAD", "name": "Madrid", "region": region.id, "address": "Gran Vía 1"}
    wrong = client.post("/org/branches/new", data={**fields, "timezone": "Mars/Olympus"})
    assert wrong.status_code == 200
    page = wrong.get_data(as_text=True)
    assert 'value="Mars/Olympus"' in page and "is not a time zone" in page
    made = client.post("/org/branches/new", data={**fields, "timezone": " europe/lisbon "})
    assert made.status_code == 302
    assert db.session.scalar(select(Branch.timezone).where(Branch.code == "MAD")) == "Europe/Lisbon"


def test_a_default_zone_that_is_no_zone_stops_the_app_at_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    with pytest.raises(RuntimeError, match="AUDIT_DEFAULT_TIMEZONE: 'Mars/Olympus' is not"):
        make_app(url, tmp_path, AUDIT_DEFAULT_TIMEZONE="Mars/Olympus")
    assert (
        make_app(url, tmp_path, AUDIT_DEFAULT_TIMEZONE="asia/tokyo").config[
            "AUDIT_DEFAULT_TIMEZONE"
        ]
        == "Asia/Tokyo"
    )
