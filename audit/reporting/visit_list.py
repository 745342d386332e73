"""The visits behind a figure: the same reportable visits a filter counts, listed.

:func:`visit_rows` lists them newest first (a dashboard's "recent visits",
or every one for a CSV download) with their branch, region, scorecard,
score and staff, and optionally their section percents, in at most three
queries whatever the number of visits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select

from audit.extensions import db
from audit.models import (
    Branch,
    Region,
    Scorecard,
    ScorecardVersion,
    StaffMember,
    Visit,
    VisitSectionScore,
    visit_staff,
)
from audit.reporting.filters import ReportFilter
from audit.reporting.sql import visit_conditions


@dataclass(frozen=True)
class StaffRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class VisitRow:
    """One reportable visit as reports list it (no shopper identity)."""

    id: int
    visited_at: datetime
    status: str
    branch_id: int
    branch_code: str
    branch_name: str
    region_name: str
    scorecard: str  # slug
    scorecard_title: str
    version: int
    target: float
    percent: float
    band: str | None
    critical_failed: bool
    staff: tuple[StaffRef, ...] = ()
    sections: dict[str, float | None] = field(default_factory=dict)  # key -> percent

    @property
    def passed(self) -> bool:
        return self.percent >= self.target


def _chosen(flt: ReportFilter, limit: int | None) -> Select:
    """Ids of the filter's visits, newest first, at most ``limit``."""
    query = (
        select(Visit.id)
        .where(*visit_conditions(flt))
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
    )
    return query.limit(limit) if limit is not None else query


def visit_rows(
    flt: ReportFilter, limit: int | None = None, *, sections: bool = False
) -> list[VisitRow]:
    """The filter's visits, newest first (``limit`` of them), with staff and optionally sections.

    Two queries (visits, their staff), three with ``sections``.
    """
    query = (
        select(
            Visit.id,
            Visit.visited_at,
            Visit.status,
            Visit.branch_id,
            Branch.code.label("branch_code"),
            Branch.name.label("branch_name"),
            Region.name.label("region_name"),
            Scorecard.slug,
            Scorecard.title,
            ScorecardVersion.number,
            ScorecardVersion.target,
            Visit.percent,
            Visit.band,
            Visit.critical_failed,
        )
        .join(Branch, Branch.id == Visit.branch_id)
        .join(Region, Region.id == Branch.region_id)
        .join(Scorecard, Scorecard.id == Visit.scorecard_id)
        .join(ScorecardVersion, ScorecardVersion.id == Visit.version_id)
        .where(*visit_conditions(flt))
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    chosen = _chosen(flt, limit)
    staff: dict[int, list[StaffRef]] = defaultdict(list)
    for row in db.session.execute(
        select(visit_staff.c.visit_id, StaffMember.id, StaffMember.code, StaffMember.name)
        .join(StaffMember, StaffMember.id == visit_staff.c.staff_member_id)
        .where(visit_staff.c.visit_id.in_(chosen))
        .order_by(visit_staff.c.visit_id, StaffMember.name, StaffMember.code)
    ):
        staff[row.visit_id].append(StaffRef(row.id, row.code, row.name))
    percents: dict[int, dict[str, float | None]] = defaultdict(dict)
    if sections:
        for row in db.session.execute(
            select(
                VisitSectionScore.visit_id, VisitSectionScore.section_key, VisitSectionScore.percent
            )
            .where(VisitSectionScore.visit_id.in_(chosen))
            .order_by(VisitSectionScore.visit_id, VisitSectionScore.position)
        ):
            percents[row.visit_id][row.section_key] = row.percent
    return [
        VisitRow(
            id=row.id,
            visited_at=row.visited_at,
            status=str(row.status.value if hasattr(row.status, "value") else row.status),
            branch_id=row.branch_id,
            branch_code=row.branch_code,
            branch_name=row.branch_name,
            region_name=row.region_name,
            scorecard=row.slug,
            scorecard_title=row.title,
            version=row.number,
            target=row.target,
            percent=row.percent,
            band=row.band,
            critical_failed=bool(row.critical_failed),
            staff=tuple(staff.get(row.id, ())),
            sections=dict(percents.get(row.id, {})),
        )
        for row in rows
    ]
