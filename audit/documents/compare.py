"""The comparison report: every branch of a region, of the viewer's regions or of the
company, ranked (league table) and section by section (heatmap).

Only branches inside the filter's region and the viewer's scope appear: the
league and the heatmap both apply the filter's scope in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext, ngettext

from audit.documents.common import region_names, scorecard_label, unit_report_html
from audit.documents.render import Progress, no_progress, render_pdf
from audit.reporting.charts import heatmap_cell_class
from audit.reporting.filters import ReportFilter, UnitKind
from audit.reporting.league import League, branch_league
from audit.reporting.sections import Heatmap, SectionResult, section_heatmap
from audit.reporting.stats import Figure, Significance, significance
from audit.reporting.summary import BenchmarkKind, Summary, compare, summary
from audit.reporting.trend import TrendPoint, monthly_trend

#: More sections than this and the heatmap goes on landscape pages.
PORTRAIT_SECTIONS = 7


@dataclass(frozen=True)
class CompareReport:
    summary: Summary
    scorecard_label: str
    league: League
    company_mean: float | None
    versus_company: dict[int, Significance | None]  # branch id -> interval vs company mean
    heatmap: Heatmap
    sections: tuple[SectionResult, ...]
    trend: tuple[TrendPoint, ...]
    regions: dict[int, str]

    @property
    def landscape(self) -> bool:
        return len(self.heatmap.sections) > PORTRAIT_SECTIONS

    def cell_class(self, branch_id: int, section_index: int) -> str:
        section = self.heatmap.sections[section_index]
        fig = self.heatmap.cell(branch_id, section)
        return heatmap_cell_class(fig.mean if fig else None, section.target)


def sections_from_heatmap(heatmap: Heatmap) -> tuple[SectionResult, ...]:
    """Each section's figure over all the heatmap's branches, added up from its cells.

    The same numbers :func:`~audit.reporting.section_results` gives for the
    filter (n, Σx and Σx² add up across branches; Σx² is recovered from each
    cell's n, mean and sample sd), without a second scan of every section score.
    """
    results = []
    for section in heatmap.sections:
        n = passed = judged = critical = 0
        total = total_sq = 0.0
        for branch in heatmap.branches:
            cell = heatmap.cell(branch.id, section)
            if cell is None or cell.n == 0 or cell.mean is None:
                continue
            n += cell.n
            total += cell.mean * cell.n
            total_sq += cell.n * cell.mean**2 + (cell.n - 1) * (cell.sd or 0.0) ** 2
            passed += cell.passed
            judged += cell.judged
            critical += cell.critical_fails
        figure = Figure.from_sums(n, total, total_sq, passed, critical, judged=judged)
        target = None
        if section.target is not None:
            target = compare(
                figure, BenchmarkKind.SECTION_TARGET, gettext("Section target"), section.target
            )
        results.append(SectionResult(section, figure, target))
    return tuple(results)


def compare_report(flt: ReportFilter, progress: Progress = no_progress) -> CompareReport:
    """League, heatmap, sections and trend over the filter's branches (a fixed number of
    queries, whatever the number of branches)."""
    if flt.unit_kind in (UnitKind.BRANCH, UnitKind.STAFF):
        raise ValueError("a comparison is over a region, the viewer's regions or the company")
    progress(0, 4, gettext("Ranking the branches"))
    head = summary(flt)
    league = branch_league(flt)
    company_mean = (
        head.figure.mean
        if flt.unit_kind is UnitKind.COMPANY
        else next((b.value for b in head.benchmarks if b.kind is BenchmarkKind.COMPANY), None)
    )
    progress(1, 4, gettext("Comparing sections"))
    heatmap = section_heatmap(flt)
    sections = sections_from_heatmap(heatmap)
    progress(2, 4, gettext("Monthly trend"))
    trend = tuple(monthly_trend(flt))
    return CompareReport(
        summary=head,
        scorecard_label=scorecard_label(flt),
        league=league,
        company_mean=company_mean,
        versus_company={
            e.id: significance(e.figure.interval, company_mean) for e in league.entries
        },
        heatmap=heatmap,
        sections=sections,
        trend=trend,
        regions=region_names(),
    )


def compare_html(flt: ReportFilter, progress: Progress = no_progress) -> str:
    report = compare_report(flt, progress)
    branches = len(report.league.entries)
    progress(
        3,
        4,
        ngettext(
            "Writing the report for %(num)d branch",
            "Writing the report for %(num)d branches",
            branches,
        ),
    )
    return unit_report_html("compare.html", report, flt, gettext("Branch comparison"))


def compare_pdf(flt: ReportFilter, progress: Progress = no_progress) -> bytes:
    """The comparison report; ``progress`` hears (done, total, message) along the way."""
    html = compare_html(flt, lambda done, total, message: progress(done, 6, message))
    return render_pdf(html, progress=lambda done, total, message: progress(4 + done, 6, message))
