"""Rollups: the reportable visits summed per (branch, scorecard, calendar month), and
the same sums per (branch, scorecard, day).

Company, region and branch figures add up these rows (:mod:`audit.models.rollup`)
instead of reading every visit and answer; a 1,000,000-visit dashboard then reads
some thousands of rows. The rows hold sums (n, Σx, Σx², counts), never means, so
a figure from them is the figure the visits give (up to floating-point summation
order, far below any shown digit). Days and months are the branch's own: a visit's
``local_day`` (:mod:`audit.org.timezones` keeps it) and its first seven characters.

Which tables a filter reads (:func:`rollup_parts`): none with a staff member
(rollups know no staff: the direct queries). A period of whole calendar months
(or open ends, :func:`reads_rollups`) reads the month tables. A period of days
that holds whole months ("the last 12 months", 7 December to 6 December) reads
those months from the month tables and the days at its ends from the day tables
(:func:`month_split`), and adds the sums up; a period inside one month reads the
day tables alone. Titles, positions and targets are joined at read time exactly
as on the direct path.

Kept exactly up to date:

- :func:`rebuild_rollups` recomputes every row (``flask --app wsgi report
  rebuild-rollups``; run it after loading data behind the application's back);
- session hooks (:func:`register_rollup_hooks`, called by the app factory)
  record every visit a transaction touches — Visit, Answer and
  VisitSectionScore objects added, changed or deleted, and AuditEvent rows
  about a visit (the review service changes a visit's status with a
  Core UPDATE the ORM does not track, and records an event for it) — with the
  (branch, scorecard, month) the visit counted in before the flush and counts
  in after it (none while it is a draft or waits for review); at the end of
  that flush it recomputes the rows of those keys, the month row and the day
  rows of that month, with DELETE + INSERT ... SELECT, so even a report read
  before the commit, in the same transaction, is right (a Core UPDATE is
  followed by its audit event, which autoflushes before any query). On
  PostgreSQL an advisory lock per (branch, scorecard) serialises two
  transactions refreshing the same key, so the later one aggregates after the
  earlier one committed. A visit whose copy in the session shows it counting
  nowhere, as read and as changed (a draft, or sent and not yet approved), is
  not asked about: every change of a visit locks and rereads it first
  (:mod:`audit.visits.lock`), so the copy is the row; one a Core statement
  changed is asked about until it is read again.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Numeric,
    Select,
    Table,
    and_,
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from audit.extensions import db
from audit.models import (
    REPORTABLE_STATUSES,
    Answer,
    AuditEvent,
    Branch,
    QuestionDayStats,
    QuestionMonthStats,
    ScorecardQuestion,
    SectionDayStats,
    SectionMonthStats,
    Visit,
    VisitDayStats,
    VisitMonthStats,
    VisitSectionScore,
    VisitStatus,
)
from audit.reporting.filters import ReportFilter
from audit.reporting.months import add_months, month_end, month_key
from audit.reporting.sql import (
    RANK_DECIMALS,
    branch_conditions,
    count_if,
    figure_columns,
    from_section_scores,
    from_visits,
    scorecard_id,
    section_figure_columns,
    visit_conditions,
    visit_month,
)
from audit.reporting.stats import Figure
from audit.visits.lock import LOCK_ONLY

Key = tuple[int, int, str]  # (branch_id, scorecard_id, "YYYY-MM")

_CHUNK = 200
_LOCK_NAMESPACE = 0x524F4C  # "ROL": pg_advisory_xact_lock(namespace, key)

# --- which queries read them ---------------------------------------------------------

_direct: ContextVar[bool] = ContextVar("report_rollups_bypassed", default=False)


@contextmanager
def direct_queries() -> Iterator[None]:
    """Inside the block every report reads the visits directly (tests, benchmarks)."""
    token = _direct.set(True)
    try:
        yield
    finally:
        _direct.reset(token)


month_of = month_key  # the name the rollup queries read best


@dataclass(frozen=True)
class Grain:
    """The month tables or the day tables: the same sums, keyed ``YYYY-MM`` or
    ``YYYY-MM-DD`` (column :attr:`name`)."""

    name: str
    visits: Any
    sections: Any
    questions: Any
    key: Callable[[date], str]

    def period(self, table: Any) -> Any:
        """The table's month or day column."""
        return getattr(table, self.name)

    def month(self, table: Any) -> ColumnElement[str]:
        """``YYYY-MM`` of the table's rows."""
        column = self.period(table)
        return column if self is MONTHS else func.substr(column, 1, 7)

    def tables(self) -> tuple[Any, Any, Any]:
        return (self.visits, self.sections, self.questions)


