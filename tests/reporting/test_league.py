"""League tables on hand-made percents: competition ranks, ties, the minimum-visits rule."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from audit.extensions import db
from audit.models import VisitStatus
from audit.reporting import BenchmarkKind, ReportFilter, branch_league, staff_league, summary
from audit.reporting.stats import Significance
from audit.settings import set_setting
from tests.builders import add_visits, make_branch, make_region, make_staff
from tests.reporting.dataset import CARD, build_org

MAY = ReportFilter(date(2026, 5, 1), date(2026, 5, 31), CARD)


@pytest.fixture
def league_org(ctx):
    build_org(random.Random(1), regions=1, branches=0)
    north, south = make_region("North"), make_region("South")
    b = {name: make_branch(north, name=name) for name in ("Alpha", "Bravo", "Charlie", "Delta")}
    b |= {name: make_branch(north, name=name) for name in ("Echo", "Foxtrot", "India", "Juliet")}
    b["Golf"] = make_branch(north, name="Golf", active=False)
    b["Hotel"] = make_branch(north, name="Hotel", active=False)
    b["Kilo"] = make_branch(south, name="Kilo")
    add_visits(b["Alpha"], [90, 90, 90])
    add_visits(b["Alpha"], [0], excluded=True)  # excluded: left out
    add_visits(b["Alpha"], [10], status=VisitStatus.SUBMITTED)  # not reviewed: left out
    add_visits(b["Alpha"], [10], at=datetime(2026, 4, 10, tzinfo=UTC))  # another period
    add_visits(b["Alpha"], [10], scorecard="rules-card")  # another scorecard
    add_visits(b["Bravo"], [80, 80, 80], status=VisitStatus.PUBLISHED)
    add_visits(b["Charlie"], [70, 80, 90])
    add_visits(b["Delta"], [70, 70, 70, 70])
    add_visits(b["Echo"], [95, 95])
    # The same three percents summed in another order differ in the last bit;
    # they still tie.
    add_visits(b["India"], [62.8, 74.8, 72.5])
    add_visits(b["Juliet"], [72.5, 74.8, 62.8])
    add_visits(b["Hotel"], [60, 60, 60])  # inactive now, but visited: listed
    add_visits(b["Kilo"], [99, 99, 99])
    db.session.commit()
    return SimpleNamespace(
        branch={name: branch.id for name, branch in b.items()}, north=north.id, south=south.id
    )


def test_competition_ranks_ties_and_the_minimum(league_org):
    ids = league_org.branch
    league = branch_league(MAY.in_region(league_org.north), min_visits=3)
    names = {v: k for k, v in ids.items()}
    assert [(names[e.id], e.rank) for e in league.ranked] == [
        ("Alpha", 1),
        ("Bravo", 2),  # tie, listed by name
        ("Charlie", 2),
        ("India", 4),
        ("Juliet", 4),
        ("Delta", 6),
        ("Hotel", 7),
    ]
    assert [(names[e.id], e.reason) for e in league.unranked] == [
        ("Echo", "2 visits, fewer than the 3 needed to rank"),
        ("Foxtrot", "0 visits, fewer than the 3 needed to rank"),
    ]
    alpha = league.entry(ids["Alpha"])
    assert (alpha.figure.n, alpha.figure.mean, alpha.figure.passed) == (3, 90.0, 3)
    assert league.entry(ids["Golf"]) is None  # inactive and not visited
    assert league.entry(ids["Kilo"]) is None  # another region

    # a lower minimum ranks Echo first; the whole company includes Kilo
    relaxed = branch_league(MAY, min_visits=2)
    assert [names[e.id] for e in relaxed.ranked][:2] == ["Kilo", "Echo"]
    assert relaxed.entry(ids["Alpha"]).rank == 3
    assert [names[e.id] for e in relaxed.unranked] == ["Foxtrot"]


def test_the_minimum_defaults_to_the_setting(league_org):
    assert branch_league(MAY).min_visits == 3
    set_setting("min_visits_to_rank", 4, None)
    db.session.commit()
    league = branch_league(MAY)
    assert league.min_visits == 4
    assert [e.figure.n for e in league.ranked] == [4]  # only Delta has four visits
    assert all(e.reason.endswith("fewer than the 4 needed to rank") for e in league.unranked)


def test_staff_league_counts_a_shared_visit_for_each_member(ctx):
    build_org(random.Random(1), regions=1, branches=0)
    region = make_region()
    branch, other = make_branch(region), make_branch(region)
    ann, bob, cat = (make_staff(branch, name=n) for n in ("Ann", "Bob", "Cat"))
    dan = make_staff(other, name="Dan")
    add_visits(branch, [90], staff=[ann, bob])
    add_visits(branch, [70], staff=[ann])
    add_visits(branch, [80], staff=[ann, bob])
    add_visits(branch, [60], staff=[bob])
    add_visits(other, [100, 100], staff=[dan])
    db.session.commit()

    league = staff_league(MAY, min_visits=3)
    assert [(e.name, e.rank, e.figure.n) for e in league.ranked] == [
        ("Ann", 1, 3),  # 80
        ("Bob", 2, 3),  # 76.67
    ]
    assert [(e.name, e.figure.n) for e in league.unranked] == [("Dan", 2), ("Cat", 0)]

    in_branch = staff_league(ReportFilter(MAY.date_from, MAY.date_to, CARD, branch_id=branch.id))
    assert {e.name for e in in_branch.entries} == {"Ann", "Bob", "Cat"}

    # a staff member's summary compares with their branch's region
    ann_report = summary(ReportFilter(MAY.date_from, MAY.date_to, CARD, staff_id=ann.id))
    assert ann_report.figure.n == 3 and ann_report.figure.mean == pytest.approx(80)
    region_benchmark = ann_report.benchmark(BenchmarkKind.REGION)
    assert region_benchmark.n == 6 and region_benchmark.value == pytest.approx(500 / 6)
    assert ann_report.unit.label == f"Ann ({ann.code})"


def test_significance_against_benchmarks(league_org):
    ids = league_org.branch
    # Delta: 70, 70, 70, 70 -> zero-width interval at 70, wholly below the target of 80
    delta = summary(ReportFilter(MAY.date_from, MAY.date_to, CARD, branch_id=ids["Delta"]))
    target = delta.benchmark(BenchmarkKind.TARGET)
    assert (target.value, target.difference) == (80, -10)
    assert target.significance is Significance.BELOW
    # Charlie: 70, 80, 90 -> mean 80 ± 24.8, not significantly different from anything
    charlie = summary(ReportFilter(MAY.date_from, MAY.date_to, CARD, branch_id=ids["Charlie"]))
    for kind in (BenchmarkKind.TARGET, BenchmarkKind.COMPANY, BenchmarkKind.REGION):
        assert charlie.benchmark(kind).significance is Significance.NOT_SIGNIFICANT
    # no visits in April: a previous period without a value, so no verdict
    assert charlie.benchmark(BenchmarkKind.PREVIOUS).n == 0
    assert charlie.benchmark(BenchmarkKind.PREVIOUS).significance is None
    # Alpha: 90, 90, 90 -> above the target; the April visit is its previous period
    alpha = summary(ReportFilter(MAY.date_from, MAY.date_to, CARD, branch_id=ids["Alpha"]))
    assert alpha.benchmark(BenchmarkKind.TARGET).significance is Significance.ABOVE
    previous = alpha.benchmark(BenchmarkKind.PREVIOUS)
    assert previous.label == "Previous period (01 Apr 2026 to 30 Apr 2026)"
    assert (previous.n, previous.value, previous.difference) == (1, 10.0, 80.0)
    assert previous.significance is Significance.ABOVE
    # Echo has two visits of 95: an interval of zero width, but n = 2 suffices for one
    echo = summary(ReportFilter(MAY.date_from, MAY.date_to, CARD, branch_id=ids["Echo"]))
    assert echo.figure.interval.low == pytest.approx(95)
