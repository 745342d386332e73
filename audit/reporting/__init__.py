"""Reporting: figures, benchmarks and rankings of visits, aggregated in SQL.

Nothing here knows about requests. Every function takes a
:class:`ReportFilter` (period, scorecard, region, branch, staff member and
the viewer's scope) and counts only reportable visits: approved or
published, not excluded, with a percent. Each function runs a fixed number
of queries whatever the number of branches or visits.

Company, region and branch figures are summed from rollup tables
(:mod:`audit.reporting.rollups`: per branch, scorecard and month, and per day
for the ends of a period of days, kept exact by a session hook on every change
to a visit) instead of every visit and answer; staff figures read the visits
directly. Both paths give the same figures (tests/reporting/test_rollups.py).

Typical use in a view::

    flt = ReportFilter.for_viewer(current_user, scorecard="branch-visit",
                                  date_from=start, date_to=end, branch_id=branch.id)
    report = summary(flt)            # figure + target/company/region/previous benchmarks
    league = branch_league(flt.in_region(report.unit.region_id))
    position = league.entry(branch.id)
"""

from audit.reporting.appeals import AppealFigures, appeal_figures
from audit.reporting.critical import (
    CriticalFails,
    CriticalFailVisit,
    FailedQuestion,
    critical_fails,
)
from audit.reporting.filters import ReportFilter, UnitKind
from audit.reporting.league import League, LeagueEntry, branch_league, staff_league
from audit.reporting.overview import Overview, overview
from audit.reporting.questions import (
    NpsResult,
    QuestionRef,
    QuestionResult,
    RecurringFailure,
    most_failed_questions,
    nps,
    question_results,
    recurring_failures,
)
from audit.reporting.sections import (
    Heatmap,
    SectionRef,
    SectionResult,
    section_heatmap,
    section_results,
)
from audit.reporting.stats import Figure, Interval, Significance
from audit.reporting.summary import (
    Benchmark,
    BenchmarkKind,
    BranchRef,
    OutOfScopeError,
    ScorecardRef,
    Summary,
    Unit,
    figure,
    figures,
    resolve_unit,
    summary,
)
from audit.reporting.trend import TrendPoint, monthly_trend

__all__ = [
    "AppealFigures",
    "Benchmark",
    "BenchmarkKind",
    "BranchRef",
    "CriticalFailVisit",
    "CriticalFails",
    "FailedQuestion",
    "Figure",
    "Heatmap",
    "Interval",
    "League",
    "LeagueEntry",
    "NpsResult",
    "OutOfScopeError",
    "Overview",
    "QuestionRef",
    "QuestionResult",
    "RecurringFailure",
    "ReportFilter",
    "ScorecardRef",
    "SectionRef",
    "SectionResult",
    "Significance",
    "Summary",
    "TrendPoint",
    "Unit",
    "UnitKind",
    "appeal_figures",
    "branch_league",
    "critical_fails",
    "figure",
    "figures",
    "monthly_trend",
    "most_failed_questions",
    "nps",
    "overview",
    "question_results",
    "recurring_failures",
    "resolve_unit",
    "section_heatmap",
    "section_results",
    "staff_league",
    "summary",
]
