"""Keeping a visit's answers and stored score in step with the scoring engine.

Scores are computed by :mod:`audit.scorecards.scoring` and stored when a visit is
submitted; they are recomputed only on purpose (a reviewer's edit, or
``flask visits rescore``), never silently when someone reads them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from audit.extensions import db
from audit.models import (
    Answer,
    Scorecard,
    ScorecardQuestion,
    ScorecardVersion,
    Visit,
    VisitSectionScore,
    VisitStatus,
    record_event,
)
from audit.scorecards.definition import Question, ScorecardDefinition
from audit.scorecards.scoring import NA, AnswerValue, VisitScore, score_visit
from audit.scorecards.store import definition_of

NUMERIC_TYPES = frozenset({"scale", "number", "nps"})


def stored_value(answer: Answer | None) -> AnswerValue:
    """The engine's value for a stored answer."""
    if answer is None:
        return None
    if answer.is_na:
        return NA
    if answer.value_number is not None:
        number = answer.value_number
        return int(number) if float(number).is_integer() else number
    return answer.value_text


def answer_values(visit: Visit) -> dict[str, AnswerValue]:
    return {a.question_key: stored_value(a) for a in visit.answers}


def comments_of(visit: Visit) -> dict[str, str]:
    return {a.question_key: a.comment for a in visit.answers if a.comment}


def set_answer(
    visit: Visit,
    question: Question,
    value: AnswerValue,
    comment: str | None = None,
    *,
    question_rows: Mapping[str, int] | None = None,
) -> Answer:
    """Write one answer's value (already normalised by the engine) onto the visit."""
    answer = visit.answer(question.key)
    if answer is None:
        rows = question_rows if question_rows is not None else _question_ids(visit.version)
        question_id = rows[question.key]
        answer = Answer(question_key=question.key, question_id=question_id)
        visit.answers.append(answer)
    answer.is_na = value is NA
    answer.value_number = None
    answer.value_text = None
    if value is not None and value is not NA:
        if question.type in NUMERIC_TYPES:
            answer.value_number = float(value)
        else:
            answer.value_text = str(value)
    if comment is not None:
        answer.comment = comment
    return answer


def _question_ids(version: ScorecardVersion) -> dict[str, int]:
    """From the version's question rows, loaded once per session (imports add many answers)."""
    return {q.key: q.id for q in version.questions}


class QuestionIds(Mapping[str, int]):
    """A version's question row ids by key, read when first asked for.

    Most saves only change answers that exist and need none; the first one that adds
    an answer reads the two columns in one query (or uses the version's question rows
    when they are loaded already), instead of loading every question row each time.
    """

    def __init__(self, version: ScorecardVersion) -> None:
        self._version = version
        self._ids: dict[str, int] | None = None

    def _read(self) -> dict[str, int]:
        if self._ids is None:
            version = self._version
            if "questions" in inspect(version).dict:
                self._ids = _question_ids(version)
            else:
                rows = db.session.execute(
                    select(ScorecardQuestion.key, ScorecardQuestion.id).where(
                        ScorecardQuestion.version_id == version.id
                    )
                )
                self._ids = {key: question_id for key, question_id in rows}
        return self._ids

    def __getitem__(self, key: str) -> int:
        return self._read()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


def store_score(visit: Visit, definition: ScorecardDefinition | None = None) -> VisitScore:
    """Score the visit's answers and store the result on the visit, answers and sections.

    Every question gets an Answer row (unanswered and hidden ones too), so that
    per-question figures in reports can count them in SQL.
    """
    definition = definition or definition_of(visit.version)
    score = score_visit(definition, answer_values(visit))
    question_ids = QuestionIds(visit.version)
    by_key = {a.question_key: a for a in visit.answers}
    for position, question in enumerate(definition.questions()):
        answer = by_key.get(question.key)
        if answer is None:
            answer = set_answer(visit, question, None, question_rows=question_ids)
        result = score.answers[question.key]
        answer.position = position
        answer.earned = result.earned
        answer.possible = result.possible
        answer.hidden = result.hidden
        answer.critical_failed = result.critical_failed

    section_ids = {s.key: s.id for s in visit.version.sections}
    existing = {s.section_key: s for s in visit.section_scores}
    for position, section in enumerate(definition.sections):
        result = score.sections[section.key]
        row = existing.get(section.key)
        if row is None:
            row = VisitSectionScore(section_key=section.key, section_id=section_ids[section.key])
            visit.section_scores.append(row)
        row.position = position
        row.earned = result.earned
        row.possible = result.possible
        row.percent = result.percent
        row.critical_failed = result.critical_failed

    visit.earned = score.earned
    visit.possible = score.possible
    visit.percent = score.percent
    visit.band = score.band
    visit.critical_failed = score.critical_failed
    visit.scored_at = datetime.now(UTC)
    return score


def score_changed(visit: Visit, definition: ScorecardDefinition | None = None) -> bool:
    """Whether rescoring would change the stored visit figures (reads, writes nothing)."""
    definition = definition or definition_of(visit.version)
    score = score_visit(definition, answer_values(visit))
    stored = (visit.earned, visit.possible, visit.percent, visit.band, visit.critical_failed)
    fresh = (score.earned, score.possible, score.percent, score.band, score.critical_failed)
    if stored != fresh:
        return True
    sections = {s.section_key: s.percent for s in visit.section_scores}
    return sections != {k: s.percent for k, s in score.sections.items()}


def rescore_visits(scorecard_slug: str | None = None) -> tuple[int, int]:
    """Recompute the stored score of every non-draft visit; returns (checked, changed).

    A visit whose figures change gets an AuditEvent with the old and new percent.
    """
    query = (
        select(Visit)
        .where(Visit.status != VisitStatus.DRAFT)
        .options(selectinload(Visit.answers), selectinload(Visit.section_scores))
        .order_by(Visit.id)
    )
    if scorecard_slug:
        query = query.join(Visit.scorecard).where(Scorecard.slug == scorecard_slug)
    checked = changed = 0
    definitions: dict[int, ScorecardDefinition] = {}
    for visit in db.session.scalars(query):
        definition = definitions.get(visit.version_id)
        if definition is None:
            definition = definitions[visit.version_id] = definition_of(visit.version)
        checked += 1
        if score_changed(visit, definition):
            before = visit.percent
            store_score(visit, definition)
            record_event(None, "visit.rescored", visit, before=before, after=visit.percent)
            changed += 1
    return checked, changed
