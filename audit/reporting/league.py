"""League tables: branches, or staff members, ranked by mean percent.

Ranks are standard competition ranks ("1, 2, 2, 4") from ``RANK() OVER
(ORDER BY mean DESC)`` in SQL, over means rounded to
:data:`~audit.reporting.sql.RANK_DECIMALS` places so floating-point noise
never splits a tie. Units with fewer visits than the minimum (the
``min_visits_to_rank`` setting unless given) are listed apart with the
reason, not ranked. Ties are listed by name, then code.

The league ranks the peers of the filter's unit: its branch and staff
fields are dropped for a branch league (the region and the viewer's scope
stay), and the staff field for a staff league (a branch league within a
region, a staff league within a branch or region). Active units with no
visits are listed as unranked too; only units inside the scope are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import ngettext
from sqlalchemy import Numeric, Select, case, cast, func, or_, select, union_all

from audit.extensions import db
from audit.models import Branch, StaffMember, Visit, visit_staff
from audit.reporting.filters import ReportFilter, UnitKind
from audit.reporting.rollups import (
    Part,
    rollup_conditions,
    rollup_parts,
    visit_figure_columns,
    visit_rank_mean,
)
from audit.reporting.sql import (
    RANK_DECIMALS,
    branch_conditions,
    figure_columns,
    figure_of,
    from_visits,
    rank_mean,
    visit_conditions,
)
from audit.reporting.stats import Figure
from audit.reporting.summary import CodeLabelled
from audit.settings import get_setting


@dataclass(frozen=True)
class LeagueEntry(CodeLabelled):
    kind: UnitKind  # BRANCH or STAFF
    id: int
    code: str
    name: str
    branch_id: int
    region_id: int
    figure: Figure
    rank: int | None  # None when unranked
    reason: str | None  # why unranked


@dataclass(frozen=True)
class League:
    kind: UnitKind
    min_visits: int
    ranked: tuple[LeagueEntry, ...]  # best first
    unranked: tuple[LeagueEntry, ...]  # most visits first

    def entry(self, unit_id: int) -> LeagueEntry | None:
        return next((e for e in (*self.ranked, *self.unranked) if e.id == unit_id), None)

    @property
    def entries(self) -> tuple[LeagueEntry, ...]:
        return (*self.ranked, *self.unranked)


def unranked_reason(n: int, min_visits: int) -> str:
    """ "2 visits, fewer than the 3 needed to rank", in the reader's language."""
    return ngettext(
        "%(num)d visit, fewer than the %(minimum)d needed to rank",
        "%(num)d visits, fewer than the %(minimum)d needed to rank",
        n,
        minimum=min_visits,
    )


def _league(
    kind: UnitKind, aggregates: Select, units: Select, unit_id: Any, active: Any, minimum: int
) -> League:
    agg = aggregates.subquery("unit_figures")
    n = func.coalesce(agg.c.n, 0)
    eligible = case((n >= minimum, 1), else_=0)
    # Ranked within the partition of eligible units only; the others get no rank.
    rank_column = case(
        (n >= minimum, func.rank().over(partition_by=eligible, order_by=agg.c.rank_mean.desc()))
    )
    query = (
        units.add_columns(
            agg.c.n,
            agg.c.total,
            agg.c.total_sq,
            agg.c.passed,
            agg.c.critical,
            eligible.label("eligible"),
            rank_column.label("league_rank"),
        )
        .outerjoin(agg, agg.c.unit_id == unit_id)
        .where(or_(active.is_(True), agg.c.unit_id.is_not(None)))
    )
    c = query.selected_columns
    query = query.order_by(c.eligible.desc(), c.league_rank, n.desc(), c.name, c.code, c.id)
    ranked, unranked = [], []
    for row in db.session.execute(query):
        figure = figure_of(row) if row.n is not None else Figure.empty()
        rank = None if row.league_rank is None else int(row.league_rank)
        entry = LeagueEntry(
            kind,
            row.id,
            row.code,
            row.name,
            row.branch_id,
            row.region_id,
            figure,
            rank,
            None if rank is not None else unranked_reason(figure.n, minimum),
        )
        (ranked if rank is not None else unranked).append(entry)
    return League(kind, minimum, tuple(ranked), tuple(unranked))


