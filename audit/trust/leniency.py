"""Shopper leniency: how far each shopper's scores sit from other shoppers' at the
same branches on the same scorecard.

The model
---------
Every visit that counts in reports (approved or published, not excluded, scored) is one
observation of its visit percent::

    percent = cell(branch × scorecard) + shopper + noise

``cell`` absorbs what the branch is really like on that scorecard, so a shopper who
happens to visit good branches is not called generous; ``shopper`` is the leniency.
It is estimated by ordinary least squares with the cells as fixed effects (the
"within" estimator: each visit's percent and shopper columns are taken as deviations
from their cell's mean, which is the same fit as one dummy per cell, by the
Frisch–Waugh–Lovell theorem, without a column per branch), fitted by statsmodels'
``OLS`` with the residual degrees of freedom reduced by the number of cells. The
shopper effects are coded to sum to zero within each group of shoppers who can be
compared, so a shopper's leniency reads as points above (positive) or below the
average shopper at the same branches. With many shoppers this is, to within a point,
"above the others"; with few, the average is the fair reference, since "the others"
changes with the shopper.

The intervals are 95% t intervals (statsmodels' ``t_test``) made simultaneous over the
shoppers listed together (Šidák: each at 0.95^(1/m) confidence for m shoppers), so that the
whole list holds every shopper's true leniency 95 times in 100, not each line
separately. A list is read, and people are flagged, as a whole: with one 95% interval
per shopper, a list of 20 fair shoppers would show one "significant" shopper in most
periods, and two planted shoppers would both be covered only about 90% of the time.
The price is a slightly wider interval (with 8 shoppers, ±2.7 standard errors instead
of ±2.0).

Why fixed cells rather than a mixed model with random branch effects: a mixed model
also borrows between-branch comparisons, which are biased when shoppers are not sent to
branches at random (a generous shopper sent to weak branches would look fair). The
within estimator compares each shopper only with the scores other shoppers gave the
same branches, which is what the figure claims.

Who can be compared: shoppers are linked when they scored the same branch on the same
scorecard; only shoppers linked (directly or through others) form a group, and each
group gets its own zero. A shopper alone in their group (nobody else visited their
branches) is listed with ``None`` figures. Visits at cells no one else scored still
count in ``visits`` and help estimate the noise (repeat visits to one branch), but say
nothing of leniency.

Flag: the interval lies wholly beyond ± the ``leniency_flag_points`` setting.

The rows come from one SQL query; the fit is :func:`estimate_leniency`, a pure
function tested without a database.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select

from audit.extensions import db
from audit.models import User, Visit
from audit.reporting.filters import ReportFilter
from audit.reporting.sql import visit_conditions
from audit.settings import get_setting

__all__ = [
    "LENIENCY_FLAG_SETTING",
    "Observation",
    "ShopperLeniency",
    "estimate_leniency",
    "leniency_of",
    "observations",
    "shopper_leniency",
    "simultaneous_alpha",
]

#: The setting (audit.settings) holding the flag threshold in percentage points.
LENIENCY_FLAG_SETTING = "leniency_flag_points"
_ALPHA = 0.05  # 95% intervals


@dataclass(frozen=True)
class ShopperLeniency:
    user_id: int
    email: str
    visits: int
    #: Percentage points above (positive) or below the average shopper's scores at the
    #: same branches on the same scorecard; None when nobody can be compared with them.
    leniency: float | None
    #: The 95% interval (simultaneous over the shoppers listed: see the module docstring).
    ci_low: float | None
    ci_high: float | None
    flagged: bool
    #: Of ``visits``, those at a branch and scorecard another shopper also scored: the
    #: visits the comparison rests on.
    compared: int = 0


@dataclass(frozen=True)
class Observation:
    """One visit as the model sees it."""

    user_id: int
    email: str
    branch_id: int
    scorecard_id: int
    percent: float


def observations(start: date | None = None, end: date | None = None) -> list[Observation]:
    """The visits that count in reports over [start, end] (inclusive UTC dates) that have a
    visitor, in one query."""
    query = (
        select(Visit.visitor_id, User.email, Visit.branch_id, Visit.scorecard_id, Visit.percent)
        .join(User, User.id == Visit.visitor_id)
        .where(*visit_conditions(ReportFilter(date_from=start, date_to=end)))
        .order_by(Visit.id)
    )
    return [Observation(*row) for row in db.session.execute(query)]


def shopper_leniency(start: date | None = None, end: date | None = None) -> list[ShopperLeniency]:
    """Every shopper with approved or published visits in [start, end], by email.

    Excluded visits and visits without a score are left out, as in every report.
    Raises ValueError when ``end`` is before ``start``.
    """
    return estimate_leniency(observations(start, end), get_setting(LENIENCY_FLAG_SETTING))


def leniency_of(
    user_id: int, start: date | None = None, end: date | None = None
) -> ShopperLeniency | None:
    """One shopper's row of :func:`shopper_leniency` (the fit needs everyone's visits);
    None when they have no visit that counts in the period."""
    return next((row for row in shopper_leniency(start, end) if row.user_id == user_id), None)


def estimate_leniency(rows: Iterable[Observation], flag_points: float) -> list[ShopperLeniency]:
    """The fit described in the module's docstring, one result per shopper, by email."""
    rows = list(rows)
    emails: dict[int, str] = {}
    visits: dict[int, int] = defaultdict(int)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        emails[row.user_id] = row.email
        visits[row.user_id] += 1
        cells[(row.branch_id, row.scorecard_id)].append(index)

    groups = _comparable_groups(rows, cells.values())
    compared: dict[int, int] = defaultdict(int)
    for members in cells.values():
        if len({rows[i].user_id for i in members}) > 1:
            for i in members:
                compared[rows[i].user_id] += 1

    figures = _fit(rows, list(cells.values()), groups)
    results = []
    for user_id, email in emails.items():
        estimate = figures.get(user_id)
        if estimate is None:
            results.append(
                ShopperLeniency(user_id, email, visits[user_id], None, None, None, False, 0)
            )
            continue
        value, low, high = estimate
        results.append(
            ShopperLeniency(
                user_id,
                email,
                visits[user_id],
                value,
                low,
                high,
                low > flag_points or high < -flag_points,
                compared[user_id],
            )
        )
    return sorted(results, key=lambda r: (r.email, r.user_id))


