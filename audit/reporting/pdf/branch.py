"""The branch report: the branch against target, region, company and its own past, its
sections, staff, recurring failures, critical fails and latest visits."""

from __future__ import annotations

from dataclasses import dataclass

from audit.reporting.charts import section_bar_values, section_bars, trend_chart, trend_values
from audit.reporting.critical import CriticalFails, critical_fails
from audit.reporting.filters import ReportFilter, UnitKind
from audit.reporting.league import League, LeagueEntry, branch_league, staff_league
from audit.reporting.pdf.common import VisitLine, period_label, recent_visits, scorecard_label
from audit.reporting.pdf.render import build_html, render_pdf
from audit.reporting.questions import (
    NpsResult,
    QuestionResult,
    RecurringFailure,
    most_failed_questions,
    nps,
    recurring_failures,
)
from audit.reporting.sections import SectionResult, section_results
from audit.reporting.summary import Summary, summary
from audit.reporting.trend import TrendPoint, monthly_trend


@dataclass(frozen=True)
class BranchReport:
    summary: Summary
    scorecard_label: str
    trend: tuple[TrendPoint, ...]
    sections: tuple[SectionResult, ...]
    company_sections: dict[tuple[str, str], SectionResult]
    region_position: LeagueEntry | None
    region_league_size: int
    staff: League
    most_failed: tuple[QuestionResult, ...]
    recurring: tuple[RecurringFailure, ...]
    critical: CriticalFails
    nps: NpsResult
    visits: tuple[VisitLine, ...]


def branch_report(flt: ReportFilter) -> BranchReport:
    """The figures of the branch report (a fixed number of queries).

    Raises LookupError for an unknown branch and OutOfScopeError outside the
    viewer's scope (from :func:`audit.reporting.summary`).
    """
    if flt.unit_kind is not UnitKind.BRANCH:
        raise ValueError("a branch report needs a filter with a branch")
    head = summary(flt)
    region = branch_league(flt.in_region(head.unit.region_id)) if head.unit.region_id else None
    return BranchReport(
        summary=head,
        scorecard_label=scorecard_label(flt),
        trend=tuple(monthly_trend(flt)),
        sections=tuple(section_results(flt)),
        company_sections={r.section.ident: r for r in section_results(flt.company())},
        region_position=region.entry(flt.branch_id) if region else None,  # type: ignore[arg-type]
        region_league_size=len(region.ranked) if region else 0,
        staff=staff_league(flt),
        most_failed=tuple(most_failed_questions(flt, 8)),
        recurring=tuple(recurring_failures(flt)[:12]),
        critical=critical_fails(flt, 10),
        nps=nps(flt),
        visits=tuple(recent_visits(flt, 15)),
    )


def branch_html(flt: ReportFilter) -> str:
    report = branch_report(flt)
    target = report.summary.scorecard.target if report.summary.scorecard else None
    return build_html(
        "branch.html",
        report=report,
        title="Branch report",
        subtitle=report.summary.unit.label,
        period=period_label(flt),
        trend_svg=trend_chart(trend_values(report.trend), target=target),
        sections_svg=section_bars(
            section_bar_values(report.sections, report.company_sections.values())
        ),
    )


def branch_pdf(flt: ReportFilter) -> bytes:
    return render_pdf(branch_html(flt))
