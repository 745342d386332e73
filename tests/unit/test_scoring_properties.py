"""Property tests for audit.scorecards.scoring over random valid scorecards and answers.

Besides invariants (percent range, N/A and hidden answers adding nothing,
monotonicity, weight renormalisation, critical modes) the engine is compared
with ``reference_score``, a small independent reading of DESIGN.md's
"Scoring rules" written without looking at the engine's structure.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.scorecards.definition import (
    NumberTarget,
    Option,
    Question,
    ScorecardDefinition,
    Section,
    ShowIf,
)
from audit.scorecards.scoring import NA, AnswerValue, VisitScore, question_earned, score_visit

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TOL = 1e-9

NUMBERS = (0, 1, 2, 2.5, 3, 4.0, 5, 7.5, 10)
POINTS = st.sampled_from((0, 1, 1, 2, 2.5, 5, 10))
MODES = ("zero_visit", "zero_section", "flag_only")


# --------------------------------------------------------------------------- generators


def domain(question: Question) -> list[AnswerValue]:
    """Every non-N/A value worth trying for a question (a sample for numbers/text)."""
    if question.type == "yes_no":
        return ["yes", "no"]
    if question.type == "scale":
        assert question.min is not None and question.max is not None
        return list(range(question.min, question.max + 1))
    if question.type == "choice":
        return [o.label for o in question.options]
    if question.type == "nps":
        return list(range(11))
    if question.type == "number":
        return list(NUMBERS)
    return ["", "some words", "n/a"]


CONTROLLER_TYPES = ("yes_no", "scale", "choice", "nps", "number")


@st.composite
def questions(draw: st.DrawFn, key: str, earlier: list[Question]) -> Question:
    qtype = draw(st.sampled_from(("yes_no", "yes_no", "scale", "choice", "number", "text", "nps")))
    fields: dict[str, Any] = {"allow_na": draw(st.booleans())}
    if qtype in ("yes_no", "scale", "number"):
        fields["points"] = draw(POINTS)
    elif qtype in ("text", "nps"):
        fields["points"] = 0
    if qtype == "scale":
        low = draw(st.integers(0, 2))
        fields["min"], fields["max"] = low, low + draw(st.integers(1, 5))
    elif qtype == "choice":
        count = draw(st.integers(1, 4))
        fields["options"] = tuple(
            Option(f"Option {i}", draw(st.sampled_from((0, 0, 1, 3, 5, 10)))) for i in range(count)
        )
    elif qtype == "number":
        low = draw(st.one_of(st.none(), st.sampled_from(NUMBERS)))
        high = draw(st.one_of(st.none(), st.sampled_from(NUMBERS)))
        if low is not None and high is not None and low > high:
            low, high = high, low
        if low is None and high is None:
            high = 5
        fields["target"] = NumberTarget(min=low, max=high)
    question = Question(key=key, text=key, type=qtype, **fields)
    if question.scored:
        question = dataclasses.replace(question, critical=draw(st.booleans()))
    controllers = [c for c in earlier if c.type in CONTROLLER_TYPES]
    if controllers and draw(st.integers(0, 2)) == 0:
        controller = draw(st.sampled_from(controllers))
        values = draw(st.lists(st.sampled_from(domain(controller)), min_size=1, max_size=3))
        if controller.type == "number":  # numbers compare by value: 4 vs 4.0
            values = [float(v) if isinstance(v, int) and draw(st.booleans()) else v for v in values]
        form = "equals" if len(values) == 1 else "in"
        question = dataclasses.replace(
            question, show_if=ShowIf(controller.key, tuple(dict.fromkeys(values)), form)
        )
    return question


@st.composite
def definitions(draw: st.DrawFn, weighted: bool | None = None) -> ScorecardDefinition:
    if weighted is None:
        weighted = draw(st.booleans())
    sections: list[Section] = []
    earlier: list[Question] = []
    for s in range(draw(st.integers(1, 4))):
        section_questions = []
        for _ in range(draw(st.integers(1, 5))):
            question = draw(questions(f"q{len(earlier)}", earlier))
            earlier.append(question)
            section_questions.append(question)
        weight = None
        if weighted and (s == 0 or draw(st.booleans())):
            weight = draw(st.sampled_from((0.5, 1, 2, 3, 10)))
        sections.append(Section(f"s{s}", f"Section {s}", tuple(section_questions), weight))
    target = draw(st.sampled_from((0, 50, 80, 85, 100)))
    excellence = draw(st.one_of(st.none(), st.sampled_from((90, 95, 100))))
    return ScorecardDefinition(
        slug="card",
        title="Card",
        channel="in_person",
        target=target,
        excellence=excellence,
        sections=tuple(sections),
        critical_fail=draw(st.sampled_from(MODES)),
        comment_on_fail=draw(st.booleans()),
    )


@st.composite
def answer_sets(
    draw: st.DrawFn, defn: ScorecardDefinition, complete: bool = False
) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {}
    for question in defn.questions():
        choices: list[AnswerValue] = list(domain(question))
        if question.allow_na:
            choices.append(NA)
        if not complete:
            choices.append(None)
        answers[question.key] = draw(st.sampled_from(choices))
    return answers


@st.composite
def cards_with_answers(
    draw: st.DrawFn, weighted: bool | None = None
) -> tuple[ScorecardDefinition, dict[str, AnswerValue]]:
    defn = draw(definitions(weighted))
    return defn, draw(answer_sets(defn))


# --------------------------------------------------------------------------- reference


def reference_score(defn: ScorecardDefinition, answers: dict[str, AnswerValue]) -> dict[str, Any]:
    """DESIGN.md's rules, read literally, for comparison with the engine."""
    hidden: set[str] = set()
    for question in defn.questions():
        rule = question.show_if
        if rule is None:
            continue
        value = answers.get(rule.question)
        if rule.question in hidden or value is None or value is NA:
            hidden.add(question.key)
        elif not any(value == wanted for wanted in rule.values):  # 3 == 3.0 in Python
            hidden.add(question.key)

    def earned_of(question: Question, value: AnswerValue) -> float:
        if question.type == "yes_no":
            return question.points if value == "yes" else 0
        if question.type == "scale":
            assert question.min is not None and question.max is not None
            assert isinstance(value, int)
            return question.points * (value - question.min) / (question.max - question.min)
        if question.type == "choice":
            return next(o.points for o in question.options if o.label == value)
        if question.type == "number":
            assert question.target is not None and isinstance(value, int | float)
            low, high = question.target.min, question.target.max
            inside = (low is None or value >= low) and (high is None or value <= high)
            return question.points if inside else 0
        return 0

    sections: dict[str, tuple[float, float, float | None]] = {}
    failed: list[str] = []
    for section in defn.sections:
        earned = possible = 0.0
        section_failed = False
        for question in section.questions:
            value = answers.get(question.key)
            if question.key in hidden or value is NA or question.possible <= 0:
                continue
            possible += question.possible
            if value is None:
                continue
            points = earned_of(question, value)
            earned += points
            if question.critical and points == 0:
                failed.append(question.key)
                section_failed = True
        percent = earned / possible * 100 if possible else None
        if section_failed and defn.critical_fail == "zero_section":
            earned, percent = 0.0, 0.0
        sections[section.key] = (earned, possible, percent)

    total_earned = sum(e for e, _, _ in sections.values())
    total_possible = sum(p for _, p, _ in sections.values())
    if any(s.weight is not None for s in defn.sections):
        pairs = [
            (1 if s.weight is None else s.weight, sections[s.key][2])
            for s in defn.sections
            if sections[s.key][2] is not None
        ]
        weight_sum = sum(w for w, _ in pairs)
        percent = sum(w * p for w, p in pairs) / weight_sum if pairs else None  # type: ignore[operator]
    else:
        percent = total_earned / total_possible * 100 if total_possible else None
    if failed and defn.critical_fail == "zero_visit":
        percent = 0
    return {
        "hidden": hidden,
        "sections": sections,
        "earned": total_earned,
        "possible": total_possible,
        "percent": percent,
        "failed": failed,
    }


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == pytest.approx(b, rel=TOL, abs=TOL)


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(cards_with_answers())
def test_engine_agrees_with_reference(case: tuple[ScorecardDefinition, dict]) -> None:
    defn, answers = case
    score = score_visit(defn, answers)
    ref = reference_score(defn, answers)
    assert set(score.hidden) == ref["hidden"]
    assert list(score.failed_critical) == ref["failed"]
    assert score.critical_failed == bool(ref["failed"])
    assert close(score.earned, ref["earned"]) and close(score.possible, ref["possible"])
    assert close(score.percent, ref["percent"])
    for key, (earned, possible, percent) in ref["sections"].items():
        section = score.sections[key]
        assert close(section.earned, earned) and close(section.possible, possible)
        assert close(section.percent, percent)


