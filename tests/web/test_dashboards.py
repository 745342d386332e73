"""Dashboards and CSV downloads: figures against an independent reading of the visits export,
regional scope, filters in the URL, and query counts that do not grow with the data."""

from __future__ import annotations

import csv
import io
import random
import re
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime
from html import unescape
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import event, select

from audit.dashboards.views import optional_url
from audit.extensions import db
from audit.models import (
    ActionStatus,
    AppealStatus,
    Branch,
    Region,
    Role,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from audit.reporting import Interval, ReportFilter
from audit.reporting.cache import cache as report_cache
from audit.reporting.charts import format_percent
from audit.reporting.periods import DashboardFilter, parse_filter
from audit.reporting.visit_list import stream_visit_rows, visit_rows
from audit.review.service import exclude as exclude_visit
from audit.templating import interval_text as ci_text
from tests.builders import make_action, make_appeal, make_user
from tests.pages import get, login, marked, section
from tests.reporting.dataset import CARD, FIRST_DAY, LAST_DAY, add_branches, build, generate_visits

PERIOD = {
    "period": "custom",
    "from": FIRST_DAY.isoformat(),
    "to": LAST_DAY.isoformat(),
    "scorecard": CARD,
}
FLT = ReportFilter(FIRST_DAY, LAST_DAY, CARD)


# --------------------------------------------------------------------------- html reading


def pct(value: float | None, digits: int = 1) -> str:
    return format_percent(value, digits)


# --------------------------------------------------------------------------- data


@pytest.fixture
def data(ctx):
    org, ref = build(7, regions=3, branches=9, visits=140)
    admin = make_user(Role.ADMIN)
    region = db.session.get(Region, org.region_ids[0])
    manager = make_user(Role.MANAGER, regions=[region])
    db.session.commit()
    return SimpleNamespace(org=org, ref=ref, admin=admin.email, manager=manager.email)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def staff_name(code: str) -> tuple[str, str]:
    """How staff are ordered on a visit: by name, then code (names are "Staff Member N")."""
    with_name = db.session.scalar(select(StaffMember.name).where(StaffMember.code == code))
    return (with_name, code)


def expected_mean_text(expected) -> str:
    low, high = expected.interval
    # Shown cut at the ends of the 0-100 scale.
    return f"{pct(expected.mean)} 95% CI {pct(max(0, low))}–{pct(min(100, high))} · n={expected.n}"


# --------------------------------------------------------------------------- pages


def test_overview_figures_match_the_export(client, data):
    login(client, data.admin)
    html = get(client, "/reports/", **PERIOD)
    ref = data.ref
    expected = ref.figure(FLT)
    figures = marked(html, "figure").found
    assert figures["mean"] == expected_mean_text(expected)
    assert figures["pass-rate"].startswith(
        f"{pct(100 * expected.passed / expected.n, 0)} {expected.passed} of {expected.n}"
    )
    assert figures["critical"] == f"{expected.critical} of {expected.n} visits"
    assert figures["critical-count"] == str(expected.critical)
    assert figures["nps"].startswith(f"{ref.nps(FLT):+d} n=")

    # League: every branch, the ranks of the minimum-visits rule, means and n.
    league = marked(section(html, "league-h", "sections-h"), "unit")
    ranks = ref.branch_league(FLT, 3)
    by_code = {code: branch_id for code, branch_id in data.org.branch_ids.items()}
    assert set(league.found) == set(by_code)
    company = expected.mean
    for code, branch_id in by_code.items():
        rank = ranks[branch_id]
        assert league.attrs[code]["data-rank"] == ("" if rank is None else str(rank))
        values = [r["percent"] for r in ref.visits(FLT) if r["branch"] == code]
        text = league.found[code]
        if values:
            assert pct(statistics.fmean(values)) in text
            assert f"n={len(values)}" in text
        if rank is None:
            assert "fewer than the 3 needed to rank" in text
        if len(values) >= 2:
            own = ref.figure(ReportFilter(FIRST_DAY, LAST_DAY, CARD, branch_id=branch_id))
            verdict = significance_of(own.interval, company)
            assert verdict in text

    # Regions: every region with its mean and n.
    regions = marked(section(html, "regions-h", "league-h"), "region").found
    assert set(regions) == {str(r) for r in data.org.region_ids}
    for region_id in data.org.region_ids:
        own = ref.figure(ReportFilter(FIRST_DAY, LAST_DAY, CARD, region_id=region_id))
        assert expected_mean_text(own) in regions[str(region_id)]

    # Heatmap cells of a few random branches and sections.
    heat = section(html, "heat-h", "failed-h")
    cells = ref.heatmap(FLT)
    rng = random.Random(3)
    for branch_id, key in rng.sample(sorted(cells), 5):
        code = next(c for c, i in by_code.items() if i == branch_id)
        row = heat.split(f'data-unit="{code}"', 1)[1].split("</tr>", 1)[0]
        assert f"{pct(statistics.fmean(cells[(branch_id, key)]), 0)}" in row
        assert f"n={len(cells[(branch_id, key)])}" in row


def significance_of(interval: tuple[float, float], benchmark: float) -> str:
    low, high = interval
    if low > benchmark:
        return "significantly above company"
    if high < benchmark:
        return "significantly below company"
    return "not significantly different from company"


def test_branch_page_matches_the_export(client, data):
    login(client, data.admin)
    ref = data.ref
    counts = defaultdict(int)
    for r in ref.visits(FLT):
        counts[r["branch"]] += 1
    code = max(counts, key=lambda c: (counts[c], c))
    branch_id = data.org.branch_ids[code]
    flt = ReportFilter(FIRST_DAY, LAST_DAY, CARD, branch_id=branch_id)
    html = get(client, f"/reports/branches/{code}", **PERIOD)
    expected = ref.figure(flt)
    assert marked(html, "figure").found["mean"] == expected_mean_text(expected)

    # Benchmarks: company and region averages with their n.
    benchmarks = marked(html, "benchmark").found
    company = ref.figure(FLT)
    assert benchmarks["company"].startswith(f"Company average {pct(company.mean)}")
    region_id = data.org.branch_region[code]
    region = ref.figure(ReportFilter(FIRST_DAY, LAST_DAY, CARD, region_id=region_id))
    assert f"{pct(region.mean)}" in benchmarks["region"]
    assert f" {region.n} " in f" {benchmarks['region']} "

    # Rank within the region.
    rank = ref.branch_league(ReportFilter(FIRST_DAY, LAST_DAY, CARD, region_id=region_id), 3)
    rank_text = marked(html, "figure").found["rank"]
    if rank[branch_id] is None:
        assert rank_text.startswith("Not ranked")
    else:
        assert rank_text.startswith(f"Ranked {rank[branch_id]} of")

    # Recent visits: the newest 20, newest first, each linking to the review page.
    records = sorted(
        ref.visits(flt), key=lambda r: (datetime.fromisoformat(r["visited_at"]), r["id"])
    )
    newest = [str(r["id"]) for r in reversed(records)][:20]
    visits = marked(section(html, "visits-h"), "visit")
    assert list(visits.found) == newest
    assert f'href="/review/visits/{newest[0]}"' in html

    # Staff ranks.
    staff_ranks = ref.staff_league(flt, 3)
    staff = marked(section(html, "staff-h", "recurring-h"), "unit")
    codes = {v: k for k, v in data.org.staff_ids.items()}
    assert {codes[s] for s in staff_ranks} == set(staff.found)
    for staff_id, rank in staff_ranks.items():
        assert staff.attrs[codes[staff_id]]["data-rank"] == ("" if rank is None else str(rank))

    # PDF links only where the PDF endpoints are installed.
    views = client.application.view_functions
    assert ("reports.branch_pdf" in views) == (f'href="/reports/branches/{code}.pdf' in html)
    with client.application.test_request_context():
        assert optional_url("reports.no_such_pdf", code=code) is None

    # The downloads behind the page: its visits and its staff league.
    rows = read_csv(get(client, "/reports/visits.csv", branch=code, **PERIOD))
    assert [int(r["visit_id"]) for r in rows] == [
        int(i) for i in reversed([str(r["id"]) for r in records])
    ]
    by_id = {r["id"]: r for r in records}
    for row in rows[:5]:
        assert row["percent"] == f"{by_id[int(row['visit_id'])]['percent']:.2f}"
        assert row["staff"] == ";".join(
            sorted(by_id[int(row["visit_id"])]["staff"], key=staff_name)
        )
    for row in rows[:5]:
        record = by_id[int(row["visit_id"])]
        for key, percent in record["sections"].items():
            assert row[f"section:{key}"] == ("" if percent is None else f"{percent:.2f}")
    # Streamed (the download) and listed (the pages) agree.
    assert list(stream_visit_rows(flt, chunk=7)) == visit_rows(flt, sections=True)
    league = read_csv(get(client, f"/reports/branches/{code}/staff.csv", **PERIOD))
    assert {r["code"]: r["rank"] for r in league} == {
        codes[s]: "" if rank is None else str(rank) for s, rank in staff_ranks.items()
    }


def test_staff_page_matches_the_export(client, data):
    login(client, data.admin)
    ref = data.ref
    counts = defaultdict(int)
    for r in ref.visits(FLT):
        for s in r["staff"]:
            counts[s] += 1
    code = max(counts, key=lambda c: (counts[c], c))
    staff_id = data.org.staff_ids[code]
    html = get(client, f"/reports/staff/{code}", **PERIOD)
    flt = ReportFilter(FIRST_DAY, LAST_DAY, CARD, staff_id=staff_id)
    expected = ref.figure(flt)
    assert marked(html, "figure").found["mean"] == expected_mean_text(expected)
    branch_code = data.org.staff_branch[code]
    branch = ref.figure(
        ReportFilter(FIRST_DAY, LAST_DAY, CARD, branch_id=data.org.branch_ids[branch_code])
    )
    benchmarks = marked(html, "benchmark").found
    assert pct(branch.mean) in benchmarks["branch"]
    # The difference of the two figures as shown, with a true minus.
    shown = round(float(f"{expected.mean:.1f}") - float(f"{branch.mean:.1f}"), 1)
    sign = "+" if shown > 0 else "−" if shown < 0 else ""
    assert f"{sign}{abs(shown):.1f} pts" in benchmarks["branch"]
    visits = marked(section(html, "visits-h"), "visit")
    assert {int(v) for v in visits.found} == {r["id"] for r in ref.visits(flt)}


# --------------------------------------------------------------------------- scope


def _codes_in_region(data, region_id: int) -> set[str]:
    return {c for c, r in data.org.branch_region.items() if r == region_id}


def test_a_regional_manager_sees_only_their_region(client, data):
    login(client, data.manager)
    mine = data.org.region_ids[0]
    other = data.org.region_ids[1]
    inside = _codes_in_region(data, mine)
    outside = set(data.org.branch_ids) - inside
    assert inside and outside

    html = get(client, "/reports/", **PERIOD)
    listed = set(marked(html, "unit").found)
    assert listed <= inside and listed & inside
    assert set(marked(html, "region").found) == {str(mine)}
    for code in outside:
        assert f">{code}<" not in html and f"/reports/branches/{code}" not in html
    # The headline is over their region only, the company average over everything.
    expected = data.ref.figure(ReportFilter(FIRST_DAY, LAST_DAY, CARD, scope_region_ids={mine}))
    assert marked(html, "figure").found["mean"] == expected_mean_text(expected)

    out_branch = sorted(outside)[0]
    out_staff = next(s for s, b in data.org.staff_branch.items() if b == out_branch)
    for url in (
        f"/reports/branches/{out_branch}",
        f"/reports/staff/{out_staff}",
        f"/reports/regions/{other}",
        f"/reports/branches/{out_branch}/staff.csv",
    ):
        assert client.get(url, query_string=PERIOD).status_code == 403, url
    for args in ({"region": str(other)}, {"branch": out_branch}, {"staff": out_staff}):
        assert client.get("/reports/visits.csv", query_string=PERIOD | args).status_code == 403
    assert (
        client.get("/reports/league.csv", query_string=PERIOD | {"region": str(other)}).status_code
        == 403
    )
    assert client.get("/reports/branches/NOPE").status_code == 404

    league = list(csv.DictReader(io.StringIO(get(client, "/reports/league.csv", **PERIOD))))
    assert {row["code"] for row in league} == inside
    visits = list(csv.DictReader(io.StringIO(get(client, "/reports/visits.csv", **PERIOD))))
    assert {row["branch_code"] for row in visits} <= inside
    assert sorted(int(r["visit_id"]) for r in visits) == sorted(
        r["id"]
        for r in data.ref.visits(ReportFilter(FIRST_DAY, LAST_DAY, CARD, scope_region_ids={mine}))
    )


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.STAFF, Role.ASSESSOR])
def test_other_roles_are_kept_out(client, ctx, role):
    user = make_user(role)
    db.session.commit()
    login(client, user.email)
    for url in ("/reports/", "/reports/league.csv", "/reports/visits.csv"):
        assert client.get(url).status_code == 403


