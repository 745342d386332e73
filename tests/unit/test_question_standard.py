"""A question's ``standard``: the file format, the builder's data, the library, and scoring."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from audit.scorecards import builder
from audit.scorecards.definition import Question
from audit.scorecards.fileformat import (
    ScorecardFileError,
    definition_from_data,
    dump_yaml,
    load_file,
    load_yaml,
)
from audit.scorecards.scoring import score_visit

LIBRARY = sorted((Path(__file__).resolve().parents[2] / "scorecards").glob("*.yaml"))

CARD = textwrap.dedent(
    """\
    slug: demo
    title: Demo
    channel: in_person
    target: 80
    sections:
      - key: welcome
        title: Welcome
        questions:
          - key: greeted
            text: Were you greeted within 60 seconds?
            type: yes_no
            points: 5
            guidance: Start timing at the door.
            standard: Greet every customer within 60 seconds.
          - key: wait
            text: Minutes waited
            type: number
            target: {max: 5}
    """
)


def _errors(text: str) -> list[str]:
    with pytest.raises(ScorecardFileError) as caught:
        load_yaml(text, "card.yaml")
    return [str(error) for error in caught.value.errors]


def test_a_standard_is_read_and_written_back_after_the_guidance():
    definition = load_yaml(CARD, "card.yaml")
    greeted, wait = definition.questions()
    assert greeted.standard == "Greet every customer within 60 seconds."
    assert wait.standard is None  # optional
    dumped = dump_yaml(definition)
    assert dumped.index("guidance:") < dumped.index("standard:") < dumped.index("- key: wait")
    assert dumped.count("standard:") == 1  # none written where there is none
    assert load_yaml(dumped, "again.yaml") == definition


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{a: 1}", "'standard' must be text, not a mapping"),
        ("[Greet, Smile]", "'standard' must be text, not a list"),
        ("x" * 301, "'standard' is too long (301 characters; at most 300)"),
    ],
)
def test_a_bad_standard_is_reported_at_its_line(value, message):
    text = CARD.replace("standard: Greet every customer within 60 seconds.", f"standard: {value}")
    line = text.splitlines().index(f"        standard: {value}") + 1
    assert _errors(text) == [f"card.yaml:{line}: {message}"]


def test_a_blank_standard_counts_as_none():
    text = CARD.replace("standard: Greet every customer within 60 seconds.", "standard: '  '")
    assert load_yaml(text, "card.yaml").questions()[0].standard is None


def test_the_standard_changes_no_score():
    with_standard = load_yaml(CARD, "card.yaml")
    without = load_yaml(
        CARD.replace("        standard: Greet every customer within 60 seconds.\n", ""), "b.yaml"
    )
    assert with_standard != without
    for answers in ({"greeted": "yes", "wait": 3}, {"greeted": "no", "wait": 9}):
        assert score_visit(with_standard, answers) == score_visit(without, answers)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_library_question_has_a_standard_for_staff(path):
    """Written to staff in the imperative: not a question, not the shopper's text."""
    for question in load_file(path).questions():
        standard = question.standard
        assert standard, f"{path.name}: {question.key} has no standard"
        assert not standard.rstrip().endswith("?"), (question.key, standard)
        assert standard != question.text
        first = standard.split()[0]
        assert first[0].isupper() and not first.lower().startswith(("did", "was", "were")), (
            question.key,
            standard,
        )


def test_the_builder_reads_and_writes_the_standard():
    data = {"sections": [{"key": "s", "title": "S", "questions": []}]}
    values = {
        "text": "Were you greeted?",
        "type": "yes_no",
        "standard": "  Greet every customer.  ",
        "evidence": "none",
    }
    edit = builder.build_question(data, values, 0, None)
    assert edit.question["standard"] == "Greet every customer."
    assert builder.question_values(edit.question)["standard"] == "Greet every customer."
    empty = builder.build_question(data, {**values, "standard": "   "}, 0, None)
    assert "standard" not in empty.question


def test_a_too_long_standard_is_shown_beside_the_builder_field():
    card = {
        "slug": "demo",
        "title": "Demo",
        "channel": "phone",
        "target": 80,
        "sections": [
            {
                "key": "s",
                "title": "S",
                "questions": [{"key": "q", "text": "Q?", "type": "yes_no", "standard": "x" * 400}],
            }
        ],
    }
    definition, errors = definition_from_data(card)
    assert definition is None
    problems = builder.question_problems(errors, 0, 0)
    (message,) = problems.fields["standard"]  # beside the field, in the builder's words
    assert "too long" in message and "400" in message and "300" in message
    assert problems.general == []


def test_question_has_no_standard_by_default():
    assert Question(key="q", text="Q?", type="yes_no").standard is None
