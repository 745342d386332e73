"""Reporting rollups: sums per branch, scorecard and calendar month (or day) of
reportable visits.

Derived data, kept exactly up to date by :mod:`audit.reporting.rollups` (a
session hook recomputes the rows of every (branch, scorecard, month) a
transaction touches, month and day tables alike; ``flask report rebuild-rollups``
recomputes them all). A row holds sums, never means, so any set of months, days
and branches adds up to the same figure the visits give. ``day`` is the visit's
``local_day`` (``YYYY-MM-DD`` in its branch's time zone) and ``month`` its first seven
characters (``YYYY-MM``): the branch's own calendar, not UTC's.

The day tables hold the same sums per day: a period that does not start or end
on a month boundary ("the last 12 months") reads its whole months from the month
tables and the days at its ends from the day tables, never from the visits.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from audit.extensions import db


def _branch_id() -> Mapped[int]:
    return mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True)


def _scorecard_id() -> Mapped[int]:
    return mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), primary_key=True)


def _month() -> Mapped[str]:
    return mapped_column(String(7), primary_key=True)


def _day() -> Mapped[str]:
    return mapped_column(String(10), primary_key=True)


def _nps_index(table: str, period: str) -> Index:
    """The few rows of nps questions (NPS reads only these: one question in twenty)."""
    where = text("nps_n > 0")
    return Index(
        f"ix_{table}_nps", period, "scorecard_id", postgresql_where=where, sqlite_where=where
    )


class _VisitSums:
    n: Mapped[int]
    total: Mapped[float]
    total_sq: Mapped[float]
    passed: Mapped[int]
    critical: Mapped[int]
    published: Mapped[int] = mapped_column(server_default="0")


class _SectionSums:
    section_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    n: Mapped[int]
    total: Mapped[float]
    total_sq: Mapped[float]
    passed: Mapped[int]
    judged: Mapped[int]
    critical: Mapped[int]


class _QuestionSums:
    question_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    n: Mapped[int]
    passed: Mapped[int]
    nps_n: Mapped[int]
    promoters: Mapped[int]
    detractors: Mapped[int]


class VisitMonthStats(_VisitSums, db.Model):
    """Visit figures: n, Σpercent, Σpercent², visits meeting their version's target,
    critical fails (the columns of :func:`audit.reporting.sql.figure_columns`), and how
    many of the n are published (the visits that can be appealed)."""

    __tablename__ = "visit_month_stats"

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    month: Mapped[str] = _month()


class SectionMonthStats(_SectionSums, db.Model):
    """Section figures per section key: n (sections with a percent), Σ, Σ², met target
    of ``judged`` (version set a target), sections with a critical fail."""

    __tablename__ = "section_month_stats"

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    month: Mapped[str] = _month()


class QuestionMonthStats(_QuestionSums, db.Model):
    """Question figures per question key: scored answers ``n`` and those earning full
    points ``passed``; nps answers ``nps_n`` with promoters (9-10) and detractors (0-6)."""

    __tablename__ = "question_month_stats"
    __table_args__ = (_nps_index("question_month_stats", "month"),)

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    month: Mapped[str] = _month()


# --- the same sums per day ---------------------------------------------------------------
# The primary key leads with the branch (a refresh deletes one branch's month of days);
# reports over every branch find a period's days through the index on (day, scorecard_id).


class VisitDayStats(_VisitSums, db.Model):
    """:class:`VisitMonthStats` per day."""

    __tablename__ = "visit_day_stats"
    __table_args__ = (Index("ix_visit_day_stats_day", "day", "scorecard_id"),)

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    day: Mapped[str] = _day()


class SectionDayStats(_SectionSums, db.Model):
    """:class:`SectionMonthStats` per day."""

    __tablename__ = "section_day_stats"
    __table_args__ = (Index("ix_section_day_stats_day", "day", "scorecard_id"),)

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    day: Mapped[str] = _day()


class QuestionDayStats(_QuestionSums, db.Model):
    """:class:`QuestionMonthStats` per day."""

    __tablename__ = "question_day_stats"
    __table_args__ = (
        Index("ix_question_day_stats_day", "day", "scorecard_id"),
        _nps_index("question_day_stats", "day"),
    )

    branch_id: Mapped[int] = _branch_id()
    scorecard_id: Mapped[int] = _scorecard_id()
    day: Mapped[str] = _day()
