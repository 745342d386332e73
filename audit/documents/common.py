"""Pieces the branch, staff and comparison reports share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Region, Scorecard, StaffMember, Visit, visit_staff
from audit.reporting.filters import ReportFilter
from audit.reporting.sql import visit_conditions


def scorecard_label(flt: ReportFilter) -> str:
    if flt.scorecard is None:
        return "every scorecard"
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


def recent_visits(flt: ReportFilter, limit: int = 15) -> list[VisitLine]:
    """The latest reportable visits of the filter with the staff who served (two queries)."""
    rows = db.session.execute(
        select(
            Visit.id,
            Visit.visited_at,
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
        )
        for r in rows
    ]


def count_visits(flt: ReportFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(Visit).where(*visit_conditions(flt)))
