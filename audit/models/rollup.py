"""Reporting rollups: sums per branch, scorecard and calendar month of reportable visits.

Derived data, kept exactly up to date by :mod:`audit.reporting.rollups` (a
session hook recomputes the rows of every (branch, scorecard, month) a
transaction touches; ``flask report rebuild-rollups`` recomputes them all).
A row holds sums, never means, so any set of months and branches adds up to
the same figure the visits give. ``month`` is ``YYYY-MM`` of ``visited_at`` in UTC.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from audit.extensions import db


def _branch_id() -> Mapped[int]:
    return mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True)


def _scorecard_id() -> Mapped[int]:
    return mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), primary_key=True)


def _month() -> Mapped[str]:
    return mapped_column(String(7), primary_key=True)


class VisitMonthStats(db.Model):
    """Visit figures: n, Σpercent, Σpercent², visits meeting their version's target,
    critical fails (the columns of :func:`audit.reporting.sql.figure_columns`)."""

    __tablename__ = "visit_month_stats"

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    month: Mapped[str] = _month()

    n: Mapped[int]
    total: Mapped[float]
    total_sq: Mapped[float]
    passed: Mapped[int]
    critical: Mapped[int]


class SectionMonthStats(db.Model):
    """Section figures per section key: n (sections with a percent), Σ, Σ², met target
    of ``judged`` (version set a target), sections with a critical fail."""

    __tablename__ = "section_month_stats"

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    month: Mapped[str] = _month()

    section_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    n: Mapped[int]
    total: Mapped[float]
    total_sq: Mapped[float]
    passed: Mapped[int]
    judged: Mapped[int]
    critical: Mapped[int]


class QuestionMonthStats(db.Model):
    """Question figures per question key: scored answers ``n`` and those earning full
    points ``passed``; nps answers ``nps_n`` with promoters (9-10) and detractors (0-6)."""

    __tablename__ = "question_month_stats"

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    month: Mapped[str] = _month()

    question_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    n: Mapped[int]
    passed: Mapped[int]
    nps_n: Mapped[int]
    promoters: Mapped[int]
    detractors: Mapped[int]
