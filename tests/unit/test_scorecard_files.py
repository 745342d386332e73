"""Scorecard files: parsing, validation with line numbers, and the YAML round trip."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.scorecards.definition import (
    CHANNELS,
    CRITICAL_MODES,
    EVIDENCE_LEVELS,
    NumberTarget,
    Option,
    Question,
    ScorecardDefinition,
    Section,
    ShowIf,
)
from audit.scorecards.fileformat import (
    DefinitionError,
    ScorecardFileError,
    definition_from_data,
    definition_to_data,
    dump_yaml,
    format_path,
    load_file,
    load_yaml,
    parse_yaml,
    validate_file,
)

DESIGN_EXAMPLE = """\
slug: branch-visit
title: Branch visit — in-person service
channel: in_person          # in_person | phone | email | chat | web
target: 85                  # pass mark, percent
excellence: 95              # optional: the "exceeds" threshold
critical_fail: zero_visit   # zero_visit (default) | zero_section | flag_only
comment_on_fail: true       # optional: a scored answer below full points needs a comment
sections:
  - key: welcome
    title: Welcome and first impressions
    weight: 2               # optional; see scoring
    target: 90              # optional section target, percent
    questions:
      - key: greeted_promptly
        text: Were you greeted within 60 seconds of arriving?
        type: yes_no
        points: 5
        critical: false
        guidance: Start timing when you pass the door.
      - key: wait_minutes
        text: How many minutes did you wait to be served?
        type: number
        unit: minutes
        target: {max: 5}
        points: 5
      - key: empathy
        text: How well did the adviser acknowledge your situation?
        type: scale
        min: 1
        max: 5
        labels: {1: Not at all, 5: Completely}
        points: 10
        allow_na: true
      - key: outcome
        text: Was your question resolved?
        type: choice
        options:
          - {label: Fully, points: 10}
          - {label: Partly, points: 5}
          - {label: Not at all, points: 0}
      - key: offered_follow_up
        text: Did the adviser offer to follow up?
        type: yes_no
        show_if: {question: outcome, in: [Partly, Not at all]}
      - key: recommend
        text: How likely would you be to recommend this branch? (0-10)
        type: nps
      - key: summary
        text: Describe the visit in your own words.
        type: text
        required: true
        evidence: optional  # none | optional | required photo
"""

DESIGN_DEFINITION = ScorecardDefinition(
    slug="branch-visit",
    title="Branch visit — in-person service",
    channel="in_person",
    target=85,
    excellence=95,
    critical_fail="zero_visit",
    comment_on_fail=True,
    sections=(
        Section(
            key="welcome",
            title="Welcome and first impressions",
            weight=2,
            target=90,
            questions=(
                Question(
                    key="greeted_promptly",
                    text="Were you greeted within 60 seconds of arriving?",
                    type="yes_no",
                    points=5,
                    guidance="Start timing when you pass the door.",
                ),
                Question(
                    key="wait_minutes",
                    text="How many minutes did you wait to be served?",
                    type="number",
                    unit="minutes",
                    target=NumberTarget(max=5),
                    points=5,
                ),
                Question(
                    key="empathy",
                    text="How well did the adviser acknowledge your situation?",
                    type="scale",
                    min=1,
                    max=5,
                    labels={1: "Not at all", 5: "Completely"},
                    points=10,
                    allow_na=True,
                ),
                Question(
                    key="outcome",
                    text="Was your question resolved?",
                    type="choice",
                    options=(
                        Option("Fully", 10),
                        Option("Partly", 5),
                        Option("Not at all", 0),
                    ),
                ),
                Question(
                    key="offered_follow_up",
                    text="Did the adviser offer to follow up?",
                    type="yes_no",
                    show_if=ShowIf("outcome", ("Partly", "Not at all"), form="in"),
                ),
                Question(
                    key="recommend",
                    text="How likely would you be to recommend this branch? (0-10)",
                    type="nps",
                ),
                Question(
                    key="summary",
                    text="Describe the visit in your own words.",
                    type="text",
                    required=True,
                    evidence="optional",
                ),
            ),
        ),
    ),
)

# A valid scorecard whose only question is yes_no `q1` (lines 9-11); the
# snippets below are appended as further questions starting at line 12.
HEAD = """\
slug: demo
title: Demo
channel: phone
target: 80
sections:
  - key: main
    title: Main
    questions:
      - key: q1
        text: First
        type: yes_no