def simultaneous_alpha(count: int, alpha: float = _ALPHA) -> float:
    """Each interval's error rate so that ``count`` intervals all hold with 1 − ``alpha``
    (Šidák: 1 − (1 − alpha)^(1/count)); see the module's docstring for why."""
    return 1.0 - (1.0 - alpha) ** (1.0 / max(count, 1))


def _comparable_groups(rows: Sequence[Observation], cells: Iterable[list[int]]) -> list[list[int]]:
    """Shoppers linked through shared cells (union-find), groups of two or more, each
    sorted by user id."""
    parent: dict[int, int] = {row.user_id: row.user_id for row in rows}

    def root(user_id: int) -> int:
        while parent[user_id] != user_id:
            parent[user_id] = parent[parent[user_id]]
            user_id = parent[user_id]
        return user_id

    for members in cells:
        first = root(rows[members[0]].user_id)
        for i in members[1:]:
            other = root(rows[i].user_id)
            if other != first:
                parent[other] = first
    by_root: dict[int, list[int]] = defaultdict(list)
    for user_id in parent:
        by_root[root(user_id)].append(user_id)
    return [sorted(group) for group in by_root.values() if len(group) > 1]


def _fit(
    rows: Sequence[Observation], cells: Sequence[list[int]], groups: Sequence[list[int]]
) -> dict[int, tuple[float, float, float]]:
    """user id → (leniency, 95% low, 95% high) for every shopper in ``groups``; empty when
    nothing can be estimated (no group, or no residual degrees of freedom)."""
    # Columns: in each group, one per shopper but the last; the last shopper's column is
    # minus the sum of the others' (sum-to-zero coding).
    column: dict[int, int] = {}
    last_of: dict[int, list[int]] = {}
    for group in groups:
        first_column = len(column)
        for offset, user_id in enumerate(group[:-1]):
            column[user_id] = first_column + offset
        last_of[group[-1]] = [first_column + offset for offset in range(len(group) - 1)]
    k = len(column)
    n = len(rows)
    df_resid = n - len(cells) - k
    if k == 0 or df_resid < 1:
        return {}

    y = np.fromiter((row.percent for row in rows), dtype=float, count=n)
    x = np.zeros((n, k))
    for index, row in enumerate(rows):
        if row.user_id in column:
            x[index, column[row.user_id]] = 1.0
        elif row.user_id in last_of:
            x[index, last_of[row.user_id]] = -1.0
    for members in cells:  # deviations from the cell's mean: the cell's fixed effect
        y[members] -= y[members].mean()
        x[members] -= x[members].mean(axis=0)

    # Imported here: statsmodels takes a second or more to import, which every page and
    # CLI command would otherwise pay at start-up.
    from statsmodels.regression.linear_model import OLS

    model = OLS(y, x)
    model.df_resid = df_resid  # the cell means used up len(cells) degrees of freedom
    fitted = model.fit()

    shoppers = [user_id for group in groups for user_id in group]
    contrasts = np.zeros((len(shoppers), k))
    for row_index, user_id in enumerate(shoppers):
        if user_id in column:
            contrasts[row_index, column[user_id]] = 1.0
        else:
            contrasts[row_index, last_of[user_id]] = -1.0
    test = fitted.t_test(contrasts)
    values = np.atleast_1d(test.effect)
    bounds = np.atleast_2d(test.conf_int(alpha=simultaneous_alpha(len(shoppers))))
    result = {}
    for user_id, value, (low, high) in zip(shoppers, values, bounds, strict=True):
        if not all(math.isfinite(v) for v in (value, low, high)):
            continue
        result[user_id] = (float(value), float(low), float(high))
    return result
