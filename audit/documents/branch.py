"""The branch report: the branch against target, region, company and its own past, its
sections, staff, recurring failures, critical fails, corrective actions, appeals and latest
visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext

from audit.actions.service import branch_actions, is_overdue, owner_name
from audit.documents.common import VisitLine, recent_visits, scorecard_label, unit_report_html
from audit.documents.render import render_pdf
from audit.models import Action
from audit.reporting.appeals import AppealFigures, appeal_figures
from audit.reporting.cache import cached
from audit.reporting.charts import section_bar_values, section_bars
from audit.reporting.critical import CriticalFails, critical_fails
from audit.reporting.customer_voice import VoiceFigures, voice_figures
from audit.reporting.filters import ReportFilter, UnitKind
from audit.reporting.league import League, LeagueEntry, branch_league, staff_league
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

#: Closed actions listed on the branch page and PDF (the latest ones); open ones are all listed.
CLOSED_ACTIONS_SHOWN = 10


@dataclass(frozen=True)
class ActionLine:
    """A corrective action as the branch page and PDF list it (plain values, cacheable)."""

    id: int
    title: str
    priority: str
    status: str
    owner: str
    due_on: date | None
    closed_at: datetime | None
    overdue: bool

    @classmethod
    def of(cls, action: Action, today: date | None = None) -> ActionLine:
        return cls(
            id=action.id,
            title=action.title,
            priority=action.priority.label,  # "High priority"
            status=action.status.value.replace("_", " "),
            owner=owner_name(action),
            due_on=action.due_on,
            closed_at=action.closed_at,
            overdue=is_overdue(action, today),
        )


@dataclass(frozen=True)
class BranchActions:
    """A branch's open actions (soonest due first) and its latest closed ones."""

    open: tuple[ActionLine, ...]
    closed: tuple[ActionLine, ...]
    closed_count: int


def action_lines(
    branch_id: int, scorecard: str | None = None, today: date | None = None
) -> BranchActions:
    """The branch's open and closed corrective actions (one query), only those about
    ``scorecard`` when the report is filtered to one.

    The caller checks that the viewer may see the branch.
    """
    open_, closed = branch_actions(branch_id, scorecard)
    return BranchActions(
        open=tuple(ActionLine.of(a, today) for a in open_),
        closed=tuple(ActionLine.of(a, today) for a in closed[:CLOSED_ACTIONS_SHOWN]),
        closed_count=len(closed),
    )


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
    actions: BranchActions
    appeals: AppealFigures
    customer: VoiceFigures | None = None  # the customer's own voice, beside the score


def company_sections(flt: ReportFilter) -> list[SectionResult]:
    """The company's section results for the filter's period and scorecard.

    The same for every branch and staff report of a period, and a scan of
    every section score, so it comes from the report cache while the data
    stamp is unchanged (:mod:`audit.reporting.cache`).
    """
    company = flt.company()
    return cached("pdf.company_sections", company, lambda: section_results(company))


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
        company_sections={r.section.ident: r for r in company_sections(flt)},
        region_position=region.entry(flt.branch_id) if region else None,  # type: ignore[arg-type]
        region_league_size=len(region.ranked) if region else 0,
        staff=staff_league(flt),
        most_failed=tuple(most_failed_questions(flt, 8)),
        recurring=tuple(recurring_failures(flt)[:12]),
        critical=critical_fails(flt, 10),
        nps=nps(flt),
        visits=tuple(recent_visits(flt, 15)),
        actions=action_lines(flt.branch_id, flt.scorecard),  # type: ignore[arg-type]
        appeals=appeal_figures(flt),
        customer=voice_figures(flt),
    )


def branch_html(flt: ReportFilter) -> str:
    report = branch_report(flt)
    bars = section_bar_values(report.sections, report.company_sections.values())
    return unit_report_html(
        "branch.html", report, flt, gettext("Branch report"), sections_svg=section_bars(bars)
    )


def branch_pdf(flt: ReportFilter) -> bytes:
    return render_pdf(branch_html(flt))
