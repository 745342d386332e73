"""Example tests for audit.scorecards.scoring, written from DESIGN.md "Scoring rules".

Expected numbers are computed by hand in the comments next to them.
"""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace
from typing import Any

import pytest

from audit.scorecards.definition import (
    NumberTarget,
    Option,
    Question,
    ScorecardDefinition,
    Section,
    ShowIf,
)
from audit.scorecards.scoring import (
    NA,
    AnswerScore,
    InvalidAnswer,
    SubmissionProblem,
    band_for,
    hidden_questions,
    normalise_value,
    nps,
    question_earned,
    score_visit,
    submission_problems,
)

# --------------------------------------------------------------------------- builders


def q(key: str, type: str = "yes_no", **kw: Any) -> Question:
    return Question(key=key, text=key.replace("_", " "), type=type, **kw)  # type: ignore[arg-type]


def yes_no(key: str, points: float = 1, **kw: Any) -> Question:
    return q(key, "yes_no", points=points, **kw)


def scale(key: str, lo: int = 1, hi: int = 5, points: float = 10, **kw: Any) -> Question:
    return q(key, "scale", min=lo, max=hi, points=points, **kw)


def choice(key: str, *options: tuple[str, float], **kw: Any) -> Question:
    return q(key, "choice", options=tuple(Option(label, pts) for label, pts in options), **kw)


OUTCOME = (("Fully", 10), ("Partly", 5), ("Not at all", 0))


def number(key: str, lo: float | None = None, hi: float | None = None, **kw: Any) -> Question:
    return q(key, "number", target=NumberTarget(min=lo, max=hi), **kw)


def sec(key: str, *questions: Question, weight: float | None = None) -> Section:
    return Section(key=key, title=key.title(), questions=questions, weight=weight)


def card(*sections: Section, **kw: Any) -> ScorecardDefinition:
    kw.setdefault("target", 80)
    return ScorecardDefinition(
        slug="test", title="Test", channel="in_person", sections=sections, **kw
    )


# --------------------------------------------------------------------------- NA sentinel


def test_na_is_a_singleton_with_repr_na() -> None:
    assert repr(NA) == "NA"
    assert type(NA)() is NA
    assert copy.deepcopy(NA) is NA
    assert pickle.loads(pickle.dumps(NA)) is NA  # noqa: S301


