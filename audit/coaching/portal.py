"""What a staff member sees about themselves: published visits in plain words, and figures.

Only **published**, not excluded visits count here. The reporting module
counts approved visits too (they are final for managers), but a staff
member must not see a visit, nor a number resting on one, before it is
published; so the figures below reuse reporting's SQL building blocks and
add that one condition. No shopper identity is read or returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from audit.extensions import db
from audit.models import (
    Answer,
    Scorecard,
    ScorecardQuestion,
    ScorecardVersion,
    StaffMember,
    Visit,
    VisitSectionScore,
    VisitStatus,
    visit_staff,
)
from audit.reporting import ReportFilter, TrendPoint
from audit.reporting.reader_text import number_text
from audit.reporting.sql import (
    figure_columns,
    figure_of,
    from_visits,
    latest_sections,
    visit_conditions,
    visit_month,
)
from audit.reporting.stats import Figure
from audit.reporting.trend import trend_points
from audit.review.service import display_value
from audit.scorecards.store import definition_of
from audit.visits.answer_changes import SHOPPERS_COMMENT, change_marks, comment_labels
from audit.visits.scores import stored_value

#: Tolerance when comparing earned with possible points (they are floats).
_EPSILON = 1e-9
#: What staff read where a question has no ``standard``: never the shopper's question.
NO_STANDARD = _l("No standard written for this question")


def published_only() -> ColumnElement[bool]:
    return Visit.status == VisitStatus.PUBLISHED


# --- one visit in plain words ----------------------------------------------------------


@dataclass(frozen=True)
class AnswerLine:
    section: str
    question: str
    value: str
    earned: float | None
    possible: float | None
    comment: str
    #: "changed by the reviewer" / "changed on appeal" when it changed after it was sent.
    changed: str = ""
    #: The question's standard for staff, None where the scorecard gives none.
    standard: str | None = None
    #: The question's key: a missed standard links to the appeal form with it chosen.
    key: str = ""
    #: Whose words the comment is: the shopper's, or a reviewer's who rewrote it.
    comment_by: str = SHOPPERS_COMMENT

    @property
    def standard_text(self) -> str:
        """The standard as staff read it, or plainly that there is none."""
        return self.standard or NO_STANDARD

    @property
    def scored(self) -> bool:
        return bool(self.possible) and self.earned is not None

    @property
    def full_points(self) -> bool:
        return self.scored and self.earned >= self.possible - _EPSILON  # type: ignore[operator]

    @property
    def lost_points(self) -> bool:
        return self.scored and not self.full_points

    @property
    def points_label(self) -> str:
        if not self.scored:
            return gettext("not scored")
        return gettext(
            "%(earned)s of %(possible)s points",
            earned=_number(self.earned),
            possible=_number(self.possible),
        )


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else number_text(value)


def standards_of(visit: Visit) -> dict[str, str | None]:
    """Question key -> its standard for staff, from the visit's scorecard version."""
    return {q.key: q.standard for q in definition_of(visit.version).questions()}


def wording_of(visit: Visit) -> dict[str, tuple[str, str]]:
    """Question key -> (section title, question text) from the visit's scorecard version:
    texts that carry their translations (audit.scorecards.languages), so the portal's
    templates show them in the reader's language with ``|localize``."""
    definition = definition_of(visit.version)
    return {q.key: (s.title, q.text) for s in definition.sections for q in s.questions}


def _line(
    answer: Answer,
    marks: dict[tuple[int, str], str],
    standards: dict[str, str | None],
    writers: dict[tuple[int, str], str],
    wording: dict[str, tuple[str, str]] | None = None,
) -> AnswerLine:
    question = answer.question
    ident = (answer.visit_id, answer.question_key)
    section_title, question_text = (wording or {}).get(
        answer.question_key, (question.section.title, question.text)
    )
    return AnswerLine(
        changed=marks.get(ident, ""),
        comment_by=writers.get(ident, SHOPPERS_COMMENT),
        standard=standards.get(answer.question_key),
        key=answer.question_key,
        section=section_title,
        question=question_text,
        value=display_value(stored_value(answer)),
        earned=None if answer.is_na else answer.earned,
        possible=None if answer.is_na else answer.possible,
        comment=answer.comment or "",
    )


