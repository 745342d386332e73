"""A dashboard's worth of figures for one filter, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from audit.reporting.critical import CriticalFails, critical_fails
from audit.reporting.filters import ReportFilter
from audit.reporting.league import League, branch_league
from audit.reporting.questions import NpsResult, QuestionResult, most_failed_questions, nps
from audit.reporting.sections import Heatmap, SectionResult, section_heatmap, section_results
from audit.reporting.summary import Summary, summary
from audit.reporting.trend import TrendPoint, monthly_trend
from audit.settings import get_setting


@dataclass(frozen=True)
class Overview:
    summary: Summary
    sections: tuple[SectionResult, ...]
    most_failed: tuple[QuestionResult, ...]
    nps: NpsResult
    league: League  # the branches of the filter's region or scope
    heatmap: Heatmap
    trend: tuple[TrendPoint, ...]
    critical: CriticalFails


def overview(
    flt: ReportFilter,
    *,
    most_failed: int = 10,
    critical: int = 20,
    min_visits: int | None = None,
) -> Overview:
    """Summary with benchmarks, sections, most-failed questions, NPS, league, heatmap,
    trend and critical fails. The number of queries does not depend on the data."""
    minimum = get_setting("min_visits_to_rank") if min_visits is None else min_visits
    return Overview(
        summary=summary(flt),
        sections=tuple(section_results(flt)),
        most_failed=tuple(most_failed_questions(flt, most_failed)),
        nps=nps(flt),
        league=branch_league(flt, minimum),
        heatmap=section_heatmap(flt),
        trend=tuple(monthly_trend(flt)),
        critical=critical_fails(flt, critical),
    )
