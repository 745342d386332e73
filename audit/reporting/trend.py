"""Figures per calendar month (UTC), for trend charts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from audit.extensions import db
from audit.models import Visit, VisitMonthStats
from audit.reporting.filters import ReportFilter, month_range
from audit.reporting.rollups import reads_rollups, rollup_conditions, visit_figure_columns
from audit.reporting.sql import (
    figure_columns,
    figure_of,
    from_visits,
    month_bucket,
    visit_conditions,
)
from audit.reporting.stats import Figure


@dataclass(frozen=True)
class TrendPoint:
    month: str  # "YYYY-MM"
    figure: Figure


def monthly_trend(flt: ReportFilter) -> list[TrendPoint]:
    """Mean, n, pass rate (and intervals) per month, in one GROUP BY.

    With both dates set every month of the period is listed, months without
    visits as empty figures (n = 0), so charts keep their gaps.
    """
    if reads_rollups(flt):
        t = VisitMonthStats
        query = (
            select(t.month, *visit_figure_columns())
            .where(*rollup_conditions(t, flt))
            .group_by(t.month)
            .order_by(t.month)
        )
    else:
        month = month_bucket(Visit.visited_at)
        query = (
            from_visits(select(month.label("month"), *figure_columns()))
            .where(*visit_conditions(flt))
            .group_by(month)
            .order_by(month)
        )
    rows = db.session.execute(query).all()
    found = {row.month: figure_of(row) for row in rows}
    months = list(found)
    if flt.date_from is not None and flt.date_to is not None:
        months = month_range(flt.date_from, flt.date_to)
    return [TrendPoint(m, found.get(m) or Figure.empty()) for m in months]