@SETTINGS
@given(cards_with_answers())
def test_percents_are_within_0_and_100_or_none(case: tuple[ScorecardDefinition, dict]) -> None:
    defn, answers = case
    score = score_visit(defn, answers)
    assert score.percent is None or 0 <= score.percent <= 100
    assert (score.percent is None) == (score.band is None)
    assert 0 <= score.earned <= score.possible
    for section in score.sections.values():
        assert section.percent is None or 0 <= section.percent <= 100
        assert (section.percent is None) == (section.possible == 0)
    for result in score.answers.values():
        assert 0 <= result.earned <= result.possible
        if result.hidden or result.na or not result.scored:
            assert result.earned == result.possible == 0
    assert score.earned == pytest.approx(sum(s.earned for s in score.sections.values()))
    assert score.possible == pytest.approx(sum(s.possible for s in score.sections.values()))


@SETTINGS
@given(cards_with_answers(), st.data())
def test_hidden_answers_change_nothing(case: tuple[ScorecardDefinition, dict], data: Any) -> None:
    defn, answers = case
    before = score_visit(defn, answers)
    changed = dict(answers)
    for key in before.hidden:
        question = defn.question(key)
        assert question is not None
        changed[key] = data.draw(st.sampled_from([*domain(question), NA, None, "rubbish"]))
    assert score_visit(defn, changed) == before


