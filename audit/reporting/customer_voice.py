"""The customer's own voice: CSAT, NPS and CES from survey responses, aggregated in SQL.

A survey response is a visit of a scorecard whose channel is ``survey``
(stored by :mod:`audit.surveys`). Which question carries which measure is said
by the question's ``measure`` attribute in the scorecard file (``nps``,
``csat``, ``ces``); a survey card that marks no NPS question has its ``nps``
type question counted as NPS. The figures:

- **CSAT**: the share of satisfaction answers of 4 or 5 (on 1–5), with its
  Wilson interval;
- **NPS**: % of 9–10 minus % of 0–6 (DESIGN.md), with the adjusted Wald
  interval (:func:`~audit.reporting.stats.nps_interval`);
- **CES**: the mean effort answer (1–7, higher is easier), with its t interval.

A response counts once it is stored (a customer's answer has no review) unless a
manager excluded it; drafts never count. Mystery-shop figures never include
responses: they are separate visits of separate scorecards.

Every function runs a fixed number of queries whatever the number of branches or
responses. :func:`survey_questions` reads the measures from the survey cards'
version definitions (a handful of rows) so that the aggregate queries filter by
question id, the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)

from audit.extensions import db
from audit.models import (
    Answer,
    Branch,
    Region,
    Scorecard,
    ScorecardQuestion,
    ScorecardVersion,
    SharedSurveyComment,
    StaffMember,
    VersionStatus,
    Visit,
    VisitStatus,
    visit_staff,
)
from audit.reporting.filters import ReportFilter
from audit.reporting.league import branch_league
from audit.reporting.months import month_key, month_keys, month_start
from audit.reporting.sql import branch_conditions, count_if, period_conditions, visit_month
from audit.reporting.stats import (
    Correlation,
    Interval,
    correlation,
    mean_interval,
    nps_interval,
    nps_score,
    wilson_interval,
)

#: The scorecard channel of customer surveys.
SURVEY_CHANNEL = "survey"
#: Satisfaction answers at or above this count as satisfied (4 and 5 on 1–5).
CSAT_SATISFIED = 4
#: NPS bands: 9–10 promoters, 0–6 detractors.
PROMOTER_FROM, DETRACTOR_UP_TO = 9, 6
MEASURES = ("nps", "csat", "ces")

__all__ = [
    "CommentLine",
    "definition_measures",
    "NpsGroup",
    "ShopVersusNps",
    "SurveyQuestions",
    "UnitVoice",
    "VoiceFigures",
    "VoiceMonth",
    "latest_comments",
    "response_conditions",
    "shared_with",
    "shop_versus_nps",
    "survey_questions",
    "voice_by",
    "voice_figures",
    "voice_figures_of",
    "voice_trend",
]


# --------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class SurveyQuestions:
    """The ids of the survey cards' question rows carrying each measure, and the comments."""

    nps: tuple[int, ...] = ()
    csat: tuple[int, ...] = ()
    ces: tuple[int, ...] = ()
    comment: tuple[int, ...] = ()

    @property
    def measured(self) -> tuple[int, ...]:
        return (*self.nps, *self.csat, *self.ces)

    @property
    def empty(self) -> bool:
        return not self.measured


def definition_measures(definition: dict[str, Any]) -> tuple[dict[str, str], set[str]]:
    """{question key: measure} and the comment keys of one version's definition.

    A comment is a free-text question shown to everyone (no ``show_if``): a text
    question behind "may we contact you" holds contact details, not a comment.
    """
    measures: dict[str, str] = {}
    comments: set[str] = set()
    nps_typed: list[str] = []
    for section in definition.get("sections") or ():
        for question in section.get("questions") or ():
            key, kind = question.get("key"), question.get("type")
            measure = question.get("measure")
            if measure in MEASURES:
                measures[key] = measure
            elif kind == "nps":
                nps_typed.append(key)
            if kind == "text" and not question.get("show_if"):
                comments.add(key)
    if "nps" not in measures.values():
        measures.update(dict.fromkeys(nps_typed, "nps"))
    return measures, comments


