"""The scoring engine: a scorecard definition plus answers gives a score.

Pure functions only (no Flask, no database), so the same answers always give
the same score wherever they are computed: on submit, in a reviewer's edit, in
``flask visits rescore`` and in tests. The rules implemented here are the
contract in DESIGN.md ("Scoring rules"); nothing is rounded.

What an answer may be (:data:`AnswerValue`, :data:`NA`, :func:`normalise_value`)
is :mod:`audit.scorecards.values`; the names are importable from here too.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from audit.scorecards.definition import Question, ScorecardDefinition, ShowIfValue
from audit.scorecards.values import (
    NA,
    AnswerValue,
    Band,
    InvalidAnswer,
    as_number,
    normalise_value,
)

__all__ = [
    "NA",
    "AnswerScore",
    "AnswerValue",
    "Band",
    "InvalidAnswer",
    "SectionScore",
    "SubmissionProblem",
    "VisitScore",
    "band_for",
    "hidden_questions",
    "normalise_value",
    "nps",
    "question_earned",
    "score_visit",
    "submission_problems",
]


@dataclass(frozen=True)
class AnswerScore:
    """One question's part of the score.

    ``scored``: the question is a scored one (it can earn points), whatever
    the answer. ``na``: the visible question was answered N/A. ``hidden``: a
    ``show_if`` hid it, so it counts as N/A whatever was sent. ``answered``:
    a value (N/A included) counts for this question; False for unanswered and
    for hidden questions. An unanswered visible scored question has earned 0
    and its full possible (see :func:`score_visit`).
    """

    key: str
    earned: float
    possible: float
    scored: bool
    na: bool
    hidden: bool
    critical_failed: bool
    answered: bool = True


@dataclass(frozen=True)
class SectionScore:
    """A section's sums; ``percent`` is None when it has no possible points.

    With ``critical_fail: zero_section`` a section holding a failed critical
    question has ``earned`` 0 and ``percent`` 0 (``possible`` unchanged).
    """

    key: str
    earned: float
    possible: float
    percent: float | None
    critical_failed: bool


@dataclass(frozen=True)
class VisitScore:
    """The score of one visit.

    ``earned``/``possible`` are always the sums over the sections (after a
    ``zero_section`` zeroing); ``percent`` is points-based or weighted (see
    :func:`score_visit`) and is 0 after a ``zero_visit`` critical failure.
    ``sections`` and ``answers`` hold every section and question, in form order.
    """

    earned: float
    possible: float
    percent: float | None
    band: Band | None
    critical_failed: bool
    failed_critical: tuple[str, ...]
    sections: dict[str, SectionScore]
    answers: dict[str, AnswerScore]
    hidden: frozenset[str]


@dataclass(frozen=True)
class SubmissionProblem:
    """Something that stops a visit being submitted, worded for the shopper."""

    key: str
    message: str


# --------------------------------------------------------------------------- show_if


def _show_if_matches(controller: Question, value: AnswerValue, wanted: ShowIfValue) -> bool:
    """Whether a (visible, answered, non-N/A) controller value matches one show_if value.

    Numbers compare by value (``3 == 3.0``, ``"3"`` counts as 3 for a numeric
    controller); yes/no compare case-insensitively (``True`` means yes); option
    labels and text compare exactly.
    """
    if controller.type == "yes_no":
        if isinstance(wanted, bool):
            wanted = "yes" if wanted else "no"
        return isinstance(wanted, str) and wanted.strip().lower() == value
    if controller.type in ("scale", "number", "nps"):
        number = as_number(wanted)
        return number is not None and isinstance(value, int | float) and number == value
    return wanted == value


def _visibility(defn: ScorecardDefinition, values: Mapping[str, AnswerValue]) -> frozenset[str]:
    """Hidden question keys, given already-normalised values (form order)."""
    hidden: set[str] = set()
    seen: dict[str, Question] = {}
    for question in defn.questions():
        rule = question.show_if
        if rule is not None:
            controller = seen.get(rule.question)
            value = values.get(rule.question)
            shown = (
                controller is not None  # must be an earlier question
                and rule.question not in hidden
                and value is not None
                and value is not NA
                and any(_show_if_matches(controller, value, w) for w in rule.values)
            )
            if not shown:
                hidden.add(question.key)
        seen[question.key] = question
    return frozenset(hidden)


def _lenient_values(
    defn: ScorecardDefinition, answers: Mapping[str, object]
) -> tuple[dict[str, AnswerValue], dict[str, str]]:
    """Normalise every answer; an invalid one counts as unanswered and is reported."""
    values: dict[str, AnswerValue] = {}
    errors: dict[str, str] = {}
    for question in defn.questions():
        try:
            values[question.key] = normalise_value(question, answers.get(question.key))
        except InvalidAnswer as problem:
            values[question.key] = None
            errors[question.key] = str(problem)
    return values, errors


def hidden_questions(
    defn: ScorecardDefinition, answers: Mapping[str, AnswerValue]
) -> frozenset[str]:
    """Keys of the questions a ``show_if`` hides for these answers.

    A question is hidden unless the answer to its controlling (earlier)
    question matches one of ``show_if.values``; when the controller is itself
    hidden, N/A or unanswered the question is hidden too. Values are
    normalised first; an invalid value counts as unanswered here (so this can
    drive a half-filled form), while :func:`score_visit` rejects it.
    """
    values, _ = _lenient_values(defn, answers)
    return _visibility(defn, values)


# --------------------------------------------------------------------------- scoring


def question_earned(question: Question, value: AnswerValue) -> float:
    """Points one value earns for ``question`` (0 for unscored, N/A or unanswered).

    ``value`` must already be normalised (see :func:`normalise_value`).
    scale: ``points × (value − min) / (max − min)``, computed in that order;
    choice: the option's points; number: ``points`` when inside the target
    (inclusive; no target means any number is inside).
    """
    if value is None or value is NA or not question.scored:
        return 0.0
    qtype = question.type
    if qtype == "yes_no":
        return float(question.points) if value == "yes" else 0.0
    if qtype == "choice":
        option = question.option(value) if isinstance(value, str) else None
        return float(option.points) if option is not None else 0.0
    if not isinstance(value, int | float) or isinstance(value, bool):
        return 0.0
    if qtype == "scale":
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else low
        if high == low:  # a degenerate scale: its only value is the top
            return float(question.points)
        return float(question.points * (value - low) / (high - low))
    if qtype == "number":
        if question.target is None or question.target.contains(value):
            return float(question.points)
        return 0.0
    return 0.0


def score_visit(defn: ScorecardDefinition, answers: Mapping[str, AnswerValue]) -> VisitScore:
    """Score a visit's answers against its scorecard definition.

    Also called on drafts, so an unanswered visible scored question counts as
    0 of its full possible points: a half-filled draft shows what it would
    score if submitted now, and a submitted visit (where every scored question
    is answered) is unaffected. Hidden questions count as N/A whatever was
    sent; their values are not even validated. Any other invalid value raises
    :class:`InvalidAnswer`: a score is never computed from a guess.

    Critical: a visible scored critical question fails when it is answered
    (not N/A, not unanswered) and earns 0. Then ``zero_section`` zeroes that
    section's earned and percent before the visit figures are summed,
    ``zero_visit`` sets the visit percent to 0, and ``flag_only`` changes no
    number; every mode sets ``critical_failed``.

    Visit percent: without weights, total earned / total possible × 100;
    with any weight (a missing one counts as 1), the weighted mean of the
    section percents that are not None, weights renormalised over them. None
    when there is nothing to score.
    """
    hidden = _visibility(defn, {q.key: _value_or_none(q, answers) for q in defn.questions()})
    values: dict[str, AnswerValue] = {}
    for question in defn.questions():
        if question.key not in hidden:
            values[question.key] = normalise_value(question, answers.get(question.key))

    answer_scores: dict[str, AnswerScore] = {}
    section_scores: dict[str, SectionScore] = {}
    failed: list[str] = []
    for section in defn.sections:
        earned = possible = 0.0
        section_failed = False
        for question in section.questions:
            result = _answer_score(question, values.get(question.key), question.key in hidden)
            answer_scores[question.key] = result
            earned += result.earned
            possible += result.possible
            if result.critical_failed:
                failed.append(question.key)
                section_failed = True
        percent = earned / possible * 100 if possible > 0 else None
        if section_failed and defn.critical_fail == "zero_section":
            earned, percent = 0.0, 0.0
        section_scores[section.key] = SectionScore(
            key=section.key,
            earned=earned,
            possible=possible,
            percent=percent,
            critical_failed=section_failed,
        )

    total_earned = sum(s.earned for s in section_scores.values())
    total_possible = sum(s.possible for s in section_scores.values())
    if defn.weighted:
        visit_percent = _weighted_percent(defn, section_scores)
    else:
        visit_percent = total_earned / total_possible * 100 if total_possible > 0 else None
    if failed and defn.critical_fail == "zero_visit":
        visit_percent = 0.0

    return VisitScore(
        earned=total_earned,
        possible=total_possible,
        percent=visit_percent,
        band=band_for(defn, visit_percent),
        critical_failed=bool(failed),
        failed_critical=tuple(failed),
        sections=section_scores,
        answers=answer_scores,
        hidden=hidden,
    )


def _value_or_none(question: Question, answers: Mapping[str, AnswerValue]) -> AnswerValue:
    """The normalised value, or None when invalid (only used to decide visibility).

    An invalid controller value is raised afterwards by :func:`score_visit`
    itself, since the controller is visible or its own value is ignored.
    """
    try:
        return normalise_value(question, answers.get(question.key))
    except InvalidAnswer:
        return None


def _answer_score(question: Question, value: AnswerValue, hidden: bool) -> AnswerScore:
    scored = question.scored
    if hidden:
        return AnswerScore(question.key, 0.0, 0.0, scored, False, True, False, answered=False)
    if value is NA:
        return AnswerScore(question.key, 0.0, 0.0, scored, True, False, False)
    if not scored:
        return AnswerScore(
            question.key, 0.0, 0.0, False, False, False, False, answered=value is not None
        )
    possible = float(question.possible)
    if value is None:
        return AnswerScore(question.key, 0.0, possible, True, False, False, False, answered=False)
    earned = question_earned(question, value)
    critical_failed = question.critical and earned == 0
    return AnswerScore(question.key, earned, possible, True, False, False, critical_failed)


def _weighted_percent(
    defn: ScorecardDefinition, sections: Mapping[str, SectionScore]
) -> float | None:
    """Weighted mean of the section percents that exist (weights renormalised).

    None when no section has a percent, or (only possible with weight 0, which
    the file format rejects) when the weights that remain sum to 0.
    """
    total_weight = 0.0
    weighted_sum = 0.0
    percents: list[float] = []
    for section in defn.sections:
        percent = sections[section.key].percent
        if percent is None:
            continue
        weight = section.weight if section.weight is not None else 1
        total_weight += weight
        weighted_sum += weight * percent
        percents.append(percent)
    if total_weight <= 0:
        return None
    # A mean lies between the lowest and highest value; clamping only removes
    # float noise (so sections all at 100% give exactly 100, not 100.00000000000001).
    return min(max(weighted_sum / total_weight, min(percents)), max(percents))


def band_for(defn: ScorecardDefinition, percent: float | None) -> Band | None:
    """``exceeds`` at or above excellence (if set), ``meets`` at or above target, else ``below``."""
    if percent is None:
        return None
    if defn.excellence is not None and percent >= defn.excellence:
        return "exceeds"
    if percent >= defn.target:
        return "meets"
    return "below"


# --------------------------------------------------------------------------- submission


def submission_problems(
    defn: ScorecardDefinition,
    answers: Mapping[str, object],
    comments: Mapping[str, str],
    evidence: Collection[str] = (),
) -> list[SubmissionProblem]:
    """What stops these answers from being submitted, in form order (empty when none).

    Hidden questions are never required. For each visible question, in this
    order: an invalid value; a scored (possible > 0) or ``required`` question
    left unanswered (N/A counts as an answer where allowed; blank text is
    unanswered); a scored answer below full points without a non-blank comment
    when ``comment_on_fail`` is on for the scorecard or the question; and
    ``evidence: required`` without a photo (its key in ``evidence``). A
    question can have more than one problem.
    """
    values, errors = _lenient_values(defn, answers)
    hidden = _visibility(defn, values)
    problems: list[SubmissionProblem] = []
    for question in defn.questions():
        key = question.key
        if key in hidden:
            continue
        value = values[key]
        if key in errors:
            problems.append(SubmissionProblem(key, errors[key]))
        elif value is None:
            if question.scored or question.required:
                problems.append(SubmissionProblem(key, "Answer this question"))
        elif (
            value is not NA
            and question.scored
            and (defn.comment_on_fail or question.comment_on_fail)
            and question_earned(question, value) < question.possible
            and not (comments.get(key) or "").strip()
        ):
            problems.append(
                SubmissionProblem(key, "Add a comment: this answer earns less than full points")
            )
        if question.evidence == "required" and key not in evidence:
            problems.append(SubmissionProblem(key, "Add a photo"))
    return problems


# --------------------------------------------------------------------------- NPS


def nps(values: Iterable[int]) -> int | None:
    """Net Promoter Score: % of 9–10 minus % of 0–6, an int in −100..100.

    Computed exactly (fractions) and rounded half away from zero, so 12.5
    gives 13 and −12.5 gives −13 (Python's ``round`` would give 12 and −12).
    None when there are no values; None and :data:`NA` in ``values`` are
    skipped; anything else outside 0..10 raises ValueError.
    """
    promoters = detractors = count = 0
    for value in values:
        if value is None or value is NA:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
            raise ValueError(f"an NPS answer is a whole number from 0 to 10, not {value!r}")
        count += 1
        if value >= 9:
            promoters += 1
        elif value <= 6:
            detractors += 1
    if count == 0:
        return None
    score = Fraction(100 * (promoters - detractors), count)
    magnitude = math.floor(abs(score) + Fraction(1, 2))
    return magnitude if score >= 0 else -magnitude
