"""Figures per calendar month (each branch's own: visits' local days), for trend charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select, union_all

from audit.extensions import db
from audit.reporting.filters import ReportFilter
from audit.reporting.months import month_key, month_keys, month_start
from audit.reporting.rollups import (
    rollup_conditions,
    rollup_parts,
    summed_figures,
    visit_figure_columns,
)
from audit.reporting.sql import (
    figure_columns,
    from_visits,
    visit_conditions,
    visit_month,
)
from audit.reporting.stats import Figure


@dataclass(frozen=True)
class TrendPoint:
    month: str  # "YYYY-MM"
    figure: Figure


def monthly_trend(flt: ReportFilter) -> list[TrendPoint]:
    """Mean, n, pass rate (and intervals) per month, in one GROUP BY.

    The months run from the first with a visit to the end of the period (to the
    last with a visit when the period is open); months between without visits are
    listed as empty figures (n = 0), so charts keep their gaps, but no chart starts
    with empty months before the first visit. No visits: no months.
    """
    parts = rollup_parts(flt)
    queries = [_direct(flt)] if parts is None else []
    for grain, period in parts or ():
        t = grain.visits
        month = grain.month(t)
        queries.append(
            select(month.label("month"), *visit_figure_columns(t))
            .where(*rollup_conditions(t, period))
            .group_by(month)
        )
    query = queries[0] if len(queries) == 1 else union_all(*queries)
    return trend_points(summed_figures(db.session.execute(query), "month"), flt.date_to)


def _direct(flt: ReportFilter) -> Select:
    month = visit_month()
    return (
        from_visits(select(month.label("month"), *figure_columns()))
        .where(*visit_conditions(flt))
        .group_by(month)
    )


def trend_points(found: dict[str, Figure], date_to: date | None) -> list[TrendPoint]:
    """The figures ``found`` per month ``YYYY-MM`` as a trend: from the first month with a
    visit to ``date_to``'s month (or the last month found), empty months between kept."""
    if not found:
        return []
    first, last = min(found), max(found)
    if date_to is not None:
        last = max(last, month_key(date_to))
    months = month_keys(month_start(first), month_start(last))
    return [TrendPoint(m, found.get(m) or Figure.empty()) for m in months]