def survey_questions() -> SurveyQuestions:
    """Which question rows of the survey cards' published (or retired) versions carry
    NPS, CSAT, CES and comments (one query over the survey cards' questions)."""
    rows = db.session.execute(
        select(
            ScorecardQuestion.id,
            ScorecardQuestion.key,
            ScorecardVersion.id.label("version_id"),
            ScorecardVersion.definition,
        )
        .join(ScorecardVersion, ScorecardVersion.id == ScorecardQuestion.version_id)
        .join(Scorecard, Scorecard.id == ScorecardVersion.scorecard_id)
        .where(Scorecard.channel == SURVEY_CHANNEL, ScorecardVersion.status != VersionStatus.DRAFT)
        .order_by(ScorecardQuestion.id)
    )
    found: dict[str, list[int]] = {name: [] for name in (*MEASURES, "comment")}
    by_version: dict[int, tuple[dict[str, str], set[str]]] = {}
    for row in rows:
        if row.version_id not in by_version:
            by_version[row.version_id] = definition_measures(row.definition or {})
        measures, comments = by_version[row.version_id]
        if row.key in measures:
            found[measures[row.key]].append(row.id)
        if row.key in comments:
            found["comment"].append(row.id)
    return SurveyQuestions(**{name: tuple(ids) for name, ids in found.items()})


# --------------------------------------------------------------------------- conditions


def response_conditions(flt: ReportFilter) -> list[ColumnElement[bool]]:
    """Conditions on ``visits`` for survey responses in the filter.

    Not :func:`audit.reporting.sql.visit_conditions`: a response counts once stored
    (submitted, with no review) and whatever its score; the filter's scorecard is the
    mystery-shop card of the page and does not narrow the responses.
    """
    conditions: list[ColumnElement[bool]] = [
        Visit.status != VisitStatus.DRAFT,
        Visit.excluded.is_(False),
    ]
    conditions.extend(period_conditions(flt.date_from, flt.date_to))
    if flt.branch_id is not None:
        conditions.append(Visit.branch_id == flt.branch_id)
    by_branch = branch_conditions(flt)
    if by_branch:
        conditions.append(Visit.branch_id.in_(select(Branch.id).where(*by_branch)))
    if flt.staff_id is not None:
        conditions.append(
            Visit.id.in_(
                select(visit_staff.c.visit_id).where(visit_staff.c.staff_member_id == flt.staff_id)
            )
        )
    return conditions


def _usable_answer() -> list[ColumnElement[bool]]:
    return [
        Answer.value_number.is_not(None),
        Answer.is_na.is_(False),
        Answer.hidden.is_(False),
    ]


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class VoiceFigures:
    """CSAT, NPS and CES over a set of responses, each with its n and 95% interval.

    ``csat`` is a share 0–1 (shown as a percent), ``nps`` an integer −100..100,
    ``ces`` a mean on 1–7.
    """

    responses: int
    csat_n: int
    csat_satisfied: int
    nps_n: int
    promoters: int
    detractors: int
    ces_n: int
    ces_total: float
    ces_total_sq: float

    @property
    def csat(self) -> float | None:
        return self.csat_satisfied / self.csat_n if self.csat_n else None

    @property
    def csat_interval(self) -> Interval | None:
        return wilson_interval(self.csat_satisfied, self.csat_n)

    @property
    def passives(self) -> int:
        return self.nps_n - self.promoters - self.detractors

    @property
    def nps(self) -> int | None:
        return nps_score(self.promoters, self.detractors, self.nps_n)

    @property
    def nps_interval(self) -> Interval | None:
        return nps_interval(self.promoters, self.detractors, self.nps_n)

    @property
    def ces(self) -> float | None:
        return self.ces_total / self.ces_n if self.ces_n else None

    @property
    def ces_interval(self) -> Interval | None:
        return mean_interval(self.ces_n, self.ces_total, self.ces_total_sq)

    @classmethod
    def empty(cls) -> VoiceFigures:
        return cls(0, 0, 0, 0, 0, 0, 0, 0.0, 0.0)

    @classmethod
    def of(cls, row: Any) -> VoiceFigures:
        m = row._mapping
        return cls(
            responses=int(m["responses"] or 0),
            csat_n=int(m["csat_n"] or 0),
            csat_satisfied=int(m["csat_satisfied"] or 0),
            nps_n=int(m["nps_n"] or 0),
            promoters=int(m["promoters"] or 0),
            detractors=int(m["detractors"] or 0),
            ces_n=int(m["ces_n"] or 0),
            ces_total=float(m["ces_total"] or 0.0),
            ces_total_sq=float(m["ces_total_sq"] or 0.0),
        )


