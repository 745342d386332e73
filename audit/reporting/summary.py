"""A unit's headline figure and its benchmarks (DESIGN.md "Benchmarks and comparisons").

The unit's figure, the company average, the region average and the
previous period are four aggregates of the same shape over four filters;
they come back from one UNION ALL statement.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import literal_column, select, union_all

from audit.extensions import db
from audit.models import (
    Branch,
    Region,
    Scorecard,
    ScorecardVersion,
    StaffMember,
    VersionStatus,
)
from audit.reporting.filters import ReportFilter, UnitKind
from audit.reporting.rollups import (
    rollup_conditions,
    rollup_parts,
    summed_figures,
    visit_figure_columns,
)
from audit.reporting.sql import figure_columns, from_visits, visit_conditions
from audit.reporting.stats import Figure, Significance, shown_difference, significance


class OutOfScopeError(LookupError):
    """The filter names a region, branch or staff member outside the viewer's scope."""


@dataclass(frozen=True)
class Unit:
    """What a report is about; ``region_id`` is the region a branch or staff member is in."""

    kind: UnitKind
    id: int | None = None
    name: str = ""
    code: str | None = None
    region_id: int | None = None
    region_name: str | None = None

    @property
    def label(self) -> str:
        """ "All branches", "All your regions" (in the reader's language), "Leeds (LDS01)"."""
        if self.kind is UnitKind.COMPANY:
            return gettext("All branches")
        if self.kind is UnitKind.SCOPE:
            return gettext("All your regions")
        return f"{self.name} ({self.code})" if self.code else self.name


class CodeLabelled:
    """A branch or staff member, labelled by name and code: "Harbour Lane (LDS01)"."""

    name: str
    code: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class BranchRef(CodeLabelled):
    id: int
    code: str
    name: str
    region_id: int


@dataclass(frozen=True)
class ScorecardRef:
    """A scorecard with the target and excellence of its newest published (or retired) version."""

    slug: str
    title: str
    target: float
    excellence: float | None
    version_number: int


class BenchmarkKind(enum.StrEnum):
    TARGET = "target"
    SECTION_TARGET = "section_target"
    COMPANY = "company"
    REGION = "region"
    PREVIOUS = "previous"


@dataclass(frozen=True)
class Benchmark:
    """A value the unit's mean is compared with.

    ``n`` is the number of visits the value rests on (None for a target);
    ``difference`` is the unit's mean minus ``value``, both as shown (one
    decimal); ``significance`` says whether the unit's 95% interval lies
    wholly above or below ``value``
    (None without an interval or a value).
    """

    kind: BenchmarkKind
    label: str
    value: float | None
    n: int | None
    difference: float | None
    significance: Significance | None
    figure: Figure | None = None  # the benchmark's own figure (not for targets)


def compare(
    figure: Figure,
    kind: BenchmarkKind,
    label: str,
    value: float | None,
    *,
    n: int | None = None,
    benchmark_figure: Figure | None = None,
) -> Benchmark:
    difference = shown_difference(figure.mean, value)  # of the two figures as shown
    return Benchmark(
        kind=kind,
        label=label,
        value=value,
        n=n,
        difference=difference,
        significance=significance(figure.interval, value),
        figure=benchmark_figure,
    )


@dataclass(frozen=True)
class Summary:
    filter: ReportFilter
    unit: Unit
    scorecard: ScorecardRef | None
    figure: Figure
    benchmarks: tuple[Benchmark, ...]

    def benchmark(self, kind: BenchmarkKind) -> Benchmark | None:
        return next((b for b in self.benchmarks if b.kind is kind), None)


# --- look-ups ------------------------------------------------------------------------


def _in_scope(flt: ReportFilter, region_id: int | None) -> bool:
    return flt.scope_region_ids is None or region_id in flt.scope_region_ids


