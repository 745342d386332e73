"""Shopper leniency: the fit against a full dummy regression, who is compared, what counts,
the flag setting, and one query for the rows."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest
from sqlalchemy import select
from statsmodels.regression.linear_model import OLS

from audit.extensions import db
from audit.models import Role, Scorecard, Visit, VisitStatus
from audit.settings import set_setting
from audit.trust.adjusted import adjusted_branch_means
from audit.trust.leniency import (
    Observation,
    estimate_leniency,
    leniency_of,
    shopper_leniency,
    simultaneous_alpha,
)
from tests.builders import make_branch, make_region, make_user, make_visit, published_card
from tests.reporting.test_queries import count_queries


def _obs(user_id: int, branch_id: int, percent: float, scorecard_id: int = 1) -> Observation:
    return Observation(user_id, f"user{user_id}@example.org", branch_id, scorecard_id, percent)


def _random_rows(seed: int) -> list[Observation]:
    rng = random.Random(seed)
    offsets = {1: 6.0, 2: -3.0, 3: 0.0, 4: 1.0}
    quality = {branch: rng.uniform(50, 90) for branch in range(1, 7)}
    return [
        _obs(user, branch, quality[branch] + offsets[user] + rng.gauss(0, 4), card)
        for _ in range(60)
        for user, branch, card in [(rng.randint(1, 4), rng.randint(1, 6), rng.randint(1, 2))]
    ]


def test_the_within_fit_is_the_regression_with_a_dummy_per_cell():
    """The same numbers as OLS on one column per branch × scorecard and sum-to-zero
    shopper columns, the textbook way the module's shortcut stands for."""
    rows = _random_rows(7)
    cells = sorted({(r.branch_id, r.scorecard_id) for r in rows})
    y = np.array([r.percent for r in rows])
    cell_columns = np.array(
        [[float((r.branch_id, r.scorecard_id) == c) for c in cells] for r in rows]
    )
    shopper_columns = np.array(
        [[(r.user_id == u) - (r.user_id == 4) for u in (1, 2, 3)] for r in rows], dtype=float
    )
    fitted = OLS(y, np.hstack([cell_columns, shopper_columns])).fit()
    contrasts = np.zeros((4, len(cells) + 3))
    for index in range(3):
        contrasts[index, len(cells) + index] = 1.0
    contrasts[3, len(cells) :] = -1.0
    test = fitted.t_test(contrasts)
    bounds = test.conf_int(alpha=simultaneous_alpha(4))

    results = {r.user_id: r for r in estimate_leniency(rows, 5)}
    for index, user_id in enumerate((1, 2, 3, 4)):
        assert results[user_id].leniency == pytest.approx(test.effect[index])
        assert results[user_id].ci_low == pytest.approx(bounds[index][0])
        assert results[user_id].ci_high == pytest.approx(bounds[index][1])
    assert sum(r.leniency for r in results.values()) == pytest.approx(0.0, abs=1e-9)


def test_simultaneous_intervals_are_wider_the_more_shoppers_are_listed():
    assert simultaneous_alpha(1) == pytest.approx(0.05)
    assert simultaneous_alpha(8) == pytest.approx(1 - 0.95 ** (1 / 8))
    assert simultaneous_alpha(20) < simultaneous_alpha(8) < 0.05


def test_a_shopper_nobody_else_can_be_compared_with_is_listed_without_figures():
    rows = [
        _obs(1, 1, 80),
        _obs(2, 1, 70),
        _obs(1, 2, 82),
        _obs(2, 2, 71),
        _obs(1, 3, 90),
        _obs(2, 3, 78),
        _obs(3, 9, 60),  # alone at branch 9
        _obs(3, 9, 64),
        _obs(1, 1, 80, scorecard_id=2),  # another scorecard at branch 1: no one else
    ]
    results = estimate_leniency(rows, 5)
    assert [r.email for r in results] == [f"user{n}@example.org" for n in (1, 2, 3)]
    one, two, three = results
    assert (three.visits, three.compared, three.leniency, three.flagged) == (2, 0, None, False)
    assert three.ci_low is None and three.ci_high is None
    assert (one.visits, one.compared) == (4, 3)
    assert one.leniency == pytest.approx(5.5, abs=0.5) and two.leniency == -one.leniency
    assert one.ci_low < one.leniency < one.ci_high


def test_two_separate_groups_each_get_their_own_zero():
    rows = [
        _obs(u, b, 70 + (5 if u in (1, 3) else 0) + k)
        for k in (0, 1)
        for u, b in [(1, 1), (2, 1), (1, 2), (2, 2), (3, 5), (4, 5), (3, 6), (4, 6)]
    ]
    results = {r.user_id: r for r in estimate_leniency(rows, 5)}
    assert results[1].leniency == pytest.approx(2.5) and results[2].leniency == pytest.approx(-2.5)
    assert results[3].leniency == pytest.approx(2.5) and results[4].leniency == pytest.approx(-2.5)


def test_nothing_to_estimate_gives_none_figures_for_everyone():
    assert estimate_leniency([], 5) == []
    # Two visits in one cell: an estimate would use up every degree of freedom.
    results = estimate_leniency([_obs(1, 1, 80), _obs(2, 1, 60)], 5)
    assert [(r.visits, r.leniency, r.flagged) for r in results] == [(1, None, False)] * 2


