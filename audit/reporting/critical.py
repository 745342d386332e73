"""Visits with a critical fail: how many, and the latest ones with the questions that failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from audit.extensions import db
from audit.models import Answer, Branch, Scorecard, ScorecardQuestion, Visit
from audit.reporting.filters import ReportFilter
from audit.reporting.rollups import rollup_conditions, rollup_parts
from audit.reporting.sql import visit_conditions
from audit.reporting.summary import BranchRef


@dataclass(frozen=True)
class FailedQuestion:
    key: str
    text: str


@dataclass(frozen=True)
class CriticalFailVisit:
    visit_id: int
    visited_at: datetime
    branch: BranchRef
    scorecard: str  # slug
    percent: float
    questions: tuple[FailedQuestion, ...]  # the critical questions that earned nothing
    local_day: str = ""  # "YYYY-MM-DD", the branch's day of the visit (Visit.local_day)


@dataclass(frozen=True)
class CriticalFails:
    count: int  # every critical-fail visit in the filter
    visits: tuple[CriticalFailVisit, ...]  # the latest ``limit`` of them


def critical_fails(flt: ReportFilter, limit: int = 20) -> CriticalFails:
    """The number of critical-fail visits and the latest ``limit``, newest first (one query).

    The total is the rollups' sum of critical fails (months and days) as scalar
    subqueries, or for a staff member ``COUNT(*) OVER ()``, computed before LIMIT, so
    the total comes with the page.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    total: ColumnElement[Any] = func.count().over()
    parts = rollup_parts(flt)
    if parts is not None:
        # The count from the rollups: the window would read every visit of the filter,
        # while the latest few are found through an index on visited_at.
        counts = [
            select(func.coalesce(func.sum(grain.visits.critical), 0))
            .where(*rollup_conditions(grain.visits, period))
            .scalar_subquery()
            for grain, period in parts
        ]
        total = counts[0]
        for count in counts[1:]:
            total = total + count
    latest = (
        select(
            Visit.id,
            Visit.visited_at,
            Visit.local_day,
            Visit.branch_id,
            Visit.scorecard_id,
            Visit.percent,
            total.label("total"),
        )
        .where(*visit_conditions(flt), Visit.critical_failed.is_(True))
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(limit)
        .subquery("latest_critical")
    )
    rows = db.session.execute(
        select(
            latest,
            Branch.code,
            Branch.name,
            Branch.region_id,
            Scorecard.slug,
            Answer.question_key,
            ScorecardQuestion.text,
        )
        .select_from(latest)
        .join(Branch, Branch.id == latest.c.branch_id)
        .join(Scorecard, Scorecard.id == latest.c.scorecard_id)
        .outerjoin(Answer, (Answer.visit_id == latest.c.id) & Answer.critical_failed.is_(True))
        .outerjoin(ScorecardQuestion, ScorecardQuestion.id == Answer.question_id)
        .order_by(latest.c.visited_at.desc(), latest.c.id.desc(), Answer.position)
    ).all()
    first_rows: dict[int, Any] = {}
    failed: dict[int, list[FailedQuestion]] = {}
    for row in rows:
        first_rows.setdefault(row.id, row)
        questions = failed.setdefault(row.id, [])
        if row.question_key is not None:
            questions.append(FailedQuestion(row.question_key, row.text))
    visits = tuple(
        CriticalFailVisit(
            row.id,
            row.visited_at,
            BranchRef(row.branch_id, row.code, row.name, row.region_id),
            row.slug,
            row.percent,
            tuple(failed[row.id]),
            row.local_day or "",
        )
        for row in first_rows.values()
    )
    count = int(rows[0].total) if rows else 0
    return CriticalFails(count, visits)
