"""Question figures: pass rates, the most-failed questions, recurring failures, NPS.

A question "passes" on a visit when the answer earns its full points. Only
scored answers count: possible > 0, not N/A, not hidden. Questions are
matched across versions of a scorecard by key; the text shown is the newest
version's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select, union_all

from audit.extensions import db
from audit.models import Answer, Branch, ScorecardQuestion, Visit
from audit.reporting.filters import ReportFilter
from audit.reporting.rollups import nps_counts, rollup_parts
from audit.reporting.rollups import question_aggregates as rollup_question_aggregates
from audit.reporting.sql import (
    as_float,
    count_if,
    latest_questions,
    visit_conditions,
    with_latest,
)
from audit.reporting.stats import Interval, nps_score, wilson_interval
from audit.reporting.summary import BranchRef
from audit.settings import get_setting


@dataclass(frozen=True)
class QuestionRef:
    scorecard: str  # slug
    key: str
    text: str
    section_key: str
    section_title: str
    position: int


@dataclass(frozen=True)
class QuestionResult:
    """How often a question earned full points: ``passed`` of ``n`` scored answers."""

    question: QuestionRef
    n: int
    passed: int
    pass_rate: float | None
    interval: Interval | None  # Wilson, 95%

    @property
    def failed(self) -> int:
        return self.n - self.passed


def _scored_answer() -> list[ColumnElement[bool]]:
    return [
        Answer.possible > 0,
        Answer.earned.is_not(None),
        Answer.is_na.is_(False),
        Answer.hidden.is_(False),
    ]


def _failed() -> ColumnElement[bool]:
    return Answer.earned < Answer.possible


def _question_aggregates(flt: ReportFilter, *group: ColumnElement[Any]) -> Select:
    return (
        select(
            *group,
            Visit.scorecard_id,
            Answer.question_key,
            func.count().label("n"),
            count_if(Answer.earned >= Answer.possible).label("passed"),
        )
        .select_from(Answer)
        .join(Visit, Visit.id == Answer.visit_id)
        .where(*visit_conditions(flt), *_scored_answer())
        .group_by(*group, Visit.scorecard_id, Answer.question_key)
    )


def _pass_counts(flt: ReportFilter) -> Select:
    """Scored answers and full marks per (scorecard, question), from the rollups when it can."""
    parts = rollup_parts(flt)
    if parts is None:
        return _question_aggregates(flt)
    queries = [rollup_question_aggregates(period, grain) for grain, period in parts]
    if len(queries) == 1:
        return queries[0]
    c = union_all(*queries).subquery("months_and_days").c
    return (
        select(
            c.scorecard_id,
            c.question_key,
            func.sum(c.n).label("n"),
            func.sum(c.passed).label("passed"),
        )
        .group_by(c.scorecard_id, c.question_key)
        .having(func.sum(c.n) > 0)
    )


def _with_text(flt: ReportFilter, aggregates: Select, *extra: Any) -> Select:
    agg = aggregates.subquery("question_figures")
    latest = latest_questions(flt)
    c = latest.c
    shown = (c.text, c.section_key, c.section_title, c.position, c.version_number)
    return with_latest(agg, latest, "question_key", *shown, *extra)


def _result(row: Any) -> QuestionResult:
    ref = QuestionRef(
        row.slug, row.question_key, row.text, row.section_key, row.section_title, row.position
    )
    n, passed = int(row.n), int(row.passed)
    return QuestionResult(ref, n, passed, passed / n if n else None, wilson_interval(passed, n))


def question_results(flt: ReportFilter) -> list[QuestionResult]:
    """Every scored question answered in the filter, in the newest version's order."""
    query = _with_text(flt, _pass_counts(flt))
    c = query.selected_columns
    query = query.order_by(c.slug, c.version_number.desc(), c.position, c.question_key)
    return [_result(row) for row in db.session.execute(query)]


def most_failed_questions(
    flt: ReportFilter, limit: int = 10, *, min_answers: int = 1
) -> list[QuestionResult]:
    """Questions failed at least once, lowest pass rate first (then most failures).

    ``min_answers`` leaves out questions answered fewer times than that.
    """
    query = _with_text(flt, _pass_counts(flt))
    c = query.selected_columns
    query = (
        query.where(c.passed < c.n, c.n >= min_answers)
        .order_by(
            as_float(c.passed) / c.n,
            (c.n - c.passed).desc(),
            c.slug,
            c.position,
            c.question_key,
        )
        .limit(limit)
    )
    return [_result(row) for row in db.session.execute(query)]


# --- recurring failures ----------------------------------------------------------------


@dataclass(frozen=True)
class RecurringFailure:
    """A question a branch failed on ``failed`` of the ``n`` visits that scored it."""

    branch: BranchRef
    question: QuestionRef
    n: int
    failed: int
    last_failed_at: datetime


def recurring_failures(flt: ReportFilter, min_visits: int | None = None) -> list[RecurringFailure]:
    """Questions each branch failed on at least ``min_visits`` visits in the filter.

    ``min_visits`` defaults to the ``recurring_failure_visits`` setting. Most
    failures first.
    """
    threshold = get_setting("recurring_failure_visits") if min_visits is None else min_visits
    failed = count_if(_failed())
    aggregates = _question_aggregates(flt, Visit.branch_id).add_columns(
        failed.label("failed"),
        func.max(case((_failed(), Visit.visited_at))).label("last_failed_at"),
    )
    query = _with_text(
        flt,
        aggregates.having(failed >= threshold),
        Branch.code.label("branch_code"),
        Branch.name.label("branch_name"),
        Branch.region_id.label("branch_region_id"),
    )
    c = query.selected_columns
    query = query.join(Branch, Branch.id == c.branch_id).order_by(
        c.failed.desc(), Branch.name, Branch.code, c.slug, c.position
    )
    return [
        RecurringFailure(
            BranchRef(row.branch_id, row.branch_code, row.branch_name, row.branch_region_id),
            _result(row).question,
            int(row.n),
            int(row.failed),
            row.last_failed_at,
        )
        for row in db.session.execute(query)
    ]


# --- NPS ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsResult:
    """Net Promoter Score over the nps answers in the filter (``score`` None without any)."""

    n: int
    promoters: int
    passives: int
    detractors: int
    score: int | None


def _nps_answers(flt: ReportFilter) -> Select:
    value = Answer.value_number
    return (
        select(
            func.count().label("n"),
            count_if(value >= 9).label("promoters"),
            count_if(value <= 6).label("detractors"),
        )
        .select_from(Answer)
        .join(Visit, Visit.id == Answer.visit_id)
        .join(ScorecardQuestion, ScorecardQuestion.id == Answer.question_id)
        .where(
            *visit_conditions(flt),
            ScorecardQuestion.type == "nps",
            value.is_not(None),
            Answer.is_na.is_(False),
            Answer.hidden.is_(False),
        )
    )


def nps(flt: ReportFilter) -> NpsResult:
    """NPS from the answers to questions of type nps (one query)."""
    parts = rollup_parts(flt)
    if parts is None:
        queries = [_nps_answers(flt)]
    else:
        queries = [nps_counts(period, grain) for grain, period in parts]
    rows = db.session.execute(union_all(*queries) if len(queries) > 1 else queries[0]).all()
    n, promoters, detractors = (
        sum(int(getattr(row, name) or 0) for row in rows)
        for name in ("n", "promoters", "detractors")
    )
    return NpsResult(
        n, promoters, n - promoters - detractors, detractors, nps_score(promoters, detractors, n)
    )