# --------------------------------------------------------------------------- query counts


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: object) -> None:
        self.count += 1


def count_queries(client, engine, url: str, args: dict[str, str]) -> int:
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.get(url, query_string=args)
        response.get_data()
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert response.status_code == 200, url
    return counter.count


def test_query_counts_do_not_grow_with_the_data(client, app):
    # Requests run outside the test's app context, as in production: a fresh session
    # (and ``g``) per request. The report cache is off: every figure is queried.
    app.config["REPORT_CACHE_SIZE"] = 0
    with app.app_context():
        org, _ = build(11, regions=2, branches=3, visits=30)
        manager = make_user(Role.MANAGER, regions=[db.session.get(Region, org.region_ids[0])])
        db.session.commit()
        email = manager.email
    code = sorted(c for c, r in org.branch_region.items() if r == org.region_ids[0])[0]
    staff = next(s for s, b in org.staff_branch.items() if b == code)
    urls = [
        "/reports/",
        f"/reports/regions/{org.region_ids[0]}",
        f"/reports/branches/{code}",
        f"/reports/staff/{staff}",
        "/reports/league.csv",
        "/reports/visits.csv",
        f"/reports/branches/{code}/staff.csv",
    ]
    login(client, email)
    with app.app_context():
        engine = db.engine
    small = {url: count_queries(client, engine, url, PERIOD) for url in urls}

    with app.app_context():
        rng = random.Random(12)
        add_branches(rng, org, 9, staff_per_branch=3)
        generate_visits(rng, org, 240, prefix="more-")
        add_feedback(code)
    large = {url: count_queries(client, engine, url, PERIOD) for url in urls}
    assert large == small
    # The branch page is the busiest: 23 queries for its figures, plus one each for its
    # corrective actions, its top performers and its appeal figures, and one for the
    # customer-voice panel's survey questions (none here: no survey card, no more queries).
    assert max(small.values()) <= 27, small


