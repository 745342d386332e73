"""Report figures from SQL equal an independent computation from the visits export.

Several seeded random datasets, many random filters each, on every test
database: counts, means, t intervals, pass rates with Wilson intervals,
sections, questions, NPS, benchmarks (company, region, previous period),
ranks with the minimum-visits rule, trend and heatmap. Then the viewer's
scope, and the number of queries a dashboard needs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest

from audit.extensions import db
from audit.reporting import (
    BenchmarkKind,
    Figure,
    OutOfScopeError,
    ReportFilter,
    UnitKind,
    branch_league,
    critical_fails,
    monthly_trend,
    nps,
    overview,
    question_results,
    recurring_failures,
    section_heatmap,
    section_results,
    staff_league,
    summary,
)
from audit.reporting.stats import significance
from tests.reporting.dataset import (
    CARD,
    Expected,
    Org,
    Reference,
    add_branches,
    build,
    build_org,
    generate_visits,
)
from tests.statements import recorded_statements

APPROX = {"rel": 1e-9, "abs": 1e-9}


def assert_figure(actual: Figure, expected: Expected) -> None:
    assert actual.n == expected.n
    assert actual.passed == expected.passed
    assert actual.critical_fails == expected.critical
    if expected.mean is None:
        assert actual.mean is None
    else:
        assert actual.mean == pytest.approx(expected.mean, **APPROX)
    if expected.interval is None:
        assert actual.interval is None
    else:
        assert (actual.interval.low, actual.interval.high) == pytest.approx(
            expected.interval, **APPROX
        )
    if expected.pass_interval is None:
        assert actual.pass_interval is None
    else:
        assert (actual.pass_interval.low, actual.pass_interval.high) == pytest.approx(
            expected.pass_interval, **APPROX
        )


def random_filter(rng: random.Random, org: Org) -> ReportFilter:
    period = rng.choice(
        [
            (date(2026, 4, 1), date(2026, 6, 30)),
            (date(2026, 1, 1), date(2026, 3, 31)),
            (date(2026, 5, 1), date(2026, 5, 31)),
            (None, None),
            "days",
        ]
    )
    if period == "days":
        start = date(2025, 10, 1) + timedelta(days=rng.randrange(200))
        period = (start, start + timedelta(days=rng.randrange(20, 90)))
    scope = None
    if rng.random() < 0.4:
        scope = frozenset(rng.sample(org.region_ids, rng.randint(1, len(org.region_ids) - 1)))
    visible = [c for c, r in org.branch_region.items() if scope is None or r in scope]
    kind = rng.choice(["company", "region", "branch", "staff"])
    fields: dict = {}
    if kind == "region":
        fields["region_id"] = rng.choice(sorted(scope or org.region_ids))
    elif kind == "branch":
        fields["branch_id"] = org.branch_ids[rng.choice(visible)]
    elif kind == "staff":
        code = rng.choice([s for s, b in org.staff_branch.items() if b in visible])
        fields["staff_id"] = org.staff_ids[code]
    return ReportFilter(*period, scorecard=CARD, scope_region_ids=scope, **fields)


def check_summary(flt: ReportFilter, ref: Reference, org: Org) -> None:
    result = summary(flt)
    expected = ref.figure(flt)
    assert_figure(result.figure, expected)

    target = result.benchmark(BenchmarkKind.TARGET)
    assert target.value == 80  # the newest version's target
    assert target.significance is significance(result.figure.interval, 80)

    company = result.benchmark(BenchmarkKind.COMPANY)
    if flt.unit_kind is UnitKind.COMPANY:
        assert company is None
    else:
        expected_company = ref.figure(flt.company())
        assert company.n == expected_company.n
        assert company.value == pytest.approx(expected_company.mean, **APPROX)
        if expected.mean is not None and expected_company.mean is not None:
            # The difference of the two figures as shown (one decimal each), so a page never
            # prints 86.2% against 84.0% as "+2.1 pts".
            shown = round(expected.mean, 1) - round(expected_company.mean, 1)
            assert company.difference == pytest.approx(shown)

    region = result.benchmark(BenchmarkKind.REGION)
    if flt.unit_kind in (UnitKind.BRANCH, UnitKind.STAFF):
        code = next(
            c
            for c, b in org.branch_ids.items()
            if b == flt.branch_id
            or (flt.staff_id and org.staff_branch[_staff_code(org, flt.staff_id)] == c)
        )
        region_filter = flt.in_region(org.branch_region[code])
        assert result.unit.region_id == org.branch_region[code]
        expected_region = ref.figure(region_filter)
        assert region.n == expected_region.n
        assert_figure(region.figure, expected_region)
    else:
        assert region is None

    previous = result.benchmark(BenchmarkKind.PREVIOUS)
    if flt.date_from is None:
        assert previous is None
    else:
        assert_figure(previous.figure, ref.figure(flt.previous_period()))
        assert previous.n == previous.figure.n
        assert previous.significance is significance(result.figure.interval, previous.value)


def _staff_code(org: Org, staff_id: int) -> str:
    return next(code for code, i in org.staff_ids.items() if i == staff_id)


def check_breakdowns(flt: ReportFilter, ref: Reference) -> None:
    sections = {s.section.key: s for s in section_results(flt)}
    expected_sections = {key: value for key, value in ref.sections(flt).items() if value[0].n > 0}
    assert set(sections) == set(expected_sections)
    for key, (expected, judged) in expected_sections.items():
        assert_figure(sections[key].figure, expected)
        assert sections[key].figure.judged == judged

    questions = {q.question.key: q for q in question_results(flt)}
    expected_questions = ref.questions(flt)
    assert {k: (q.n, q.passed) for k, q in questions.items()} == expected_questions

    assert nps(flt).score == ref.nps(flt)

    trend = {point.month: point.figure for point in monthly_trend(flt)}
    for month, expected in ref.trend(flt).items():
        assert_figure(trend[month], expected)
    assert sum(f.n for f in trend.values()) == ref.figure(flt).n

    heatmap = section_heatmap(flt)
    cells = {
        (branch.id, section.key): heatmap.cell(branch.id, section)
        for branch in heatmap.branches
        for section in heatmap.sections
        if heatmap.cell(branch.id, section) is not None
    }
    expected_cells = ref.heatmap(flt)
    assert set(cells) == set(expected_cells)
    for key, values in expected_cells.items():
        assert cells[key].n == len(values)
        assert cells[key].mean == pytest.approx(sum(values) / len(values), **APPROX)

    assert critical_fails(flt, limit=5).count == ref.figure(flt).critical


def check_leagues(flt: ReportFilter, ref: Reference, minimum: int) -> None:
    league = branch_league(flt, minimum)
    assert {e.id: e.rank for e in league.entries} == ref.branch_league(flt, minimum)
    for entry in league.unranked:
        visits = "1 visit" if entry.figure.n == 1 else f"{entry.figure.n} visits"
        assert entry.reason == f"{visits}, fewer than the {minimum} needed to rank"
    ranks = [e.rank for e in league.ranked]
    assert ranks == sorted(ranks)

    staff = staff_league(flt, minimum)
    assert {e.id: e.rank for e in staff.entries} == ref.staff_league(flt, minimum)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_figures_match_an_independent_computation(ctx, seed):
    org, ref = build(seed, regions=3, branches=7, visits=120)
    rng = random.Random(seed * 1000)
    for _ in range(10):
        flt = random_filter(rng, org)
        check_summary(flt, ref, org)
        check_breakdowns(flt, ref)
        check_leagues(flt, ref, rng.randint(1, 4))


def test_reportable_visits_only_and_scorecards_apart(ctx):
    org, ref = build(5, regions=2, branches=4, visits=60)
    everything = ReportFilter()
    statuses = {r["status"] for r in ref.records}
    assert "submitted" in statuses and any(r["excluded"] for r in ref.records)
    # no scorecard: both scorecards' visits, each judged against its own target
    assert_figure(summary(everything).figure, ref.figure(everything))
    other = ReportFilter(scorecard="rules-card")
    assert_figure(summary(other).figure, ref.figure(other))
    assert summary(other).benchmark(BenchmarkKind.TARGET).value == 85
    assert summary(ReportFilter(scorecard="branch-visit")).figure.n + summary(other).figure.n == (
        summary(everything).figure.n
    )


def test_recurring_failures_match_the_export(ctx):
    org, ref = build(21, regions=2, branches=4, visits=100)
    for threshold in (2, 3, 5):
        flt = ReportFilter(date(2026, 1, 1), date(2026, 6, 30), CARD)
        found = {
            (f.branch.id, f.question.key): f.failed for f in recurring_failures(flt, threshold)
        }
        assert found == ref.recurring(flt, threshold)
        assert all(f >= threshold for f in found.values())


# --- scope ---------------------------------------------------------------------------


def test_a_scoped_viewer_never_sees_branches_outside_their_regions(ctx):
    org, ref = build(31, regions=3, branches=9, visits=150)
    mine = frozenset(org.region_ids[:1])
    outside = {b for c, b in org.branch_ids.items() if org.branch_region[c] not in mine}
    outside_staff = {
        s for code, s in org.staff_ids.items() if org.branch_ids[org.staff_branch[code]] in outside
    }
    flt = ReportFilter(date(2025, 10, 1), date(2026, 6, 30), CARD, scope_region_ids=mine)

    report = overview(flt, min_visits=1)
    assert report.summary.unit.kind is UnitKind.SCOPE
    assert_figure(report.summary.figure, ref.figure(flt))
    assert report.league.entries and not {e.id for e in report.league.entries} & outside
    assert report.heatmap.branches and not {b.id for b in report.heatmap.branches} & outside
    assert not {v.branch.id for v in report.critical.visits} & outside
    assert not {f.branch.id for f in recurring_failures(flt, 1)} & outside
    assert not {e.id for e in staff_league(flt, 1).entries} & outside_staff
    # the company average is the one figure that spans every branch
    company = report.summary.benchmark(BenchmarkKind.COMPANY)
    assert company.n == ref.figure(flt.company()).n > report.summary.figure.n

    # asking for a region or branch outside the scope gives nothing away
    other_region = next(r for r in org.region_ids if r not in mine)
    other_branch = next(iter(outside))
    with pytest.raises(OutOfScopeError):
        summary(ReportFilter(scorecard=CARD, branch_id=other_branch, scope_region_ids=mine))
    with pytest.raises(OutOfScopeError):
        summary(ReportFilter(scorecard=CARD, region_id=other_region, scope_region_ids=mine))
    sneaky = ReportFilter(scorecard=CARD, region_id=other_region, scope_region_ids=mine)
    assert branch_league(sneaky, 1).entries == ()
    assert section_heatmap(sneaky).branches == ()
    assert critical_fails(sneaky).count == 0
    assert summary(ReportFilter(scorecard=CARD, scope_region_ids=frozenset())).figure.n == 0


# --- query count ---------------------------------------------------------------------


@contextmanager
def count_queries() -> Iterator[list[str]]:
    with recorded_statements(db.engine) as statements:
        yield statements


def _dashboard_queries(flt: ReportFilter) -> int:
    db.session.expire_all()
    with count_queries() as statements:
        report = overview(flt)
    assert report.summary.figure.n > 0
    return len(statements)


def test_a_dashboards_query_count_does_not_grow_with_the_data(ctx):
    rng = random.Random(41)
    org = build_org(rng, regions=3, branches=5)
    generate_visits(rng, org, 60)
    company = ReportFilter(date(2026, 1, 1), date(2026, 6, 30), CARD)
    branch = ReportFilter(
        date(2026, 1, 1),
        date(2026, 6, 30),
        CARD,
        branch_id=next(iter(org.branch_ids.values())),
        scope_region_ids=frozenset(org.region_ids[:2]),
    )
    small = (_dashboard_queries(company), _dashboard_queries(branch))

    add_branches(rng, org, 20)
    generate_visits(rng, org, 240, prefix="more")
    assert len(org.branch_ids) == 25
    large = (_dashboard_queries(company), _dashboard_queries(branch))

    assert small == large
    assert max(large) <= 12
