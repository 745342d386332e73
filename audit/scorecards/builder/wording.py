"""The file format's messages in the builder's words.

The validator speaks to someone editing a YAML file ("'sections' must list at
least one section"); a manager in the builder never sees a key, so each
message is rewritten in plain words about the form ("Give the scorecard at
least one section"). Uploads keep the file's wording with its FILE:LINE; only
the builder calls this module.

The rules are matched by the message's shape and the error's place (the card,
a section or a question), so a new validator message that is not listed here
still reads sensibly: its quoted keys become the field names of the form.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from audit.scorecards.fileformat import DefinitionError

#: What each file key is called on the builder's forms, by level.
_CARD_NAMES = {
    "slug": "slug",
    "title": "title",
    "description": "description",
    "channel": "channel",
    "target": "pass mark",
    "excellence": "excellence mark",
    "critical_fail": "critical-question rule",
    "comment_on_fail": "comment rule",
    "sections": "sections",
}
_SECTION_NAMES = {
    "key": "key",
    "title": "title",
    "weight": "weight",
    "target": "section target",
    "questions": "questions",
}
_QUESTION_NAMES = {
    "key": "key",
    "text": "question",
    "type": "answer type",
    "points": "points",
    "options": "options",
    "labels": "labels",
    "unit": "unit",
    "target": "target",
    "guidance": "guidance",
    "evidence": "photo evidence",
    "measure": "customer measure",
    "label": "label",
    "show_if": "condition",
    "question": "question it depends on",
    "equals": "value",
    "in": "values",
}
_SCALE_NAMES = {"min": "lowest point", "max": "highest point"}
_NUMBER_NAMES = {"min": "lowest possible answer", "max": "highest possible answer"}
_TARGET_NAMES = {"min": "target minimum", "max": "target maximum"}

#: A missing or empty value that the form needs, in the form's words.
_REQUIRED = {
    ("card", "slug"): "Give the scorecard a slug (it is made from the title when left empty)",
    ("card", "title"): "Give the scorecard a title",
    ("card", "channel"): "Choose the channel",
    ("card", "target"): "Give the pass mark, a percentage from 0 to 100",
    ("card", "sections"): "Give the scorecard at least one section",
    ("section", "key"): "Give the section a key (it is made from the title when left empty)",
    ("section", "title"): "Give the section a title",
    ("section", "questions"): "Give the section at least one question",
    ("question", "key"): "Give the question a key (it is made from the question when left empty)",
    ("question", "text"): "Write the question",
    ("question", "type"): "Choose the answer type",
    ("question", "options"): "Give the question at least two options",
    ("question", "min"): "Give the lowest point of the scale",
    ("question", "max"): "Give the highest point of the scale",
    ("question", "label"): "Give the option a label",
    ("question", "question"): "Choose the earlier question it depends on",
}


def _level(path: tuple[str | int, ...]) -> str:
    if len(path) >= 4 and path[0] == "sections" and path[2] == "questions":
        return "question"
    if len(path) >= 2 and path[0] == "sections" and isinstance(path[1], int):
        return "section"
    return "card"


def _field_name(level: str, key: str, tail: tuple[str | int, ...], qtype: str | None) -> str:
    """The form's name for a file key (``min`` is a scale's lowest point, a number's floor)."""
    if level == "card":
        return _CARD_NAMES.get(key, key.replace("_", " "))
    if level == "section":
        return _SECTION_NAMES.get(key, key.replace("_", " "))
    if "target" in tail and key in _TARGET_NAMES:
        return _TARGET_NAMES[key]
    if key in ("min", "max"):
        return (_NUMBER_NAMES if qtype == "number" else _SCALE_NAMES)[key]
    return _QUESTION_NAMES.get(key, key.replace("_", " "))


def _typed(described: str) -> str:
    """The validator's description of a value ("the text 'ten'") as the value itself."""
    match = re.fullmatch(r"the (?:text|number) (.+)", described)
    value = match.group(1) if match else described
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value


def _q(text: str) -> str:
    """A name or a typed value, quoted for reading."""
    return f"\u201c{text}\u201d"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


Rule = tuple[re.Pattern[str], Callable[..., str]]


