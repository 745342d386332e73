"""Figures per region, for the company overview's region table (one GROUP BY)."""

from __future__ import annotations

from sqlalchemy import Select, select, union_all

from audit.extensions import db
from audit.models import Branch, Visit
from audit.reporting.filters import ReportFilter
from audit.reporting.rollups import (
    rollup_conditions,
    rollup_parts,
    summed_figures,
    visit_figure_columns,
)
from audit.reporting.sql import figure_columns, from_visits, visit_conditions
from audit.reporting.stats import Figure


def region_figures(flt: ReportFilter) -> dict[int, Figure]:
    """Region id -> figure of the filter's visits at that region's branches (one query).

    The viewer's scope applies like everywhere else; regions without
    visits are absent (the caller lists them as empty).
    """
    parts = rollup_parts(flt)
    queries = [_direct(flt)] if parts is None else []
    for grain, period in parts or ():
        t = grain.visits
        queries.append(
            select(Branch.region_id.label("region_id"), *visit_figure_columns(t))
            .select_from(t)
            .join(Branch, Branch.id == t.branch_id)
            .where(*rollup_conditions(t, period))
            .group_by(Branch.region_id)
        )
    query = queries[0] if len(queries) == 1 else union_all(*queries)
    return summed_figures(db.session.execute(query), "region_id")


def _direct(flt: ReportFilter) -> Select:
    return (
        from_visits(select(Branch.region_id.label("region_id"), *figure_columns()))
        .join(Branch, Branch.id == Visit.branch_id)
        .where(*visit_conditions(flt))
        .group_by(Branch.region_id)
    )


__all__ = ["region_figures"]