def without_question(defn: ScorecardDefinition, key: str) -> ScorecardDefinition:
    sections = tuple(
        dataclasses.replace(s, questions=tuple(q for q in s.questions if q.key != key))
        for s in defn.sections
    )
    return dataclasses.replace(defn, sections=sections)


def controllers(defn: ScorecardDefinition) -> set[str]:
    return {q.show_if.question for q in defn.questions() if q.show_if is not None}


def same_figures(a: VisitScore, b: VisitScore) -> None:
    assert close(a.earned, b.earned) and close(a.possible, b.possible)
    assert close(a.percent, b.percent) and a.band == b.band
    assert a.failed_critical == b.failed_critical
    for key, section in a.sections.items():
        other = b.sections[key]
        assert close(section.earned, other.earned) and close(section.possible, other.possible)
        assert close(section.percent, other.percent)


@SETTINGS
@given(cards_with_answers(), st.data())
def test_na_is_the_same_as_leaving_the_question_out(
    case: tuple[ScorecardDefinition, dict], data: Any
) -> None:
    defn, answers = case
    candidates = [q.key for q in defn.questions() if q.allow_na and q.key not in controllers(defn)]
    if not candidates:
        return
    key = data.draw(st.sampled_from(candidates))
    with_na = score_visit(defn, {**answers, key: NA})
    smaller = without_question(defn, key)
    same_figures(with_na, score_visit(smaller, answers))
    other = {k: v for k, v in with_na.answers.items() if k != key}
    assert other == score_visit(smaller, answers).answers


@SETTINGS
@given(cards_with_answers(), st.data())
def test_na_of_a_controller_only_hides_its_dependants(
    case: tuple[ScorecardDefinition, dict], data: Any
) -> None:
    defn, answers = case
    candidates = [q.key for q in defn.questions() if q.allow_na]
    if not candidates:
        return
    key = data.draw(st.sampled_from(candidates))
    with_na = score_visit(defn, {**answers, key: NA})
    with_value = score_visit(defn, answers)
    for question in defn.questions():
        k = question.key
        if k == key or k in with_na.hidden or k in with_value.hidden:
            continue
        a, b = with_na.answers[k], with_value.answers[k]
        assert (a.earned, a.possible) == (b.earned, b.possible)


@SETTINGS
@given(cards_with_answers(), st.data())
def test_raising_an_answer_never_lowers_the_percent(
    case: tuple[ScorecardDefinition, dict], data: Any
) -> None:
    defn, answers = case
    hidden = score_visit(defn, answers).hidden
    candidates = [
        q
        for q in defn.questions()
        if q.scored and q.key not in hidden and q.key not in controllers(defn)
    ]
    if not candidates:
        return
    question = data.draw(st.sampled_from(candidates))
    low, high = sorted(
        (data.draw(st.sampled_from(domain(question))) for _ in range(2)),
        key=lambda v: question_earned(question, v),
    )
    worse = score_visit(defn, {**answers, question.key: low})
    better = score_visit(defn, {**answers, question.key: high})
    assert worse.percent is not None and better.percent is not None
    assert better.percent >= worse.percent - TOL
    assert better.earned >= worse.earned - TOL
    if not worse.critical_failed and not better.critical_failed:
        assert set(better.failed_critical) <= set(worse.failed_critical)
    # answering an unanswered question never lowers the percent either (unanswered
    # already counts as 0 of full points), unless the answer fails a critical
    unanswered = score_visit(defn, {**answers, question.key: None})
    if worse.failed_critical == unanswered.failed_critical:
        assert unanswered.percent is not None
        assert worse.percent >= unanswered.percent - TOL


