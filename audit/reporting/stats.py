"""Pure statistics for reports: intervals, significance, NPS, and the figures built from sums.

SQL hands back counts and sums (n, Σx, Σx², passes); everything here turns
them into means, 95% intervals and verdicts without touching the database,
so it is tested against textbook values on its own.

- Mean: mean ± t(0.975, n−1)·s/√n with the sample standard deviation
  (no interval for n < 2). The Student t quantile is computed here (SciPy
  is not a dependency): exactly for df 1 and 2, by inverting the t
  distribution function (regularised incomplete beta) below df 1000, and by
  the Cornish–Fisher expansion above, where it is exact to double precision.
- Proportion: the Wilson score interval, z = 1.959964.
- Significance: above a benchmark only when the whole interval is above it,
  below only when the whole interval is below it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from statistics import NormalDist

from flask_babel import gettext

Z_95 = 1.959964
CONFIDENCE = 0.95

__all__ = [
    "CONFIDENCE",
    "Z_95",
    "Figure",
    "Correlation",
    "Interval",
    "Significance",
    "correlation",
    "mean_interval",
    "nps_interval",
    "nps_score",
    "percent_scale",
    "sample_sd",
    "shown_difference",
    "significance",
    "t_cdf",
    "t_quantile",
    "wilson_interval",
]


@dataclass(frozen=True)
class Interval:
    """A closed interval ``low..high`` (a 95% confidence interval in reports)."""

    low: float
    high: float

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high


class Significance(enum.StrEnum):
    ABOVE = "above"
    BELOW = "below"
    NOT_SIGNIFICANT = "not_significant"

    @property
    def label(self) -> str:
        if self is Significance.ABOVE:
            return gettext("significantly above")
        if self is Significance.BELOW:
            return gettext("significantly below")
        return gettext("not significantly different")


def significance(interval: Interval | None, benchmark: float | None) -> Significance | None:
    """ABOVE when the interval lies wholly above ``benchmark``, BELOW when wholly below.

    None when there is no interval (fewer than two visits) or no benchmark.
    """
    if interval is None or benchmark is None:
        return None
    if interval.low > benchmark:
        return Significance.ABOVE
    if interval.high < benchmark:
        return Significance.BELOW
    return Significance.NOT_SIGNIFICANT


def percent_scale(interval: Interval | None) -> Interval | None:
    """A mean percent's interval within 0–100, as pages, PDFs and CSVs show it.

    A t interval of a few percents near 100 runs past it (93.7–103.0); no mean
    can, so it is cut at the scale's ends. The verdicts use the interval as
    computed (cutting it changes none of them: a benchmark lies within 0–100).
    """
    if interval is None:
        return None
    return Interval(max(0.0, interval.low), min(100.0, interval.high))


def shown_difference(value: float | None, other: float | None, digits: int = 1) -> float | None:
    """``value − other`` in points, from the two figures as they are shown (rounded to
    ``digits``), so 86.24 against 83.96 reads 86.2% vs 84.0%, +2.2 pts, not +2.3.

    Every difference a page, PDF or CSV prints beside its two figures comes from here.
    """
    if value is None or other is None:
        return None
    shown = Decimal(f"{value:.{digits}f}") - Decimal(f"{other:.{digits}f}")
    return float(shown)


# --------------------------------------------------------------------------- Student t


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _regularised_beta(x: float, a: float, b: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t distribution with ``df`` degrees of freedom."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    tail = 0.5 * _regularised_beta(df / (df + t * t), df / 2.0, 0.5)
    return 1.0 - tail if t > 0 else tail


def _cornish_fisher(p: float, df: float) -> float:
    """t quantile from the normal one by the Cornish–Fisher expansion (large df)."""
    z = NormalDist().inv_cdf(p)
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom.

    ``t_quantile(0.975, 10)`` is 2.228..., the multiplier of a 95% interval
    from 11 values.
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    if df >= 1000:
        return _cornish_fisher(p, df)
    low, high = 0.0, max(1.0, _cornish_fisher(p, df))
    while t_cdf(high, df) < p:
        low, high = high, high * 2
    while high - low > 1e-13 * high:
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


# --------------------------------------------------------------------------- intervals


def sample_sd(n: int, total: float, total_sq: float) -> float | None:
    """Sample standard deviation from n, Σx and Σx² (None below two values)."""
    if n < 2:
        return None
    variance = (total_sq - total * total / n) / (n - 1)
    # Σx² − (Σx)²/n can come out a hair below zero when every value is the same.
    return math.sqrt(max(variance, 0.0))


def mean_interval(
    n: int, total: float, total_sq: float, confidence: float = CONFIDENCE
) -> Interval | None:
    """The t interval of the mean from n, Σx and Σx²; None for fewer than two values."""
    sd = sample_sd(n, total, total_sq)
    if sd is None:
        return None
    mean = total / n
    half = t_quantile(1 - (1 - confidence) / 2, n - 1) * sd / math.sqrt(n)
    return Interval(mean - half, mean + half)


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Interval | None:
    """Wilson score interval of the proportion successes/n; None when n is 0."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At 0 or n successes a bound is exactly 0 or 1; rounding would leave 1e-16 off it.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(low, high)