def add_feedback(code: str) -> None:
    """Actions with owners and appeals on the branch, so they too must not add queries."""
    branch = db.session.scalars(select(Branch).where(Branch.code == code)).one()
    staff = db.session.scalars(select(StaffMember).where(StaffMember.branch_id == branch.id)).all()
    user = db.session.scalars(select(User)).first()
    for i, status in enumerate(
        [ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE] * 3
    ):
        make_action(
            branch,
            f"Action {i}",
            status,
            by=user,
            owner=staff[i % len(staff)] if i % 2 else user,
            closed_at=datetime(2026, 6, 1, tzinfo=UTC) if status is ActionStatus.DONE else None,
        )
    published = db.session.scalars(
        select(Visit).where(Visit.branch_id == branch.id, Visit.status == VisitStatus.PUBLISHED)
    ).all()
    for visit, status in zip(
        published, [AppealStatus.OPEN, AppealStatus.AMENDED] * 4, strict=False
    ):
        make_appeal(visit, "greeted_promptly", status, reason="No")
    db.session.commit()


# --------------------------------------------------------------------------- filters in the URL

CARDS = {"branch-visit": "Branch visit", "phone-call": "Phone call"}


def parse(args: dict[str, str], today: date = date(2026, 11, 30)) -> DashboardFilter:
    return parse_filter(args, today=today, scorecards=CARDS, default_scorecard="branch-visit")


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        # Months ending today: no weeks that have not happened.
        ("3m", date(2026, 8, 15), date(2026, 11, 14)),
        ("6m", date(2026, 5, 15), date(2026, 11, 14)),
        ("12m", date(2025, 11, 15), date(2026, 11, 14)),
        ("ytd", date(2026, 1, 1), date(2026, 11, 14)),
        # Whole calendar months and years, by name.
        ("full-1m", date(2026, 10, 1), date(2026, 10, 31)),
        ("full-3m", date(2026, 8, 1), date(2026, 10, 31)),
        ("full-12m", date(2025, 11, 1), date(2026, 10, 31)),
        ("last-year", date(2025, 1, 1), date(2025, 12, 31)),
        ("all", None, None),
    ],
)
def test_period_presets(period, start, end):
    chosen = parse({"period": period}, today=date(2026, 11, 14))
    assert (chosen.date_from, chosen.date_to, chosen.errors) == (start, end, ())