def answer_lines(visit: Visit) -> list[AnswerLine]:
    """The visible answers of a visit in form order (hidden questions left out), one query."""
    answers = db.session.scalars(
        select(Answer)
        .where(Answer.visit_id == visit.id, Answer.hidden.is_(False))
        .options(joinedload(Answer.question).joinedload(ScorecardQuestion.section))
        .order_by(Answer.position, Answer.id)
    )
    marks, writers = change_marks([visit.id]), comment_labels([visit.id])
    standards, wording = standards_of(visit), wording_of(visit)
    return [_line(a, marks, standards, writers, wording) for a in answers]


def by_section(lines: list[AnswerLine]) -> list[tuple[str, list[AnswerLine]]]:
    """Lines grouped by section title, in form order."""
    groups: list[tuple[str, list[AnswerLine]]] = []
    for line in lines:
        if not groups or groups[-1][0] != line.section:
            groups.append((line.section, []))
        groups[-1][1].append(line)
    return groups


@dataclass(frozen=True)
class VisitFeedback:
    visit: Visit
    answers: list[AnswerLine]

    @property
    def strengths(self) -> list[AnswerLine]:
        return [a for a in self.answers if a.full_points]

    @property
    def to_work_on(self) -> list[AnswerLine]:
        return [a for a in self.answers if a.lost_points]

    @property
    def sections(self) -> list[tuple[str, list[AnswerLine]]]:
        """The answers grouped by section title, in form order."""
        return by_section(self.answers)

    @property
    def met_by_section(self) -> list[tuple[str, list[AnswerLine]]]:
        """The standards met (full points), grouped by section."""
        return by_section(self.strengths)

    @property
    def missed_by_section(self) -> list[tuple[str, list[AnswerLine]]]:
        """The standards missed (points lost), grouped by section."""
        return by_section(self.to_work_on)


def visit_feedback(visit: Visit) -> VisitFeedback:
    return VisitFeedback(visit, answer_lines(visit))


def published_visits(member: StaffMember, limit: int = 20) -> list[VisitFeedback]:
    """The member's latest published visits with their answers (a fixed number of queries)."""
    visits = db.session.scalars(
        select(Visit)
        .join(visit_staff, visit_staff.c.visit_id == Visit.id)
        .join(Visit.scorecard)
        .where(
            visit_staff.c.staff_member_id == member.id,
            published_only(),
            Visit.excluded.is_(False),
            Scorecard.channel != "survey",  # customers' words come only as shared comments
        )
        .options(
            joinedload(Visit.scorecard),
            joinedload(Visit.version),
            selectinload(Visit.answers)
            .joinedload(Answer.question)
            .joinedload(ScorecardQuestion.section),
        )
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(limit)
    ).all()
    ids = [v.id for v in visits]
    marks, writers = change_marks(ids), comment_labels(ids)
    feedback = []
    for v in visits:
        standards, wording = standards_of(v), wording_of(v)
        lines = [_line(a, marks, standards, writers, wording) for a in v.answers if not a.hidden]
        feedback.append(VisitFeedback(v, lines))
    return feedback


# --- figures --------------------------------------------------------------------------


def staff_trend(member: StaffMember, date_from: date, date_to: date) -> list[TrendPoint]:
    """The member's mean per month over published visits, from the first month with one
    (one query)."""
    flt = ReportFilter(date_from=date_from, date_to=date_to, staff_id=member.id)
    month = visit_month()
    rows = db.session.execute(
        from_visits(select(month.label("month"), *figure_columns()))
        .where(*visit_conditions(flt), published_only())
        .group_by(month)
        .order_by(month)
    ).all()
    return trend_points({row.month: figure_of(row) for row in rows}, date_to)