# --------------------------------------------------------------------------- normalise_value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("yes", "yes"), ("Yes", "yes"), ("YES", "yes"), (" no ", "no"), (True, "yes"), (False, "no")],
)
def test_normalise_yes_no(raw: object, expected: str) -> None:
    assert normalise_value(yes_no("a"), raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_means_unanswered(raw: object) -> None:
    for question in (yes_no("a"), scale("b"), choice("c", *OUTCOME), number("d"), q("t", "text")):
        assert normalise_value(question, raw) is None


@pytest.mark.parametrize("raw", ["na", "NA", "n/a", "N/A", " N/a ", NA])
def test_na_words_when_allowed(raw: object) -> None:
    assert normalise_value(yes_no("a", allow_na=True), raw) is NA
    assert normalise_value(scale("b", allow_na=True), raw) is NA
    assert normalise_value(q("t", "text", allow_na=True), raw) is NA


@pytest.mark.parametrize("raw", ["na", "N/A", NA])
def test_na_rejected_when_not_allowed(raw: object) -> None:
    with pytest.raises(InvalidAnswer, match="N/A is not allowed"):
        normalise_value(yes_no("a"), raw)


def test_na_words_are_plain_text_for_a_text_question_without_na() -> None:
    assert normalise_value(q("t", "text"), "n/a") == "n/a"
    with pytest.raises(InvalidAnswer):
        normalise_value(q("t", "text"), NA)


def test_normalise_yes_no_rejects_other_words() -> None:
    with pytest.raises(InvalidAnswer, match="yes or no"):
        normalise_value(yes_no("a"), "maybe")
    with pytest.raises(InvalidAnswer):
        normalise_value(yes_no("a"), 1)


def test_normalise_scale() -> None:
    question = scale("s", 1, 5)
    assert normalise_value(question, 3) == 3
    assert normalise_value(question, "4") == 4
    assert normalise_value(question, 5.0) == 5
    assert isinstance(normalise_value(question, 5.0), int)
    for bad in (0, 6, "6", 2.5, "x", True):
        with pytest.raises(InvalidAnswer, match="1 to 5"):
            normalise_value(question, bad)


def test_normalise_nps() -> None:
    question = q("n", "nps")
    assert normalise_value(question, 0) == 0
    assert normalise_value(question, "10") == 10
    for bad in (-1, 11, 7.5, "ten"):
        with pytest.raises(InvalidAnswer, match="0 to 10"):
            normalise_value(question, bad)


def test_normalise_number() -> None:
    question = number("w", hi=5)
    assert normalise_value(question, 4.5) == 4.5
    assert normalise_value(question, "4.5") == 4.5
    assert normalise_value(question, "7") == 7
    assert normalise_value(question, -3) == -3  # outside target is a valid answer
    for bad in ("seven", float("nan"), float("inf"), "inf", False, [1]):
        with pytest.raises(InvalidAnswer, match="number"):
            normalise_value(question, bad)


def test_numbers_that_cannot_be_a_measurement_are_refused() -> None:
    question = number("w", hi=5)
    assert normalise_value(question, 1_000_000_000) == 1_000_000_000
    for bad in (1e308, "1e308", -2e9, 10**400, "1000000001"):
        with pytest.raises(InvalidAnswer, match="beyond what a measurement can be"):
            normalise_value(question, bad)


def test_a_number_question_with_its_own_range_refuses_what_lies_outside() -> None:
    question = replace(number("w", hi=5), min=0, max=120, unit="minutes")
    assert normalise_value(question, 0) == 0
    assert normalise_value(question, "120") == 120
    assert normalise_value(question, 7.5) == 7.5
    for bad in (-1, 120.5, "500"):
        with pytest.raises(InvalidAnswer, match="outside 0 to 120 minutes"):
            normalise_value(question, bad)


def test_normalise_choice_is_exact_and_names_the_options() -> None:
    question = choice("o", *OUTCOME)
    assert normalise_value(question, "Partly") == "Partly"
    assert normalise_value(question, "Not at all") == "Not at all"
    with pytest.raises(InvalidAnswer, match="'Fully', 'Partly', 'Not at all'"):
        normalise_value(question, "partly")
    with pytest.raises(InvalidAnswer):
        normalise_value(question, 5)


def test_choice_option_labelled_na_wins_over_the_na_word() -> None:
    question = choice("o", ("N/A", 0), ("Done", 1), allow_na=True)
    assert normalise_value(question, "N/A") == "N/A"
    assert normalise_value(question, "na") is NA


def test_normalise_text() -> None:
    assert normalise_value(q("t", "text"), " kind staff ") == " kind staff "
    with pytest.raises(InvalidAnswer):
        normalise_value(q("t", "text"), 5)


# --------------------------------------------------------------------------- question_earned


def test_yes_no_earns_points_for_yes_only() -> None:
    question = yes_no("a", points=5)
    assert question_earned(question, "yes") == 5
    assert question_earned(question, "no") == 0


def test_scale_is_linear_between_min_and_max() -> None:
    question = scale("s", 1, 5, points=10)
    assert question_earned(question, 1) == 0  # 10 * 0/4
    assert question_earned(question, 2) == 2.5  # 10 * 1/4
    assert question_earned(question, 4) == 7.5  # 10 * 3/4
    assert question_earned(question, 5) == 10
    # 0..3 with 2 points: value 1 -> 2 * 1/3
    assert question_earned(scale("t", 0, 3, points=2), 1) == pytest.approx(2 / 3)


def test_choice_earns_the_option_points() -> None:
    question = choice("o", *OUTCOME)
    assert question.possible == 10
    assert [question_earned(question, v) for v in ("Fully", "Partly", "Not at all")] == [10, 5, 0]


def test_number_target_is_inclusive() -> None:
    both = number("n", lo=2, hi=5, points=4)
    assert [question_earned(both, v) for v in (1.9, 2, 3.5, 5, 5.1)] == [0, 4, 4, 4, 0]
    only_max = number("m", hi=5)
    assert question_earned(only_max, -100) == 1  # points default to 1
    assert question_earned(only_max, 6) == 0
    only_min = number("x", lo=10)
    assert question_earned(only_min, 10) == 1
    assert question_earned(only_min, 9.99) == 0


def test_unscored_and_absent_values_earn_nothing() -> None:
    assert question_earned(q("t", "text"), "great") == 0
    assert question_earned(q("n", "nps"), 10) == 0
    assert question_earned(yes_no("z", points=0), "yes") == 0
    assert question_earned(yes_no("a", allow_na=True), NA) == 0
    assert question_earned(yes_no("a"), None) == 0


# --------------------------------------------------------------------------- score_visit basics


def test_points_based_visit_with_every_type() -> None:
    defn = card(
        sec(
            "welcome",
            yes_no("greeted", points=5),
            number("wait", hi=5, points=5, unit="minutes"),
            scale("empathy", 1, 5, points=10, allow_na=True),
        ),
        sec(
            "outcome",
            choice("outcome", *OUTCOME),
            q("recommend", "nps"),
            q("summary", "text", required=True),
            yes_no("zero", points=0),
        ),
    )
    score = score_visit(
        defn,
        {
            "greeted": "yes",  # 5/5
            "wait": 7,  # 0/5 (over max)
            "empathy": 4,  # 7.5/10
            "outcome": "Partly",  # 5/10
            "recommend": 9,  # unscored
            "summary": "fine",  # unscored
            "zero": "no",  # unscored
        },
    )
    welcome, outcome = score.sections["welcome"], score.sections["outcome"]
    assert (welcome.earned, welcome.possible) == (12.5, 20)
    assert welcome.percent == 62.5  # 12.5 / 20
    assert (outcome.earned, outcome.possible, outcome.percent) == (5, 10, 50)
    assert (score.earned, score.possible) == (17.5, 30)
    assert score.percent == pytest.approx(17.5 / 30 * 100)  # 58.33...
    assert score.band == "below"
    assert not score.critical_failed and score.failed_critical == ()
    assert list(score.answers) == [q.key for q in defn.questions()]
    assert list(score.sections) == ["welcome", "outcome"]
    assert score.answers["recommend"] == AnswerScore("recommend", 0, 0, False, False, False, False)
    assert score.answers["zero"].scored is False
    assert score.answers["empathy"] == AnswerScore("empathy", 7.5, 10, True, False, False, False)


def test_na_adds_nothing_to_earned_or_possible() -> None:
    defn = card(sec("s", yes_no("a", points=2), scale("b", 1, 5, points=10, allow_na=True)))
    score = score_visit(defn, {"a": "yes", "b": NA})
    assert (score.earned, score.possible, score.percent) == (2, 2, 100)
    assert score.answers["b"] == AnswerScore("b", 0, 0, True, True, False, False)
    # the NA words are accepted too
    assert score_visit(defn, {"a": "yes", "b": "n/a"}).percent == 100


def test_unanswered_scored_question_counts_as_zero_of_full_points() -> None:
    defn = card(sec("s", yes_no("a", points=2), yes_no("b", points=2)))
    score = score_visit(defn, {"a": "yes"})
    # 2 of (2 + 2)
    assert (score.earned, score.possible, score.percent) == (2, 4, 50)
    b = score.answers["b"]
    assert (b.earned, b.possible, b.scored, b.na, b.answered) == (0, 2, True, False, False)
    assert score.answers["a"].answered is True


def test_nothing_to_score_gives_no_percent_and_no_band() -> None:
    defn = card(sec("s", q("t", "text"), q("n", "nps")))
    score = score_visit(defn, {"t": "hi", "n": 3})
    assert (score.earned, score.possible, score.percent, score.band) == (0, 0, None, None)
    assert score.sections["s"].percent is None


def test_all_na_section_has_no_percent() -> None:
    defn = card(sec("a", yes_no("x", allow_na=True)), sec("b", yes_no("y")))
    score = score_visit(defn, {"x": NA, "y": "no"})
    assert score.sections["a"].percent is None
    assert (score.earned, score.possible, score.percent) == (0, 1, 0)


def test_score_visit_accepts_unnormalised_values_and_ignores_unknown_keys() -> None:
    defn = card(sec("s", yes_no("a"), scale("b", 1, 3, points=2)))
    score = score_visit(defn, {"a": "Yes", "b": "2", "stray": "whatever"})
    assert (score.earned, score.possible) == (2, 3)  # 1 + 2*(1/2)


def test_score_visit_rejects_an_invalid_visible_value() -> None:
    defn = card(sec("s", yes_no("a")))
    with pytest.raises(InvalidAnswer):
        score_visit(defn, {"a": "perhaps"})
    with pytest.raises(InvalidAnswer):
        score_visit(defn, {"a": NA})  # N/A not allowed here


# --------------------------------------------------------------------------- show_if


def follow_up_card() -> ScorecardDefinition:
    return card(
        sec(
            "s",
            choice("outcome", *OUTCOME),
            yes_no(
                "follow_up",
                points=4,
                show_if=ShowIf("outcome", ("Partly", "Not at all"), "in"),
            ),
            yes_no("apology", points=2, show_if=ShowIf("follow_up", ("no",))),
        )
    )


def test_show_if_in_hides_unless_matching() -> None:
    defn = follow_up_card()
    # Fully: follow_up hidden, so apology (controlled by a hidden question) hidden too.
    score = score_visit(defn, {"outcome": "Fully", "follow_up": "no", "apology": "no"})
    assert score.hidden == {"follow_up", "apology"}
    assert (score.earned, score.possible, score.percent) == (10, 10, 100)
    assert score.answers["follow_up"] == AnswerScore(
        "follow_up", 0, 0, True, False, True, False, answered=False
    )
    # Partly: follow_up shown; "yes" means apology hidden.
    # 5 + 4 of 10 + 4
    score = score_visit(defn, {"outcome": "Partly", "follow_up": "yes", "apology": "no"})
    assert score.hidden == {"apology"}
    assert (score.earned, score.possible) == (9, 14)
    # Not at all + no: all shown. 0 + 0 + 2 of 10 + 4 + 2
    score = score_visit(defn, {"outcome": "Not at all", "follow_up": "no", "apology": "yes"})
    assert score.hidden == frozenset()
    assert (score.earned, score.possible, score.percent) == (2, 16, 12.5)


def test_unanswered_controller_hides_its_dependants() -> None:
    defn = follow_up_card()
    assert hidden_questions(defn, {}) == {"follow_up", "apology"}
    score = score_visit(defn, {})
    assert (score.earned, score.possible) == (0, 10)


def test_na_controller_hides_its_dependants() -> None:
    defn = card(
        sec(
            "s",
            yes_no("a", allow_na=True),
            yes_no("b", points=3, show_if=ShowIf("a", ("yes",))),
            yes_no("c", points=5),
        )
    )
    assert hidden_questions(defn, {"a": NA}) == {"b"}
    score = score_visit(defn, {"a": NA, "b": "yes", "c": "yes"})
    assert (score.earned, score.possible) == (5, 5)


def test_hidden_question_is_never_validated_or_required() -> None:
    defn = follow_up_card()
    # "rubbish" would be invalid, but follow_up is hidden so it is ignored.
    score = score_visit(defn, {"outcome": "Fully", "follow_up": "rubbish"})
    assert score.percent == 100
    assert submission_problems(defn, {"outcome": "Fully", "follow_up": "rubbish"}, {}) == []


def test_show_if_equals_on_numbers_compares_by_value() -> None:
    defn = card(
        sec(
            "s",
            number("visits", lo=0),
            scale("rating", 1, 5),
            yes_no("loyal", show_if=ShowIf("visits", (3,))),
            yes_no("why_low", show_if=ShowIf("rating", (1, 2), "in")),
        )
    )
    assert hidden_questions(defn, {"visits": 3.0, "rating": 2}) == frozenset()
    assert hidden_questions(defn, {"visits": "3", "rating": 3}) == {"why_low"}
    assert hidden_questions(defn, {"visits": 3.5, "rating": 1}) == {"loyal"}


def test_show_if_on_yes_no_and_text() -> None:
    defn = card(
        sec(
            "s",
            yes_no("a"),
            q("t", "text"),
            yes_no("b", show_if=ShowIf("a", ("yes",))),
            yes_no("c", show_if=ShowIf("t", ("exact",))),
        )
    )
    assert hidden_questions(defn, {"a": "Yes", "t": "exact"}) == frozenset()
    assert hidden_questions(defn, {"a": "no", "t": "Exact"}) == {"b", "c"}


def test_chained_hiding_across_sections() -> None:
    defn = card(
        sec("one", yes_no("a")),
        sec("two", yes_no("b", show_if=ShowIf("a", ("yes",)))),
        sec("three", yes_no("c", show_if=ShowIf("b", ("yes",)))),
    )
    assert hidden_questions(defn, {"a": "no", "b": "yes", "c": "yes"}) == {"b", "c"}
    assert hidden_questions(defn, {"a": "yes", "b": "no"}) == {"c"}
    assert hidden_questions(defn, {"a": "yes", "b": "yes"}) == frozenset()
    score = score_visit(defn, {"a": "no", "b": "yes", "c": "yes"})
    assert score.sections["two"].percent is None
    assert score.sections["three"].percent is None
    assert score.percent == 0  # 0 of 1


def test_hidden_critical_question_cannot_fail() -> None:
    defn = card(
        sec(
            "s",
            yes_no("a"),
            yes_no("b", critical=True, show_if=ShowIf("a", ("yes",))),
        )
    )
    score = score_visit(defn, {"a": "no", "b": "no"})
    assert not score.critical_failed


# --------------------------------------------------------------------------- weights


def weighted_card(**kw: Any) -> ScorecardDefinition:
    return card(
        sec("a", yes_no("a1", points=1), yes_no("a2", points=1), weight=2),
        sec("b", scale("b1", 1, 5, points=4)),  # no weight: counts as 1
        sec("c", yes_no("c1", points=10, allow_na=True), weight=1),
        **kw,
    )


def test_weighted_mean_of_section_percents() -> None:
    score = score_visit(weighted_card(), {"a1": "yes", "a2": "no", "b1": 4, "c1": "yes"})
    # a = 50%, b = 4*3/4 = 3 of 4 = 75%, c = 100%
    # (2*50 + 1*75 + 1*100) / 4 = 275 / 4 = 68.75
    assert score.percent == 68.75
    # earned/possible are still the plain sums: 1 + 3 + 10 of 2 + 4 + 10
    assert (score.earned, score.possible) == (14, 16)


def test_weights_renormalise_when_a_section_is_all_na() -> None:
    score = score_visit(weighted_card(), {"a1": "yes", "a2": "no", "b1": 4, "c1": NA})
    # c has no percent: (2*50 + 1*75) / 3 = 175 / 3
    assert score.sections["c"].percent is None
    assert score.percent == pytest.approx(175 / 3)


def test_weighted_with_no_section_percent_is_none() -> None:
    defn = card(sec("a", yes_no("x", allow_na=True), weight=3))
    score = score_visit(defn, {"x": NA})
    assert (score.percent, score.band) == (None, None)


def test_points_based_differs_from_weighted() -> None:
    sections = (sec("a", yes_no("x", points=1)), sec("b", yes_no("y", points=3)))
    answers = {"x": "yes", "y": "no"}
    assert score_visit(card(*sections), answers).percent == 25  # 1 of 4
    weighted = card(sections[0], Section("b", "B", sections[1].questions, weight=1))
    assert score_visit(weighted, answers).percent == 50  # (100 + 0) / 2


# --------------------------------------------------------------------------- critical


def critical_points_card(mode: str) -> ScorecardDefinition:
    return card(
        sec("a", yes_no("a1", points=4), yes_no("safety", points=1, critical=True)),
        sec("b", yes_no("b1", points=5)),
        critical_fail=mode,
    )


CRITICAL_FAIL_ANSWERS = {"a1": "yes", "safety": "no", "b1": "yes"}


def test_zero_visit_points_based() -> None:
    score = score_visit(critical_points_card("zero_visit"), CRITICAL_FAIL_ANSWERS)
    # sums stay 4 + 0 + 5 = 9 of 10, but the visit percent is 0
    assert (score.earned, score.possible, score.percent) == (9, 10, 0)
    assert score.band == "below"
    assert score.critical_failed and score.failed_critical == ("safety",)
    assert score.sections["a"].percent == 80  # 4 of 5, section untouched
    assert score.sections["a"].critical_failed and not score.sections["b"].critical_failed
    assert score.answers["safety"].critical_failed


def test_zero_section_points_based() -> None:
    score = score_visit(critical_points_card("zero_section"), CRITICAL_FAIL_ANSWERS)
    a = score.sections["a"]
    assert (a.earned, a.possible, a.percent, a.critical_failed) == (0, 5, 0, True)
    # visit: (0 + 5) of (5 + 5) = 50%
    assert (score.earned, score.possible, score.percent) == (5, 10, 50)
    assert score.critical_failed and score.failed_critical == ("safety",)


def test_flag_only_points_based() -> None:
    score = score_visit(critical_points_card("flag_only"), CRITICAL_FAIL_ANSWERS)
    assert (score.earned, score.possible, score.percent) == (9, 10, 90)
    assert score.band == "meets"
    assert score.critical_failed and score.failed_critical == ("safety",)
    assert score.sections["a"].percent == 80 and score.sections["a"].critical_failed


def critical_weighted_card(mode: str) -> ScorecardDefinition:
    return card(
        sec("a", yes_no("a1", points=3), scale("safety", 1, 3, points=1, critical=True), weight=3),
        sec("b", yes_no("b1", points=5), weight=1),
        critical_fail=mode,
    )


WEIGHTED_FAIL_ANSWERS = {"a1": "yes", "safety": 1, "b1": "yes"}  # scale min earns 0


def test_zero_visit_weighted() -> None:
    score = score_visit(critical_weighted_card("zero_visit"), WEIGHTED_FAIL_ANSWERS)
    assert score.sections["a"].percent == 75  # 3 of 4
    assert (score.earned, score.possible, score.percent) == (8, 9, 0)
    assert score.failed_critical == ("safety",)


def test_zero_section_weighted() -> None:
    score = score_visit(critical_weighted_card("zero_section"), WEIGHTED_FAIL_ANSWERS)
    assert score.sections["a"].percent == 0 and score.sections["a"].earned == 0
    # (3*0 + 1*100) / 4 = 25
    assert score.percent == 25
    assert (score.earned, score.possible) == (5, 9)


def test_flag_only_weighted() -> None:
    score = score_visit(critical_weighted_card("flag_only"), WEIGHTED_FAIL_ANSWERS)
    # (3*75 + 1*100) / 4 = 81.25
    assert score.percent == 81.25
    assert score.critical_failed


def test_critical_passes_when_it_earns_anything() -> None:
    score = score_visit(
        critical_weighted_card("zero_visit"), {"a1": "yes", "safety": 2, "b1": "yes"}
    )
    # a: 3 + 0.5 of 4 = 87.5; (3*87.5 + 100) / 4 = 90.625
    assert not score.critical_failed and score.failed_critical == ()
    assert score.percent == 90.625


def test_unanswered_or_na_critical_does_not_fail() -> None:
    defn = card(sec("s", yes_no("a"), yes_no("crit", critical=True, allow_na=True)))
    assert not score_visit(defn, {"a": "yes"}).critical_failed
    assert not score_visit(defn, {"a": "yes", "crit": NA}).critical_failed


def test_several_failed_criticals_listed_in_form_order() -> None:
    defn = card(
        sec("s1", yes_no("z_first", critical=True), yes_no("ok")),
        sec("s2", choice("a_second", *OUTCOME, critical=True), number("c", hi=1, critical=True)),
        critical_fail="zero_section",
    )
    score = score_visit(defn, {"z_first": "no", "ok": "yes", "a_second": "Not at all", "c": 2})
    assert score.failed_critical == ("z_first", "a_second", "c")
    assert score.sections["s1"].earned == 0 and score.sections["s2"].percent == 0
    assert score.percent == 0  # both sections zeroed: 0 of 1 + 10 + 1


# --------------------------------------------------------------------------- bands


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        (None, None),
        (0, "below"),
        (84.999, "below"),
        (85, "meets"),
        (94.999, "meets"),
        (95, "exceeds"),  # equality with excellence is "exceeds"
        (100, "exceeds"),
    ],
)
def test_band_with_excellence(percent: float | None, band: str | None) -> None:
    assert band_for(card(target=85, excellence=95), percent) == band


