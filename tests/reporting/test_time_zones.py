"""A month is the branch's month: visits just before and after local midnight at a month
end, in Los Angeles (UTC-8) and Tokyo (UTC+9), land in their branch's day and month in
every figure, trend, export, the API and a PDF, on every test database.

In UTC the four visits fall the other way round (the Los Angeles ones on 1 February,
the Tokyo ones on 31 January), so a report that cut days in UTC would fail every check.
One dataset per database for the module; the tests that change data make their own.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

import tests.conftest as base
from audit.accounts.api_tokens import create_token
from audit.extensions import db
from audit.models import Role, Visit
from audit.reporting import ReportFilter, figure, monthly_trend
from audit.reporting.rollups import direct_queries
from tests.api.conftest import Api
from tests.builders import (
    BRANCH_VISIT,
    add_visits,
    make_branch,
    make_region,
    make_user,
    publish_report_cards,
)
from tests.pdf.reading import Pdf

LA, TOKYO = "America/Los_Angeles", "Asia/Tokyo"
#: percent -> (branch code, UTC instant, the branch's clock then, its local day)
VISITS = {
    90.0: ("LAX", datetime(2026, 2, 1, 7, 30, tzinfo=UTC), "2026-01-31T23:30:00-08:00"),
    70.0: ("LAX", datetime(2026, 2, 1, 8, 30, tzinfo=UTC), "2026-02-01T00:30:00-08:00"),
    80.0: ("TYO", datetime(2026, 1, 31, 14, 30, tzinfo=UTC), "2026-01-31T23:30:00+09:00"),
    60.0: ("TYO", datetime(2026, 1, 31, 15, 30, tzinfo=UTC), "2026-02-01T00:30:00+09:00"),
}
JANUARY = (date(2026, 1, 1), date(2026, 1, 31))
FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))
LAST_OF_JANUARY = (date(2026, 1, 31), date(2026, 1, 31))


@dataclass
class Zoned:
    app: Flask
    branches: dict[str, int]  # code -> id
    token: str  # an administrator's
    email: str


def _build(app: Flask) -> Zoned:
    publish_report_cards()
    region = make_region("Pacific")
    branches = {
        "LAX": make_branch(region, code="LAX", name="Los Angeles", timezone=LA),
        "TYO": make_branch(region, code="TYO", name="Tokyo", timezone=TOKYO),
    }
    for percent, (code, at, _) in VISITS.items():
        add_visits(branches[code], [percent], at=at)
    admin = make_user(Role.ADMIN)
    token = create_token(admin, "time zones").secret
    db.session.commit()
    return Zoned(app, {c: b.id for c, b in branches.items()}, token, admin.email)


@pytest.fixture(scope="module", params=base.DATABASES)
def zoned(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Zoned]:
    with base.module_database(
        request,
        tmp_path_factory,
        "zones",
        REPORT_CACHE_SIZE=0,
        API_RATE_LIMIT=100_000,
        REDIS_URL=None,
    ) as app:
        yield _build(app)


def api(zoned: Zoned, path: str, **query: object):
    answer = Api(zoned.app.test_client())("GET", path, zoned.token, query_string=query)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer


def period(days: tuple[date, date]) -> dict[str, str]:
    return {"from": days[0].isoformat(), "to": days[1].isoformat(), "scorecard": BRANCH_VISIT}


def test_each_visit_has_its_branchs_day(zoned: Zoned) -> None:
    days = dict(db.session.execute(select(Visit.percent, Visit.local_day)).all())
    assert days == {p: local[:10] for p, (_, _, local) in VISITS.items()}


def test_dashboard_figures_count_each_visit_in_its_branchs_month(zoned: Zoned) -> None:
    def shown(days: tuple[date, date], **unit: int) -> tuple[int, float | None]:
        body = api(zoned, "/reports/figures", **period(days), **unit).get_json()
        return body["figure"]["n"], body["figure"]["mean"]

    assert shown(JANUARY) == (2, 85.0)  # 23:30 in Los Angeles and in Tokyo on the 31st
    assert shown(FEBRUARY) == (2, 65.0)  # 00:30 on the 1st in each
    assert shown(JANUARY, branch_id=zoned.branches["LAX"]) == (1, 90.0)
    assert shown(FEBRUARY, branch_id=zoned.branches["TYO"]) == (1, 60.0)
    # Whole months (month rollups), one day (day rollups) and the visits themselves agree.
    for days, expected in ((JANUARY, (2, 85.0)), (LAST_OF_JANUARY, (2, 85.0))):
        flt = ReportFilter(*days, scorecard=BRANCH_VISIT)
        with direct_queries():
            direct = figure(flt)
        for found in (figure(flt), direct):
            assert (found.n, found.mean) == pytest.approx(expected), days


def test_the_month_trend_follows_the_branchs_months(zoned: Zoned) -> None:
    flt = ReportFilter(JANUARY[0], FEBRUARY[1], scorecard=BRANCH_VISIT)
    with direct_queries():
        direct = monthly_trend(flt)
    for trend in (monthly_trend(flt), direct):
        points = [(p.month, p.figure.n, p.figure.mean) for p in trend]
        assert points == [("2026-01", 2, pytest.approx(85.0)), ("2026-02", 2, pytest.approx(65.0))]


def test_csv_exports_give_utc_and_the_branchs_clock_with_offsets(zoned: Zoned) -> None:
    client = zoned.app.test_client()
    client.post("/login", data={"email": zoned.email, "password": base.TEST_PASSWORD})
    answer = client.get("/reports/visits.csv", query_string={"period": "custom", **period(JANUARY)})
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    expected = {
        f"{p:.2f}": (at.isoformat(), local, {"LAX": LA, "TYO": TOKYO}[code])
        for p, (code, at, local) in VISITS.items()
        if local.startswith("2026-01")
    }
    assert {
        r["percent"]: (r["visited_at"], r["visited_at_local"], r["timezone"]) for r in rows
    } == (expected)
    assert expected["90.00"][0] == "2026-02-01T07:30:00+00:00"

    runner = zoned.app.test_cli_runner()
    days = ["--from", "2026-02-01", "--to", "2026-02-01"]
    out = runner.invoke(args=["visits", "export", "--format", "csv", *days])
    assert out.exit_code == 0, out.output
    exported = {r["percent"]: r for r in csv.DictReader(io.StringIO(out.output))}
    assert {p: (r["visited_at_local"], r["timezone"]) for p, r in exported.items()} == {
        "70.0": ("2026-02-01T00:30:00-08:00", LA),
        "60.0": ("2026-02-01T00:30:00+09:00", TOKYO),
    }
    assert exported["60.0"]["visited_at"] == "2026-01-31T15:30:00+00:00"
    out = runner.invoke(args=["visits", "export", "--format", "json", *days])
    records = {r["percent"]: r for r in json.loads(out.output)}
    assert records[60.0]["visited_at_local"] == "2026-02-01T00:30:00+09:00"
    assert records[60.0]["timezone"] == TOKYO


def test_the_api_gives_both_times_and_filters_by_the_branchs_day(zoned: Zoned) -> None:
    body = api(zoned, "/visits", visited_from="2026-01-31", visited_to="2026-01-31").get_json()
    got = {
        v["percent"]: (v["visited_at"], v["visited_at_local"], v["branch"]["timezone"])
        for v in body["items"]
    }
    assert got == {
        90.0: ("2026-02-01T07:30:00Z", "2026-01-31T23:30:00-08:00", LA),
        80.0: ("2026-01-31T14:30:00Z", "2026-01-31T23:30:00+09:00", TOKYO),
    }
    branch = api(zoned, f"/branches/{zoned.branches['TYO']}").get_json()
    assert branch["timezone"] == TOKYO


@pytest.mark.parametrize(
    ("code", "days", "says"),
    [("LAX", JANUARY, "averaged 90.0% over 1 visit"), ("TYO", FEBRUARY, "averaged 60.0% over 1")],
)
def test_a_branch_pdf_counts_the_branchs_month(
    zoned: Zoned, code: str, days: tuple[date, date], says: str
) -> None:
    pdf = api(zoned, f"/branches/{zoned.branches[code]}/report.pdf", **period(days)).data
    assert says in Pdf(pdf).flat