def test_flagged_only_when_the_whole_interval_lies_beyond_the_threshold():
    rows = _random_rows(3)
    results = {r.user_id: r for r in estimate_leniency(rows, 5)}
    generous = results[1]
    assert generous.ci_low > 2
    assert estimate_leniency(rows, generous.ci_low - 0.01)[0].flagged
    assert not estimate_leniency(rows, generous.ci_low + 0.01)[0].flagged
    harsh = results[2]
    assert harsh.ci_high < 0
    assert estimate_leniency(rows, -harsh.ci_high - 0.01)[1].flagged
    assert not estimate_leniency(rows, -harsh.ci_high + 0.01)[1].flagged


# --- on the database --------------------------------------------------------------


@pytest.fixture
def visits(ctx):
    """Two shoppers at three branches in May 2026, Ann 10 points above Bob, and visits
    that must not count."""
    card = published_card()
    region = make_region()
    branches = [make_branch(region) for _ in range(3)]
    ann = make_user(Role.SHOPPER, email="ann@example.org")
    bob = make_user(Role.SHOPPER, email="bob@example.org")
    carl = make_user(Role.ASSESSOR, email="carl@example.org")
    for day, branch in enumerate(branches, start=4):
        for shift, status in enumerate((VisitStatus.APPROVED, VisitStatus.PUBLISHED)):
            when = date(2026, 5, day + 7 * shift)
            make_visit(card, branch, ann, when, status, percent=80.0 + shift + day)
            make_visit(card, branch, bob, when, status, percent=70.0 - shift + day)
    leeds = branches[0]
    make_visit(card, leeds, ann, date(2026, 5, 20), VisitStatus.SUBMITTED, percent=0.0)
    make_visit(
        card, leeds, ann, date(2026, 5, 20), VisitStatus.APPROVED, percent=0.0, excluded=True
    )
    make_visit(card, leeds, bob, date(2026, 6, 2), VisitStatus.APPROVED, percent=0.0)
    make_visit(card, leeds, None, date(2026, 5, 21), VisitStatus.APPROVED, percent=0.0)
    make_visit(card, leeds, carl, date(2026, 4, 30), VisitStatus.PUBLISHED, percent=75.0)
    db.session.commit()
    return ann, bob, carl


def test_only_visits_that_count_in_reports_over_the_period(visits):
    ann, bob, _ = visits
    with count_queries() as statements:
        results = shopper_leniency(date(2026, 5, 1), date(2026, 5, 31))
    assert len([s for s in statements if "visits" in s]) == 1
    assert [(r.email, r.visits) for r in results] == [
        ("ann@example.org", 6),
        ("bob@example.org", 6),
    ]
    ann_row = results[0]
    assert ann_row.leniency == pytest.approx(5.5)  # 10 or 12 points apart: 11, half each side
    assert ann_row.flagged  # twelve pairs 10 or 12 points apart, little noise
    assert leniency_of(bob.id, date(2026, 5, 1), date(2026, 5, 31)).leniency == pytest.approx(-5.5)


def test_every_visitor_with_counting_visits_appears(visits):
    results = shopper_leniency(date(2026, 4, 1), date(2026, 6, 30))
    assert [(r.email, r.visits) for r in results] == [
        ("ann@example.org", 6),
        ("bob@example.org", 7),
        ("carl@example.org", 1),
    ]
    assert shopper_leniency(date(2027, 1, 1), None) == []


def test_the_flag_threshold_is_a_setting(visits):
    may = (date(2026, 5, 1), date(2026, 5, 31))
    ann = shopper_leniency(*may)[0]
    set_setting("leniency_flag_points", int(ann.ci_low) + 1, None)
    db.session.commit()
    assert not shopper_leniency(*may)[0].flagged


def test_a_period_that_ends_before_it_starts_is_refused(ctx):
    with pytest.raises(ValueError, match="ends before it starts"):
        shopper_leniency(date(2026, 5, 2), date(2026, 5, 1))


def test_adjusted_means_take_each_shoppers_leniency_off_and_change_no_score(visits):
    ann, bob, carl = visits
    card = db.session.scalars(select(Scorecard)).one()
    south = make_region("South")
    alone = make_branch(south, name="Only Ann")
    visit = make_visit(card, alone, ann, date(2026, 5, 20), VisitStatus.APPROVED, percent=90.0)
    make_visit(card, alone, carl, date(2026, 5, 21), VisitStatus.APPROVED, percent=70.0)
    db.session.commit()

    means = {m.branch.name: m for m in adjusted_branch_means(date(2026, 5, 1), date(2026, 5, 31))}
    only_ann = means["Only Ann"]
    # Carl is compared with Ann through this branch now; the fit gives every shopper a figure.
    assert (only_ann.visits, only_ann.stored) == (2, 80.0)
    lenient = {r.user_id: r.leniency for r in shopper_leniency(date(2026, 5, 1), date(2026, 5, 31))}
    expected = ((90.0 - lenient[ann.id]) + (70.0 - lenient[carl.id])) / 2
    assert only_ann.adjusted == pytest.approx(expected)
    assert only_ann.unadjusted == 0
    shared = [m for name, m in means.items() if name != "Only Ann"]
    # Ann and Bob visited each of these alike: their mean leniency comes off.
    both = (lenient[ann.id] + lenient[bob.id]) / 2
    assert len(shared) == 3
    assert all(m.adjusted == pytest.approx(m.stored - both) for m in shared)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).percent == 90.0

    scoped = adjusted_branch_means(date(2026, 5, 1), date(2026, 5, 31), frozenset({south.id}))
    assert [m.branch.name for m in scoped] == ["Only Ann"]
