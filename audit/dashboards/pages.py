"""What each dashboard page shows, assembled from :mod:`audit.reporting` (no request here).

Each ``*_page`` function takes a :class:`~audit.reporting.ReportFilter`
already limited to the viewer's scope and returns a frozen dataclass the
template draws: figures with their n, intervals and verdicts, the SVG
charts of :mod:`audit.reporting.charts`, league rows, heatmap rows. Every
function runs a fixed number of queries whatever the number of branches,
staff or visits (tests/web/test_dashboards.py counts them), and is memoised
by :mod:`audit.reporting.cache` until the data behind it changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import case, func, select

from audit.coaching.recognition import TopPerformer, league_leaders
from audit.documents.branch import BranchActions, action_lines
from audit.extensions import db
from audit.languages import N_
from audit.models import (
    Branch,
    Region,
    Scorecard,
    ScorecardVersion,
    VersionStatus,
    VisitMonthStats,
)
from audit.org.timezones import today_in, zone_for
from audit.reporting import (
    AppealFigures,
    BenchmarkKind,
    CriticalFails,
    Figure,
    League,
    LeagueEntry,
    NpsResult,
    Overview,
    QuestionResult,
    RecurringFailure,
    ReportFilter,
    SectionRef,
    SectionResult,
    Significance,
    Summary,
    UnitKind,
    appeal_figures,
    branch_league,
    critical_fails,
    figure,
    monthly_trend,
    nps,
    overview,
    recurring_failures,
    section_results,
    staff_league,
    summary,
)
from audit.reporting.cache import cached
from audit.reporting.charts import (
    heatmap_cell_class,
    section_bar_values,
    section_bars,
    trend_chart_for_screens,
    trend_values,
)
from audit.reporting.customer_voice import SURVEY_CHANNEL
from audit.reporting.regions import region_figures
from audit.reporting.stats import shown_difference, significance
from audit.reporting.summary import BranchRef
from audit.reporting.visit_list import VisitRow, visit_rows
from audit.settings import get_main_scorecard, get_setting

RECENT_VISITS = 20
STAFF_VISITS = 50


# --------------------------------------------------------------------------- choices


@dataclass(frozen=True)
class Choices:
    """What the filter form offers: scorecards (slug -> title) and the regions in scope."""

    scorecards: dict[str, str]
    default_scorecard: str | None
    regions: dict[int, str]


def filter_choices(scope_region_ids: frozenset[int] | None) -> Choices:
    """Published scorecards (the main one is the default) and the regions in scope."""
    return cached("filter_choices", scope_region_ids, lambda: _filter_choices(scope_region_ids))


def _filter_choices(scope_region_ids: frozenset[int] | None) -> Choices:
    cards = scorecard_choices()
    query = select(Region.id, Region.name).order_by(Region.name)
    if scope_region_ids is not None:
        query = query.where(Region.id.in_(sorted(scope_region_ids)))
    regions = {row.id: row.name for row in db.session.execute(query)}
    return Choices(cards.titles, cards.main, regions)


@dataclass(frozen=True)
class ScorecardChoices:
    """The published scorecards (slug -> title, by title), the one an administrator chose
    as the main scorecard (None: none, or no longer published), and the automatic choice."""

    titles: dict[str, str]
    chosen: str | None
    automatic: str | None

    @property
    def main(self) -> str | None:
        """The scorecard reports open on."""
        return self.chosen or self.automatic


def scorecard_choices() -> ScorecardChoices:
    """The published scorecards and which of them is the main one (two queries).

    Unless an administrator chose it (the ``main_scorecard`` setting), the main
    scorecard is the in-person card with the most visits in the reports; failing that,
    the card with the most in any channel; with no such visits yet, the first
    in-person card by title. A customer survey card (channel ``survey``), filled in by
    customers and not by a shopper, is not chosen over a card shoppers visit, however
    many cards the customers send.

    The visits are counted from the reporting rollups (reportable visits, a few rows
    per branch and month), not by reading every visit: this runs on every report page.
    """
    t = VisitMonthStats
    shopped = (
        select(t.scorecard_id, func.sum(t.n).label("n"))
        .group_by(t.scorecard_id)
        .subquery("shopped")
    )
    published = (
        select(ScorecardVersion.scorecard_id)
        .where(ScorecardVersion.status != VersionStatus.DRAFT)
        .distinct()
        .subquery("published")
    )
    rows = db.session.execute(
        select(
            Scorecard.slug,
            Scorecard.title,
            Scorecard.channel,
            case(
                (Scorecard.channel == SURVEY_CHANNEL, 0), else_=func.coalesce(shopped.c.n, 0)
            ).label("shopped"),
        )
        .join(published, published.c.scorecard_id == Scorecard.id)
        .outerjoin(shopped, shopped.c.scorecard_id == Scorecard.id)
        .order_by(Scorecard.title, Scorecard.slug)
    ).all()
    titles = {row.slug: row.title for row in rows}

    def rank(row: Any) -> tuple[bool, int, bool]:
        in_person = row.channel == "in_person"
        return (not (in_person and row.shopped > 0), -row.shopped, not in_person)

    automatic = min(rows, key=rank).slug if rows else None  # min keeps the first by title
    chosen = get_main_scorecard()
    return ScorecardChoices(titles, chosen if chosen in titles else None, automatic)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class LeagueRow:
    entry: LeagueEntry
    region_name: str
    versus_company: Significance | None

    @property
    def verdict(self) -> str:
        return verdict_words(self.versus_company, "company")


def verdict_words(verdict: Significance | None, benchmark: str) -> str:
    """ "significantly above company"; "" without an interval to judge by.

    ``benchmark`` says what the unit is judged against: "company", "target" (a scorecard's
    or a section's: a :class:`BenchmarkKind` value ``section_target`` reads the same),
    "region", "previous" (period) or "branch" (a staff member's). Each verdict is a whole
    phrase, so that a translation puts the benchmark where its language does.
    """
    if verdict is None:
        return ""
    above, below, same = _VERDICTS[_VERDICT_ALIASES.get(benchmark, benchmark)]
    return gettext({Significance.ABOVE: above, Significance.BELOW: below}.get(verdict, same))


#: Benchmark names that read as another's verdicts.
_VERDICT_ALIASES = {"section_target": "target"}
#: Above, below, not different, against each benchmark (translated where shown).
_VERDICTS: dict[str, tuple[str, str, str]] = {
    "company": (
        N_("significantly above company"),
        N_("significantly below company"),
        N_("not significantly different from company"),
    ),
    "target": (
        N_("significantly above target"),
        N_("significantly below target"),
        N_("not significantly different from target"),
    ),
    "region": (
        N_("significantly above region"),
        N_("significantly below region"),
        N_("not significantly different from region"),
    ),
    "previous": (
        N_("significantly above previous period"),
        N_("significantly below previous period"),
        N_("not significantly different from previous period"),
    ),
    "branch": (
        N_("significantly above branch"),
        N_("significantly below branch"),
        N_("not significantly different from branch"),
    ),
}


def league_rows(
    league: League, company_mean: float | None, regions: dict[int, str]
) -> tuple[LeagueRow, ...]:
    return tuple(
        LeagueRow(e, regions.get(e.region_id, ""), significance(e.figure.interval, company_mean))
        for e in league.entries
    )


@dataclass(frozen=True)
class RegionRow:
    id: int
    name: str
    figure: Figure
    versus_company: Significance | None


@dataclass(frozen=True)
class HeatCell:
    figure: Figure | None
    css: str


@dataclass(frozen=True)
class HeatRow:
    branch: BranchRef
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class SectionRow:
    """A section of the unit with the same section's comparison figures."""

    result: SectionResult
    company: Figure | None
    branch: Figure | None  # on a staff page: their branch's
    versus_company: Significance | None
    css: str

    @property
    def section(self) -> SectionRef:
        return self.result.section


def section_rows(
    results: list[SectionResult],
    company: list[SectionResult],
    branch: list[SectionResult] | None = None,
) -> tuple[SectionRow, ...]:
    by_key = {r.section.ident: r.figure for r in company}
    branch_by_key = {r.section.ident: r.figure for r in branch or []}
    rows = []
    for result in results:
        other = by_key.get(result.section.ident)
        rows.append(
            SectionRow(
                result,
                other,
                branch_by_key.get(result.section.ident),
                significance(result.figure.interval, other.mean if other else None),
                heatmap_cell_class(result.figure.mean, result.section.target),
            )
        )
    return tuple(rows)


# --------------------------------------------------------------------------- pages


def _company_mean(report: Summary) -> float | None:
    if report.unit.kind is UnitKind.COMPANY:
        return report.figure.mean
    benchmark = report.benchmark(BenchmarkKind.COMPANY)
    return benchmark.value if benchmark else None


def league_with_company(flt: ReportFilter, *, staff: bool = False) -> tuple[League, float | None]:
    """The branch (or staff) league of the filter and the company mean, for CSV downloads."""

    def compute() -> tuple[League, float | None]:
        league = staff_league(flt) if staff else branch_league(flt)
        return league, company_mean_of(flt)

    return cached("staff_league" if staff else "branch_league", flt, compute)


def company_mean_of(flt: ReportFilter) -> float | None:
    """The company mean over the filter's period and scorecard (one query, no branch revealed)."""
    return figure(flt.company()).mean


def _target(report: Summary) -> float | None:
    return report.scorecard.target if report.scorecard else None


def _trend_chart(report: Summary, trend: list) -> Markup:
    title = gettext("Mean score by month: %(unit)s", unit=report.unit.label)
    return trend_chart_for_screens(trend_values(trend), _target(report), title=title)


def _sections_title(report: Summary) -> str:
    return gettext("Sections against target and company: %(unit)s", unit=report.unit.label)


@dataclass(frozen=True)
class OverviewPage:
    filter: ReportFilter
    overview: Overview
    company_mean: float | None
    league: tuple[LeagueRow, ...]
    regions: tuple[RegionRow, ...]  # for the company or a scope; empty on a region's page
    sections: tuple[SectionRow, ...]
    heatmap: tuple[HeatRow, ...]
    trend_chart: Markup
    section_chart: Markup
    appeals: AppealFigures

    @property
    def summary(self) -> Summary:
        return self.overview.summary


def overview_page(flt: ReportFilter, regions: dict[int, str]) -> OverviewPage:
    """The company (or scope, or region) dashboard, from the report cache when nothing changed."""
    return cached(
        "overview_page", (flt, tuple(sorted(regions.items()))), lambda: _overview_page(flt, regions)
    )


def _overview_page(flt: ReportFilter, regions: dict[int, str]) -> OverviewPage:
    data = overview(flt)
    report = data.summary
    company = (
        list(data.sections)
        if report.unit.kind is UnitKind.COMPANY
        else section_results(flt.company())
    )
    company_mean = _company_mean(report)
    region_rows: tuple[RegionRow, ...] = ()
    if report.unit.kind in (UnitKind.COMPANY, UnitKind.SCOPE):
        by_region = region_figures(flt)
        rows = []
        for region_id, name in regions.items():
            fig = by_region.get(region_id, Figure.empty())
            rows.append(RegionRow(region_id, name, fig, significance(fig.interval, company_mean)))
        region_rows = tuple(rows)
    heat = data.heatmap
    heat_rows = tuple(
        HeatRow(
            branch,
            tuple(
                HeatCell(
                    heat.cell(branch.id, section),
                    heatmap_cell_class(
                        cell.mean if (cell := heat.cell(branch.id, section)) else None,
                        section.target,
                    ),
                )
                for section in heat.sections
            ),
        )
        for branch in heat.branches
    )
    return OverviewPage(
        filter=flt,
        overview=data,
        company_mean=company_mean,
        league=league_rows(data.league, company_mean, regions),
        regions=region_rows,
        sections=section_rows(list(data.sections), company),
        heatmap=heat_rows,
        trend_chart=_trend_chart(report, list(data.trend)),
        section_chart=section_bars(
            section_bar_values(
                data.sections, () if report.unit.kind is UnitKind.COMPANY else company
            ),
            title=_sections_title(report),
        ),
        appeals=appeal_figures(flt),
    )


@dataclass(frozen=True)
class BranchPage:
    filter: ReportFilter
    summary: Summary
    nps: NpsResult
    position: LeagueEntry | None  # in its region's league
    region_league: League
    sections: tuple[SectionRow, ...]
    staff: tuple[LeagueRow, ...]
    staff_league: League
    recurring: tuple[RecurringFailure, ...]
    critical: CriticalFails
    visits: tuple[VisitRow, ...]
    trend_chart: Markup
    section_chart: Markup
    actions: BranchActions
    top_performers: tuple[TopPerformer, ...]  # the staff league's best, opt-outs left out
    appeals: AppealFigures


def branch_page(flt: ReportFilter) -> BranchPage:
    """One branch: benchmarks, rank in region, sections, staff, recurring failures, visits,
    corrective actions, top performers and appeals."""
    # Today is part of the key: an open action turns overdue at the branch's midnight, with
    # no data change.
    branch = db.session.get(Branch, flt.branch_id) if flt.branch_id is not None else None
    today = today_in(zone_for(branch))
    return cached("branch_page", (flt, today), lambda: _branch_page(flt))


def _branch_page(flt: ReportFilter) -> BranchPage:
    report = summary(flt)
    minimum = get_setting("min_visits_to_rank")
    region_id = report.unit.region_id if report.unit.region_id is not None else -1
    region_league = branch_league(flt.in_region(region_id), minimum)
    own = section_results(flt)
    company = section_results(flt.company())
    staff = staff_league(flt, minimum)
    company_mean = _company_mean(report)
    return BranchPage(
        filter=flt,
        summary=report,
        nps=nps(flt),
        position=region_league.entry(flt.branch_id) if flt.branch_id else None,
        region_league=region_league,
        sections=section_rows(own, company),
        staff=league_rows(staff, company_mean, {}),
        staff_league=staff,
        recurring=tuple(recurring_failures(flt)),
        critical=critical_fails(flt, 10),
        visits=tuple(visit_rows(flt, RECENT_VISITS)),
        trend_chart=_trend_chart(report, monthly_trend(flt)),
        section_chart=section_bars(section_bar_values(own, company), title=_sections_title(report)),
        actions=action_lines(flt.branch_id, flt.scorecard)
        if flt.branch_id
        else BranchActions((), (), 0),
        top_performers=tuple(league_leaders(staff)),
        appeals=appeal_figures(flt),
    )


@dataclass(frozen=True)
class Comparison:
    """A unit's mean against another unit's figure (a staff member against their branch)."""

    label: str
    figure: Figure
    difference: float | None
    significance: Significance | None

    @classmethod
    def of(cls, own: Figure, label: str, other: Figure) -> Comparison:
        difference = shown_difference(own.mean, other.mean)  # of the two figures as shown
        return cls(label, other, difference, significance(own.interval, other.mean))


@dataclass(frozen=True)
class StaffPage:
    filter: ReportFilter
    summary: Summary
    branch: Comparison  # the branch average, with the staff member's difference to it
    branch_id: int
    branch_code: str
    branch_name: str
    position: LeagueEntry | None  # in their branch's staff league
    staff_league: League
    sections: tuple[SectionRow, ...]
    visits: tuple[VisitRow, ...]
    trend_chart: Markup
    section_chart: Markup


def staff_page(flt: ReportFilter, branch_id: int, branch_code: str, branch_name: str) -> StaffPage:
    """One staff member: their visits, sections against branch and company, trend, rank."""
    return cached(
        "staff_page",
        (flt, branch_id, branch_code, branch_name),
        lambda: _staff_page(flt, branch_id, branch_code, branch_name),
    )


def _staff_page(flt: ReportFilter, branch_id: int, branch_code: str, branch_name: str) -> StaffPage:
    report = summary(flt)
    branch_flt = replace(flt, staff_id=None, branch_id=branch_id)
    branch_figure = figure(branch_flt)
    own = section_results(flt)
    branch_sections = section_results(branch_flt)
    company = section_results(flt.company())
    league = staff_league(branch_flt)
    bars = section_bar_values(own, company)
    return StaffPage(
        filter=flt,
        summary=report,
        branch=Comparison.of(
            report.figure, gettext("%(name)s average", name=branch_name), branch_figure
        ),
        branch_id=branch_id,
        branch_code=branch_code,
        branch_name=branch_name,
        position=league.entry(flt.staff_id) if flt.staff_id else None,
        staff_league=league,
        sections=section_rows(own, company, branch_sections),
        visits=tuple(visit_rows(flt, STAFF_VISITS)),
        trend_chart=_trend_chart(report, monthly_trend(flt)),
        section_chart=section_bars(bars, title=_sections_title(report)),
    )


__all__ = [
    "BranchPage",
    "Choices",
    "Comparison",
    "HeatCell",
    "HeatRow",
    "LeagueRow",
    "OverviewPage",
    "RegionRow",
    "QuestionResult",
    "SectionRow",
    "StaffPage",
    "branch_page",
    "company_mean_of",
    "league_with_company",
    "filter_choices",
    "league_rows",
    "scorecard_choices",
    "overview_page",
    "section_rows",
    "staff_page",
    "verdict_words",
]
