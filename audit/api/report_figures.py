"""The dashboards' pages as API bodies: each figure of :mod:`audit.dashboards.pages` moved
into its schema as it is, nothing computed again (DESIGN.md: one implementation of the
statistics), except that a mean's interval is cut to 0–100 by
:func:`audit.reporting.stats.percent_scale` exactly as the pages, PDFs and CSVs show it."""

from __future__ import annotations

from audit.api.report_schemas import (
    AppealsOut,
    BenchmarkOut,
    ComparisonOut,
    FigureOut,
    FilterOut,
    Interval,
    LeagueOut,
    LeagueRowOut,
    NpsOut,
    PositionOut,
    QuestionOut,
    RecurringFailureOut,
    RegionFigureOut,
    ReportFigures,
    ScorecardOut,
    SectionOut,
    UnitOut,
)
from audit.dashboards.pages import BranchPage, LeagueRow, OverviewPage, SectionRow, StaffPage
from audit.reporting import (
    AppealFigures,
    Benchmark,
    BenchmarkKind,
    Figure,
    League,
    LeagueEntry,
    NpsResult,
    QuestionResult,
    RecurringFailure,
    ReportFilter,
    Significance,
    Summary,
)
from audit.reporting import Interval as Span
from audit.reporting.periods import DashboardFilter
from audit.reporting.stats import percent_scale


def interval_out(interval: Span | None) -> Interval | None:
    return None if interval is None else Interval(low=interval.low, high=interval.high)


def verdict(significance: Significance | None) -> str | None:
    return None if significance is None else significance.value


def figure_out(fig: Figure) -> FigureOut:
    return FigureOut(
        n=fig.n,
        mean=fig.mean,
        sd=fig.sd,
        ci95=interval_out(percent_scale(fig.interval)),
        passed=fig.passed,
        judged=fig.judged,
        pass_rate=fig.pass_rate,
        pass_ci95=interval_out(fig.pass_interval),
        critical_fails=fig.critical_fails,
    )


def filter_out(chosen: DashboardFilter, flt: ReportFilter) -> FilterOut:
    return FilterOut(
        period=chosen.period,
        date_from=flt.date_from,
        date_to=flt.date_to,
        period_label=flt.period_label,
        scorecard=flt.scorecard,
        region_id=flt.region_id,
        branch_id=flt.branch_id,
        staff_id=flt.staff_id,
    )


def benchmark_out(benchmark: Benchmark) -> BenchmarkOut:
    own = benchmark.figure
    return BenchmarkOut(
        kind=benchmark.kind.value,
        label=benchmark.label,
        value=benchmark.value,
        n=benchmark.n,
        ci95=interval_out(percent_scale(own.interval)) if own else None,
        difference=benchmark.difference,
        significance=verdict(benchmark.significance),
    )


def section_out(row: SectionRow) -> SectionOut:
    result, section = row.result, row.section
    return SectionOut(
        scorecard=section.scorecard,
        key=section.key,
        title=section.title,
        position=section.position,
        target=section.target,
        figure=figure_out(result.figure),
        versus_target=verdict(result.target.significance) if result.target else None,
        company=figure_out(row.company) if row.company else None,
        branch=figure_out(row.branch) if row.branch else None,
        versus_company=verdict(row.versus_company),
    )


def question_out(result: QuestionResult) -> QuestionOut:
    question = result.question
    return QuestionOut(
        scorecard=question.scorecard,
        key=question.key,
        text=question.text,
        section_key=question.section_key,
        section_title=question.section_title,
        n=result.n,
        passed=result.passed,
        failed=result.failed,
        pass_rate=result.pass_rate,
        pass_ci95=interval_out(result.interval),
    )


def recurring_out(failure: RecurringFailure) -> RecurringFailureOut:
    return RecurringFailureOut(
        scorecard=failure.question.scorecard,
        key=failure.question.key,
        text=failure.question.text,
        section_title=failure.question.section_title,
        n=failure.n,
        failed=failure.failed,
        last_failed_at=failure.last_failed_at,
    )


def nps_out(result: NpsResult) -> NpsOut:
    return NpsOut(
        n=result.n,
        promoters=result.promoters,
        passives=result.passives,
        detractors=result.detractors,
        score=result.score,
    )


