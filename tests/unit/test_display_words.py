"""The display helpers: differences of figures as shown, intervals within the percent
scale, a shortened question, and the words for bands, answers, priorities and sources."""

from __future__ import annotations

import pytest

from audit.models import ActionKind, ActionPriority
from audit.reporting.stats import Figure, Interval, percent_scale, shown_difference
from audit.reporting.summary import BenchmarkKind, compare
from audit.scorecards.values import band_words
from audit.templating import format_difference
from audit.views import shorten
from audit.visits.answer_changes import answer_words


@pytest.mark.parametrize(
    ("value", "other", "shown"),
    [
        (86.24, 83.96, 2.2),  # 86.2 − 84.0, not the 2.28 of the unrounded figures
        (92.44, 84.04, 8.4),  # 92.4 − 84.0
        (84.04, 92.44, -8.4),
        (70.06, 70.04, 0.1),  # 70.1 − 70.0, though they differ by 0.02
    ],
)
def test_a_difference_is_that_of_the_figures_as_shown(value, other, shown):
    assert shown_difference(value, other) == pytest.approx(shown)
    assert f"{shown_difference(value, other):+.1f}" == f"{round(shown, 1):+.1f}"


def test_a_benchmark_difference_reads_as_its_two_figures_do():
    figure = Figure.from_sums(2, 172.48, 2 * 86.24**2)  # two visits of 86.24
    benchmark = compare(figure, BenchmarkKind.COMPANY, "Company average", 83.96)
    assert format_difference(benchmark.difference) == "+2.2 pts"
    assert format_difference(compare(figure, BenchmarkKind.COMPANY, "x", 87.24).difference) == (
        "−1.0 pts"
    )
    assert format_difference(None) == "–"
    assert format_difference(shown_difference(84.04, 83.96)) == "0.0 pts"
    assert format_difference(-0.04) == "0.0 pts"  # never "−0.0"
    assert format_difference(2.2, "") == "+2.2"


def test_a_mean_interval_is_cut_at_the_percent_scale():
    assert percent_scale(Interval(93.73, 101.27)) == Interval(93.73, 100.0)
    assert percent_scale(Interval(-3.0, 12.0)) == Interval(0.0, 12.0)
    assert percent_scale(None) is None


def test_shorten_cuts_at_a_word_and_says_so():
    text = "How long did you wait at the window before anyone came to serve you at all?"
    short = shorten(text)
    assert short == "How long did you wait at the window before anyone came to…"
    assert len(short) <= 60
    assert shorten("Greeted?") == "Greeted?"
    assert shorten("  Two   spaces ") == "Two spaces"
    assert shorten(None) == ""


def test_words_for_bands_answers_priorities_and_sources():
    assert [band_words(b) for b in ("exceeds", "meets", "below", None)] == [
        "Exceeds target",
        "Meets target",
        "Below target",
        "",
    ]
    assert [answer_words(v) for v in ("yes", "no", 4.0, "Partly", None)] == [
        "Yes",
        "No",
        "4",
        "Partly",
        "",
    ]
    assert ActionPriority.HIGH.label == "High priority"
    assert ActionPriority.LOW.label == "Low priority"
    assert ActionKind.CRITICAL.label == "Critical item failed"
    assert all(kind.label != kind.value for kind in ActionKind)
