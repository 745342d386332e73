"""SQL building blocks every report query shares.

- :func:`visit_conditions`: the WHERE clauses that make a visit count for a
  filter (reportable status, not excluded, scored, not a customer survey card,
  period, scorecard, unit,
  and the viewer's scope). They refer to ``visits`` only, so any query that
  has ``visits`` in its FROM can use them.
- :func:`figure_columns` / :func:`figure_of`: the aggregates a
  :class:`~audit.reporting.stats.Figure` is built from (n, Σx, Σx², passes,
  critical fails); queries using them must join ``scorecard_versions``
  (:func:`from_visits`). :func:`section_figure_columns` are the same of
  section scores (:func:`from_section_scores`).
- :func:`latest_sections` / :func:`latest_questions`: titles and targets
  from the newest published (or retired) version holding each key, so one
  scorecard reports across versions by section and question key;
  :func:`with_latest` joins them to aggregates per key.
- :func:`period_conditions` / :func:`visit_month`: a period and a month are the branch's
  own, read from ``visits.local_day`` (the visit's date in its branch's time zone,
  ``YYYY-MM-DD``, kept by :mod:`audit.org.timezones`): a visit at 23:30 in Los Angeles
  on 31 January counts on that day and in that month, though it is 1 February in UTC.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Numeric,
    Select,
    Subquery,
    case,
    cast,
    false,
    func,
    literal_column,
    select,
)

from audit.models import (
    REPORTABLE_STATUSES,
    Branch,
    Scorecard,
    ScorecardQuestion,
    ScorecardSection,
    ScorecardVersion,
    VersionStatus,
    Visit,
    VisitSectionScore,
    visit_staff,
)
from audit.reporting.filters import ReportFilter
from audit.reporting.stats import Figure

#: League means are compared rounded to this many decimals, so that two means equal
#: but for floating-point summation order tie instead of ranking by noise.
RANK_DECIMALS = 6


def scorecard_id(slug: str) -> ColumnElement[Any]:
    return select(Scorecard.id).where(Scorecard.slug == slug).scalar_subquery()


def survey_scorecard_ids() -> Select:
    """The scorecards customers answer themselves (channel ``survey``)."""
    return select(Scorecard.id).where(Scorecard.channel == "survey")


def branch_conditions(flt: ReportFilter) -> list[ColumnElement[bool]]:
    """Conditions on ``branches`` for the filter's region and the viewer's scope."""
    conditions: list[ColumnElement[bool]] = []
    if flt.region_id is not None:
        conditions.append(Branch.region_id == flt.region_id)
    if flt.scope_region_ids is not None:
        conditions.append(
            Branch.region_id.in_(sorted(flt.scope_region_ids)) if flt.scope_region_ids else false()
        )
    return conditions


def visit_conditions(flt: ReportFilter, *, staff: bool = True) -> list[ColumnElement[bool]]:
    """Conditions on ``visits`` for every field of the filter.

    ``staff=False`` leaves the staff member out (a staff league joins
    ``visit_staff`` itself).
    """
    conditions: list[ColumnElement[bool]] = [
        Visit.status.in_(REPORTABLE_STATUSES),
        Visit.excluded.is_(False),
        Visit.percent.is_not(None),
        # Customers' own survey responses are the customer-voice figures
        # (reporting/customer_voice.py), never mystery-shop ones.
        Visit.scorecard_id.not_in(survey_scorecard_ids()),
    ]
    if flt.scorecard is not None:
        conditions.append(Visit.scorecard_id == scorecard_id(flt.scorecard))
    conditions.extend(period_conditions(flt.date_from, flt.date_to))
    if flt.branch_id is not None:
        conditions.append(Visit.branch_id == flt.branch_id)
    by_branch = branch_conditions(flt)
    if by_branch:
        conditions.append(Visit.branch_id.in_(select(Branch.id).where(*by_branch)))
    if staff and flt.staff_id is not None:
        # IN, not a correlated EXISTS: the staff member's few visits are found through
        # ix_visit_staff_staff_member_id instead of testing every visit of the period.
        conditions.append(
            Visit.id.in_(
                select(visit_staff.c.visit_id).where(visit_staff.c.staff_member_id == flt.staff_id)
            )
        )
    return conditions


def period_conditions(date_from: date | None, date_to: date | None) -> list[ColumnElement[bool]]:
    """Visits whose local day (their branch's calendar) is in ``date_from``..``date_to``,
    both inclusive; ``None`` leaves that end open. ISO dates compare as strings."""
    conditions: list[ColumnElement[bool]] = []
    if date_from is not None:
        conditions.append(Visit.local_day >= date_from.isoformat())
    if date_to is not None:
        conditions.append(Visit.local_day <= date_to.isoformat())
    return conditions


def visit_month() -> ColumnElement[str]:
    """``YYYY-MM``: the month a visit counts in, its branch's (the first 7 characters of
    its local day). The numbers are inline, not parameters, so PostgreSQL sees the same
    expression in SELECT and GROUP BY."""
    return func.substr(Visit.local_day, literal_column("1"), literal_column("7"))


def from_visits(query: Select) -> Select:
    """``query`` selecting from visits joined to their scorecard version (for targets)."""
    return query.select_from(Visit).join(ScorecardVersion, ScorecardVersion.id == Visit.version_id)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0 over no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def figure_columns() -> tuple[ColumnElement[Any], ...]:
    """n, Σpercent, Σpercent², visits meeting their version's target, critical fails."""
    return (
        func.count(Visit.percent).label("n"),
        func.coalesce(func.sum(Visit.percent), 0.0).label("total"),
        func.coalesce(func.sum(Visit.percent * Visit.percent), 0.0).label("total_sq"),
        count_if(Visit.percent >= ScorecardVersion.target).label("passed"),
        count_if(Visit.critical_failed.is_(True)).label("critical"),
    )