def test_band_without_excellence() -> None:
    defn = card(target=85)
    assert band_for(defn, 100) == "meets"
    assert band_for(defn, 85) == "meets"
    assert band_for(defn, 84.9) == "below"


def test_visit_band_uses_the_exact_percent() -> None:
    defn = card(sec("s", *(yes_no(f"q{i}") for i in range(20))), target=85, excellence=95)
    answers: dict[str, Any] = {f"q{i}": "yes" for i in range(20)}
    answers["q0"] = "no"  # 19 of 20 = 95% -> exceeds
    assert score_visit(defn, answers).band == "exceeds"
    answers["q1"] = "no"  # 18 of 20 = 90% -> meets
    assert score_visit(defn, answers).band == "meets"


# --------------------------------------------------------------------------- submission


def test_submission_requires_every_visible_scored_question() -> None:
    defn = card(
        sec(
            "s",
            yes_no("a"),
            scale("b", allow_na=True),
            q("notes", "text"),
            q("nps", "nps"),
            yes_no("zero", points=0),
        )
    )
    assert submission_problems(defn, {}, {}) == [
        SubmissionProblem("a", "Answer this question"),
        SubmissionProblem("b", "Answer this question"),
    ]
    assert submission_problems(defn, {"a": "no", "b": NA}, {}) == []


