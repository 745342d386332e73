"""The staff coaching report: one staff member's strengths and weaknesses against their
branch and the company, with the shoppers' comments behind them.

It never shows who the shopper was: no visitor, no review actor, no file
name; comments are quoted with the visit date only. Open coaching notes are
listed with their goal, follow-up date and whether they were acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from audit.coaching.portal import NO_STANDARD
from audit.coaching.service import open_notes_for
from audit.documents.branch import company_sections as pdf_company_sections
from audit.documents.common import VisitLine, recent_visits, scorecard_label, unit_report_html
from audit.documents.render import render_pdf
from audit.extensions import db
from audit.models import (
    Answer,
    CoachingNote,
    Scorecard,
    ScorecardVersion,
    StaffMember,
    VersionStatus,
    Visit,
)
from audit.reporting.cache import cached
from audit.reporting.charts import section_bar_values, section_bars
from audit.reporting.filters import ReportFilter, UnitKind
from audit.reporting.league import LeagueEntry, staff_league
from audit.reporting.questions import QuestionResult, question_results
from audit.reporting.sections import SectionResult, section_results
from audit.reporting.sql import visit_conditions
from audit.reporting.stats import Figure, significance
from audit.reporting.summary import Summary, figures, summary
from audit.reporting.trend import TrendPoint, monthly_trend
from audit.scorecards.store import definition_of
from audit.visits.answer_changes import SHOPPERS_COMMENT, change_marks, comment_labels

#: Strengths and weaknesses shown, and comments quoted under each.
POINTS_SHOWN = 5
COMMENTS_PER_POINT = 3


@dataclass(frozen=True)
class Quote:
    visited_at: datetime
    text: str
    #: "changed by the reviewer" / "changed on appeal" when the answer changed after sending.
    changed: str | None = None
    #: Whose words they are: the shopper's, or a reviewer's who rewrote the comment.
    by: str = SHOPPERS_COMMENT
    #: "YYYY-MM-DD", the branch's day of the visit (Visit.local_day).
    local_day: str = ""


@dataclass(frozen=True)
class CoachingPoint:
    """A question where the staff member does notably well or badly."""

    result: QuestionResult
    branch_rate: float | None
    company_rate: float | None
    quotes: tuple[Quote, ...]
    #: The question's standard for staff (newest version's), None where it has none.
    standard: str | None = None

    @property
    def standard_text(self) -> str:
        return self.standard or NO_STANDARD

    @property
    def difference(self) -> float | None:
        """Staff pass rate minus the company's, in percentage points."""
        if self.result.pass_rate is None or self.company_rate is None:
            return None
        return (self.result.pass_rate - self.company_rate) * 100


def points_by_section(
    points: tuple[CoachingPoint, ...],
) -> list[tuple[str, list[CoachingPoint]]]:
    """Points grouped by section, sections and questions in form order."""
    groups: dict[tuple[str, str], list[CoachingPoint]] = {}
    ordered = sorted(
        points, key=lambda p: (p.result.question.scorecard, p.result.question.position)
    )
    for point in ordered:
        ref = point.result.question
        groups.setdefault((ref.scorecard, ref.section_key), []).append(point)
    return [(group[0].result.question.section_title, group) for group in groups.values()]