def from_section_scores(query: Select) -> Select:
    """``query`` selecting from section scores joined to their visit and their version's
    section (for its target)."""
    return (
        query.select_from(VisitSectionScore)
        .join(Visit, Visit.id == VisitSectionScore.visit_id)
        .join(ScorecardSection, ScorecardSection.id == VisitSectionScore.section_id)
    )


def section_figure_columns() -> tuple[ColumnElement[Any], ...]:
    """n, Σpercent, Σpercent² of section scores, how many met their version's section target
    of how many were judged (the version set one), critical fails (:func:`from_section_scores`).
    """
    percent = VisitSectionScore.percent
    judged = ScorecardSection.target.is_not(None) & percent.is_not(None)
    return (
        func.count(percent).label("n"),
        func.coalesce(func.sum(percent), 0.0).label("total"),
        func.coalesce(func.sum(percent * percent), 0.0).label("total_sq"),
        count_if(judged & (percent >= ScorecardSection.target)).label("passed"),
        count_if(judged).label("judged"),
        count_if(VisitSectionScore.critical_failed.is_(True)).label("critical"),
    )


def rank_mean(percent: ColumnElement[Any]) -> ColumnElement[Any]:
    """The mean used for ranking: avg(percent) rounded to :data:`RANK_DECIMALS`."""
    return func.round(cast(func.avg(percent), Numeric), RANK_DECIMALS)


def figure_of(row: Any, prefix: str = "") -> Figure:
    """A Figure from a row holding :func:`figure_columns` (optionally prefixed)."""
    m = row._mapping
    return Figure.from_sums(
        m[prefix + "n"],
        m[prefix + "total"],
        m[prefix + "total_sq"],
        m[prefix + "passed"],
        m[prefix + "critical"],
    )


def as_float(column: ColumnElement[Any]) -> ColumnElement[float]:
    return cast(column, Float)


# --- titles and targets across versions --------------------------------------------


def _published(flt: ReportFilter) -> list[ColumnElement[bool]]:
    conditions = [ScorecardVersion.status != VersionStatus.DRAFT]
    if flt.scorecard is not None:
        conditions.append(ScorecardVersion.scorecard_id == scorecard_id(flt.scorecard))
    return conditions


def _by_version(
    flt: ReportFilter,
    item: type[ScorecardSection] | type[ScorecardQuestion],
    *columns: ColumnElement[Any],
) -> Select:
    """``item``'s scorecard, version number, key and ``columns`` in every non-draft version,
    numbered ``newest`` from 1 for the newest version holding each (scorecard, key)."""
    newest_first = func.row_number().over(
        partition_by=(ScorecardVersion.scorecard_id, item.key),
        order_by=ScorecardVersion.number.desc(),
    )
    return (
        select(
            ScorecardVersion.scorecard_id,
            ScorecardVersion.number.label("version_number"),
            item.key,
            *columns,
            newest_first.label("newest"),
        )
        .join(ScorecardVersion, ScorecardVersion.id == item.version_id)
        .where(*_published(flt))
    )


def latest_sections(flt: ReportFilter) -> Subquery:
    """One row per (scorecard_id, key): the section as the newest version holding it has it."""
    s = ScorecardSection
    ranked = _by_version(flt, s, s.title, s.position, s.target).subquery("ranked_sections")
    return select(ranked).where(ranked.c.newest == 1).subquery("latest_sections")


def latest_questions(flt: ReportFilter) -> Subquery:
    """One row per (scorecard_id, key): the question as the newest version holding it has it.

    Its section's title is the newest title of that section key, so a
    question and its section read the same in every table.
    """
    q = ScorecardQuestion
    ranked = (
        _by_version(flt, q, q.text, q.type, q.position, ScorecardSection.key.label("section_key"))
        .join(ScorecardSection, ScorecardSection.id == q.section_id)
        .subquery("ranked_questions")
    )
    sections = latest_sections(flt)
    return (
        select(ranked, sections.c.title.label("section_title"))
        .join(
            sections,
            (sections.c.scorecard_id == ranked.c.scorecard_id)
            & (sections.c.key == ranked.c.section_key),
        )
        .where(ranked.c.newest == 1)
        .subquery("latest_questions")
    )


def with_latest(
    aggregates: Subquery, latest: Subquery, key: str, *columns: ColumnElement[Any]
) -> Select:
    """``aggregates`` (rows per ``scorecard_id`` and the key column ``key``) with their
    scorecard's slug and ``columns``, read from ``latest`` (:func:`latest_sections` or
    :func:`latest_questions`) for the same scorecard and key."""
    return (
        select(aggregates, Scorecard.slug, *columns)
        .select_from(aggregates)
        .join(Scorecard, Scorecard.id == aggregates.c.scorecard_id)
        .join(
            latest,
            (latest.c.scorecard_id == aggregates.c.scorecard_id)
            & (latest.c.key == aggregates.c[key]),
        )
    )
