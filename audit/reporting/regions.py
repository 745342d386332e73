"""Figures per region, for the company overview's region table (one GROUP BY)."""

from __future__ import annotations

from sqlalchemy import select

from audit.extensions import db
from audit.models import Branch, Visit, VisitMonthStats
from audit.reporting.filters import ReportFilter
from audit.reporting.rollups import reads_rollups, rollup_conditions, visit_figure_columns
from audit.reporting.sql import figure_columns, figure_of, from_visits, visit_conditions
from audit.reporting.stats import Figure


def region_figures(flt: ReportFilter) -> dict[int, Figure]:
    """Region id -> figure of the filter's visits at that region's branches (one query).

    The viewer's scope applies like everywhere else; regions without
    visits are absent (the caller lists them as empty).
    """
    if reads_rollups(flt):
        t = VisitMonthStats
        query = (
            select(Branch.region_id.label("region_id"), *visit_figure_columns())
            .select_from(t)
            .join(Branch, Branch.id == t.branch_id)
            .where(*rollup_conditions(t, flt))
            .group_by(Branch.region_id)
        )
    else:
        query = (
            from_visits(select(Branch.region_id.label("region_id"), *figure_columns()))
            .join(Branch, Branch.id == Visit.branch_id)
            .where(*visit_conditions(flt))
            .group_by(Branch.region_id)
        )
    return {row.region_id: figure_of(row) for row in db.session.execute(query)}


__all__ = ["region_figures"]