def test_required_text_must_not_be_blank() -> None:
    defn = card(sec("s", q("summary", "text", required=True), q("nps", "nps", required=True)))
    problems = submission_problems(defn, {"summary": "   ", "nps": None}, {})
    assert [p.key for p in problems] == ["summary", "nps"]
    assert submission_problems(defn, {"summary": "ok", "nps": 0}, {}) == []


def test_required_evidence_needs_a_photo() -> None:
    defn = card(sec("s", yes_no("clean", evidence="required"), yes_no("b", evidence="optional")))
    answers = {"clean": "yes", "b": "yes"}
    assert submission_problems(defn, answers, {}) == [SubmissionProblem("clean", "Add a photo")]
    assert submission_problems(defn, answers, {}, evidence={"clean"}) == []


def test_invalid_values_are_problems_and_order_is_form_order() -> None:
    defn = card(sec("s", yes_no("a"), scale("b", 1, 5)), sec("t", yes_no("c")))
    problems = submission_problems(defn, {"a": "maybe", "b": 9}, {})
    assert [p.key for p in problems] == ["a", "b", "c"]
    assert "yes or no" in problems[0].message
    assert "1 to 5" in problems[1].message
    assert problems[2].message == "Answer this question"


def test_hidden_questions_are_never_required() -> None:
    defn = follow_up_card()
    assert submission_problems(defn, {"outcome": "Fully"}, {}) == []
    assert submission_problems(defn, {"outcome": "Partly"}, {}) == [
        SubmissionProblem("follow_up", "Answer this question")
    ]