def _in(ids: tuple[int, ...]) -> ColumnElement[bool]:
    return Answer.question_id.in_(ids) if ids else literal(False)


def _voice_columns(questions: SurveyQuestions) -> tuple[ColumnElement[Any], ...]:
    value = Answer.value_number
    is_ces = _in(questions.ces)
    return (
        func.count(func.distinct(Answer.visit_id)).label("responses"),
        count_if(_in(questions.csat)).label("csat_n"),
        count_if(_in(questions.csat) & (value >= CSAT_SATISFIED)).label("csat_satisfied"),
        count_if(_in(questions.nps)).label("nps_n"),
        count_if(_in(questions.nps) & (value >= PROMOTER_FROM)).label("promoters"),
        count_if(_in(questions.nps) & (value <= DETRACTOR_UP_TO)).label("detractors"),
        count_if(is_ces).label("ces_n"),
        func.coalesce(func.sum(case((is_ces, value))), 0.0).label("ces_total"),
        func.coalesce(func.sum(case((is_ces, value * value))), 0.0).label("ces_total_sq"),
    )


def _voice_query(
    flt: ReportFilter, questions: SurveyQuestions, *group: ColumnElement[Any]
) -> Select:
    return (
        select(*group, *_voice_columns(questions))
        .select_from(Answer)
        .join(Visit, Visit.id == Answer.visit_id)
        .where(
            Answer.question_id.in_(questions.measured),
            *_usable_answer(),
            *response_conditions(flt),
        )
    )


def voice_figures(flt: ReportFilter, questions: SurveyQuestions | None = None) -> VoiceFigures:
    """CSAT, NPS and CES of the filter's unit (one query, after :func:`survey_questions`)."""
    return voice_figures_of([flt], questions)[0]


def voice_figures_of(
    filters: list[ReportFilter], questions: SurveyQuestions | None = None
) -> list[VoiceFigures]:
    """The figures of each filter (a branch, its region, the company...), in one statement."""
    questions = questions if questions is not None else survey_questions()
    if questions.empty or not filters:
        return [VoiceFigures.empty() for _ in filters]
    parts = [
        _voice_query(flt, questions, literal_column(str(i)).label("part"))
        for i, flt in enumerate(filters)
    ]
    query = parts[0] if len(parts) == 1 else union_all(*parts)
    found = {int(row.part): VoiceFigures.of(row) for row in db.session.execute(query)}
    return [found.get(i, VoiceFigures.empty()) for i in range(len(filters))]


class UnitLevel(enum.StrEnum):
    BRANCH = "branch"
    REGION = "region"
    STAFF = "staff"


@dataclass(frozen=True)
class UnitVoice:
    """A branch's, region's or staff member's figures (``code`` None for a region)."""

    id: int
    name: str
    code: str | None
    figures: VoiceFigures

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


def voice_by(
    flt: ReportFilter, level: UnitLevel | str, questions: SurveyQuestions | None = None
) -> list[UnitVoice]:
    """The figures of every branch, region or staff member with responses in the filter,
    by name (one query)."""
    level = UnitLevel(level)
    questions = questions if questions is not None else survey_questions()
    if questions.empty:
        return []
    if level is UnitLevel.STAFF:
        unit: Any = visit_staff.c.staff_member_id
        query = _voice_query(flt, questions, unit.label("unit_id")).join(
            visit_staff, visit_staff.c.visit_id == Visit.id
        )
        table: Any = StaffMember
        code: Any = StaffMember.code
    elif level is UnitLevel.REGION:
        unit = Branch.region_id
        query = _voice_query(flt, questions, unit.label("unit_id")).join(
            Branch, Branch.id == Visit.branch_id
        )
        table, code = Region, literal(None)
    else:
        unit = Visit.branch_id
        query = _voice_query(flt, questions, unit.label("unit_id"))
        table, code = Branch, Branch.code
    agg = query.group_by(unit).subquery("unit_voice")
    rows = db.session.execute(
        select(table.id, table.name, code.label("code"), *(c for c in agg.c if c.name != "unit_id"))
        .join(agg, agg.c.unit_id == table.id)
        .order_by(table.name, table.id)
    )
    return [UnitVoice(row.id, row.name, row.code, VoiceFigures.of(row)) for row in rows]


