"""Share of visits appealed and amended, counted in SQL for a ReportFilter."""

from __future__ import annotations

from datetime import date

import pytest

from audit.appeals import service
from audit.extensions import db
from audit.models import Role
from audit.reporting import ReportFilter, appeal_figures
from audit.review import service as review
from tests.builders import import_visits, make_user, make_world

MAY = {"date_from": date(2026, 5, 1), "date_to": date(2026, 5, 31)}


@pytest.fixture
def world(ctx):
    world = make_world()
    world.decider = make_user(Role.ADMIN)
    visits = import_visits(
        *[
            {"external_id": f"L{i}", "status": "published", "visited_at": f"2026-05-0{i + 1}T10:00"}
            for i in range(4)
        ],
        {"external_id": "LA", "status": "approved", "visited_at": "2026-05-09T10:00"},
        {"external_id": "B1", "branch": "BRS01", "status": "published"},
        {"external_id": "APR", "status": "published", "visited_at": "2026-04-20T10:00"},
    )
    world.v = {v.external_id: v for v in visits}
    raise_ = service.raise_appeal
    # L0: two appeals, one amended; L1: upheld; L2: open; L3: withdrawn; B1 amended; APR amended.
    a = raise_(world.v["L0"], "empathy", world.manager, "Was a 5")
    service.amend(a, world.decider, "5", None, "Agreed")
    raise_(world.v["L0"], "wait", world.manager, "Short queue")
    service.uphold(raise_(world.v["L1"], "empathy", world.manager, "x"), world.decider, "Stands")
    raise_(world.v["L2"], "empathy", world.manager, "x")
    service.withdraw(raise_(world.v["L3"], "empathy", world.manager, "x"), world.manager)
    service.amend(
        raise_(world.v["B1"], "empathy", world.manager, "x"), world.decider, "5", None, "Agreed"
    )
    service.amend(
        raise_(world.v["APR"], "empathy", world.manager, "x"), world.decider, "5", None, "Ok"
    )
    db.session.commit()
    return world


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
