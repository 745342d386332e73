"""Pieces the branch, staff and comparison reports share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask_babel import gettext
from sqlalchemy import func, select

from audit.documents.render import build_html
from audit.extensions import db
from audit.models import Region, Scorecard, StaffMember, Visit, visit_staff
from audit.reporting.charts import trend_chart, trend_values
from audit.reporting.filters import ReportFilter
from audit.reporting.sql import visit_conditions
from audit.reporting.summary import Summary
from audit.reporting.trend import TrendPoint


def scorecard_label(flt: ReportFilter) -> str:
    if flt.scorecard is None:
        return gettext("every scorecard")
    title = db.session.scalar(select(Scorecard.title).where(Scorecard.slug == flt.scorecard))
    return title or flt.scorecard


def region_names() -> dict[int, str]:
    return dict(db.session.execute(select(Region.id, Region.name)).tuples().all())


@dataclass(frozen=True)
class VisitLine:
    id: int
    visited_at: datetime
    scorecard: str
    percent: float
    band: str | None
    critical_failed: bool
    staff: str  # names, comma-separated
    local_day: str = ""  # "YYYY-MM-DD", the branch's day of the visit (Visit.local_day)


def recent_visits(flt: ReportFilter, limit: int = 15) -> list[VisitLine]:
    """The latest reportable visits of the filter with the staff who served (two queries)."""
    rows = db.session.execute(
        select(
            Visit.id,
            Visit.visited_at,
            Visit.local_day,
            Scorecard.title,
            Visit.percent,
            Visit.band,
            Visit.critical_failed,
        )
        .join(Scorecard, Scorecard.id == Visit.scorecard_id)
        .where(*visit_conditions(flt))
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(limit)
    ).all()
    names: dict[int, list[str]] = {}
    if rows:
        for visit_id, name in db.session.execute(
            select(visit_staff.c.visit_id, StaffMember.name)
            .join(StaffMember, StaffMember.id == visit_staff.c.staff_member_id)
            .where(visit_staff.c.visit_id.in_([r.id for r in rows]))
            .order_by(StaffMember.name)
        ):
            names.setdefault(visit_id, []).append(name)
    return [
        VisitLine(
            r.id,
            r.visited_at,
            r.title,
            r.percent,
            r.band,
            r.critical_failed,
            ", ".join(names.get(r.id, [])),
            r.local_day or "",
        )
        for r in rows
    ]


def count_visits(flt: ReportFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(Visit).where(*visit_conditions(flt)))


class UnitReport(Protocol):
    """What every report about a unit (branch, staff member, region...) holds."""

    @property
    def summary(self) -> Summary: ...

    @property
    def trend(self) -> tuple[TrendPoint, ...]: ...


def unit_report_html(
    template: str, report: UnitReport, flt: ReportFilter, title: str, **context: Any
) -> str:
    """The HTML of a report about a unit: ``templates/pdf/<template>`` with the report, its
    heading (the unit and the period) and its monthly trend against the scorecard target,
    and ``context``."""
    head = report.summary
    target = head.scorecard.target if head.scorecard else None
    return build_html(
        template,
        report=report,
        title=title,
        subtitle=head.unit.label,
        period=flt.period_label,
        trend_svg=trend_chart(trend_values(report.trend), target=target),
        **context,
    )
