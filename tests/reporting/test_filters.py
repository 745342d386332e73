"""ReportFilter: the unit it describes, its previous period, its scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from audit.reporting.filters import ReportFilter, UnitKind, month_range


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "end", "previous_start", "previous_end"),
    [
        # calendar quarter -> the quarter before
        ("2026-04-01", "2026-06-30", "2026-01-01", "2026-03-31"),
        # one month -> the month before, whatever its length
        ("2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28"),
        ("2024-03-01", "2024-03-31", "2024-02-01", "2024-02-29"),
        # whole months across a year end
        ("2026-01-01", "2026-02-28", "2025-11-01", "2025-12-31"),
        ("2026-01-01", "2026-12-31", "2025-01-01", "2025-12-31"),
        # anything else steps back by its number of days
        ("2026-04-10", "2026-04-19", "2026-03-31", "2026-04-09"),
        ("2026-03-01", "2026-03-30", "2026-01-30", "2026-02-28"),
        ("2026-05-14", "2026-05-14", "2026-05-13", "2026-05-13"),
    ],
)
def test_previous_period(start, end, previous_start, previous_end):
    flt = ReportFilter(d(start), d(end), "card", region_id=3, scope_region_ids=frozenset({3}))
    previous = flt.previous_period()
    assert (previous.date_from, previous.date_to) == (d(previous_start), d(previous_end))
    # everything but the period stays
    assert (previous.scorecard, previous.region_id, previous.scope_region_ids) == (
        "card",
        3,
        frozenset({3}),
    )


def test_open_periods_have_no_previous_period():
    assert ReportFilter().previous_period() is None
    assert ReportFilter(date_from=d("2026-01-01")).previous_period() is None


def test_a_period_may_not_end_before_it_starts():
    with pytest.raises(ValueError):
        ReportFilter(d("2026-06-30"), d("2026-04-01"))


def test_unit_kind_is_the_most_specific_field():
    assert ReportFilter().unit_kind is UnitKind.COMPANY
    assert ReportFilter(scope_region_ids=frozenset({1})).unit_kind is UnitKind.SCOPE
    assert ReportFilter(region_id=1).unit_kind is UnitKind.REGION
    assert ReportFilter(region_id=1, branch_id=2).unit_kind is UnitKind.BRANCH
    assert ReportFilter(branch_id=2, staff_id=5).unit_kind is UnitKind.STAFF


def test_derived_filters_keep_or_drop_the_scope():
    flt = ReportFilter(scorecard="c", region_id=1, branch_id=2, staff_id=3, scope_region_ids={1})
    assert flt.scope_region_ids == frozenset({1})
    assert flt.peers() == ReportFilter(scorecard="c", region_id=1, scope_region_ids={1})
    assert flt.in_region(4) == ReportFilter(scorecard="c", region_id=4, scope_region_ids={1})
    # only the company average drops the scope
    assert flt.company() == ReportFilter(scorecard="c")


def test_for_viewer_takes_the_viewers_regions():
    @dataclass
    class Viewer:
        region_ids: frozenset[int] | None

    assert ReportFilter.for_viewer(Viewer(frozenset({2})), scorecard="c").scope_region_ids == {2}
    assert ReportFilter.for_viewer(Viewer(None)).scope_region_ids is None


def test_month_range():
    assert month_range(d("2025-11-15"), d("2026-02-01")) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert month_range(d("2026-04-01"), d("2026-04-30")) == ["2026-04"]