@SETTINGS
@given(cards_with_answers(weighted=True), st.sampled_from((0.25, 0.5, 2, 3, 7, 100)))
def test_scaling_every_weight_changes_nothing(
    case: tuple[ScorecardDefinition, dict], factor: float
) -> None:
    defn, answers = case
    scaled = dataclasses.replace(
        defn,
        sections=tuple(
            dataclasses.replace(s, weight=(1 if s.weight is None else s.weight) * factor)
            for s in defn.sections
        ),
    )
    same_figures(score_visit(defn, answers), score_visit(scaled, answers))


@SETTINGS
@given(
    cards_with_answers(),
    st.sampled_from((None, 1, 5, 100)),
    st.booleans(),
    st.integers(0, 4),
)
def test_a_section_without_possible_points_changes_nothing(
    case: tuple[ScorecardDefinition, dict], weight: float | None, all_na: bool, position: int
) -> None:
    defn, answers = case
    if not defn.weighted:
        weight = None  # a weight would turn a points-based card into a weighted one
    if all_na:
        extra = (
            Question("extra_a", "a", "yes_no", points=5, allow_na=True),
            Question("extra_b", "b", "scale", min=1, max=5, allow_na=True, critical=True),
        )
        extra_answers: dict[str, AnswerValue] = {"extra_a": NA, "extra_b": NA}
    else:
        extra = (Question("extra_t", "t", "text"), Question("extra_n", "n", "nps"))
        extra_answers = {"extra_t": "words", "extra_n": 2}
    sections = list(defn.sections)
    sections.insert(min(position, len(sections)), Section("extra", "Extra", extra, weight))
    bigger = dataclasses.replace(defn, sections=tuple(sections))
    score = score_visit(bigger, {**answers, **extra_answers})
    assert score.sections["extra"].percent is None
    same_figures(score_visit(defn, answers), score)


@SETTINGS
@given(cards_with_answers())
def test_critical_modes(case: tuple[ScorecardDefinition, dict]) -> None:
    defn, answers = case
    flag = score_visit(dataclasses.replace(defn, critical_fail="flag_only"), answers)
    zero_visit = score_visit(dataclasses.replace(defn, critical_fail="zero_visit"), answers)
    zero_section = score_visit(dataclasses.replace(defn, critical_fail="zero_section"), answers)
    failed = flag.failed_critical

    # Which questions fail does not depend on the mode; each is a visible, answered
    # critical question earning 0, and the flags follow.
    for score in (zero_visit, zero_section):
        assert score.failed_critical == failed
        assert score.critical_failed == bool(failed)
        assert score.answers == flag.answers
    for key in failed:
        question = defn.question(key)
        result = flag.answers[key]
        assert question is not None and question.critical
        assert result.answered and not result.na and not result.hidden and result.earned == 0
        assert result.possible > 0
    failing_sections = {s.key for s in defn.sections for q in s.questions if q.key in failed}
    for score in (flag, zero_visit, zero_section):
        assert {k for k, s in score.sections.items() if s.critical_failed} == failing_sections

    # flag_only changes no number: it is the card scored without any critical.
    no_critical = dataclasses.replace(
        defn,
        sections=tuple(
            dataclasses.replace(
                s, questions=tuple(dataclasses.replace(q, critical=False) for q in s.questions)
            )
            for s in defn.sections
        ),
    )
    plain = score_visit(no_critical, answers)
    assert not plain.critical_failed
    assert (flag.earned, flag.possible, flag.percent) == (
        plain.earned,
        plain.possible,
        plain.percent,
    )
    assert flag.sections == {
        k: dataclasses.replace(s, critical_failed=k in failing_sections)
        for k, s in plain.sections.items()
    }

    # zero_visit: the visit percent is 0; sums and sections stay as they were.
    assert zero_visit.sections == flag.sections
    assert (zero_visit.earned, zero_visit.possible) == (flag.earned, flag.possible)
    assert zero_visit.percent == (0 if failed else flag.percent)

    # zero_section: failing sections earn 0 at 0%, before the visit percent.
    for key, section in zero_section.sections.items():
        if key in failing_sections:
            assert (section.earned, section.percent) == (0, 0)
            assert section.possible == flag.sections[key].possible
        else:
            assert section == flag.sections[key]
    assert close(zero_section.earned, sum(s.earned for s in zero_section.sections.values()))
    if failed:
        assert zero_section.percent is not None and flag.percent is not None
        assert zero_section.percent <= flag.percent + TOL
    else:
        assert zero_section == flag