def _minimum(min_visits: int | None) -> int:
    minimum = get_setting("min_visits_to_rank") if min_visits is None else min_visits
    if minimum < 1:
        raise ValueError("the minimum number of visits to rank is at least 1")
    return minimum


def branch_league(flt: ReportFilter, min_visits: int | None = None) -> League:
    """Branches of the filter's region (or every branch in scope) ranked by mean (one query)."""
    minimum = _minimum(min_visits)
    peers = flt.peers()
    parts = rollup_parts(peers)
    if parts is not None and len(parts) == 1:
        grain, period = parts[0]
        t = grain.visits
        aggregates = (
            select(
                t.branch_id.label("unit_id"),
                *visit_figure_columns(t),
                visit_rank_mean(t).label("rank_mean"),
            )
            .where(*rollup_conditions(t, period))
            .group_by(t.branch_id)
        )
    elif parts is not None:
        aggregates = _months_and_days(parts)
    else:
        aggregates = (
            from_visits(
                select(
                    Visit.branch_id.label("unit_id"),
                    *figure_columns(),
                    rank_mean(Visit.percent).label("rank_mean"),
                )
            )
            .where(*visit_conditions(peers))
            .group_by(Visit.branch_id)
        )
    units = select(
        Branch.id, Branch.code, Branch.name, Branch.id.label("branch_id"), Branch.region_id
    ).where(*branch_conditions(peers))
    return _league(UnitKind.BRANCH, aggregates, units, Branch.id, Branch.active, minimum)


def _months_and_days(parts: tuple[Part, ...]) -> Select:
    """Branch figures over the whole months (month rollups) and the days at the ends (day
    rollups) of a period, added up, with the rank mean of the sums."""
    queries = []
    for grain, period in parts:
        t = grain.visits
        queries.append(
            select(t.branch_id.label("unit_id"), *visit_figure_columns(t))
            .where(*rollup_conditions(t, period))
            .group_by(t.branch_id)
        )
    both = union_all(*queries).subquery("months_and_days")
    n, total = func.sum(both.c.n), func.sum(both.c.total)
    return select(
        both.c.unit_id,
        n.label("n"),
        total.label("total"),
        func.sum(both.c.total_sq).label("total_sq"),
        func.sum(both.c.passed).label("passed"),
        func.sum(both.c.critical).label("critical"),
        func.round(cast(total / func.nullif(n, 0), Numeric), RANK_DECIMALS).label("rank_mean"),
    ).group_by(both.c.unit_id)


def staff_league(flt: ReportFilter, min_visits: int | None = None) -> League:
    """Staff of the filter's branch, region or scope ranked by the mean of their visits.

    A visit counts for every staff member attached to it. Staff are listed
    under their current branch, and only when that branch is in the filter
    and the viewer's scope.
    """
    minimum = _minimum(min_visits)
    peers = replace(flt, staff_id=None)
    aggregates = (
        from_visits(
            select(
                visit_staff.c.staff_member_id.label("unit_id"),
                *figure_columns(),
                rank_mean(Visit.percent).label("rank_mean"),
            )
        )
        .join(visit_staff, visit_staff.c.visit_id == Visit.id)
        .where(*visit_conditions(peers))
        .group_by(visit_staff.c.staff_member_id)
    )
    units = (
        select(
            StaffMember.id,
            StaffMember.code,
            StaffMember.name,
            StaffMember.branch_id,
            Branch.region_id,
        )
        .join(Branch, Branch.id == StaffMember.branch_id)
        .where(*branch_conditions(peers))
    )
    if peers.branch_id is not None:
        units = units.where(StaffMember.branch_id == peers.branch_id)
    return _league(UnitKind.STAFF, aggregates, units, StaffMember.id, StaffMember.active, minimum)