@dataclass(frozen=True)
class VoiceMonth:
    month: str  # "YYYY-MM"
    figures: VoiceFigures


def voice_trend(flt: ReportFilter, questions: SurveyQuestions | None = None) -> list[VoiceMonth]:
    """The figures per calendar month (the branch's), from the first month with a response to the
    end of the period; months without responses are kept empty (one GROUP BY)."""
    questions = questions if questions is not None else survey_questions()
    if questions.empty:
        return []
    month = visit_month()
    rows = db.session.execute(
        _voice_query(flt, questions, month.label("month")).group_by(month)
    ).all()
    found = {row.month: VoiceFigures.of(row) for row in rows}
    if not found:
        return []
    last = max(found)
    if flt.date_to is not None:
        last = max(last, month_key(flt.date_to))
    keys = month_keys(month_start(min(found)), month_start(last))
    return [VoiceMonth(key, found.get(key) or VoiceFigures.empty()) for key in keys]


# --------------------------------------------------------------------------- comments


class NpsGroup(enum.StrEnum):
    """The comments' filter by the customer's recommend score."""

    DETRACTOR = "detractor"  # 0-6
    PASSIVE = "passive"  # 7-8
    PROMOTER = "promoter"  # 9-10

    @property
    def label(self) -> str:
        if self is NpsGroup.DETRACTOR:
            return gettext("Detractors (0–6)")
        if self is NpsGroup.PASSIVE:
            return gettext("Passives (7–8)")
        return gettext("Promoters (9–10)")

    def condition(self, score: ColumnElement[Any]) -> ColumnElement[bool]:
        if self is NpsGroup.DETRACTOR:
            return score <= DETRACTOR_UP_TO
        if self is NpsGroup.PROMOTER:
            return score >= PROMOTER_FROM
        return and_(score > DETRACTOR_UP_TO, score < PROMOTER_FROM)


@dataclass(frozen=True)
class CommentLine:
    """A response's comment with its scores; ``staff`` are the names the response names."""

    visit_id: int
    visited_at: datetime
    branch_code: str
    branch_name: str
    comment: str
    nps: int | None
    csat: int | None
    ces: int | None
    staff: tuple[str, ...]
    shared: bool
    timezone: str = "UTC"  # the branch's IANA zone, the clock ``visited_at`` is shown on

    @property
    def nps_group(self) -> NpsGroup | None:
        if self.nps is None:
            return None
        if self.nps <= DETRACTOR_UP_TO:
            return NpsGroup.DETRACTOR
        return NpsGroup.PROMOTER if self.nps >= PROMOTER_FROM else NpsGroup.PASSIVE


def _score_of(ids: tuple[int, ...]) -> ColumnElement[Any]:
    return func.max(case((_in(ids) & Answer.is_na.is_(False), Answer.value_number)))


def _whole(value: Any) -> int | None:
    return None if value is None else round(float(value))