def test_last_months_end_today_at_the_ends_of_months():
    # 31 March less three months is the end of December; the period starts the day after.
    chosen = parse({"period": "3m"}, today=date(2026, 3, 31))
    assert (chosen.date_from, chosen.date_to) == (date(2026, 1, 1), date(2026, 3, 31))
    # 29 February 2028 less twelve months is 28 February 2027.
    chosen = parse({"period": "12m"}, today=date(2028, 2, 29))
    assert (chosen.date_from, chosen.date_to) == (date(2027, 3, 1), date(2028, 2, 29))
    assert chosen.period_label == "01 Mar 2027 to 29 Feb 2028"


def test_filter_defaults_and_bad_values():
    assert parse({}) == DashboardFilter("12m", date(2025, 12, 1), date(2026, 11, 30), CARD)
    assert parse({"scorecard": "all"}).scorecard is None
    assert parse({"scorecard": "phone-call"}).scorecard == "phone-call"
    unknown = parse({"scorecard": "nope", "period": "5y", "region": "x", "from": "31/12/2025"})
    assert (unknown.scorecard, unknown.period, unknown.region_id) == (CARD, "12m", None)
    assert len(unknown.errors) == 4
    swapped = parse({"from": "2026-03-31", "to": "2026-01-01"})
    assert (swapped.period, swapped.date_from, swapped.date_to) == (
        "custom",
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert swapped.errors == ("The period ends before it starts; the dates were swapped.",)
    assert parse({"period": "custom"}).period == "all"


def test_dates_outside_any_programme_are_refused_with_a_message():
    far = parse({"period": "custom", "from": "2026-01-01", "to": "9999-12-31"})
    assert (far.date_from, far.date_to) == (date(2026, 1, 1), None)
    assert far.errors == (
        "The to date 9999-12-31 is out of range: choose a date between 01 Jan 2000 "
        "and 31 Dec 2099.",
    )
    ancient = parse({"from": "0001-01-01"})
    assert ancient.errors and ancient.date_from != date(1, 1, 1)


def test_a_period_ending_in_the_year_9999_answers_a_message_not_a_500(client, data):
    login(client, data.admin)
    args = {"period": "custom", "from": "2026-01-01", "to": "9999-12-31", "scorecard": "all"}
    page = client.get("/reports/", query_string=args)
    assert page.status_code == 200
    assert "out of range" in page.get_data(as_text=True)
    for url in ("/reports/visits.csv", "/reports/compare.pdf"):
        response = client.get(url, query_string=args)
        assert response.status_code == 400, url
        assert "out of range" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "args",
    [
        {"period": "custom", "from": "2026-01-01", "to": "2026-03-31", "scorecard": "all"},
        {"period": "6m", "scorecard": "phone-call", "region": "4"},
        {"period": "custom", "from": "2026-02-01", "scorecard": "branch-visit"},
        {"period": "all", "scorecard": "branch-visit"},
    ],
)
def test_filter_round_trips_through_its_query(args):
    chosen = parse(args)
    assert chosen.query() == args
    assert parse(chosen.query()) == chosen


