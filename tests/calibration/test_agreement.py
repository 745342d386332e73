"""Agreement figures: percent agreement and Krippendorff's alpha against hand computations."""

from __future__ import annotations

import math

import pytest

from audit.calibration.agreement import alpha, level_of, percent_agreement
from audit.scorecards.values import NA


def test_percent_agreement_counts_agreeing_pairs():
    assert percent_agreement(["yes", "yes", "no"]) == pytest.approx(1 / 3)
    assert percent_agreement(["yes", "yes", "yes", "no"]) == pytest.approx(3 / 6)
    assert percent_agreement([NA, NA]) == 1.0  # N/A is an answer here
    assert percent_agreement(["yes", None, None]) is None  # under two answers
    assert percent_agreement([4, None, 4]) == 1.0


def test_nominal_alpha_by_hand():
    # Units (questions) of three raters: coincidences o_yy=4, o_nn=3, o_yn=o_ny=2, n=11,
    # n_yes=6, n_no=5: D_o = 4/11, D_e = 2*6*5/(11*10); alpha = 1 - D_o/D_e = 1/3.
    units = [["yes", "yes", "no"], ["no", "no", "no"], ["yes", "yes", "yes"], ["no", "yes", None]]
    assert alpha(units, "nominal") == pytest.approx(1 - (4 / 11) / (60 / 110))


def test_interval_alpha_by_hand():
    # 3,3,6 and 10,10,10: D_o = (36/2)/6 = 3; D_e = 720/(6*5) = 24; alpha = 1 - 3/24.
    assert alpha([[3, 3, 6], [10, 10, 10]], "interval") == pytest.approx(0.875)


def test_ordinal_alpha_weighs_near_misses_less_than_far_ones():
    near = alpha([[1, 1, 1], [4, 4, 5], [5, 5, 5], [2, 2, 2]], "ordinal")
    far = alpha([[1, 1, 1], [4, 4, 1], [5, 5, 5], [2, 2, 2]], "ordinal")
    assert near is not None and far is not None and near > far


def test_na_is_a_category_when_nominal_and_missing_on_a_scale():
    with_na = alpha([["yes", "yes"], [NA, "no"], ["no", "no"]], "nominal")
    assert with_na is not None and with_na < 1
    # On a scale N/A is left out: the second unit has one answer and pairs with nothing.
    assert alpha([[3, 3], [NA, 4], [1, 1]], "ordinal") == pytest.approx(1.0)


def test_alpha_is_undefined_without_variation_or_pairs():
    assert alpha([["yes", "yes"], ["yes", "yes"]], "nominal") is None
    assert alpha([["yes", None], ["no", None]], "nominal") is None
    assert alpha([], "interval") is None
    assert not math.isnan(alpha([[1, 2], [2, 2]], "interval") or 0)


def test_levels_follow_the_question_type():
    assert [level_of(t) for t in ("yes_no", "choice", "scale", "nps", "number", "text")] == [
        "nominal",
        "nominal",
        "ordinal",
        "ordinal",
        "interval",
        None,
    ]