def latest_comments(
    flt: ReportFilter,
    limit: int = 20,
    *,
    group: NpsGroup | str | None = None,
    shared_only: bool = False,
    questions: SurveyQuestions | None = None,
) -> list[CommentLine]:
    """The newest responses with a comment, each with its scores (two queries).

    ``group`` keeps detractors, passives or promoters only; ``shared_only`` the
    comments a manager shared with the staff member named (the staff portal's list).
    """
    questions = questions if questions is not None else survey_questions()
    if not questions.comment:
        return []
    is_comment = _in(questions.comment) & (func.length(func.trim(Answer.value_text)) > 0)
    comment = func.max(case((is_comment, Answer.value_text)))
    nps = _score_of(questions.nps)
    query = (
        select(
            Visit.id,
            Visit.visited_at,
            Branch.code,
            Branch.name,
            Branch.timezone,
            comment.label("comment"),
            nps.label("nps"),
            _score_of(questions.csat).label("csat"),
            _score_of(questions.ces).label("ces"),
            func.max(SharedSurveyComment.visit_id).label("shared"),
        )
        .select_from(Answer)
        .join(Visit, Visit.id == Answer.visit_id)
        .join(Branch, Branch.id == Visit.branch_id)
        .outerjoin(SharedSurveyComment, SharedSurveyComment.visit_id == Visit.id)
        .where(
            Answer.question_id.in_((*questions.comment, *questions.measured)),
            Answer.hidden.is_(False),
            *response_conditions(flt),
        )
        .group_by(Visit.id, Visit.visited_at, Branch.code, Branch.name, Branch.timezone)
        .having(comment.is_not(None))
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(limit)
    )
    if group is not None:
        query = query.having(NpsGroup(group).condition(nps))
    if shared_only:
        query = query.where(SharedSurveyComment.visit_id.is_not(None))
    rows = db.session.execute(query).all()
    names = _staff_names(row.id for row in rows)
    return [
        CommentLine(
            visit_id=row.id,
            visited_at=row.visited_at,
            branch_code=row.code,
            branch_name=row.name,
            comment=row.comment.strip(),
            nps=_whole(row.nps),
            csat=_whole(row.csat),
            ces=_whole(row.ces),
            staff=names.get(row.id, ()),
            shared=row.shared is not None,
            timezone=row.timezone,
        )
        for row in rows
    ]


#: Shared comments listed on a staff member's portal.
SHARED_SHOWN = 20


def shared_with(staff_id: int, limit: int = SHARED_SHOWN) -> list[CommentLine]:
    """The customers' comments managers shared with the staff member, newest first (their
    portal's list: the comment, its date and scores, never the customer's e-mail)."""
    return latest_comments(ReportFilter(staff_id=staff_id), limit, shared_only=True)


def _staff_names(visit_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    ids = sorted(set(visit_ids))
    if not ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(visit_staff.c.visit_id, StaffMember.name)
        .join(StaffMember, StaffMember.id == visit_staff.c.staff_member_id)
        .where(visit_staff.c.visit_id.in_(ids))
        .order_by(StaffMember.name)
    )
    for row in rows:
        found.setdefault(row.visit_id, []).append(row.name)
    return {key: tuple(value) for key, value in found.items()}


# --------------------------------------------------------------------------- shop vs NPS


@dataclass(frozen=True)
class ShopPoint:
    """One branch: its mystery-shop mean (of ``shop_n`` visits) and its NPS."""

    branch_id: int
    code: str
    name: str
    shop_mean: float
    shop_n: int
    nps: int
    nps_n: int


@dataclass(frozen=True)
class ShopVersusNps:
    """Each branch's mystery-shop mean against its NPS, and the correlation between them.

    Only branches with at least ``min_n`` visits and ``min_n`` NPS answers are
    plotted: a branch resting on one answer would only add noise.
    """

    points: tuple[ShopPoint, ...]
    correlation: Correlation
    min_n: int
    left_out: int  # branches with figures on one side but too few on either


def shop_versus_nps(
    flt: ReportFilter, min_n: int, questions: SurveyQuestions | None = None
) -> ShopVersusNps:
    """The company view's scatter data (two queries after :func:`survey_questions`): the
    branch league of the filter's mystery-shop scorecard and the NPS of every branch."""
    league = branch_league(flt.peers(), min_n)
    voices = {v.id: v.figures for v in voice_by(flt.peers(), UnitLevel.BRANCH, questions)}
    points = []
    left_out = 0
    for entry in league.entries:
        voice = voices.get(entry.id)
        if entry.figure.n == 0 and voice is None:
            continue
        if (
            voice is None
            or entry.figure.mean is None
            or voice.nps is None
            or entry.figure.n < min_n
            or voice.nps_n < min_n
        ):
            left_out += 1
            continue
        points.append(
            ShopPoint(
                entry.id,
                entry.code,
                entry.name,
                entry.figure.mean,
                entry.figure.n,
                voice.nps,
                voice.nps_n,
            )
        )
    pairs = [(p.shop_mean, float(p.nps)) for p in points]
    return ShopVersusNps(tuple(points), correlation(pairs), min_n, left_out)