def test_filters_round_trip_through_the_page(client, data):
    login(client, data.manager)
    mine = data.org.region_ids[0]
    args = PERIOD | {"region": str(mine)}
    html = get(client, "/reports/", **args)
    assert 'value="custom" selected' in html
    assert f'value="{FIRST_DAY.isoformat()}"' in html and f'value="{LAST_DAY.isoformat()}"' in html
    assert f'value="{CARD}" selected' in html and f'value="{mine}" selected' in html
    # Every download and drill-down link carries the same filter.
    links = re.findall(r'href="(/reports/[^"]*)"', html)
    csv_links = [unescape(link) for link in links if ".csv" in link]
    assert csv_links
    for link in csv_links:
        assert dict(parse_qsl(urlsplit(link).query)) == args
    branch_links = [unescape(link) for link in links if "/reports/branches/" in link]
    assert branch_links
    for link in branch_links:
        assert dict(parse_qsl(urlsplit(link).query)) == PERIOD
    # The region page is the same view as ?region=.
    region_html = get(client, f"/reports/regions/{mine}", **PERIOD)
    assert marked(region_html, "figure").found == marked(html, "figure").found
    # A bad value is reported, the page still answers.
    warned = get(client, "/reports/", **(PERIOD | {"from": "2026-13-01"}))
    assert "is not a date" in warned
    # Managers find the dashboards in the nav.
    assert '<a class="nav-link' in html and 'href="/reports/">Reports</a>' in html