MONTHS = Grain("month", VisitMonthStats, SectionMonthStats, QuestionMonthStats, month_key)
DAYS = Grain("day", VisitDayStats, SectionDayStats, QuestionDayStats, date.isoformat)

#: A part of a filter's period and the tables that hold it.
Part = tuple[Grain, ReportFilter]


def grain_of(table: Any) -> Grain:
    return DAYS if table in DAYS.tables() else MONTHS


def reads_rollups(flt: ReportFilter) -> bool:
    """True when the filter's figures come from the month tables alone: no staff member,
    and a period made of whole calendar months (either end may be open)."""
    if _direct.get() or flt.staff_id is not None:
        return False
    if flt.date_from is not None and flt.date_from.day != 1:
        return False
    if flt.date_to is not None:
        last = calendar.monthrange(flt.date_to.year, flt.date_to.month)[1]
        if flt.date_to.day != last:
            return False
    return True


@dataclass(frozen=True)
class MonthSplit:
    """A period of days cut into the whole months inside it (read from the month tables)
    and the days at its ends (read from the day tables): "the last 12 months" on
    6 December is 7 to 31 December, January to November whole, and 1 to 6 December."""

    months: ReportFilter
    days: tuple[ReportFilter, ...]


def month_split(flt: ReportFilter) -> MonthSplit | None:
    """The split of a filter the month tables cannot read whole but hold at least a whole
    month of; None when the filter reads them whole, has a staff member, or spans no
    whole month."""
    if _direct.get() or flt.staff_id is not None or reads_rollups(flt):
        return None
    start, end = flt.date_from, flt.date_to
    first = start if start is None or start.day == 1 else add_months(start, 1)
    last = end if end is None or end == month_end(end) else add_months(end, 0) - _DAY
    if first is not None and last is not None and first > last:
        return None
    days = []
    if start is not None and first is not None and start != first:
        days.append(replace(flt, date_from=start, date_to=first - _DAY))
    if end is not None and last is not None and end != last:
        days.append(replace(flt, date_from=last + _DAY, date_to=end))
    return MonthSplit(replace(flt, date_from=first, date_to=last), tuple(days))


def rollup_parts(flt: ReportFilter) -> tuple[Part, ...] | None:
    """The rollup tables to read for the filter and the part of its period each holds,
    whose sums add up to the filter's; None when only the visits can tell (a staff
    member, or inside :func:`direct_queries`)."""
    if _direct.get() or flt.staff_id is not None:
        return None
    if reads_rollups(flt):
        return ((MONTHS, flt),)
    split = month_split(flt)
    if split is None:  # inside one month, or across a month boundary without a whole month
        return ((DAYS, flt),)
    return ((MONTHS, split.months), *((DAYS, days) for days in split.days))


_DAY = timedelta(days=1)

#: The sums a visit figure is made of (:func:`~audit.reporting.sql.figure_columns`).
FIGURE_SUMS = ("n", "total", "total_sq", "passed", "critical")


def summed_figures(rows: Iterable[Any], key: str) -> dict[Any, Figure]:
    """Rows of :data:`FIGURE_SUMS` (from several rollup tables or the visits), added up
    per value of column ``key`` into figures."""
    sums: dict[Any, list[float]] = {}
    for row in rows:
        m = row._mapping
        totals = sums.setdefault(m[key], [0, 0.0, 0.0, 0, 0])
        for i, name in enumerate(FIGURE_SUMS):
            totals[i] += m[name] or 0
    return {
        k: Figure.from_sums(int(n), total, total_sq, int(passed), int(critical))
        for k, (n, total, total_sq, passed, critical) in sums.items()
    }