def test_hidden_question_with_required_evidence_needs_no_photo() -> None:
    defn = card(
        sec("s", yes_no("a"), yes_no("b", evidence="required", show_if=ShowIf("a", ("yes",))))
    )
    assert submission_problems(defn, {"a": "no"}, {}) == []


COMMENT = "Add a comment: this answer earns less than full points"


def test_comment_on_fail_at_card_level() -> None:
    defn = card(
        sec(
            "s",
            yes_no("a"),
            scale("b", 1, 5),
            choice("c", *OUTCOME),
            yes_no("d", allow_na=True),
            q("t", "text"),
        ),
        comment_on_fail=True,
    )
    answers = {"a": "no", "b": 4, "c": "Fully", "d": NA, "t": "x"}
    # a earns 0 < 1, b earns 7.5 < 10: both need comments; c full, d N/A, t unscored.
    assert submission_problems(defn, answers, {}) == [
        SubmissionProblem("a", COMMENT),
        SubmissionProblem("b", COMMENT),
    ]
    assert submission_problems(defn, answers, {"a": "  ", "b": "slow"}) == [
        SubmissionProblem("a", COMMENT)
    ]
    assert submission_problems(defn, answers, {"a": "rude", "b": "slow"}) == []


def test_comment_on_fail_at_question_level() -> None:
    defn = card(sec("s", yes_no("a", comment_on_fail=True), yes_no("b")))
    assert submission_problems(defn, {"a": "no", "b": "no"}, {}) == [
        SubmissionProblem("a", COMMENT)
    ]
    assert submission_problems(defn, {"a": "yes", "b": "no"}, {}) == []