def nps_score(promoters: int, detractors: int, count: int) -> int | None:
    """NPS from counts, by the rule of :func:`audit.scorecards.scoring.nps`: exact, half away
    from zero."""
    if count <= 0:
        return None
    score = Fraction(100 * (promoters - detractors), count)
    magnitude = math.floor(abs(score) + Fraction(1, 2))
    return magnitude if score >= 0 else -magnitude


def nps_interval(promoters: int, detractors: int, count: int, z: float = Z_95) -> Interval | None:
    """95% interval of an NPS (on its −100..100 scale) by the adjusted Wald method.

    Rocks (2016, *The American Statistician* 70:4) adds three quarters of a
    response to promoters and to detractors (and 1.5 to passives, n + 3): the
    plain Wald interval collapses to a point when every answer is a promoter,
    while this one keeps a useful width on the small samples of one branch.
    None without answers.
    """
    if count <= 0:
        return None
    n = count + 3
    p_pro, p_det = (promoters + 0.75) / n, (detractors + 0.75) / n
    score = p_pro - p_det
    half = z * math.sqrt(max(p_pro + p_det - score * score, 0.0) / n)
    return Interval(max(-100.0, 100 * (score - half)), min(100.0, 100 * (score + half)))


@dataclass(frozen=True)
class Correlation:
    """Pearson's r over ``n`` pairs with its 95% interval (Fisher's z, from n ≥ 4)."""

    n: int
    r: float | None
    interval: Interval | None


def correlation(pairs: list[tuple[float, float]], z: float = Z_95) -> Correlation:
    """Pearson's correlation of ``pairs`` (x, y) and its interval: tanh(atanh r ± z/√(n−3)).

    No r below three pairs or when either variable does not vary; no interval
    below four pairs.
    """
    n = len(pairs)
    if n < 3:
        return Correlation(n, None, None)
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in pairs)
    syy = sum((y - mean_y) ** 2 for _, y in pairs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    if sxx <= 0 or syy <= 0:
        return Correlation(n, None, None)
    r = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if n < 4 or abs(r) == 1.0:
        return Correlation(n, r, None)
    centre, half = math.atanh(r), z / math.sqrt(n - 3)
    return Correlation(n, r, Interval(math.tanh(centre - half), math.tanh(centre + half)))


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """What a set of visits (or section scores) adds up to.

    ``n`` is the number of percents the figure rests on. ``passed`` of
    ``judged`` met their target (for visits every one is judged; for a
    section only those whose scorecard version sets a section target).
    """

    n: int
    mean: float | None
    sd: float | None
    interval: Interval | None
    passed: int
    judged: int
    pass_rate: float | None
    pass_interval: Interval | None
    critical_fails: int

    @classmethod
    def from_sums(
        cls,
        n: int,
        total: float,
        total_sq: float,
        passed: int = 0,
        critical_fails: int = 0,
        judged: int | None = None,
    ) -> Figure:
        n = int(n or 0)
        judged = n if judged is None else int(judged)
        passed = int(passed or 0)
        total, total_sq = float(total or 0.0), float(total_sq or 0.0)
        return cls(
            n=n,
            mean=total / n if n else None,
            sd=sample_sd(n, total, total_sq),
            interval=mean_interval(n, total, total_sq),
            passed=passed,
            judged=judged,
            pass_rate=passed / judged if judged else None,
            pass_interval=wilson_interval(passed, judged),
            critical_fails=int(critical_fails or 0),
        )

    @classmethod
    def empty(cls) -> Figure:
        return cls.from_sums(0, 0.0, 0.0)