def rollup_conditions(table: Any, flt: ReportFilter) -> list[ColumnElement[bool]]:
    """The filter's conditions on a rollup model, month or day (what visit_conditions is
    to visits)."""
    grain = grain_of(table)
    period = grain.period(table)
    conditions: list[ColumnElement[bool]] = []
    if flt.scorecard is not None:
        conditions.append(table.scorecard_id == scorecard_id(flt.scorecard))
    if flt.date_from is not None:
        conditions.append(period >= grain.key(flt.date_from))
    if flt.date_to is not None:
        conditions.append(period <= grain.key(flt.date_to))
    if flt.branch_id is not None:
        conditions.append(table.branch_id == flt.branch_id)
    by_branch = branch_conditions(flt)
    if by_branch:
        conditions.append(table.branch_id.in_(select(Branch.id).where(*by_branch)))
    return conditions


def _sum(column: Any, label: str, empty: Any = 0) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), empty).label(label)


def visit_figure_columns(table: Any = VisitMonthStats) -> tuple[ColumnElement[Any], ...]:
    """:func:`~audit.reporting.sql.figure_columns` summed from ``visit_month_stats`` (or
    ``visit_day_stats``)."""
    t = table
    return (
        _sum(t.n, "n"),
        _sum(t.total, "total", 0.0),
        _sum(t.total_sq, "total_sq", 0.0),
        _sum(t.passed, "passed"),
        _sum(t.critical, "critical"),
    )


def visit_rank_mean(table: Any = VisitMonthStats) -> ColumnElement[Any]:
    """The league's rank mean from the sums (see :func:`~audit.reporting.sql.rank_mean`)."""
    mean = func.sum(table.total) / func.nullif(func.sum(table.n), 0)
    return func.round(cast(mean, Numeric), RANK_DECIMALS)


def section_aggregates(
    flt: ReportFilter, *group: ColumnElement[Any], grain: Grain = MONTHS
) -> Select:
    """The columns of the direct section aggregates, summed from ``section_month_stats``
    (or the day table of ``grain``)."""
    t = grain.sections
    return (
        select(
            *group,
            t.scorecard_id,
            t.section_key,
            _sum(t.n, "n"),
            _sum(t.total, "total", 0.0),
            _sum(t.total_sq, "total_sq", 0.0),
            _sum(t.passed, "passed"),
            _sum(t.judged, "judged"),
            _sum(t.critical, "critical"),
        )
        .where(*rollup_conditions(t, flt))
        .group_by(*group, t.scorecard_id, t.section_key)
        .having(func.sum(t.n) > 0)
    )


def question_aggregates(flt: ReportFilter, grain: Grain = MONTHS) -> Select:
    """The columns of the direct question aggregates, summed from ``question_month_stats``
    (or the day table of ``grain``)."""
    t = grain.questions
    return (
        select(t.scorecard_id, t.question_key, _sum(t.n, "n"), _sum(t.passed, "passed"))
        .where(*rollup_conditions(t, flt))
        .group_by(t.scorecard_id, t.question_key)
        .having(func.sum(t.n) > 0)
    )


def nps_counts(flt: ReportFilter, grain: Grain = MONTHS) -> Select:
    """NPS answers, promoters and detractors summed from the rows of nps questions (the
    condition is written as the partial index ``ix_question_*_stats_nps`` is, inline)."""
    t = grain.questions
    return select(
        _sum(t.nps_n, "n"), _sum(t.promoters, "promoters"), _sum(t.detractors, "detractors")
    ).where(*rollup_conditions(t, flt), t.nps_n > literal_column("0"))


# --- what the rows hold: the same aggregates as the direct queries ---------------------


def _month() -> ColumnElement[str]:
    return visit_month()


def _bucket(grain: Grain) -> ColumnElement[str]:
    """A visit's month or day key, as SQL: its branch's month, or its local day."""
    return _month() if grain is MONTHS else Visit.local_day


