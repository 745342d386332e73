"""What a calibration case shows: agreement per question, each rater's differences from
the reference, and each rater's accuracy across cases (read by the shopper rating).

Answers are read in one query per case (with the other cases on the same scorecard
version, for alpha across cases); :func:`rater_accuracy` counts in SQL.

Two alphas are shown, because one case gives each question a single unit, on which
Krippendorff's alpha is not informative:

- **per question**, across every case on the same scorecard version (each case a unit):
  does this question get the same answer from different raters, case after case;
- **per case**, for each level of measurement, across the case's questions of that level
  (each question a unit): how far the raters agree on this case as a whole.

Only answers that were sent count; a rater's half-filled case is nobody's business yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import and_, case, func, select

from audit.calibration.agreement import Level, alpha, level_of, percent_agreement
from audit.calibration.service import definition_of_case, stored
from audit.extensions import db
from audit.models import (
    CalibrationAssignment,
    CalibrationCase,
    CalibrationReference,
    CalibrationResponse,
    CaseStatus,
    ScorecardQuestion,
)
from audit.scorecards.definition import Question
from audit.scorecards.scoring import AnswerValue
from audit.visits.answer_changes import answer_words

__all__ = [
    "CaseResults",
    "Difference",
    "QuestionAgreement",
    "RaterResult",
    "case_results",
    "rater_accuracy",
    "rater_feedback",
]


@dataclass(frozen=True)
class QuestionAgreement:
    question: Question
    level: Level | None
    reference: AnswerValue
    explanation: str
    #: Raters who sent an answer to this question.
    answered: int
    #: Pairwise percent agreement among them (0..1), None under two answers.
    percent: float | None
    #: How many of them gave the reference answer.
    matched: int
    #: Krippendorff's alpha across the cases on this version, and how many cases it rests on.
    alpha: float | None
    alpha_cases: int
    #: Each answer given, in words, with how many gave it (most given first).
    spread: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Difference:
    """One question where a rater's answer is not the reference."""

    question: Question
    answer: AnswerValue
    reference: AnswerValue
    explanation: str
    comment: str

    @property
    def answer_words(self) -> str:
        return answer_words(self.answer) or gettext("not answered")

    @property
    def reference_words(self) -> str:
        return answer_words(self.reference) or gettext("not asked")


@dataclass(frozen=True)
class RaterResult:
    assignment: CalibrationAssignment
    #: Questions compared with the reference (those with a reference answer, text aside).
    compared: int
    matched: int
    differences: list[Difference]

    @property
    def share(self) -> float | None:
        return self.matched / self.compared if self.compared else None


@dataclass(frozen=True)
class CaseResults:
    case: CalibrationCase
    questions: list[QuestionAgreement]
    raters: list[RaterResult]
    #: The case's alpha per level of measurement, over its questions of that level.
    case_alpha: dict[Level, float | None]
    #: Raters asked, and how many sent their answers.
    asked: int
    sent: int


def _compared(question: Question, reference: AnswerValue) -> bool:
    return question.type != "text" and reference is not None


