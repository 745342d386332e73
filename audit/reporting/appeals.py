"""How many visits were appealed, and how many of those had an answer amended.

Counted over the filter's reportable visits (one query). Only published
visits can be appealed, so the shares are of the published visits in the
filter; ``visits`` is given too, for context. Withdrawn appeals do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Subquery, case, func, select, true, union_all

from audit.extensions import db
from audit.models import Appeal, AppealStatus, Visit, VisitStatus
from audit.reporting.filters import ReportFilter
from audit.reporting.rollups import rollup_conditions, rollup_parts
from audit.reporting.sql import count_if, visit_conditions


@dataclass(frozen=True)
class AppealFigures:
    visits: int  # reportable visits in the filter
    published: int  # of which published (the ones that can be appealed)
    appealed: int  # published visits with at least one appeal (not withdrawn)
    amended: int  # visits with at least one amended answer
    open: int  # visits with an appeal still open

    @property
    def appealed_share(self) -> float | None:
        return self.appealed / self.published if self.published else None

    @property
    def amended_share(self) -> float | None:
        return self.amended / self.published if self.published else None

    @property
    def amended_of_appealed(self) -> float | None:
        return self.amended / self.appealed if self.appealed else None


def appeal_figures(flt: ReportFilter) -> AppealFigures:
    """Visits appealed and amended in the filter, aggregated in SQL.

    The appeals are counted from their own table joined to the filter's visits: an
    EXISTS per visit read every visit of the period three more times (a second of
    the company dashboard at a million visits, bench/reports.py). The visits and
    the published ones are summed from the rollups when the filter reads them.
    """
    totals = _totals(flt)
    counted = (AppealStatus.OPEN, AppealStatus.UPHELD, AppealStatus.AMENDED)
    per_visit = (
        select(
            func.max(_flag(Appeal.status == AppealStatus.AMENDED)).label("amended"),
            func.max(_flag(Appeal.status == AppealStatus.OPEN)).label("open"),
        )
        .join(Visit, Visit.id == Appeal.visit_id)
        .where(Appeal.status.in_(counted), *visit_conditions(flt))
        .group_by(Appeal.visit_id)
        .subquery()
    )
    appeals = select(
        func.count().label("appealed"),
        func.coalesce(func.sum(per_visit.c.amended), 0).label("amended"),
        func.coalesce(func.sum(per_visit.c.open), 0).label("open"),
    ).subquery()
    row = db.session.execute(  # one row of each, side by side: one statement
        select(totals, appeals).select_from(totals.join(appeals, true()))
    ).one()
    return AppealFigures(
        int(row.visits),
        int(row.published),
        int(row.appealed),
        int(row.amended),
        int(row.open),
    )


def _totals(flt: ReportFilter) -> Subquery:
    """One row: the filter's reportable visits and how many of them are published."""
    parts = rollup_parts(flt)
    if parts is None:
        return (
            select(
                count_if(Visit.id.is_not(None)).label("visits"),
                count_if(Visit.status == VisitStatus.PUBLISHED).label("published"),
            )
            .select_from(Visit)
            .where(*visit_conditions(flt))
            .subquery()
        )
    sums = union_all(
        *(
            select(grain.visits.n.label("visits"), grain.visits.published).where(
                *rollup_conditions(grain.visits, period)
            )
            for grain, period in parts
        )
    ).subquery("rollup_rows")
    return select(
        func.coalesce(func.sum(sums.c.visits), 0).label("visits"),
        func.coalesce(func.sum(sums.c.published), 0).label("published"),
    ).subquery()


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)