def test_the_report_cache_serves_repeats_and_sees_changes(client, app):
    with app.app_context():
        org, ref = build(13, regions=1, branches=2, visits=30)
        admin = make_user(Role.ADMIN)
        db.session.commit()
        email, engine = admin.email, db.engine
    login(client, email)
    code = sorted(org.branch_ids)[0]
    url = f"/reports/branches/{code}"
    cold = count_queries(client, engine, url, PERIOD)
    warm = count_queries(client, engine, url, PERIOD)
    assert warm < cold / 2
    with app.app_context():
        stats = (report_cache().hits, report_cache().misses)
    # The filter's choices, the page and its customer-voice panel: computed once, served once.
    assert stats == (3, 3)
    # Results carry words (labels, chart titles): another language has its own entries.
    spanish = client.get(url, query_string=PERIOD, headers={"Accept-Language": "es"})
    assert spanish.status_code == 200
    with app.app_context():
        assert (report_cache().hits, report_cache().misses) == (3, 6)

    # Excluding a visit through the review service changes the figures at once.
    before = marked(get(client, url, **PERIOD), "figure").found["mean"]
    flt = ReportFilter(FIRST_DAY, LAST_DAY, CARD, branch_id=org.branch_ids[code])
    visit_id = ref.visits(flt)[0]["id"]
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        exclude_visit(visit, db.session.get(User, db.session.scalar(select(User.id))), "Test")
        db.session.commit()
    ref.records = [r for r in ref.records if r["id"] != visit_id]
    after = marked(get(client, url, **PERIOD), "figure").found["mean"]
    assert after != before
    assert after == expected_mean_text(ref.figure(flt))


def test_intervals_are_shown_within_the_scale():
    assert ci_text(Interval(93.74, 103.04)) == "95% CI 93.7%–100.0%"
    assert ci_text(Interval(-6.5, 118.0)) == "95% CI 0.0%–100.0%"
    assert ci_text(Interval(61.25, 74.0)) == "95% CI 61.2%–74.0%"
    assert ci_text(None) == ""
