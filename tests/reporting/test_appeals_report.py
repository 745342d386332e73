"""Share of visits appealed and amended, counted in SQL for a ReportFilter."""

from __future__ import annotations

from datetime import date

import pytest

from audit.extensions import db
from audit.reporting import ReportFilter, appeal_figures
from audit.review import service as review
from tests.builders import make_appeal_figures_world

MAY = {"date_from": date(2026, 5, 1), "date_to": date(2026, 5, 31)}


@pytest.fixture
def world(ctx):
    return make_appeal_figures_world()


def test_counts_and_shares_over_the_filter(world):
    figures = appeal_figures(ReportFilter(**MAY))
    # May: L0..L3, LA (approved), B1 -> 6 visits, 5 published; appealed L0, L1, L2, B1.
    assert (figures.visits, figures.published) == (6, 5)
    assert (figures.appealed, figures.amended, figures.open) == (4, 2, 2)  # L0 (wait), L2
    assert figures.appealed_share == pytest.approx(4 / 5)
    assert figures.amended_share == pytest.approx(2 / 5)
    assert figures.amended_of_appealed == pytest.approx(2 / 4)


def test_unit_and_scope_apply(world):
    leeds = appeal_figures(ReportFilter(branch_id=world.leeds.id, **MAY))
    assert (leeds.published, leeds.appealed, leeds.amended) == (4, 3, 1)
    south_only = appeal_figures(ReportFilter(scope_region_ids=frozenset({world.south.id}), **MAY))
    assert (south_only.visits, south_only.appealed, south_only.amended) == (1, 1, 1)
    everything = appeal_figures(ReportFilter())
    assert (everything.visits, everything.appealed, everything.amended) == (7, 5, 3)


def test_excluded_visits_do_not_count_and_empty_filters_have_no_share(world):
    review.exclude(world.v["B1"], world.manager, "Test visit")
    db.session.commit()
    assert appeal_figures(ReportFilter(**MAY)).amended == 1
    empty = appeal_figures(ReportFilter(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31)))
    assert empty.visits == 0 and empty.appealed_share is None and empty.amended_share is None