def _visit_source(where: Iterable[ColumnElement[bool]], grain: Grain) -> Select:
    month = _bucket(grain)
    published = count_if(Visit.status == VisitStatus.PUBLISHED).label("published")
    return (
        from_visits(
            select(
                Visit.branch_id,
                Visit.scorecard_id,
                month.label(grain.name),
                *figure_columns(),
                published,
            )
        )
        .where(*visit_conditions(ReportFilter()), *where)
        .group_by(Visit.branch_id, Visit.scorecard_id, month)
    )


def _section_source(where: Iterable[ColumnElement[bool]], grain: Grain) -> Select:
    month = _bucket(grain)
    return (
        from_section_scores(
            select(
                Visit.branch_id,
                Visit.scorecard_id,
                month.label(grain.name),
                VisitSectionScore.section_key,
                *section_figure_columns(),
            )
        )
        .where(*visit_conditions(ReportFilter()), *where)
        .group_by(Visit.branch_id, Visit.scorecard_id, month, VisitSectionScore.section_key)
    )


def _question_source(where: Iterable[ColumnElement[bool]], grain: Grain) -> Select:
    month = _bucket(grain)
    # As audit.reporting.questions counts them: scored answers, and nps answers.
    scored = (
        (Answer.possible > 0)
        & Answer.earned.is_not(None)
        & Answer.is_na.is_(False)
        & Answer.hidden.is_(False)
    )
    value = Answer.value_number
    promoter_or_not = (
        (ScorecardQuestion.type == "nps")
        & value.is_not(None)
        & Answer.is_na.is_(False)
        & Answer.hidden.is_(False)
    )
    return (
        select(
            Visit.branch_id,
            Visit.scorecard_id,
            month.label(grain.name),
            Answer.question_key,
            count_if(scored).label("n"),
            count_if(scored & (Answer.earned >= Answer.possible)).label("passed"),
            count_if(promoter_or_not).label("nps_n"),
            count_if(promoter_or_not & (value >= 9)).label("promoters"),
            count_if(promoter_or_not & (value <= 6)).label("detractors"),
        )
        .select_from(Answer)
        .join(Visit, Visit.id == Answer.visit_id)
        .join(ScorecardQuestion, ScorecardQuestion.id == Answer.question_id)
        .where(*visit_conditions(ReportFilter()), scored | promoter_or_not, *where)
        .group_by(Visit.branch_id, Visit.scorecard_id, month, Answer.question_key)
    )


_SOURCES = tuple(
    (grain, table, source)
    for grain in (MONTHS, DAYS)
    for table, source in zip(
        grain.tables(), (_visit_source, _section_source, _question_source), strict=True
    )
)


def _insert(table: Table, source: Select) -> Any:
    return insert(table).from_select([c.name for c in source.selected_columns], source)


def rebuild_rollups_on(connection: Connection) -> None:
    """Recompute every rollup row on ``connection`` (the caller commits)."""
    for grain, model, source in _SOURCES:
        table = model.__table__
        connection.execute(delete(table))
        connection.execute(_insert(table, source((), grain)))


def rebuild_rollups() -> None:
    """Recompute every rollup row in the current session (the caller commits)."""
    rebuild_rollups_on(db.session.connection())


# --- keeping them up to date -------------------------------------------------------------


def refresh_rollups(connection: Connection, keys: Iterable[Key]) -> None:
    """Recompute the rollup rows of ``keys`` (branch_id, scorecard_id, month) from the visits:
    the month rows and the day rows of those months."""
    ordered = sorted(set(keys))
    if not ordered:
        return
    if connection.dialect.name == "postgresql":
        for branch, card in sorted({(b, s) for b, s, _ in ordered}):
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                {"namespace": _LOCK_NAMESPACE, "key": (card * 1_000_003 + branch) % 2**31},
            )
    for first in range(0, len(ordered), _CHUNK):
        chunk = ordered[first : first + _CHUNK]
        visits = []
        for branch, card, month in chunk:
            visits.append(
                and_(
                    Visit.branch_id == branch,
                    Visit.scorecard_id == card,
                    Visit.local_day.between(f"{month}-01", f"{month}-31"),
                )
            )
        for grain, model, source in _SOURCES:
            rows = or_(
                *(
                    and_(model.branch_id == b, model.scorecard_id == s, _in_month(grain, model, m))
                    for b, s, m in chunk
                )
            )
            connection.execute(delete(model).where(rows))
            connection.execute(_insert(model.__table__, source((or_(*visits),), grain)))