"""
L = HEAD.count("\n")  # snippet line n is file line L + n


def block(qtype: str, *lines: str) -> str:
    """Question q2 of ``qtype`` (key, text, type on snippet lines 1-3), then ``lines``."""
    return "".join(
        f"{line}\n" for line in ("- key: q2", "  text: T", f"  type: {qtype}")
    ) + "".join(f"  {line}\n" for line in lines)


def with_questions(snippet: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(snippet), " " * 6)


def errors_of(text: str, filename: str = "card.yaml") -> list[tuple[int | None, str]]:
    definition, errors = parse_yaml(text, filename)
    assert (definition is None) == bool(errors)
    assert all(e.file == filename for e in errors)
    return [(e.line, e.message) for e in errors]


def assert_errors(text: str, expected: list[tuple[int, str]]) -> None:
    """Every expected (line, fragment) matches one error, in order, and there are no others."""
    found = errors_of(text)
    assert len(found) == len(expected), found
    for (line, message), (want_line, fragment) in zip(found, expected, strict=True):
        assert line == want_line, (found, expected)
        assert fragment in message, (message, fragment)


# --------------------------------------------------------------------------- valid files


def test_design_example_parses_to_the_expected_definition():
    assert load_yaml(DESIGN_EXAMPLE) == DESIGN_DEFINITION


def test_defaults_are_applied():
    definition = load_yaml(HEAD)
    assert definition.critical_fail == "zero_visit"
    assert definition.excellence is None
    assert definition.comment_on_fail is False
    assert definition.description is None
    section = definition.sections[0]
    assert (section.weight, section.target) == (None, None)
    question = section.questions[0]
    assert question == Question(key="q1", text="First", type="yes_no")
    assert (question.points, question.evidence, question.critical) == (1, "none", False)


def test_head_is_valid_so_the_rejection_cases_test_one_thing():
    assert errors_of(HEAD) == []
    assert errors_of(with_questions("- {key: q2, text: Second, type: text}\n")) == []


def test_yaml_booleans_become_text_where_text_is_expected():
    definition = load_yaml(
        with_questions(
            """\
            - key: q2
              text: yes
              type: choice
              options:
                - {label: Yes, points: 2}
                - {label: No}
                - {label: On, points: 1}
                - {label: 1, points: 1}
              guidance: off
            - key: q3
              text: Shown on yes
              type: text
              show_if: {question: q1, equals: yes}
            - key: q4
              text: Shown on either
              type: text
              show_if: {question: q1, in: [no, "YES"]}
            - key: q5
              text: Shown on option 1
              type: text
              show_if: {question: q2, in: [Yes, 1]}
            - key: q6
              text: Shown on text
              type: text
              show_if: {question: q5, equals: 5}
            """
        )
    )
    q2 = definition.question("q2")
    assert q2 is not None
    assert q2.text == "yes"
    assert q2.guidance == "off"
    assert q2.options == (Option("Yes", 2), Option("No", 0), Option("On", 1), Option("1", 1))
    assert definition.question("q3").show_if == ShowIf("q1", ("yes",))
    assert definition.question("q4").show_if == ShowIf("q1", ("no", "yes"), form="in")
    assert definition.question("q5").show_if == ShowIf("q2", ("Yes", "1"), form="in")
    assert definition.question("q6").show_if == ShowIf("q5", ("5",))


def test_numeric_show_if_values_keep_their_type():
    definition = load_yaml(
        with_questions(
            """\
            - {key: rating, text: R, type: scale, min: 0, max: 4}
            - {key: nps, text: N, type: nps}
            - {key: wait, text: W, type: number, target: {min: 0.5, max: 10}}
            - {key: a, text: A, type: text, show_if: {question: rating, in: [0, 4]}}
            - {key: b, text: B, type: text, show_if: {question: nps, equals: 10}}
            - {key: c, text: C, type: text, show_if: {question: wait, equals: 2.5}}
            """
        )
    )
    assert definition.question("a").show_if == ShowIf("rating", (0, 4), form="in")
    assert definition.question("b").show_if == ShowIf("nps", (10,))
    assert definition.question("c").show_if == ShowIf("wait", (2.5,))
    assert definition.question("wait").target == NumberTarget(min=0.5, max=10)


def test_anchors_and_merge_keys_work():
    definition = load_yaml(
        with_questions(
            """\
            - &base {key: q2, text: Base, type: yes_no, points: 3, allow_na: true}
            - <<: *base
              key: q3
              points: 4
            """
        )
    )
    assert definition.question("q2") == Question(
        key="q2", text="Base", type="yes_no", points=3, allow_na=True
    )
    assert definition.question("q3") == Question(
        key="q3", text="Base", type="yes_no", points=4, allow_na=True
    )


def test_utf8_bom_and_null_optional_values_are_accepted(tmp_path: Path):
    path = tmp_path / "card.yaml"
    path.write_bytes("\ufeff".encode() + (HEAD + "        guidance:\n").encode())
    definition = load_file(path)
    assert definition.questions()[0].guidance is None
    assert validate_file(path) == []


def test_points_zero_makes_a_question_unscored_but_valid():
    definition = load_yaml(
        with_questions(
            """\
            - {key: q2, text: T, type: text, points: 0}
            - {key: q3, text: Y, type: yes_no, points: 0}
            - {key: q4, text: W, type: number, points: 2.5, target: {min: 1}}
            """
        )
    )
    assert [q.possible for q in definition.questions()] == [1, 0, 0, 2.5]


# --------------------------------------------------------------------------- errors with lines

SEVERAL_ERRORS = """\
slug: Demo Card
title: Demo
channel: fax
target: 120
excellence: 50
sections:
  - key: main
    title: Main
    weight: 0
    questions:
      - key: q1
        text: First
        type: yes_no
        points: -1
        pionts: 3
      - key: q1
        text: Again
        type: rating
      - key: q3
        text: Third
        type: choice
        points: 2
        options:
          - {label: A, points: 1}
          - {label: A, points: 2}
  - key: main
    title: ""
    questions: []