@dataclass(frozen=True)
class Mean:
    value: float | None
    n: int


@dataclass(frozen=True)
class SectionComparison:
    scorecard: str  # title
    section: str  # title
    target: float | None
    mine: Mean
    branch: Mean
    company: Mean

    @property
    def difference_to_branch(self) -> float | None:
        if self.mine.value is None or self.branch.value is None:
            return None
        return self.mine.value - self.branch.value


def _mean_where(condition: ColumnElement[bool], name: str) -> tuple[Any, Any]:
    value = case((condition, VisitSectionScore.percent))
    return func.avg(value).label(f"{name}_mean"), func.count(value).label(f"{name}_n")


def section_comparison(
    member: StaffMember, date_from: date | None, date_to: date | None
) -> list[SectionComparison]:
    """The member's section means beside their branch's and the company's (one GROUP BY).

    Only scorecards the member has published visits on in the period are listed.
    """
    period = ReportFilter(date_from=date_from, date_to=date_to)
    mine_link = visit_staff.alias("mine")
    is_mine = mine_link.c.staff_member_id.is_not(None)
    aggregates = (
        select(
            Visit.scorecard_id,
            VisitSectionScore.section_key,
            *_mean_where(is_mine, "mine"),
            *_mean_where(Visit.branch_id == member.branch_id, "branch"),
            func.avg(VisitSectionScore.percent).label("company_mean"),
            func.count(VisitSectionScore.percent).label("company_n"),
        )
        .select_from(VisitSectionScore)
        .join(Visit, Visit.id == VisitSectionScore.visit_id)
        .outerjoin(
            mine_link,
            (mine_link.c.visit_id == Visit.id) & (mine_link.c.staff_member_id == member.id),
        )
        .where(*visit_conditions(period), published_only())
        .group_by(Visit.scorecard_id, VisitSectionScore.section_key)
        .having(func.count(case((is_mine, VisitSectionScore.percent))) > 0)
        .subquery("section_means")
    )
    latest = latest_sections(period)
    rows = db.session.execute(
        select(aggregates, Scorecard.title.label("card_title"), latest.c.title, latest.c.target)
        .join(Scorecard, Scorecard.id == aggregates.c.scorecard_id)
        .join(
            latest,
            (latest.c.scorecard_id == aggregates.c.scorecard_id)
            & (latest.c.key == aggregates.c.section_key),
        )
        .order_by(Scorecard.title, latest.c.position)
    ).all()
    return [
        SectionComparison(
            row.card_title,
            row.title,
            row.target,
            Mean(row.mine_mean, row.mine_n),
            Mean(row.branch_mean, row.branch_n),
            Mean(row.company_mean, row.company_n),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class BranchSummary:
    branch: Figure
    company: Figure


def branch_summary(branch_id: int, date_from: date | None, date_to: date | None) -> BranchSummary:
    """The branch's figure and the company's over published visits (one query).

    Branch figures only: nothing here names or scores another staff member.
    """
    period = ReportFilter(date_from=date_from, date_to=date_to)
    at_branch = Visit.branch_id == branch_id
    columns = figure_columns()
    branch_columns = [
        func.count(case((at_branch, Visit.percent))).label("b_n"),
        func.coalesce(func.sum(case((at_branch, Visit.percent))), 0.0).label("b_total"),
        func.coalesce(func.sum(case((at_branch, Visit.percent * Visit.percent))), 0.0).label(
            "b_total_sq"
        ),
        func.count(case((at_branch & (Visit.percent >= ScorecardVersion.target), 1))).label(
            "b_passed"
        ),
        func.count(case((at_branch & Visit.critical_failed.is_(True), 1))).label("b_critical"),
    ]
    row = db.session.execute(
        from_visits(select(*columns, *branch_columns)).where(
            *visit_conditions(period), published_only()
        )
    ).one()
    return BranchSummary(branch=figure_of(row, "b_"), company=figure_of(row))