def _in_month(grain: Grain, model: Any, month: str) -> ColumnElement[bool]:
    """The rows of ``model`` in month ``YYYY-MM``: its month row, or its days."""
    period = grain.period(model)
    if grain is MONTHS:
        return period == month
    return period.between(f"{month}-01", f"{month}-31")


_IDS = "rollup_visit_ids"
_KEYS = "rollup_keys"
_BUSY = "rollup_busy"
_FLUSHING = "rollup_flushing"
_REBUILD = "rollup_rebuild"
_STALE = "rollup_stale_visits"


def _visit_id(obj: object) -> int | None:
    """The visit an object of the session is about, without loading anything."""
    if isinstance(obj, Visit):
        return inspect(obj).dict.get("id")
    if isinstance(obj, Answer | VisitSectionScore):
        state = inspect(obj).dict
        visit_id = state.get("visit_id")
        if visit_id is None and (visit := state.get("visit")) is not None:
            visit_id = inspect(visit).dict.get("id")
        return visit_id
    if isinstance(obj, AuditEvent):
        state = inspect(obj).dict
        if state.get("subject_type") == Visit.__tablename__:
            return state.get("subject_id")
    return None


def _touched(session: Session) -> set[int]:
    ids = (_visit_id(obj) for obj in chain(session.new, session.dirty, session.deleted))
    return {i for i in ids if i is not None}


def _counts_nowhere(session: Session, visit_id: int) -> bool:
    """Whether the session's own copy shows the visit outside every report, both as it
    was read and as changed since (a draft, or a visit sent and not yet approved).

    Such a visit has no keys, and asking the database would only say so again: a
    shopper's start, autosaves, photos and submission then send no rollup query. A
    visit a Core statement changed is asked about until it is read again
    (:func:`_read_again`): the session's copy may be older than the row.
    """
    if visit_id in session.info.get(_STALE, ()):
        return False
    visit = session.identity_map.get(identity_key(Visit, visit_id))
    if visit is None:
        return False
    state = inspect(visit)
    if "status" not in state.dict:
        return False
    added, unchanged, deleted = state.attrs.status.history
    statuses = [*added, *unchanged, *deleted]
    return bool(statuses) and not any(s in REPORTABLE_STATUSES for s in statuses)


def _read_again(target: Visit, context: Any, attrs: Iterable[str] | None = None) -> None:
    if context is None:  # values a bulk UPDATE set in Python, not read from the row
        return
    stale = context.session.info.get(_STALE)
    if stale and (attrs is None or "status" in attrs):
        stale.discard(inspect(target).identity[0])


def _keys_of(session: Session, visit_ids: Iterable[int]) -> set[Key]:
    """The keys the visits count in as they are now; visits that count nowhere (drafts,
    sent visits not yet approved, excluded ones) have none, so a shopper's autosave or
    a submission refreshes no rollup and takes no rollup lock."""
    ids = sorted(i for i in visit_ids if not _counts_nowhere(session, i))
    keys: set[Key] = set()
    month = _month()
    counted = visit_conditions(ReportFilter())
    for first in range(0, len(ids), 500):
        rows = session.execute(
            select(Visit.branch_id, Visit.scorecard_id, month)
            .where(Visit.id.in_(ids[first : first + 500]), *counted)
            .distinct()
        )
        keys.update((b, s, m) for b, s, m in rows)
    return keys


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    # The keys touched visits have now, before this flush moves any of them. Until the
    # flush ends, SELECTs it runs (loading a cascade) must not settle: the rows are in flux.
    session.info[_FLUSHING] = True
    ids = _touched(session)
    if ids:
        session.info.setdefault(_KEYS, set()).update(_keys_of(session, ids))


