"""The visits behind a figure: the same reportable visits a filter counts, listed.

:func:`visit_rows` lists them newest first (a dashboard's "recent visits",
or every one for a CSV download) with their branch, region, scorecard,
score and staff, and optionally their section percents, in at most three
queries whatever the number of visits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

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
from audit.reporting.sql import latest_sections, visit_conditions


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
    timezone: str = "UTC"  # the branch's IANA zone

    @property
    def passed(self) -> bool:
        return self.percent >= self.target

    @property
    def visited_at_local(self) -> datetime:
        """``visited_at`` as the branch's clock read it, aware of that zone's offset."""
        return self.visited_at.astimezone(ZoneInfo(self.timezone))


NEWEST_FIRST = (Visit.visited_at.desc(), Visit.id.desc())


def _chosen(flt: ReportFilter, limit: int | None) -> Select:
    """Ids of the filter's visits, newest first, at most ``limit``."""
    query = select(Visit.id).where(*visit_conditions(flt)).order_by(*NEWEST_FIRST)
    return query.limit(limit) if limit is not None else query


def _visit_query(flt: ReportFilter) -> Select:
    return (
        select(
            Visit.id,
            Visit.visited_at,
            Visit.status,
            Visit.branch_id,
            Branch.code.label("branch_code"),
            Branch.name.label("branch_name"),
            Branch.timezone,
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
        .order_by(*NEWEST_FIRST)
    )


def _row(
    row: Any, staff: Iterable[StaffRef] = (), sections: dict[str, float | None] | None = None
) -> VisitRow:
    return VisitRow(
        id=row.id,
        visited_at=row.visited_at,
        status=str(getattr(row.status, "value", row.status)),
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
        staff=tuple(staff),
        sections=dict(sections or {}),
        timezone=row.timezone,
    )


def _staff_query(chosen: Select) -> Select:
    return (
        select(visit_staff.c.visit_id, StaffMember.id, StaffMember.code, StaffMember.name)
        .join(StaffMember, StaffMember.id == visit_staff.c.staff_member_id)
        .where(visit_staff.c.visit_id.in_(chosen))
        .order_by(visit_staff.c.visit_id, StaffMember.name, StaffMember.code)
    )


def _sections_query(chosen: Select) -> Select:
    return (
        select(VisitSectionScore.visit_id, VisitSectionScore.section_key, VisitSectionScore.percent)
        .where(VisitSectionScore.visit_id.in_(chosen))
        .order_by(VisitSectionScore.visit_id, VisitSectionScore.position)
    )


def visit_rows(
    flt: ReportFilter, limit: int | None = None, *, sections: bool = False
) -> list[VisitRow]:
    """The filter's visits, newest first (``limit`` of them), with staff and optionally sections.

    Two queries (visits, their staff), three with ``sections``. For every
    visit of a large filter use :func:`stream_visit_rows`.
    """
    query = _visit_query(flt)
    if limit is not None:
        query = query.limit(limit)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    chosen = _chosen(flt, limit)
    staff: dict[int, list[StaffRef]] = defaultdict(list)
    for row in db.session.execute(_staff_query(chosen)):
        staff[row.visit_id].append(StaffRef(row.id, row.code, row.name))
    percents: dict[int, dict[str, float | None]] = defaultdict(dict)
    if sections:
        for row in db.session.execute(_sections_query(chosen)):
            percents[row.visit_id][row.section_key] = row.percent
    return [_row(row, staff.get(row.id, ()), percents.get(row.id)) for row in rows]


def stream_visit_rows(flt: ReportFilter, chunk: int = 1000) -> Iterator[VisitRow]:
    """Every visit of the filter with staff and sections, newest first, without holding them all.

    Three streamed queries read side by side in the same order (visits;
    their staff; their section scores, each joined to the visits and sorted
    by the visit's date and id), merged as they go: memory stays flat
    whatever the number of visits, and the number of queries is fixed.
    """
    order = (*NEWEST_FIRST,)
    conditions = visit_conditions(flt)
    staff_rows = (
        select(visit_staff.c.visit_id, StaffMember.id, StaffMember.code, StaffMember.name)
        .select_from(Visit)
        .join(visit_staff, visit_staff.c.visit_id == Visit.id)
        .join(StaffMember, StaffMember.id == visit_staff.c.staff_member_id)
        .where(*conditions)
        .order_by(*order, StaffMember.name, StaffMember.code)
    )
    section_rows = (
        select(VisitSectionScore.visit_id, VisitSectionScore.section_key, VisitSectionScore.percent)
        .select_from(Visit)
        .join(VisitSectionScore, VisitSectionScore.visit_id == Visit.id)
        .where(*conditions)
        .order_by(*order, VisitSectionScore.position)
    )
    options = {"yield_per": chunk}
    visits = db.session.execute(_visit_query(flt).execution_options(**options))
    staff = _Peekable(db.session.execute(staff_rows.execution_options(**options)))
    scores = _Peekable(db.session.execute(section_rows.execution_options(**options)))
    for row in visits:
        members = [StaffRef(s.id, s.code, s.name) for s in staff.take_while(row.id)]
        percents = {s.section_key: s.percent for s in scores.take_while(row.id)}
        yield _row(row, members, percents)


class _Peekable:
    """Rows of a result sorted like the visits, handed out visit by visit."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._rows = iter(rows)
        self._next: Any = next(self._rows, None)

    def take_while(self, visit_id: int) -> Iterator[Any]:
        while self._next is not None and self._next.visit_id == visit_id:
            yield self._next
            self._next = next(self._rows, None)


def section_keys(flt: ReportFilter) -> list[str]:
    """Section keys of the filter's scorecard(s), newest version's order (one query).

    The columns of a visits CSV, known before the first visit is read.
    """
    latest = latest_sections(flt)
    rows = db.session.execute(
        select(latest.c.key)
        .join(Scorecard, Scorecard.id == latest.c.scorecard_id)
        .order_by(Scorecard.slug, latest.c.version_number.desc(), latest.c.position, latest.c.key)
    ).all()
    keys: list[str] = []
    for row in rows:
        if row.key not in keys:
            keys.append(row.key)
    return keys