def test_no_comment_needed_without_comment_on_fail() -> None:
    defn = card(sec("s", yes_no("a")))
    assert submission_problems(defn, {"a": "no"}, {}) == []


def test_several_problems_for_one_question() -> None:
    defn = card(sec("s", yes_no("a", evidence="required")), comment_on_fail=True)
    assert submission_problems(defn, {"a": "no"}, {}) == [
        SubmissionProblem("a", COMMENT),
        SubmissionProblem("a", "Add a photo"),
    ]


# --------------------------------------------------------------------------- NPS


def test_nps_examples() -> None:
    assert nps([]) is None
    assert nps([10, 9, 10]) == 100
    assert nps([0, 6, 3]) == -100
    assert nps([7, 8]) == 0
    assert nps([10, 7, 0]) == 0  # 33.3 - 33.3
    assert nps([10, 10, 7]) == 67  # 66.67 rounds to 67
    assert nps([10, 7, 7]) == 33  # 33.33 rounds to 33


def test_nps_rounds_half_away_from_zero() -> None:
    # 8 answers: 3 promoters, 2 detractors -> 37.5 - 25 = 12.5 -> 13
    assert nps([10, 10, 9, 0, 0, 7, 7, 8]) == 13
    # mirrored: -12.5 -> -13
    assert nps([0, 0, 0, 10, 10, 7, 7, 8]) == -13
    # 1 promoter in 8 -> 12.5 -> 13
    assert nps([9, 7, 7, 7, 7, 7, 7, 7]) == 13


def test_nps_skips_missing_and_rejects_out_of_range() -> None:
    assert nps([10, None, NA]) == 100  # type: ignore[list-item]
    with pytest.raises(ValueError, match="0 to 10"):
        nps([11])