def resolve_unit(flt: ReportFilter) -> Unit:
    """The filter's unit with its names (one query at most).

    Raises LookupError when it does not exist and OutOfScopeError when it is
    outside the viewer's scope.
    """
    kind = flt.unit_kind
    if kind in (UnitKind.COMPANY, UnitKind.SCOPE):
        return Unit(kind)
    if kind is UnitKind.REGION:
        row = db.session.execute(
            select(Region.id, Region.name).where(Region.id == flt.region_id)
        ).one_or_none()
        if row is None:
            raise LookupError(f"no region {flt.region_id}")
        unit = Unit(kind, row.id, row.name, region_id=row.id, region_name=row.name)
    else:
        columns = (Branch.region_id, Region.name.label("region_name"))
        if kind is UnitKind.STAFF:
            query = (
                select(StaffMember.id, StaffMember.name, StaffMember.code, *columns)
                .join(Branch, Branch.id == StaffMember.branch_id)
                .where(StaffMember.id == flt.staff_id)
            )
        else:
            query = select(Branch.id, Branch.name, Branch.code, *columns).where(
                Branch.id == flt.branch_id
            )
        row = db.session.execute(query.join(Region, Region.id == Branch.region_id)).one_or_none()
        if row is None:
            raise LookupError(f"no {kind.value} {flt.staff_id or flt.branch_id}")
        unit = Unit(kind, row.id, row.name, row.code, row.region_id, row.region_name)
    if not _in_scope(flt, unit.region_id):
        raise OutOfScopeError(f"{kind.value} {unit.id} is outside the viewer's regions")
    return unit


def scorecard_ref(slug: str) -> ScorecardRef | None:
    """The scorecard ``slug`` with its newest non-draft version's target (one query)."""
    row = db.session.execute(
        select(
            Scorecard.slug,
            Scorecard.title,
            ScorecardVersion.target,
            ScorecardVersion.excellence,
            ScorecardVersion.number,
        )
        .join(ScorecardVersion, ScorecardVersion.scorecard_id == Scorecard.id)
        .where(Scorecard.slug == slug, ScorecardVersion.status != VersionStatus.DRAFT)
        .order_by(ScorecardVersion.number.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return ScorecardRef(row.slug, row.title, row.target, row.excellence, row.number)


# --- figures -------------------------------------------------------------------------


def figures(filters: list[ReportFilter]) -> list[Figure]:
    """The figure of each filter, all in one statement."""
    if not filters:
        return []
    parts = []
    for i, f in enumerate(filters):
        part = literal_column(str(i)).label("part")
        rollups = rollup_parts(f)
        if rollups is None:
            parts.append(from_visits(select(part, *figure_columns())).where(*visit_conditions(f)))
            continue
        for grain, period in rollups:
            t = grain.visits
            parts.append(
                select(part, *visit_figure_columns(t)).where(*rollup_conditions(t, period))
            )
    by_part = summed_figures(db.session.execute(union_all(*parts)), "part")
    return [by_part.get(i, Figure.empty()) for i in range(len(filters))]


def figure(flt: ReportFilter) -> Figure:
    """Number of visits, mean with its 95% interval, pass rate with Wilson, critical fails."""
    return figures([flt])[0]


def summary(flt: ReportFilter) -> Summary:
    """The unit's figure with the benchmarks of DESIGN.md, each with its n and significance.

    Benchmarks: the scorecard target (when the filter names a scorecard),
    the company average (unless the unit is the company; it ignores the
    viewer's scope: one number reveals no branch), the region average (for
    a branch or staff member, their branch's region) and the previous
    period (when the filter has both dates). At most three queries.
    """
    unit = resolve_unit(flt)
    card = scorecard_ref(flt.scorecard) if flt.scorecard else None

    wanted: list[tuple[BenchmarkKind, str, ReportFilter]] = []
    if unit.kind is not UnitKind.COMPANY:
        wanted.append((BenchmarkKind.COMPANY, gettext("Company average"), flt.company()))
    if unit.kind in (UnitKind.BRANCH, UnitKind.STAFF) and unit.region_id is not None:
        wanted.append(
            (
                BenchmarkKind.REGION,
                gettext("%(name)s average", name=unit.region_name),
                flt.in_region(unit.region_id),
            )
        )
    previous = flt.previous_period()
    if previous is not None:
        label = gettext("Previous period (%(period)s)", period=previous.period_label)
        wanted.append((BenchmarkKind.PREVIOUS, label, previous))

    current, *others = figures([flt, *(f for _, _, f in wanted)])
    benchmarks = []
    if card is not None:
        target = gettext("Scorecard target")
        benchmarks.append(compare(current, BenchmarkKind.TARGET, target, card.target))
    for (kind, label, _), other in zip(wanted, others, strict=True):
        benchmarks.append(
            compare(current, kind, label, other.mean, n=other.n, benchmark_figure=other)
        )
    return Summary(flt, unit, card, current, tuple(benchmarks))
