"""The scorecard format's ``channel: survey`` and ``measure: nps | csat | ces``: checked
against the scale each figure is defined on, errors as FILE:LINE, round-tripped."""

from __future__ import annotations

import textwrap

import pytest

from audit.scorecards.fileformat import load_file
from audit.scorecards.fileformat.reader import load_yaml, validate_file
from audit.scorecards.fileformat.writer import dump_yaml
from tests.surveys.helpers import SURVEY_CARD

HEAD = """\
slug: voice
title: Customer voice
channel: survey
target: 80
sections:
  - key: ratings
    title: Ratings
    questions:
"""


def card(question: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(question), " " * 6)


def errors_of(tmp_path, text: str) -> list[str]:
    path = tmp_path / "card.yaml"
    path.write_text(text)
    return [str(e).replace(str(path), "card.yaml") for e in validate_file(path)]


def test_the_library_survey_card_is_a_survey_with_its_three_measures():
    definition = load_file(SURVEY_CARD)
    assert definition.channel == "survey"
    measures = {q.key: (q.measure, q.type, q.min, q.max) for q in definition.questions()}
    assert measures["recommend"] == ("nps", "nps", None, None)
    assert measures["csat"] == ("csat", "scale", 1, 5)
    assert measures["ease"] == ("ces", "scale", 1, 7)
    assert measures["comment"][:2] == (None, "text")
    assert load_yaml(dump_yaml(definition)) == definition


@pytest.mark.parametrize(
    ("question", "line", "message"),
    [
        (
            "- {key: q, text: Q, type: scale, min: 1, max: 10, measure: csat}",
            9,
            "'measure: csat' needs a 1..5 scale (type: scale, min: 1, max: 5), not a 1..10 scale",
        ),
        (
            "- key: q\n  text: Q\n  type: nps\n  measure: ces",
            12,
            "'measure: ces' needs a 1..7 scale (type: scale, min: 1, max: 7), not an nps question",
        ),
        (
            "- key: q\n  text: Q\n  type: text\n  measure: nps",
            12,
            "'measure: nps' needs a 0..10 scale or an nps question "
            "(type: scale, min: 0, max: 10), not a text question",
        ),
        (
            "- key: q\n  text: Q\n  type: nps\n  measure: loyalty",
            12,
            "'measure' must be one of nps | csat | ces, not 'loyalty'",
        ),
    ],
)
def test_a_measure_on_the_wrong_scale_is_reported_at_its_line(tmp_path, question, line, message):
    assert errors_of(tmp_path, card(question)) == [f"card.yaml:{line}: {message}"]


@pytest.mark.parametrize(
    "question",
    [
        "- {key: q, text: Q, type: nps, measure: nps}",
        "- {key: q, text: Q, type: scale, min: 0, max: 10, measure: nps}",
        "- {key: q, text: Q, type: scale, min: 1, max: 5, measure: csat}",
        "- {key: q, text: Q, type: scale, min: 1, max: 7, measure: ces}",
    ],
)
def test_each_measure_on_its_own_scale_is_accepted(tmp_path, question):
    assert errors_of(tmp_path, card(question)) == []
    definition = load_yaml(card(question))
    assert definition.questions()[0].measure is not None
    assert load_yaml(dump_yaml(definition)) == definition


def test_an_unknown_channel_lists_survey_among_the_choices(tmp_path):
    text = card("- {key: q, text: Q, type: nps}").replace("channel: survey", "channel: kiosk")
    assert errors_of(tmp_path, text) == [
        "card.yaml:3: 'channel' must be one of in_person | phone | email | chat | web | survey, "
        "not 'kiosk'"
    ]


def test_the_browser_builder_keeps_a_questions_measure():
    """Editing a question in the builder must not drop its measure silently."""
    from audit.scorecards.builder.edits import build_question, question_values
    from audit.scorecards.definition import MEASURES
    from audit.scorecards.fileformat.writer import definition_to_data

    data = definition_to_data(load_file(SURVEY_CARD))
    recommend = data["sections"][0]["questions"][3]
    values = question_values(recommend)
    assert values["measure"] == "nps"
    assert build_question(data, values, 0, 3).question["measure"] == "nps"
    values["measure"] = ""
    assert "measure" not in build_question(data, values, 0, 3).question
    assert set(MEASURES) == {"nps", "csat", "ces"}