def _answers_on_version(
    case: CalibrationCase,
) -> dict[int, dict[int, dict[str, CalibrationResponse]]]:
    """Sent answers of every shown case on this case's version: case id → assignment id →
    question key → response, in one query."""
    rows = db.session.execute(
        select(CalibrationAssignment.case_id, CalibrationAssignment.id, CalibrationResponse)
        .join(CalibrationResponse.assignment)
        .join(CalibrationAssignment.case)
        .where(
            CalibrationCase.version_id == case.version_id,
            CalibrationAssignment.submitted_at.is_not(None),
            (CalibrationCase.id == case.id)
            | CalibrationCase.status.in_((CaseStatus.PUBLISHED, CaseStatus.CLOSED)),
        )
    )
    answers: dict[int, dict[int, dict[str, CalibrationResponse]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for case_id, assignment_id, response in rows:
        answers[case_id][assignment_id][response.question_key] = response
    return answers


def _differences(
    questions: Sequence[Question],
    references: dict[str, CalibrationReference],
    responses: dict[str, CalibrationResponse],
) -> tuple[int, int, list[Difference]]:
    compared = matched = 0
    differences: list[Difference] = []
    for question in questions:
        reference_row = references.get(question.key)
        reference = stored(reference_row)
        if not _compared(question, reference):
            continue
        compared += 1
        response = responses.get(question.key)
        answer = stored(response)
        if answer == reference:
            matched += 1
            continue
        differences.append(
            Difference(
                question,
                answer,
                reference,
                reference_row.explanation if reference_row else "",
                response.comment if response else "",
            )
        )
    return compared, matched, differences


def case_results(case: CalibrationCase) -> CaseResults:
    """Agreement per question and each rater's differences, for the manager."""
    definition = definition_of_case(case)
    questions = list(definition.questions())
    references = {r.question_key: r for r in case.references}
    on_version = _answers_on_version(case)
    here = on_version.get(case.id, {})
    assignments = sorted(case.assignments, key=lambda a: a.rater.name.lower())

    agreements: list[QuestionAgreement] = []
    by_level: dict[Level, list[list[AnswerValue]]] = defaultdict(list)
    for question in questions:
        values = [stored(answers.get(question.key)) for answers in here.values()]
        reference = stored(references.get(question.key))
        level = level_of(question.type)
        given = [v for v in values if v is not None]
        spread: dict[str, int] = defaultdict(int)
        for value in given:
            spread[answer_words(value)] += 1
        units = [
            [stored(answers.get(question.key)) for answers in by_assignment.values()]
            for by_assignment in on_version.values()
        ]
        units = [u for u in units if sum(v is not None for v in u) >= 2]
        if level is not None and given:
            by_level[level].append(values)
        agreements.append(
            QuestionAgreement(
                question=question,
                level=level,
                reference=reference,
                explanation=references[question.key].explanation
                if question.key in references
                else "",
                answered=len(given),
                percent=percent_agreement(values) if level is not None else None,
                matched=sum(v == reference for v in given) if _compared(question, reference) else 0,
                alpha=alpha(units, level) if level is not None else None,
                alpha_cases=len(units) if level is not None else 0,
                spread=sorted(spread.items(), key=lambda item: (-item[1], item[0])),
            )
        )

    raters = []
    for assignment in assignments:
        if assignment.submitted_at is None:
            continue
        compared, matched, differences = _differences(
            questions, references, here.get(assignment.id, {})
        )
        raters.append(RaterResult(assignment, compared, matched, differences))
    return CaseResults(
        case=case,
        questions=agreements,
        raters=raters,
        case_alpha={level: alpha(units, level) for level, units in by_level.items()},
        asked=len(assignments),
        sent=sum(a.submitted_at is not None for a in assignments),
    )


def rater_feedback(assignment: CalibrationAssignment) -> RaterResult:
    """A rater's own result: where they differed from the reference and why. Reads only
    their own answers (never another rater's)."""
    case_ = assignment.case
    definition = definition_of_case(case_)
    references = {r.question_key: r for r in case_.references}
    responses = {r.question_key: r for r in assignment.responses}
    compared, matched, differences = _differences(
        list(definition.questions()), references, responses
    )
    return RaterResult(assignment, compared, matched, differences)


def _same(left, right):  # noqa: ANN001, ANN202
    """SQL: two stored columns hold the same value, NULL equal to NULL."""
    return left.is_not_distinct_from(right)


def rater_accuracy(user_ids: list[int]) -> dict[int, tuple[float, int]]:
    """For each rater with scored cases: (share of their answers that match the
    reference, 0..1; number of cases scored). Raters without scored cases are absent.

    A scored case is one whose answers the rater sent, on a published or closed case. The
    answers compared are those to questions with a reference answer, text questions aside
    (as on the case's page); a question the rater left unanswered (their own answers hid
    it) counts as not matching. Counted in SQL, in one query.
    """
    if not user_ids:
        return {}
    Ref, Resp, Asg = CalibrationReference, CalibrationResponse, CalibrationAssignment
    has_reference = (
        Ref.is_na.is_(True) | Ref.value_text.is_not(None) | Ref.value_number.is_not(None)
    )
    match = and_(
        Resp.id.is_not(None),
        Resp.is_na == Ref.is_na,
        _same(Resp.value_text, Ref.value_text),
        _same(Resp.value_number, Ref.value_number),
    )
    query = (
        select(
            Asg.rater_id,
            func.count(Ref.id),
            func.sum(case((match, 1), else_=0)),
            func.count(func.distinct(Asg.case_id)),
        )
        .join(CalibrationCase, CalibrationCase.id == Asg.case_id)
        .join(Ref, Ref.case_id == Asg.case_id)
        .join(
            ScorecardQuestion,
            and_(
                ScorecardQuestion.version_id == CalibrationCase.version_id,
                ScorecardQuestion.key == Ref.question_key,
            ),
        )
        .outerjoin(Resp, and_(Resp.assignment_id == Asg.id, Resp.question_key == Ref.question_key))
        .where(
            Asg.rater_id.in_(user_ids),
            Asg.submitted_at.is_not(None),
            CalibrationCase.status.in_((CaseStatus.PUBLISHED, CaseStatus.CLOSED)),
            ScorecardQuestion.type != "text",
            has_reference,
        )
        .group_by(Asg.rater_id)
    )
    return {
        rater_id: (float(matched or 0) / compared, cases)
        for rater_id, compared, matched, cases in db.session.execute(query)
        if compared
    }