def _rules(level: str, tail: tuple[str | int, ...], qtype: str | None) -> list[Rule]:
    def name(key: str) -> str:
        return _field_name(level, key, tail, qtype)

    def required(key: str) -> str:
        return _REQUIRED.get((level, key)) or f"Fill in the {name(key)}"

    def max_min(high: str, low: str) -> str:
        if "target" in tail:
            return f"The target maximum ({high}) must not be below the target minimum ({low})"
        if qtype == "number":
            return (
                f"The highest possible answer ({high}) must be greater than "
                f"the lowest possible answer ({low})"
            )
        return f"The highest point ({high}) must be greater than the lowest point ({low})"

    def critical(reason: str) -> str:
        reason = reason.replace("it has points: 0", "its points are 0")
        return f"Only a question that can earn points can be critical, and {reason}"

    return [
        (re.compile(r".* is missing required key '(\w+)'"), required),
        (re.compile(r"'(\w+)' must not be empty"), required),
        (re.compile(r"'sections' must list at least one section"), lambda: required("sections")),
        (
            re.compile(r"'questions' must list at least one question"),
            lambda: _REQUIRED[("section", "questions")],
        ),
        (
            re.compile(r"'(\w+)' '(.*)' must be lowercase letters.*\(e\.g\. '(.+)'\)"),
            lambda key, value, example: (
                f"The {name(key)} can use only lowercase letters, digits, - and _, "
                f"starting with a letter or digit (e.g. {example})"
            ),
        ),
        (
            re.compile(r"'(\w+)' must be between (\S+) and (\S+), not (\S+)"),
            lambda key, low, high, value: (
                f"The {name(key)} must be between {low} and {high}, not {value}"
            ),
        ),
        (
            re.compile(r"'(\w+)' must be a number, not (.+)"),
            lambda key, value: f"The {name(key)} must be a number, not {_q(_typed(value))}",
        ),
        (
            re.compile(r"the value must be a number, not (.+)"),
            lambda value: f"Give a number, not {_q(_typed(value))}",
        ),
        (
            re.compile(r"'(\w+)' must be a finite number.*"),
            lambda key: f"The {name(key)} must be an ordinary number",
        ),
        (
            re.compile(r"'(\w+)' must not be negative.*"),
            lambda key: f"The {name(key)} cannot be negative",
        ),
        (
            re.compile(r"'(\w+)' must be greater than 0, not (\S+)"),
            lambda key, value: f"The {name(key)} must be more than 0, not {value}",
        ),
        (
            re.compile(r"'(\w+)' must be a whole number, not (.+)"),
            lambda key, value: f"The {name(key)} must be a whole number, not {_q(_typed(value))}",
        ),
        (
            re.compile(r"'(\w+)' must be one of .*"),
            lambda key: f"Choose the {name(key)} from the list",
        ),
        (
            re.compile(r"'(\w+)' must be true or false.*"),
            lambda key: f"Tick or untick {_q(name(key))}",
        ),
        (
            re.compile(r"'(\w+)' is too long \((\d+) characters; at most (\d+)\)"),
            lambda key, count, most: (
                f"The {name(key)} is too long: {count} characters, at most {most}"
            ),
        ),
        (
            re.compile(r"'(\w+)' is not used by (\w+) questions, only by (.+) questions"),
            lambda key, kind, owners: (
                f"The {name(key)} is only for {owners.replace('_', '/')} questions: "
                f"clear it for a {kind.replace('_', '/')} question"
            ),
        ),
        (
            re.compile(r"'(\w+)' must be text.*"),
            lambda key: f"The {name(key)} must be text",
        ),
        (
            re.compile(r"'excellence' \((\S+)\) must not be below 'target' \((\S+)\).*"),
            lambda high, low: (
                f"The excellence mark ({high}%) must not be below the pass mark ({low}%): "
                "it is the mark for exceeding the standard"
            ),
        ),
        (re.compile(r"'max' \((\S+)\) must be greater than 'min' \((\S+)\)"), max_min),
        (
            re.compile(r"target 'min' \((\S+)\) is above 'max' \((\S+)\)"),
            lambda low, high: f"The target minimum ({low}) is above the target maximum ({high})",
        ),
        (
            re.compile(r"the target can never be met: answers are limited to (.+)"),
            lambda accepted: (
                f"No answer can ever meet this target: answers are limited to {accepted}"
            ),
        ),
        (
            re.compile(r"(?:a number question needs 'target'.*|'target' needs 'min'.*)"),
            lambda: "Give the range that earns the points: a minimum, a maximum or both",
        ),
        (
            re.compile(r"a choice question needs at least two options, not (\d+)"),
            lambda count: (
                f"Give the question at least two options (it has {count})"
                if count != "0"
                else "Give the question at least two options"
            ),
        ),
        (
            re.compile(r"option '(.+)' is listed twice"),
            lambda label: f"Two options are called {_q(label)}: give each option its own label",
        ),
        (
            re.compile(r"a choice question takes its points from its options.*"),
            lambda: "A choice question takes its points from its options",
        ),
        (
            re.compile(r"(\w+) questions are never scored, so 'points' must be 0 or left out"),
            lambda kind: f"{_sentence(kind)} questions are never scored: leave the points empty",
        ),
        (re.compile(r"'critical: true' needs a question that can earn points, but (.+)"), critical),
        (
            re.compile(r"label (-?\d+) is outside the scale (-?\d+)\.\.(-?\d+)"),
            lambda point, low, high: f"Point {point} is outside the scale ({low} to {high})",
        ),
        (
            re.compile(r"label (-?\d+) is given twice"),
            lambda point: f"Point {point} is labelled twice",
        ),
        (
            re.compile(r"label (-?\d+) must not be empty"),
            lambda point: f"Give point {point} a label, or clear the row",
        ),
        (
            re.compile(r"scale labels need whole-number keys.*"),
            lambda: "Each label needs a whole-number point of the scale",
        ),
        (
            re.compile(r"duplicate question key '(.+)' \(also used in section '(.*)'\).*"),
            lambda key, section: (
                f"{_q(key)} is already the key of a question in section {_q(section)}: "
                "each question needs its own key, because answers are stored by key"
            ),
        ),
        (
            re.compile(r"duplicate section key '(.+)' \(also used by section (\d+)\).*"),
            lambda key, number: (
                f"{_q(key)} is already the key of section {number}: each section needs its own key"
            ),
        ),
        (
            re.compile(r"show_if refers to an unknown question '(.+)'"),
            lambda key: (
                f"It is shown depending on question {_q(key)}, which no longer exists: "
                "choose another question, or always show it"
            ),
        ),
        (
            re.compile(r"a question cannot be shown depending on itself"),
            lambda: "A question cannot depend on its own answer: choose an earlier question",
        ),
        (
            re.compile(r"show_if must refer to an earlier question; '(.+)' comes later.*"),
            lambda key: f"{_q(key)} comes later in the form: choose an earlier question",
        ),
        (
            re.compile(r"(?:show_if takes either.*|show_if needs.*|'equals' .*|'in' must be.*)"),
            lambda: "Give the answer (or answers) that show this question",
        ),
        (
            re.compile(r"'(.+)' is a yes/no question: compare with yes or no, not (.+)"),
            lambda key, value: (
                f"{_q(key)} is a yes/no question: give yes or no, not {_q(_typed(value))}"
            ),
        ),
        (
            re.compile(r"'(.+)' is an? (\w+) question: compare with a whole number, not (.+)"),
            lambda key, kind, value: (
                f"{_q(key)} is {'an NPS' if kind == 'nps' else 'a ' + kind} question: "
                f"give whole numbers, not {_q(_typed(value))}"
            ),
        ),
        (
            re.compile(r"(.+) is not an option of '(.+)' \(options: (.+)\)"),
            lambda value, key, options: (
                f"{_q(_typed(value))} is not an option of {_q(key)}; its options are {options}"
            ),
        ),
        (
            re.compile(r"(-?\d+) is outside the range of '(.+)' \((-?\d+)\.\.(-?\d+)\)"),
            lambda number, key, low, high: (
                f"{number} is outside the range of {_q(key)} ({low} to {high})"
            ),
        ),
        (
            re.compile(r"(.+) is listed twice"),
            lambda value: f"{_q(_typed(value))} is given twice",
        ),
    ]


def plain_message(error: DefinitionError, qtype: str | None = None) -> str:
    """``error``'s message in the builder's words; ``qtype`` is the question's answer type."""
    path = tuple(error.path)
    level = _level(path)
    tail = path[4:] if level == "question" else path[2:] if level == "section" else path
    message = error.message.strip()
    for pattern, words in _rules(level, tail, qtype):
        match = pattern.fullmatch(message)
        if match:
            return words(*match.groups())
    # Not a message this module knows: at least name the fields as the form does.
    text = re.sub(
        r"'([a-z_]+)'", lambda m: _q(_field_name(level, m.group(1), tail, qtype)), message
    )
    return _sentence(text)
