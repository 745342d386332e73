"""The pure statistics of reports, against textbook values."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from audit.reporting.stats import (
    Figure,
    Interval,
    Significance,
    mean_interval,
    nps_score,
    sample_sd,
    significance,
    t_cdf,
    t_quantile,
    wilson_interval,
)
from audit.scorecards.scoring import nps

# Student t quantiles from printed tables (two-sided 95%, 99% and one-sided 95%, 90%).
T_TABLE = [
    (0.975, 1, 12.706),
    (0.975, 2, 4.303),
    (0.975, 3, 3.182),
    (0.975, 5, 2.571),
    (0.975, 7, 2.365),
    (0.975, 10, 2.228),
    (0.975, 15, 2.131),
    (0.975, 20, 2.086),
    (0.975, 29, 2.045),
    (0.975, 30, 2.042),
    (0.975, 40, 2.021),
    (0.975, 60, 2.000),
    (0.975, 100, 1.984),
    (0.975, 120, 1.980),
    (0.975, 1000, 1.962),
    (0.995, 1, 63.657),
    (0.995, 10, 3.169),
    (0.995, 30, 2.750),
    (0.95, 20, 1.725),
    (0.95, 1, 6.314),
    (0.90, 5, 1.476),
]


@pytest.mark.parametrize(("p", "df", "expected"), T_TABLE)
def test_t_quantile_matches_the_tables(p, df, expected):
    assert t_quantile(p, df) == pytest.approx(expected, abs=1e-3)
    assert t_quantile(1 - p, df) == pytest.approx(-expected, abs=1e-3)


def test_t_quantile_inverts_the_distribution_and_tends_to_the_normal():
    for df in (1, 2, 3, 4, 9, 31, 250, 999, 1000, 1001, 5000):
        for p in (0.6, 0.9, 0.975, 0.999):
            assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-10)
    assert t_quantile(0.5, 12) == 0.0
    assert t_quantile(0.975, 10**7) == pytest.approx(1.959964, abs=1e-6)
    # continuous where the method changes (bisection below df 1000, expansion above)
    assert t_quantile(0.975, 999) > t_quantile(0.975, 1000) > t_quantile(0.975, 1001)
    assert t_quantile(0.975, 999) - t_quantile(0.975, 1001) < 1e-5


@pytest.mark.parametrize(("p", "df"), [(0, 5), (1, 5), (1.2, 5), (0.975, 0), (0.975, -1)])
def test_t_quantile_refuses_nonsense(p, df):
    with pytest.raises(ValueError):
        t_quantile(p, df)


def test_mean_interval_textbook_example():
    # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, s = 2.138, t(0.975, 7) = 2.3646
    values = [2, 4, 4, 4, 5, 5, 7, 9]
    interval = mean_interval(len(values), sum(values), sum(v * v for v in values))
    half = 2.364624 * statistics.stdev(values) / math.sqrt(8)
    assert interval.low == pytest.approx(5 - half, abs=1e-5)
    assert interval.high == pytest.approx(5 + half, abs=1e-5)
    assert (interval.low, interval.high) == pytest.approx((3.2125, 6.7875), abs=1e-4)


def test_mean_interval_needs_two_values_and_survives_rounding():
    assert mean_interval(0, 0, 0) is None
    assert mean_interval(1, 80.0, 6400.0) is None
    # Σx² − (Σx)²/n is -7.3e-12 here, not 0: no math domain error, a zero-width interval.
    values = [85.1] * 7
    assert sum(v * v for v in values) - sum(values) ** 2 / 7 < 0
    interval = mean_interval(len(values), sum(values), sum(v * v for v in values))
    assert interval.low == pytest.approx(85.1) and interval.high == pytest.approx(85.1)


def test_sample_sd_matches_statistics_stdev():
    rng = random.Random(7)
    for _ in range(50):
        values = [rng.uniform(0, 100) for _ in range(rng.randint(2, 300))]
        sd = sample_sd(len(values), sum(values), sum(v * v for v in values))
        assert sd == pytest.approx(statistics.stdev(values), rel=1e-9)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), example (a)
        (15, 148, 0.0624, 0.1605),  # Newcombe (1998), example (b)
        (1, 29, 0.0061, 0.1718),  # Newcombe (1998), example (e)
    ],
)
def test_wilson_interval_textbook_values(successes, n, low, high):
    interval = wilson_interval(successes, n)
    assert interval.low == pytest.approx(low, abs=1e-4)
    assert interval.high == pytest.approx(high, abs=1e-4)


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) is None
    assert wilson_interval(0, 5).low == 0.0 and wilson_interval(5, 5).high == 1.0
    with pytest.raises(ValueError):
        wilson_interval(6, 5)


def test_significance_needs_the_whole_interval_on_one_side():
    interval = Interval(80.0, 90.0)
    assert significance(interval, 79.9) is Significance.ABOVE
    assert significance(interval, 90.1) is Significance.BELOW
    assert significance(interval, 80.0) is Significance.NOT_SIGNIFICANT
    assert significance(interval, 90.0) is Significance.NOT_SIGNIFICANT
    assert significance(interval, 85.0) is Significance.NOT_SIGNIFICANT
    assert significance(None, 85.0) is None
    assert significance(interval, None) is None
    assert Significance.ABOVE.label == "significantly above"


def test_nps_score_rounds_like_the_scoring_engine():
    # 1 promoter, 0 detractors of 8: 12.5 -> 13; the reverse -> -13
    assert nps_score(1, 0, 8) == 13
    assert nps_score(0, 1, 8) == -13
    assert nps_score(0, 0, 0) is None
    rng = random.Random(3)
    for _ in range(500):
        values = [rng.randint(0, 10) for _ in range(rng.randint(1, 60))]
        promoters = sum(v >= 9 for v in values)
        detractors = sum(v <= 6 for v in values)
        assert nps_score(promoters, detractors, len(values)) == nps(values)


def test_figure_from_sums():
    values = [70.0, 80.0, 90.0, 100.0]
    fig = Figure.from_sums(4, sum(values), sum(v * v for v in values), passed=3, critical_fails=1)
    assert fig.n == 4 and fig.mean == 85.0
    assert fig.sd == pytest.approx(statistics.stdev(values))
    assert fig.pass_rate == 0.75 and fig.pass_interval == wilson_interval(3, 4)
    assert fig.critical_fails == 1
    assert fig.interval == mean_interval(4, 340.0, sum(v * v for v in values))
    section = Figure.from_sums(4, 340.0, 29400.0, passed=1, judged=2)
    assert section.pass_rate == 0.5 and section.judged == 2
    empty = Figure.empty()
    assert (empty.n, empty.mean, empty.interval, empty.pass_rate) == (0, None, None, None)
