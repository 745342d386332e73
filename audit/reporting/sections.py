"""Section figures: per section of a scorecard, and section × branch (the heatmap).

Sections are matched across versions of a scorecard by key; the title,
position and target shown are the newest version's. Whether one visit's
section met its target is judged against the target of that visit's own
version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, func, select, union_all

from audit.extensions import db
from audit.models import Branch, Visit, VisitSectionScore
from audit.reporting.filters import ReportFilter
from audit.reporting.rollups import rollup_parts
from audit.reporting.rollups import section_aggregates as rollup_section_aggregates
from audit.reporting.sql import (
    from_section_scores,
    latest_sections,
    section_figure_columns,
    visit_conditions,
    with_latest,
)
from audit.reporting.stats import Figure
from audit.reporting.summary import Benchmark, BenchmarkKind, BranchRef, compare


@dataclass(frozen=True)
class SectionRef:
    scorecard: str  # slug
    key: str
    title: str
    position: int
    target: float | None  # the newest version's section target

    @property
    def ident(self) -> tuple[str, str]:
        return (self.scorecard, self.key)


@dataclass(frozen=True)
class SectionResult:
    """A section's figure: mean section percent with its interval, and how many met the target.

    ``figure.passed`` of ``figure.judged`` visits met their version's section
    target (``judged`` leaves out visits whose version set none);
    ``figure.critical_fails`` counts visits with a critical fail in the section.
    """

    section: SectionRef
    figure: Figure
    target: Benchmark | None  # the mean against the section target


def _section_aggregates(flt: ReportFilter, *, by_branch: bool = False) -> Select:
    """Section sums per (scorecard, section key), and per branch with ``by_branch``: from
    the rollups (the whole months and the days of the period,
    :func:`~audit.reporting.rollups.rollup_parts`) or the visits."""
    parts = rollup_parts(flt)
    if parts is None:
        return _direct_sections(flt, by_branch)
    queries = [
        rollup_section_aggregates(
            period, *_branch(grain.sections.branch_id, by_branch), grain=grain
        )
        for grain, period in parts
    ]
    if len(queries) == 1:
        return queries[0]
    both = union_all(*queries).subquery("months_and_days")
    c = both.c
    group = (*((c.branch_id,) if by_branch else ()), c.scorecard_id, c.section_key)
    sums = (c.n, c.total, c.total_sq, c.passed, c.judged, c.critical)
    return (
        select(*group, *(func.sum(column).label(column.name) for column in sums))
        .group_by(*group)
        .having(func.sum(c.n) > 0)
    )


def _branch(column: Any, by_branch: bool) -> tuple[Any, ...]:
    return (column.label("branch_id"),) if by_branch else ()


def _direct_sections(flt: ReportFilter, by_branch: bool) -> Select:
    key = VisitSectionScore.section_key
    group = (*_branch(Visit.branch_id, by_branch), Visit.scorecard_id, key)
    return (
        from_section_scores(select(*group, *section_figure_columns()))
        .where(*visit_conditions(flt))
        .group_by(*group)
        # A section with no percent (no scored answers) has nothing to show.
        .having(func.count(VisitSectionScore.percent) > 0)
    )


def _figure(row: Any) -> Figure:
    return Figure.from_sums(
        row.n, row.total, row.total_sq, row.passed, row.critical, judged=row.judged
    )


def _ref(row: Any) -> SectionRef:
    return SectionRef(row.slug, row.section_key, row.title, row.position, row.target)


def _with_titles(flt: ReportFilter, aggregates: Select, *extra: Any) -> Select:
    agg = aggregates.subquery("section_figures")
    latest = latest_sections(flt)
    shown = (latest.c.title, latest.c.position, latest.c.target, latest.c.version_number)
    return with_latest(agg, latest, "section_key", *shown, *extra)


def _section_order(query: Select) -> Select:
    c = query.selected_columns
    return query.order_by(c.slug, c.version_number.desc(), c.position, c.section_key)


def section_results(flt: ReportFilter) -> list[SectionResult]:
    """Every section with visits in the filter, in the newest version's order (one query)."""
    rows = db.session.execute(_section_order(_with_titles(flt, _section_aggregates(flt)))).all()
    results = []
    for row in rows:
        ref, fig = _ref(row), _figure(row)
        target = None
        if ref.target is not None:
            label = gettext("Section target")
            target = compare(fig, BenchmarkKind.SECTION_TARGET, label, ref.target)
        results.append(SectionResult(ref, fig, target))
    return results


# --- heatmap ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Heatmap:
    """Mean section percent per branch (rows) and section (columns)."""

    branches: tuple[BranchRef, ...]
    sections: tuple[SectionRef, ...]
    cells: dict[tuple[int, str, str], Figure] = field(default_factory=dict)

    def cell(self, branch_id: int, section: SectionRef) -> Figure | None:
        return self.cells.get((branch_id, section.scorecard, section.key))


def section_heatmap(flt: ReportFilter) -> Heatmap:
    """Section × branch figures in one GROUP BY; only branches in the filter and scope."""
    query = _with_titles(
        flt,
        _section_aggregates(flt, by_branch=True),
        Branch.code.label("branch_code"),
        Branch.name.label("branch_name"),
        Branch.region_id.label("branch_region_id"),
    )
    agg = query.selected_columns
    query = query.join(Branch, Branch.id == agg.branch_id).order_by(
        Branch.name, Branch.code, agg.slug, agg.version_number.desc(), agg.position
    )
    branches: dict[int, BranchRef] = {}
    sections: dict[tuple[str, str], tuple[tuple[Any, ...], SectionRef]] = {}
    cells: dict[tuple[int, str, str], Figure] = {}
    for row in db.session.execute(query):
        if row.branch_id not in branches:
            branches[row.branch_id] = BranchRef(
                row.branch_id, row.branch_code, row.branch_name, row.branch_region_id
            )
        ref = _ref(row)
        sections.setdefault(ref.ident, ((row.slug, -row.version_number, row.position), ref))
        cells[(row.branch_id, ref.scorecard, ref.key)] = _figure(row)
    ordered = [ref for _, ref in sorted(sections.values(), key=lambda item: item[0])]
    return Heatmap(tuple(branches.values()), tuple(ordered), cells)