def _standards(refs: set[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """(scorecard slug, question key) -> the standard the newest version holding it gives."""
    if not refs:
        return {}
    versions = db.session.scalars(
        select(ScorecardVersion)
        .join(Scorecard, Scorecard.id == ScorecardVersion.scorecard_id)
        .where(
            Scorecard.slug.in_(sorted({slug for slug, _ in refs})),
            ScorecardVersion.status != VersionStatus.DRAFT,
        )
        .options(contains_eager(ScorecardVersion.scorecard))
        .order_by(ScorecardVersion.number.desc())
    ).all()
    found: dict[tuple[str, str], str | None] = {}
    for version in versions:
        for question in definition_of(version).questions():
            ref = (version.scorecard.slug, question.key)
            if ref in refs and ref not in found:
                found[ref] = question.standard
    return found


@dataclass(frozen=True)
class SectionLine:
    result: SectionResult
    branch: Figure | None
    company: Figure | None


@dataclass(frozen=True)
class NoteLine:
    """An open coaching note: what it says and asks, never who the shopper was."""

    written_on: date
    body: str
    goal: str
    follow_up_on: date | None
    acknowledged_on: date | None
    visit_date: date | None

    @classmethod
    def of(cls, note: CoachingNote) -> NoteLine:
        return cls(
            written_on=note.created_at.date(),
            body=note.body,
            goal=note.goal,
            follow_up_on=note.follow_up_on,
            acknowledged_on=note.acknowledged_at.date() if note.acknowledged_at else None,
            # The branch's day of the visit, as the rest of the report counts it.
            visit_date=date.fromisoformat(note.visit.local_day) if note.visit else None,
        )


@dataclass(frozen=True)
class StaffReport:
    summary: Summary
    scorecard_label: str
    job_title: str
    branch_figure: Figure
    position: LeagueEntry | None
    league_size: int
    min_visits: int
    sections: tuple[SectionLine, ...]
    company_sections: dict[tuple[str, str], SectionResult]
    strengths: tuple[CoachingPoint, ...]
    weaknesses: tuple[CoachingPoint, ...]
    trend: tuple[TrendPoint, ...]
    visits: tuple[VisitLine, ...]
    open_notes: tuple[NoteLine, ...] = ()


def _quotes(flt: ReportFilter, keys: set[str], failed: bool) -> dict[str, list[Quote]]:
    """The latest comments on the staff member's full-point (or failed) answers per question."""
    if not keys:
        return {}
    is_failed = Answer.earned < Answer.possible
    condition = is_failed if failed else Answer.earned >= Answer.possible
    latest = func.row_number().over(
        partition_by=Answer.question_key, order_by=(Visit.visited_at.desc(), Visit.id.desc())
    )
    ranked = (
        select(
            Answer.question_key,
            Answer.visit_id,
            Answer.comment,
            Visit.visited_at,
            Visit.local_day,
            latest.label("nth"),
        )
        .join(Visit, Visit.id == Answer.visit_id)
        .where(
            *visit_conditions(flt),
            Answer.question_key.in_(sorted(keys)),
            Answer.possible > 0,
            Answer.hidden.is_(False),
            Answer.is_na.is_(False),
            condition,
            func.length(func.trim(Answer.comment)) > 0,
        )
        .subquery()
    )
    rows = db.session.execute(
        select(ranked)
        .where(ranked.c.nth <= COMMENTS_PER_POINT)
        .order_by(ranked.c.question_key, ranked.c.nth)
    ).all()
    ids = [row.visit_id for row in rows]
    marks, writers = change_marks(ids), comment_labels(ids)
    quotes: dict[str, list[Quote]] = {}
    for row in rows:
        ident = (row.visit_id, row.question_key)
        quote = Quote(
            row.visited_at,
            row.comment,
            marks.get(ident),
            writers.get(ident, SHOPPERS_COMMENT),
            row.local_day or "",
        )
        quotes.setdefault(row.question_key, []).append(quote)
    return quotes


def _points(
    flt: ReportFilter,
    own: list[QuestionResult],
    branch: dict[tuple[str, str], QuestionResult],
    company: dict[tuple[str, str], QuestionResult],
) -> tuple[tuple[CoachingPoint, ...], tuple[CoachingPoint, ...]]:
    """Strengths: full points most often, ahead of the company; weaknesses: the reverse."""

    def ident(r: QuestionResult) -> tuple[str, str]:
        return (r.question.scorecard, r.question.key)

    def rate(results: dict[tuple[str, str], QuestionResult], r: QuestionResult) -> float | None:
        other = results.get(ident(r))
        return other.pass_rate if other else None

    answered = [r for r in own if r.n > 0 and r.pass_rate is not None]

    def gap(r: QuestionResult) -> float:
        company_rate = rate(company, r)
        return r.pass_rate - (company_rate if company_rate is not None else r.pass_rate)  # type: ignore[operator]

    strengths = sorted(
        (r for r in answered if r.pass_rate >= 0.5),  # type: ignore[operator]
        key=lambda r: (-(r.pass_rate or 0) - gap(r), -r.n, r.question.position),
    )[:POINTS_SHOWN]
    weaknesses = sorted(
        (r for r in answered if r.failed > 0 and r not in strengths),
        key=lambda r: ((r.pass_rate or 0) + gap(r), -r.failed, r.question.position),
    )[:POINTS_SHOWN]
    good = _quotes(flt, {r.question.key for r in strengths}, failed=False)
    bad = _quotes(flt, {r.question.key for r in weaknesses}, failed=True)
    standards = _standards({ident(r) for r in (*strengths, *weaknesses)})

    def point(r: QuestionResult, quotes: dict[str, list[Quote]]) -> CoachingPoint:
        return CoachingPoint(
            r,
            rate(branch, r),
            rate(company, r),
            tuple(quotes.get(r.question.key, ())),
            standards.get(ident(r)),
        )

    return (
        tuple(point(r, good) for r in strengths),
        tuple(point(r, bad) for r in weaknesses),
    )


def staff_report(flt: ReportFilter) -> StaffReport:
    """The figures of the coaching report (a fixed number of queries).

    Raises LookupError for an unknown staff member and OutOfScopeError
    outside the viewer's scope.
    """
    if flt.unit_kind is not UnitKind.STAFF:
        raise ValueError("a staff report needs a filter with a staff member")
    head = summary(flt)
    member = db.session.execute(
        select(StaffMember.branch_id, StaffMember.job_title).where(StaffMember.id == flt.staff_id)
    ).one()
    branch_flt = replace(flt, staff_id=None, branch_id=member.branch_id)
    company_flt = flt.company()
    (branch_figure,) = figures([branch_flt])
    league = staff_league(branch_flt)
    own_sections = section_results(flt)
    branch_sections = {r.section.ident: r for r in section_results(branch_flt)}
    company_sections = {r.section.ident: r for r in pdf_company_sections(flt)}
    lines = tuple(
        SectionLine(
            r,
            branch_sections[r.section.ident].figure if r.section.ident in branch_sections else None,
            company_sections[r.section.ident].figure
            if r.section.ident in company_sections
            else None,
        )
        for r in own_sections
    )

    def keyed(results: list[QuestionResult]) -> dict[tuple[str, str], QuestionResult]:
        return {(r.question.scorecard, r.question.key): r for r in results}

    strengths, weaknesses = _points(
        flt,
        question_results(flt),
        keyed(question_results(branch_flt)),
        keyed(cached("pdf.company_questions", company_flt, lambda: question_results(company_flt))),
    )
    return StaffReport(
        summary=head,
        scorecard_label=scorecard_label(flt),
        job_title=member.job_title,
        branch_figure=branch_figure,
        position=league.entry(flt.staff_id),  # type: ignore[arg-type]
        league_size=len(league.ranked),
        min_visits=league.min_visits,
        sections=lines,
        company_sections=company_sections,
        strengths=strengths,
        weaknesses=weaknesses,
        trend=tuple(monthly_trend(flt)),
        visits=tuple(recent_visits(flt, 12)),
        open_notes=tuple(NoteLine.of(n) for n in open_notes_for(flt.staff_id)),  # type: ignore[arg-type]
    )


def staff_html(flt: ReportFilter) -> str:
    report = staff_report(flt)
    own = [line.result for line in report.sections]
    return unit_report_html(
        "staff.html",
        report,
        flt,
        gettext("Coaching report"),
        standards_met=points_by_section(report.strengths),
        standards_missed=points_by_section(report.weaknesses),
        branch_significance=significance(report.summary.figure.interval, report.branch_figure.mean),
        sections_svg=section_bars(
            section_bar_values(own, report.company_sections.values()),
            title=gettext("Sections against target and company"),
        ),
    )


def staff_pdf(flt: ReportFilter) -> bytes:
    return render_pdf(staff_html(flt))