def _after_flush(session: Session, flush_context: Any) -> None:
    # New objects have their ids now; new, dirty and deleted still list this flush's objects.
    ids = _touched(session)
    if ids:
        session.info.setdefault(_IDS, set()).update(ids)


def _settle(session: Session) -> None:
    """Recompute the rows of every key recorded as touched (and forget them)."""
    if session.info.get(_BUSY):
        return
    session.info[_BUSY] = True
    try:
        ids = session.info.pop(_IDS, set())
        keys = session.info.pop(_KEYS, set())
        if session.info.pop(_REBUILD, False):
            rebuild_rollups_on(session.connection())
            ids, keys = set(), set()
        if ids:
            keys |= _keys_of(session, ids)  # where they are now
        if keys:
            refresh_rollups(session.connection(), keys)
    finally:
        session.info.pop(_BUSY, None)


def _refresh_after_flush(session: Session, flush_context: Any) -> None:
    # Within the flush, so reports read later in the same transaction see the change too.
    session.info.pop(_FLUSHING, None)
    _settle(session)


def _refresh_before_commit(session: Session) -> None:
    session.flush()
    _settle(session)  # what Core statements changed with nothing left to flush


_VISIT_OF_TABLE: dict[str, Any] = {
    Visit.__tablename__: Visit.id,
    Answer.__tablename__: Answer.visit_id,
    VisitSectionScore.__tablename__: VisitSectionScore.visit_id,
}


def _watch_statements(state: Any) -> None:
    """Core UPDATE/DELETE of visits, answers or section scores through the session: record
    the visits they match (and where those are now); before any ORM SELECT, settle."""
    session = state.session
    if session.info.get(_BUSY):
        return
    if state.is_select:
        if session.info.get(_FLUSHING):
            return
        if session.info.get(_IDS) or session.info.get(_KEYS) or session.info.get(_REBUILD):
            _settle(session)
        return
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if state.execution_options.get(LOCK_ONLY):
        return
    table = getattr(state.statement, "table", None)
    visit_id = _VISIT_OF_TABLE.get(getattr(table, "name", ""))
    if visit_id is None:
        return
    if state.is_insert or isinstance(state.parameters, list | tuple):
        # Bulk INSERT, or UPDATE by primary keys from a list: no cheap way to tell which
        # visits; rebuild every row when it settles (nothing in the application does this).
        session.info[_REBUILD] = True
        return
    session.info[_BUSY] = True
    try:
        query = select(visit_id).distinct()
        if state.statement.whereclause is not None:
            query = query.where(state.statement.whereclause)
        ids = set(session.execute(query, params=state.parameters).scalars())
        if ids:
            session.info.setdefault(_STALE, set()).update(ids)
            session.info.setdefault(_IDS, set()).update(ids)
            session.info.setdefault(_KEYS, set()).update(_keys_of(session, ids))
    finally:
        session.info.pop(_BUSY, None)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_IDS, None)
        session.info.pop(_KEYS, None)
        session.info.pop(_BUSY, None)
        session.info.pop(_FLUSHING, None)
        session.info.pop(_REBUILD, None)
        session.info.pop(_STALE, None)


def register_rollup_hooks() -> None:
    """Keep the rollups current in every session's transactions (the app factory calls this;
    calling it again changes nothing)."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("after_flush_postexec", _refresh_after_flush),
        ("before_commit", _refresh_before_commit),
        ("do_orm_execute", _watch_statements),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    for name in ("load", "refresh"):
        if not event.contains(Visit, name, _read_again):
            event.listen(Visit, name, _read_again)


__all__ = [
    "DAYS",
    "FIGURE_SUMS",
    "MONTHS",
    "Grain",
    "MonthSplit",
    "Part",
    "direct_queries",
    "month_split",
    "month_of",
    "nps_counts",
    "question_aggregates",
    "reads_rollups",
    "rebuild_rollups",
    "rebuild_rollups_on",
    "refresh_rollups",
    "register_rollup_hooks",
    "rollup_parts",
    "rollup_conditions",
    "section_aggregates",
    "summed_figures",
    "visit_figure_columns",
    "visit_rank_mean",
]