"""


def test_a_file_with_several_errors_lists_every_one_with_its_line():
    definition, errors = parse_yaml(SEVERAL_ERRORS, "bad.yaml")
    assert definition is None
    lines = [str(e).split(": ", 1)[0] for e in errors]
    assert lines == [
        "bad.yaml:1",
        "bad.yaml:3",
        "bad.yaml:4",
        "bad.yaml:9",
        "bad.yaml:14",
        "bad.yaml:15",
        "bad.yaml:16",
        "bad.yaml:18",
        "bad.yaml:22",
        "bad.yaml:25",
        "bad.yaml:26",
        "bad.yaml:27",
        "bad.yaml:28",
    ]
    messages = [e.message for e in errors]
    assert "'slug' 'Demo Card' must be lowercase" in messages[0]
    assert messages[1] == (
        "'channel' must be one of in_person | phone | email | chat | web | survey, not 'fax'"
    )
    assert messages[2] == "'target' must be between 0 and 100, not 120"
    assert messages[3] == "'weight' must be greater than 0, not 0"
    assert messages[4] == "'points' must not be negative (got -1)"
    assert messages[5].startswith("unknown key 'pionts' in a question (did you mean 'points'?)")
    assert messages[6].startswith("duplicate question key 'q1' (also used in section 'main')")
    assert messages[7].startswith("'type' must be one of yes_no | scale | choice")
    assert messages[8].startswith("a choice question takes its points from its options")
    assert messages[9] == "option 'A' is listed twice"
    assert messages[10].startswith("duplicate section key 'main' (also used by section 1)")
    assert messages[11] == "'title' must not be empty"
    assert messages[12] == "'questions' must list at least one question"
    # excellence is not compared with an invalid target
    assert not any("excellence" in m for m in messages)
    with pytest.raises(ScorecardFileError) as raised:
        load_yaml(SEVERAL_ERRORS, "bad.yaml")
    assert raised.value.errors == errors
    assert str(raised.value).splitlines() == [str(e) for e in errors]


@pytest.mark.parametrize(
    ("text", "line", "key", "first"),
    [
        pytest.param("slug: a\ntitle: A\ntitle: B\n", 3, "title", 2, id="top"),
        pytest.param(
            HEAD.replace("    title: Main\n", "    title: Main\n    title: Other\n"),
            8,
            "title",
            7,
            id="section",
        ),
        pytest.param(
            with_questions("- {key: q2, text: T, type: yes_no, points: 1, points: 2}\n"),
            L + 1,
            "points",
            L + 1,
            id="question-flow",
        ),
        pytest.param(
            with_questions(block("yes_no", "text: U")),
            L + 4,
            "text",
            L + 2,
            id="question-block",
        ),
        pytest.param(
            with_questions(
                block(
                    "choice",
                    "options:",
                    "  - {label: A, points: 1}",
                    "  - label: B",
                    "    label: C",
                )
            ),
            L + 7,
            "label",
            L + 6,
            id="option",
        ),
        pytest.param(
            with_questions(
                "- {key: q2, text: T, type: scale, min: 1, max: 3, labels: {1: a, 1: b}}\n"
            ),
            L + 1,
            1,
            L + 1,
            id="labels",
        ),
        pytest.param(
            with_questions(block("number", "target:", "  max: 1", "  max: 2")),
            L + 6,
            "max",
            L + 5,
            id="number-target",
        ),
        pytest.param(
            with_questions(
                block("yes_no", "show_if:", "  question: q1", "  equals: yes", "  question: q1")
            ),
            L + 7,
            "question",
            L + 5,
            id="show_if",
        ),
    ],
)
def test_duplicate_keys_are_reported_at_every_level(text, line, key, first):
    found = errors_of(text)
    shown = repr(key) if isinstance(key, str) else str(key)
    assert (line, f"duplicate key {shown} (first given on line {first})") in found


def test_duplicate_key_error_is_the_only_error_when_the_rest_is_valid():
    assert errors_of(HEAD + "        points: 2\n        points: 3\n") == [
        (L + 2, f"duplicate key 'points' (first given on line {L + 1})")
    ]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param("slug: a\ntitle: [unclosed\n", 3, "expected ',' or ']'", id="flow"),
        pytest.param(
            "slug: a\n title: b\nchannel: c\n", 2, "mapping values are not allowed", id="indent"
        ),
        pytest.param("slug: a\ntitle: b\n\tchannel: c\n", 3, "found character '\\t'", id="tab"),
        pytest.param("slug: a\n---\nslug: b\n", 2, "expected a single document", id="documents"),
        pytest.param("slug: a\ntitle: \x07\n", 2, "is not allowed in YAML", id="control-char"),
        pytest.param(
            HEAD.replace("title: Demo", "title: !custom x"),
            2,
            "could not determine a constructor",
            id="tag",
        ),
    ],
)
def test_yaml_syntax_errors_have_a_line(text, line, fragment):
    found = errors_of(text)
    assert len(found) == 1, found
    assert found[0][0] == line
    assert fragment in found[0][1]


# Top-level and section rules: whole files, with the expected (line, fragment) list.
TOP_CASES = [
    pytest.param("", [(1, "the scorecard is empty")], id="empty-file"),
    pytest.param("- a\n- b\n", [(1, "a scorecard must be a mapping")], id="list-file"),
    pytest.param(
        "description: x\n",
        [
            (1, "missing required key 'slug'"),
            (1, "missing required key 'title'"),
            (1, "missing required key 'channel'"),
            (1, "missing required key 'target'"),
            (1, "missing required key 'sections'"),
        ],
        id="missing-required",
    ),
    pytest.param(
        HEAD.replace("title: Demo\n", "titel: Demo\n"),
        [(1, "missing required key 'title'"), (2, "unknown key 'titel' in the scorecard (did you")],
        id="unknown-top-key",
    ),
    pytest.param(
        HEAD.replace("slug: demo", "slug: -demo"), [(1, "must be lowercase")], id="slug-dash"
    ),
    pytest.param(
        HEAD.replace("slug: demo", "slug: " + "a" * 81), [(1, "too long")], id="slug-long"
    ),
    pytest.param(HEAD.replace("slug: demo", "slug: 12"), [], id="slug-digits-ok"),
    pytest.param(HEAD.replace("phone", "fax"), [(3, "'channel' must be one of")], id="channel"),
    pytest.param(
        HEAD.replace("target: 80", 'target: "80"'), [(4, "must be a number")], id="target-str"
    ),
    pytest.param(
        HEAD.replace("target: 80", "target: -1"), [(4, "between 0 and 100")], id="target-neg"
    ),
    pytest.param(HEAD.replace("target: 80", "target: .nan"), [(4, "finite")], id="target-nan"),
    pytest.param(HEAD.replace("target: 80", "target: true"), [(4, "not true")], id="target-bool"),
    pytest.param(
        HEAD + "excellence: 70\n", [(L + 1, "must not be below 'target' (80)")], id="exc-low"
    ),
    pytest.param(HEAD + "excellence: 101\n", [(L + 1, "between 0 and 100")], id="exc-high"),
    pytest.param(HEAD + "excellence: 80\n", [], id="exc-equal-ok"),
    pytest.param(
        HEAD + "critical_fail: all\n", [(L + 1, "zero_visit | zero_section")], id="crit-mode"
    ),
    pytest.param(HEAD + "comment_on_fail: 1\n", [(L + 1, "true or false")], id="comment-flag"),
    pytest.param(HEAD + "description: [a]\n", [(L + 1, "must be text")], id="description"),
    pytest.param(
        "slug: a\ntitle: A\nchannel: web\ntarget: 1\nsections: []\n",
        [(5, "at least one section")],
        id="no-sections",
    ),
    pytest.param(
        "slug: a\ntitle: A\nchannel: web\ntarget: 1\nsections: {a: 1}\n",
        [(5, "'sections' must be a list")],
        id="sections-mapping",
    ),
    pytest.param(
        "slug: a\ntitle: A\nchannel: web\ntarget: 1\nsections:\n  - key: s\n    title: S\n",
        [(6, "this section is missing required key 'questions'")],
        id="section-no-questions",
    ),
    pytest.param(
        "slug: a\ntitle: A\nchannel: web\ntarget: 1\nsections:\n  - just text\n",
        [(6, "each section must be a mapping")],
        id="section-not-mapping",
    ),
    pytest.param(
        "slug: a\ntitle: A\nchannel: web\ntarget: 1\nsections:\n"
        "  - questions: [{key: q, text: Q, type: nps}]\n",
        [(6, "missing required key 'key'"), (6, "missing required key 'title'")],
        id="section-missing",
    ),
    pytest.param(
        HEAD.replace("key: main", "key: Main"), [(6, "must be lowercase")], id="section-key"
    ),
    pytest.param(
        HEAD.replace("title: Main", "title: Main\n    weight: -2"),
        [(8, "greater than 0")],
        id="weight-neg",
    ),
    pytest.param(
        HEAD.replace("title: Main", "title: Main\n    weight: heavy"),
        [(8, "must be a number")],
        id="weight-str",
    ),
    pytest.param(
        HEAD.replace("title: Main", "title: Main\n    target: 150"),
        [(8, "between 0 and 100")],
        id="sec-target",
    ),
    pytest.param(
        HEAD.replace("title: Main", "title: Main\n    colour: red"),
        [
            (
                8,
                "unknown key 'colour' in a section; "
                "allowed keys: key, title, weight, target, questions",
            )
        ],
        id="section-unknown",
    ),
    pytest.param(
        HEAD + "  - key: main\n    title: Again\n    questions: [{key: q2, text: Q, type: nps}]\n",
        [(L + 1, "duplicate section key 'main'")],
        id="section-duplicate",
    ),
    pytest.param(
        HEAD + "  - key: other\n    title: Other\n    questions: [{key: q1, text: Q, type: nps}]\n",
        [(L + 3, "duplicate question key 'q1' (also used in section 'main')")],
        id="question-duplicate-across-sections",
    ),
]


@pytest.mark.parametrize(("text", "expected"), TOP_CASES)
def test_scorecard_and_section_rules(text, expected):
    assert_errors(text, expected)


# Question rules: snippets appended to HEAD (after the yes_no question q1).
QUESTION_CASES = [
    pytest.param(
        "- guidance: hi\n",
        [
            (L + 1, "missing required key 'type'"),
            (L + 1, "missing required key 'key'"),
            (L + 1, "missing required key 'text'"),
        ],
        id="missing",
    ),
    pytest.param("- just text\n", [(L + 1, "each question must be a mapping")], id="not-mapping"),
    pytest.param(
        "- {key: q2, text: T, type: rating}\n",
        [
            (
                L + 1,
                "'type' must be one of yes_no | scale | choice | number | text | nps, not 'rating'",
            )
        ],
        id="type",
    ),
    pytest.param(
        "- {key: q2, text: T, type: rating, colour: red, options: []}\n",
        [(L + 1, "'type' must be one of"), (L + 1, "unknown key 'colour'")],
        id="type-unknown-keys",
    ),
    pytest.param(
        "- {key: Q2, text: T, type: yes_no}\n",
        [(L + 1, "'key' 'Q2' must be lowercase")],
        id="key-upper",
    ),
    pytest.param(
        "- {key: q 2, text: T, type: yes_no}\n", [(L + 1, "must be lowercase")], id="key-space"
    ),
    pytest.param(
        "- {key: q2, text: '  ', type: yes_no}\n",
        [(L + 1, "'text' must not be empty")],
        id="text-blank",
    ),
    pytest.param(
        "- {key: q2, text: T, type: yes_no, points: five}\n",
        [(L + 1, "'points' must be a number, not the text 'five'")],
        id="points-str",
    ),
    pytest.param(
        "- {key: q2, text: T, type: yes_no, points: -1}\n",
        [(L + 1, "must not be negative")],
        id="points-neg",
    ),
    pytest.param(
        block("yes_no", "pionts: 3"),
        [
            (
                L + 4,
                "unknown key 'pionts' in a question (did you mean 'points'?); "
                "allowed keys: key, text, type",
            )
        ],
        id="unknown-key",
    ),
    pytest.param(
        block("yes_no", "options: [{label: A}, {label: B}]"),
        [(L + 4, "'options' is not used by yes_no questions, only by choice questions")],
        id="options-on-yes_no",
    ),
    pytest.param(
        block("scale", "min: 1", "max: 5", "unit: stars", "target: {max: 3}"),
        [
            (L + 6, "'unit' is not used by scale questions, only by number"),
            (L + 7, "'target' is not used by scale questions, only by number"),
        ],
        id="unit-target-on-scale",
    ),
    pytest.param(
        block("number", "target: {max: 3}", "min: 0", "max: 120", "labels: {1: a}"),
        [(L + 7, "'labels' is not used by number")],
        id="scale-labels-on-number",
    ),
    pytest.param(
        block("number", "target: {max: 3}", "min: 5", "max: 5"),
        [(L + 6, "'max' (5) must be greater than 'min' (5)")],
        id="number-range-empty",
    ),
    pytest.param(
        block("number", "target: {min: 200}", "min: 0", "max: 120"),
        [(L + 4, "the target can never be met: answers are limited to 0 to 120")],
        id="number-target-out-of-range",
    ),
    pytest.param(
        block("number", "target: {max: 3}", "max: 5000000000"),
        [(L + 5, "'max' must be between -1000000000 and 1000000000, not 5000000000")],
        id="number-range-beyond-a-measurement",
    ),
    pytest.param(
        "- {key: q2, text: T, type: text, options: [{label: A}, {label: B}]}\n",
        [(L + 1, "'options' is not used by text questions")],
        id="options-on-text",
    ),
    pytest.param(
        "- {key: q2, text: T, type: yes_no, critical: sure}\n",
        [(L + 1, "'critical' must be true or false, not the text 'sure'")],
        id="critical-str",
    ),
    pytest.param(
        "- {key: q2, text: T, type: yes_no, allow_na: 1}\n",
        [(L + 1, "'allow_na' must be true or false")],
        id="allow_na-int",
    ),
    pytest.param(
        "- {key: q2, text: T, type: yes_no, required: 'yes'}\n",
        [(L + 1, "'required' must be true or false")],
        id="required-quoted",
    ),
    pytest.param(
        "- {key: q2, text: T, type: yes_no, comment_on_fail: [true]}\n",
        [(L + 1, "'comment_on_fail' must be true or false")],
        id="comment-list",
    ),
    pytest.param(
        "- {key: q2, text: T, type: yes_no, evidence: photo}\n",
        [(L + 1, "'evidence' must be one of none | optional | required, not 'photo'")],
        id="evidence",
    ),
    pytest.param(
        "- {key: q2, text: T, type: yes_no, guidance: {a: 1}}\n",
        [(L + 1, "'guidance' must be text, not a mapping")],
        id="guidance",
    ),
    # scale
    pytest.param(
        "- {key: q2, text: T, type: scale}\n",
        [(L + 1, "missing required key 'min'"), (L + 1, "missing required key 'max'")],
        id="scale-no-range",
    ),
    pytest.param(
        block("scale", "min: 5", "max: 5"),
        [(L + 5, "'max' (5) must be greater than 'min' (5)")],
        id="scale-min-eq-max",
    ),
    pytest.param(
        block("scale", "min: 5", "max: 1"),
        [(L + 5, "'max' (1) must be greater than 'min' (5)")],
        id="scale-min-gt-max",
    ),
    pytest.param(
        block("scale", "min: 1.5", "max: 5"),
        [(L + 4, "'min' must be a whole number, not the number 1.5")],
        id="scale-float",
    ),
    pytest.param(
        block("scale", "min: 1", "max: '5'"),
        [(L + 5, "'max' must be a whole number")],
        id="scale-str",
    ),
    pytest.param(
        block("scale", "min: 1", "max: 5", "labels:", "  0: zero", "  3: three", "  6: six"),
        [
            (L + 7, "label 0 is outside the scale 1..5"),
            (L + 9, "label 6 is outside the scale 1..5"),
        ],
        id="scale-labels-range",
    ),
    pytest.param(
        block("scale", "min: 1", "max: 5", "labels: {one: a}"),
        [(L + 6, "whole-number keys")],
        id="scale-labels-key",
    ),
    pytest.param(
        block("scale", "min: 1", "max: 5", "labels: [a, b]"),
        [(L + 6, "'labels' must be a mapping")],
        id="scale-labels-list",
    ),
    pytest.param(
        block("scale", "min: 1", "max: 5", "points: 0", "critical: true"),
        [(L + 7, "it has points: 0")],
        id="scale-critical-0",
    ),
    # choice
    pytest.param(
        "- {key: q2, text: T, type: choice}\n",
        [(L + 1, "a choice question is missing required key 'options'")],
        id="choice-no-options",
    ),
    pytest.param(
        "- {key: q2, text: T, type: choice, options: []}\n",
        [(L + 1, "at least two options, not 0")],
        id="choice-empty",
    ),
    pytest.param(
        "- {key: q2, text: T, type: choice, options: [{label: A}]}\n",
        [(L + 1, "at least two options, not 1")],
        id="choice-one",
    ),
    pytest.param(
        "- {key: q2, text: T, type: choice, options: A}\n",
        [(L + 1, "'options' must be a list")],
        id="choice-options-str",
    ),
    pytest.param(
        block("choice", "options: [A, B]"),
        [(L + 4, "each option must be a mapping"), (L + 4, "each option must be a mapping")],
        id="choice-option-str",
    ),
    pytest.param(
        block("choice", "options:", "  - {label: A, points: 1}", "  - {label: A, points: 0}"),
        [(L + 6, "option 'A' is listed twice")],
        id="choice-dup-label",
    ),
    pytest.param(
        block("choice", "options:", "  - {label: A, points: -1}", "  - {label: B}"),
        [(L + 5, "'points' must not be negative")],
        id="choice-neg-points",
    ),
    pytest.param(
        block("choice", "options:", "  - {label: A, points: x}", "  - {points: 1}"),
        [
            (L + 5, "'points' must be a number"),
            (L + 6, "this option is missing required key 'label'"),
        ],
        id="choice-option-fields",
    ),
    pytest.param(
        block("choice", "options:", "  - {label: A, score: 1}", "  - {label: B}"),
        [(L + 5, "unknown key 'score' in an option")],
        id="choice-option-unknown",
    ),
    pytest.param(
        block("choice", "points: 5", "options: [{label: A, points: 1}, {label: B}]"),
        [(L + 4, "a choice question takes its points from its options; remove 'points'")],
        id="choice-points",
    ),
    pytest.param(
        block("choice", "critical: true", "options: [{label: A}, {label: B}]"),
        [(L + 4, "its best option is worth 0 points")],
        id="choice-critical-0",
    ),
    # number
    pytest.param(
        "- {key: q2, text: T, type: number}\n",
        [(L + 1, "a number question needs 'target'")],
        id="number-no-target",
    ),
    pytest.param(
        "- {key: q2, text: T, type: number, target: {}}\n",
        [(L + 1, "'target' needs 'min', 'max' or both")],
        id="number-empty-target",
    ),
    pytest.param(
        "- {key: q2, text: T, type: number, target: 5}\n",
        [(L + 1, "'target' must be a mapping")],
        id="number-target-scalar",
    ),
    pytest.param(
        block("number", "target:", "  min: 5", "  max: 1"),
        [(L + 5, "target 'min' (5) is above 'max' (1)")],
        id="number-min-gt-max",
    ),
    pytest.param(
        block("number", "target:", "  min: low", "  upto: 1"),
        [(L + 5, "'min' must be a number"), (L + 6, "unknown key 'upto' in a number target")],
        id="number-target-fields",
    ),
    pytest.param(
        "- {key: q2, text: T, type: number, target: {max: 1}, unit: [m]}\n",
        [(L + 1, "'unit' must be text")],
        id="number-unit",
    ),
    # unscored types
    pytest.param(
        "- {key: q2, text: T, type: text, points: 3}\n",
        [(L + 1, "text questions are never scored, so 'points' must be 0 or left out")],
        id="text-points",
    ),
    pytest.param(
        "- {key: q2, text: T, type: nps, points: 2}\n",
        [(L + 1, "nps questions are never scored")],
        id="nps-points",
    ),
    pytest.param(
        block("text", "critical: true"),
        [
            (
                L + 4,
                "'critical: true' needs a question that can earn points, "
                "but text questions are never scored",
            )
        ],
        id="text-critical",
    ),
    pytest.param(
        block("nps", "critical: true"),
        [(L + 4, "nps questions are never scored")],
        id="nps-critical",
    ),
    pytest.param(
        block("yes_no", "points: 0", "critical: true"),
        [(L + 5, "it has points: 0")],
        id="yes_no-critical-0",
    ),
    # show_if
    pytest.param(
        block("yes_no", "show_if: {question: nope, equals: yes}"),
        [(L + 4, "show_if refers to an unknown question 'nope'")],
        id="show_if-unknown",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q2, equals: yes}"),
        [(L + 4, "cannot be shown depending on itself")],
        id="show_if-self",
    ),
    pytest.param(
        "- key: q2\n  text: T\n  type: yes_no\n  show_if: {question: q3, equals: yes}\n"
        "- {key: q3, text: U, type: yes_no}\n",
        [(L + 4, "must refer to an earlier question; 'q3' comes later")],
        id="show_if-later",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q1, equals: yes, in: [yes]}"),
        [(L + 4, "either 'equals' or 'in', not both")],
        id="show_if-both",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q1}"),
        [(L + 4, "show_if needs 'equals: VALUE' or 'in: [VALUE, ...]'")],
        id="show_if-neither",
    ),
    pytest.param(
        block("yes_no", "show_if: {equals: yes}"),
        [(L + 4, "'show_if' is missing required key 'question'")],
        id="show_if-no-question",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q1, in: yes}"),
        [(L + 4, "'in' must be a non-empty list, not true")],
        id="show_if-in-scalar",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q1, in: []}"),
        [(L + 4, "'in' must be a non-empty list")],
        id="show_if-in-empty",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q1, equals: [yes]}"),
        [(L + 4, "use 'in' for a list")],
        id="show_if-equals-list",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q1, equals: }"),
        [(L + 4, "'equals' needs a value")],
        id="show_if-equals-null",
    ),
    pytest.param(
        block("yes_no", "show_if: q1"),
        [(L + 4, "'show_if' must be a mapping")],
        id="show_if-scalar",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q1, equals: yes, when: x}"),
        [(L + 4, "unknown key 'when' in show_if")],
        id="show_if-unknown-key",
    ),
    pytest.param(
        block("yes_no", "show_if: {question: q1, equals: maybe}"),
        [(L + 4, "'q1' is a yes/no question: compare with yes or no, not the text 'maybe'")],
        id="show_if-yes_no-value",
    ),
    pytest.param(
        block("yes_no", "show_if:", "  question: q1", "  in:", "    - yes", "    - 1"),
        [(L + 8, "compare with yes or no, not the number 1")],
        id="show_if-yes_no-in-value",
    ),
    pytest.param(
        block("yes_no", "show_if:", "  question: q1", "  in: [yes, true]"),
        [(L + 6, "'yes' is listed twice")],
        id="show_if-in-duplicate",
    ),
    pytest.param(
        "- {key: c, text: C, type: choice, options: [{label: A}, {label: B}]}\n"
        "- {key: q2, text: T, type: text, show_if: {question: c, equals: Z}}\n",
        [(L + 2, "'Z' is not an option of 'c' (options: A, B)")],
        id="show_if-choice-value",
    ),
    pytest.param(
        "- {key: s, text: S, type: scale, min: 1, max: 5}\n"
        "- {key: q2, text: T, type: text, show_if: {question: s, equals: 7}}\n",
        [(L + 2, "7 is outside the range of 's' (1..5)")],
        id="show_if-scale-range",
    ),
    pytest.param(
        "- {key: s, text: S, type: scale, min: 1, max: 5}\n"
        "- {key: q2, text: T, type: text, show_if: {question: s, equals: 2.5}}\n",
        [(L + 2, "'s' is a scale question: compare with a whole number")],
        id="show_if-scale-float",
    ),
    pytest.param(
        "- {key: s, text: S, type: scale, min: 1, max: 5}\n"
        "- {key: q2, text: T, type: text, show_if: {question: s, equals: '3'}}\n",
        [(L + 2, "compare with a whole number, not the text '3'")],
        id="show_if-scale-str",
    ),
    pytest.param(
        "- {key: n, text: N, type: nps}\n"
        "- {key: q2, text: T, type: text, show_if: {question: n, in: [9, 11]}}\n",
        [(L + 2, "11 is outside the range of 'n' (0..10)")],
        id="show_if-nps-range",
    ),
    pytest.param(
        "- {key: n, text: N, type: number, target: {max: 1}}\n"
        "- {key: q2, text: T, type: text, show_if: {question: n, equals: many}}\n",
        [(L + 2, "the value must be a number, not the text 'many'")],
        id="show_if-number-str",
    ),
    pytest.param(
        "- {key: t, text: N, type: text}\n"
        "- {key: q2, text: T, type: text, show_if: {question: t, equals: [a]}}\n",
        [(L + 2, "use 'in' for a list")],
        id="show_if-text-list",
    ),
]


@pytest.mark.parametrize(("snippet", "expected"), QUESTION_CASES)
def test_question_rules(snippet, expected):
    assert_errors(with_questions(snippet), expected)


def test_multi_line_values_report_the_line_of_their_key():
    text = with_questions(
        """\
        - key: q2
          text: T
          type: choice
          options:
            - label: A
            - label: B
              points: -3
          guidance: >
            folded
            text
        - key: q3
          text: >-
            long text
          type: yes_no
          critical: true
          points:
            - 1
        """
    )
    assert_errors(
        text,
        [
            (L + 7, "'points' must not be negative"),
            (L + 16, "'points' must be a number, not a list"),
        ],
    )


def test_an_alias_bomb_is_stopped():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    found = errors_of("\n".join(lines) + "\n")
    assert found == [(1, "the file has too many values (aliases expanding?)")]


# --------------------------------------------------------------------------- plain data


def test_definition_from_data_reports_paths_without_lines():
    data = yaml.safe_load(HEAD)
    data["sections"][0]["questions"][0]["points"] = "many"
    data["sections"][0]["questions"].append({"key": "q2", "text": "T", "type": "nps", "x": 1})
    definition, errors = definition_from_data(data)
    assert definition is None
    assert [(e.path, e.line) for e in errors] == [
        (("sections", 0, "questions", 0, "points"), None),
        (("sections", 0, "questions", 1, "x"), None),
    ]
    assert str(errors[0]) == (
        "sections[0].questions[0].points: 'points' must be a number, not the text 'many'"
    )


def test_definition_from_data_matches_the_yaml_loader():
    definition, errors = definition_from_data(yaml.safe_load(DESIGN_EXAMPLE))
    assert errors == []
    assert definition == DESIGN_DEFINITION


def test_data_survives_json_as_stored_in_the_database():
    stored = json.loads(json.dumps(definition_to_data(DESIGN_DEFINITION)))
    assert stored["sections"][0]["questions"][2]["labels"] == {"1": "Not at all", "5": "Completely"}
    assert definition_from_data(stored) == (DESIGN_DEFINITION, [])


def test_booleans_are_not_text_in_plain_data():
    data = yaml.safe_load(HEAD)
    data["title"] = True
    definition, errors = definition_from_data(data)
    assert definition is None
    assert [(e.path, e.message) for e in errors] == [(("title",), "'title' must be text, not true")]


def test_definition_to_data_orders_keys_and_omits_defaults():
    data = definition_to_data(DESIGN_DEFINITION)
    assert list(data) == [
        "slug",
        "title",
        "channel",
        "target",
        "excellence",
        "comment_on_fail",
        "sections",
    ]
    questions = data["sections"][0]["questions"]
    assert questions[0] == {
        "key": "greeted_promptly",
        "text": "Were you greeted within 60 seconds of arriving?",
        "type": "yes_no",
        "points": 5,
        "guidance": "Start timing when you pass the door.",
    }
    assert list(questions[1]) == ["key", "text", "type", "unit", "target", "points"]
    assert questions[1]["target"] == {"max": 5}
    assert questions[4]["show_if"] == {"question": "outcome", "in": ["Partly", "Not at all"]}
    assert questions[3]["options"][2] == {"label": "Not at all", "points": 0}


def test_error_formatting():
    assert str(DefinitionError(("a",), "bad", line=3, file="f.yaml")) == "f.yaml:3: bad"
    assert str(DefinitionError(("a",), "bad", file="f.yaml")) == "f.yaml: bad"
    assert str(DefinitionError(("a", 0, "b"), "bad")) == "a[0].b: bad"
    assert str(DefinitionError((), "bad")) == "bad"
    assert format_path(("sections", 1, "questions", 0, "labels", 3)) == (
        "sections[1].questions[0].labels[3]"
    )


# --------------------------------------------------------------------------- files


def test_non_utf8_file_is_a_clean_error(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(HEAD.replace("Demo", "Caf\u00e9").encode("latin-1"))
    with pytest.raises(ScorecardFileError) as raised:
        load_file(path)
    assert [str(e) for e in raised.value.errors] == [
        f"{path}:2: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    ]
    assert validate_file(path) == raised.value.errors


def test_missing_file_is_a_clean_error(tmp_path: Path):
    path = tmp_path / "nope.yaml"
    errors = validate_file(path)
    assert len(errors) == 1
    assert str(errors[0]) == f"{path}: cannot read file: No such file or directory"


def test_file_errors_carry_the_file_name(tmp_path: Path):
    path = tmp_path / "card.yaml"
    path.write_text(HEAD.replace("phone", "fax"), encoding="utf-8")
    assert [str(e) for e in validate_file(path)] == [
        f"{path}:3: 'channel' must be one of in_person | phone | email | chat | web | survey, "
        "not 'fax'"
    ]
    path.write_text(DESIGN_EXAMPLE, encoding="utf-8")
    assert load_file(path) == DESIGN_DEFINITION


# --------------------------------------------------------------------------- round trip


def test_design_example_round_trips_and_reads_like_the_design():
    text = dump_yaml(DESIGN_DEFINITION)
    assert load_yaml(text) == DESIGN_DEFINITION
    assert "        target: {max: 5}\n" in text
    assert "        labels: {1: Not at all, 5: Completely}\n" in text
    assert "          - {label: Fully, points: 10}\n" in text
    assert "        show_if: {question: outcome, in: [Partly, Not at all]}\n" in text
    assert "critical_fail" not in text  # the default is left out
    assert text.startswith("slug: branch-visit\ntitle: Branch visit — in-person service\n")


TRICKY = ScorecardDefinition(
    slug="tricky",
    title="Yes",
    description="line one\nline two\n  indented\n",
    channel="chat",
    target=72.5,
    excellence=100,
    critical_fail="flag_only",
    sections=(
        Section(
            key="s1",
            title="null",
            weight=0.25,
            questions=(
                Question(
                    key="yn",
                    text="On",
                    type="yes_no",
                    points=0.5,
                    critical=True,
                    comment_on_fail=True,
                    evidence="required",
                    guidance="  leading and trailing spaces  ",
                ),
                Question(
                    key="pick",
                    text="Pick: one, #two",
                    type="choice",
                    options=(
                        Option("Yes", 3),
                        Option("No", 0),
                        Option("On", 1.5),
                        Option("off", 0),
                        Option("1", 2),
                        Option("~", 0),
                        Option("- dash", 0),
                        Option("a, b: {c}", 0),
                        Option("2024-01-01", 0),
                    ),
                    show_if=ShowIf("yn", ("no", "yes"), form="in"),
                ),
                Question(
                    key="scale",
                    text="Scale",
                    type="scale",
                    min=-2,
                    max=2,
                    labels={-2: "No", 0: "0", 2: "true"},
                    points=0,
                    show_if=ShowIf("pick", ("Yes",), form="in"),
                ),
            ),
        ),
        Section(
            key="s2",
            title="Second",
            target=0,
            questions=(
                Question(
                    key="num",
                    text="Num",
                    type="number",
                    target=NumberTarget(min=-1.5),
                    min=-10,
                    max=250.5,
                    unit="yes",
                    show_if=ShowIf("scale", (-2,)),
                ),
                Question(
                    key="free",
                    text="Free text",
                    type="text",
                    points=0,
                    required=True,
                    allow_na=True,
                    show_if=ShowIf("num", (0.1, 7), form="in"),
                ),
                Question(
                    key="nps",
                    text="NPS",
                    type="nps",
                    show_if=ShowIf("free", ("yes", "1", "Ünïcode ✓"), form="in"),
                ),
            ),
        ),
    ),
)


@pytest.mark.parametrize("definition", [DESIGN_DEFINITION, TRICKY], ids=["design", "tricky"])
def test_hand_written_definitions_round_trip(definition):
    assert definition_from_data(definition_to_data(definition)) == (definition, [])
    text = dump_yaml(definition)
    assert load_yaml(text) == definition
    assert dump_yaml(load_yaml(text)) == text


def test_yaml_boolean_words_are_quoted_on_dump():
    text = dump_yaml(TRICKY)
    assert "title: 'Yes'\n" in text
    assert "{label: 'Yes', points: 3}" in text
    assert "{label: 'No', points: 0}" in text
    assert "{label: 'On', points: 1.5}" in text
    assert "{label: 'off', points: 0}" in text
    assert "in: ['no', 'yes']" in text
    assert "description: |\n  line one\n  line two\n" in text


# --------------------------------------------------------------------------- property test

_keys = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)
_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(
        lambda s: s.strip() != ""
    ),
    st.sampled_from(
        [
            "Yes",
            "No",
            "on",
            "OFF",
            "null",
            "~",
            "1",
            "0x1F",
            "1e3",
            ".nan",
            "2024-01-01",
            "a: b",
            "- x",
            "#",
            "'q'",
            '"',
            "multi\nline",
            "trailing\n",
            " lead",
            "tab\there",
            "*ref",
            "&a",
        ]
    ),
)
_percent = st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False))
_points = st.one_of(st.integers(0, 50), st.floats(0, 50, allow_nan=False))
_number = st.one_of(
    st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
)


@st.composite
def _show_if_values(draw, controller: Question):
    if controller.type == "yes_no":
        pool = st.sampled_from(["yes", "no"])
    elif controller.type == "choice":
        pool = st.sampled_from([o.label for o in controller.options])
    elif controller.type == "scale":
        pool = st.integers(controller.min, controller.max)
    elif controller.type == "nps":
        pool = st.integers(0, 10)
    elif controller.type == "number":
        pool = _number
    else:
        pool = st.one_of(st.text(max_size=10), _text)
    return draw(st.lists(pool, min_size=1, max_size=3, unique=True))


@st.composite
def _questions(draw, key: str, earlier: list[Question]):
    qtype = draw(st.sampled_from(["yes_no", "scale", "choice", "number", "text", "nps"]))
    fields: dict = {
        "key": key,
        "text": draw(_text),
        "type": qtype,
        "allow_na": draw(st.booleans()),
        "required": draw(st.booleans()),
        "comment_on_fail": draw(st.booleans()),
        "guidance": draw(st.none() | _text),
        "standard": draw(st.none() | _text),
        "evidence": draw(st.sampled_from(EVIDENCE_LEVELS)),
    }
    if qtype in ("text", "nps"):
        fields["points"] = draw(st.sampled_from([0, 1]))
    elif qtype != "choice":
        fields["points"] = draw(_points)
    if qtype == "scale":
        low = draw(st.integers(-5, 5))
        high = low + draw(st.integers(1, 10))
        fields.update(min=low, max=high)
        fields["labels"] = draw(st.dictionaries(st.integers(low, high), _text, max_size=3))
    elif qtype == "choice":
        labels = draw(st.lists(_text, min_size=2, max_size=4, unique=True))
        fields["options"] = tuple(Option(label, draw(_points)) for label in labels)
    elif qtype == "number":
        low, high = draw(st.none() | _number), draw(st.none() | _number)
        if low is None and high is None:
            high = 5
        elif low is not None and high is not None and low > high:
            low, high = high, low
        fields["target"] = NumberTarget(min=low, max=high)
        fields["unit"] = draw(st.none() | _text)
        if draw(st.booleans()):  # the answers accepted at all, around the target
            fields["min"] = (low if low is not None else high) - draw(st.integers(1, 100))
            fields["max"] = (high if high is not None else low) + draw(st.integers(1, 100))
    question = Question(**fields)
    if question.possible > 0 and draw(st.booleans()):
        question = Question(**fields, critical=True)
    if earlier and draw(st.booleans()):
        controller = draw(st.sampled_from(earlier))
        values = draw(_show_if_values(controller))
        form = "in" if len(values) > 1 else draw(st.sampled_from(["equals", "in"]))
        fields["critical"] = question.critical
        question = Question(**fields, show_if=ShowIf(controller.key, tuple(values), form=form))
    return question


@st.composite
def definitions(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    keys = draw(st.lists(_keys, min_size=sum(shape), max_size=sum(shape), unique=True))
    section_keys = draw(st.lists(_keys, min_size=len(shape), max_size=len(shape), unique=True))
    earlier: list[Question] = []
    sections = []
    for section_key, count in zip(section_keys, shape, strict=True):
        questions = []
        for _ in range(count):
            question = draw(_questions(keys[len(earlier)], earlier))
            questions.append(question)
            earlier.append(question)
        sections.append(
            Section(
                key=section_key,
                title=draw(_text.filter(lambda s: len(s) <= 200)),
                questions=tuple(questions),
                weight=draw(st.none() | st.integers(1, 5) | st.floats(0.01, 10)),
                target=draw(st.none() | _percent),
            )
        )
    target = draw(_percent)
    return ScorecardDefinition(
        slug=draw(_keys),
        title=draw(_text.filter(lambda s: len(s) <= 200)),
        channel=draw(st.sampled_from(CHANNELS)),
        target=target,
        sections=tuple(sections),
        excellence=draw(st.none() | st.floats(target, 100) | st.just(100)),
        critical_fail=draw(st.sampled_from(CRITICAL_MODES)),
        comment_on_fail=draw(st.booleans()),
        description=draw(st.none() | _text),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_every_valid_definition_round_trips_through_yaml(definition):
    assert definition_from_data(definition_to_data(definition)) == (definition, [])
    text = dump_yaml(definition)
    assert load_yaml(text) == definition