def appeals_out(figures: AppealFigures) -> AppealsOut:
    return AppealsOut(
        visits=figures.visits,
        published=figures.published,
        appealed=figures.appealed,
        amended=figures.amended,
        open=figures.open,
    )


def position_out(entry: LeagueEntry | None, league: League, within: str) -> PositionOut | None:
    if entry is None:
        return None
    return PositionOut(
        league=within, rank=entry.rank, ranked=len(league.ranked), reason=entry.reason
    )


def _company_benchmark(report: Summary) -> float | None:
    """The company average a branch's or staff member's page compares with."""
    company = report.benchmark(BenchmarkKind.COMPANY)
    return company.value if company else None


def _headline(chosen: DashboardFilter, report: Summary, company_mean: float | None) -> dict:
    """What every page shows first: the unit, its figure and its benchmarks."""
    unit, card = report.unit, report.scorecard
    return {
        "filter": filter_out(chosen, report.filter),
        "unit": UnitOut(
            kind=unit.kind.value,
            id=unit.id,
            name=unit.name,
            code=unit.code,
            label=unit.label,
            region_id=unit.region_id,
            region_name=unit.region_name,
        ),
        "scorecard": ScorecardOut(
            slug=card.slug,
            title=card.title,
            target=card.target,
            excellence=card.excellence,
            version=card.version_number,
        )
        if card
        else None,
        "figure": figure_out(report.figure),
        "benchmarks": [benchmark_out(b) for b in report.benchmarks],
        "company_mean": company_mean,
    }


def overview_figures(chosen: DashboardFilter, page: OverviewPage) -> ReportFigures:
    """The overview of every region in scope, or of one region."""
    data = page.overview
    return ReportFigures(
        **_headline(chosen, page.summary, page.company_mean),
        nps=nps_out(data.nps),
        sections=[section_out(row) for row in page.sections],
        regions=[
            RegionFigureOut(
                id=row.id,
                name=row.name,
                figure=figure_out(row.figure),
                versus_company=verdict(row.versus_company),
            )
            for row in page.regions
        ],
        most_failed=[question_out(q) for q in data.most_failed],
        recurring_failures=[],
        position=None,
        branch=None,
        appeals=appeals_out(page.appeals),
    )


def branch_figures(chosen: DashboardFilter, page: BranchPage) -> ReportFigures:
    """One branch's page: its rank in its region, sections, recurring failures, appeals."""
    return ReportFigures(
        **_headline(chosen, page.summary, _company_benchmark(page.summary)),
        nps=nps_out(page.nps),
        sections=[section_out(row) for row in page.sections],
        regions=[],
        most_failed=[],
        recurring_failures=[recurring_out(r) for r in page.recurring],
        position=position_out(page.position, page.region_league, "region"),
        branch=None,
        appeals=appeals_out(page.appeals),
    )


def staff_figures(chosen: DashboardFilter, page: StaffPage) -> ReportFigures:
    """One staff member's page: against their branch, sections, rank in the branch."""
    mine = page.branch
    return ReportFigures(
        **_headline(chosen, page.summary, _company_benchmark(page.summary)),
        nps=None,
        sections=[section_out(row) for row in page.sections],
        regions=[],
        most_failed=[],
        recurring_failures=[],
        position=position_out(page.position, page.staff_league, "branch"),
        branch=ComparisonOut(
            label=mine.label,
            figure=figure_out(mine.figure),
            difference=mine.difference,
            significance=verdict(mine.significance),
        ),
        appeals=None,
    )


def league_out(
    kind: str,
    chosen: DashboardFilter,
    flt: ReportFilter,
    league: League,
    company_mean: float | None,
    rows: tuple[LeagueRow, ...],
) -> LeagueOut:
    return LeagueOut(
        kind=kind,
        filter=filter_out(chosen, flt),
        min_visits=league.min_visits,
        company_mean=company_mean,
        items=[
            LeagueRowOut(
                rank=row.entry.rank,
                id=row.entry.id,
                code=row.entry.code,
                name=row.entry.name,
                branch_id=row.entry.branch_id,
                region_id=row.entry.region_id,
                region=row.region_name,
                figure=figure_out(row.entry.figure),
                versus_company=verdict(row.versus_company),
                reason=row.entry.reason,
            )
            for row in rows
        ],
    )
