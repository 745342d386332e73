"""The file format's messages in the builder's words.

The validator speaks to someone editing a YAML file ("'sections' must list at
least one section"); a manager in the builder never sees a key, so each
message is rewritten in plain words about the form ("Give the scorecard at
least one section"). Uploads keep the file's wording with its FILE:LINE; only
the builder calls this module.

The rules are matched by the message's shape and the error's place (the card,
a section or a question), so a new validator message that is not listed here
still reads sensibly: its quoted keys become the field names of the form.

The builder's words are in the reader's language (``gettext``); the validator's own
messages, which uploads and the command line show with their FILE:LINE, stay English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext

from audit.extensions import N_
from audit.scorecards.fileformat import DefinitionError

#: What each file key is called on the builder's forms, by level.
_CARD_NAMES = {
    "slug": N_("slug"),
    "title": N_("title"),
    "description": N_("description"),
    "channel": N_("channel"),
    "target": N_("pass mark"),
    "excellence": N_("excellence mark"),
    "critical_fail": N_("critical-question rule"),
    "comment_on_fail": N_("comment rule"),
    "sections": N_("sections"),
}
_SECTION_NAMES = {
    "key": N_("key"),
    "title": N_("title"),
    "weight": N_("weight"),
    "target": N_("section target"),
    "questions": N_("questions"),
}
_QUESTION_NAMES = {
    "key": N_("key"),
    "text": N_("question"),
    "type": N_("answer type"),
    "points": N_("points"),
    "options": N_("options"),
    "labels": N_("labels"),
    "unit": N_("unit"),
    "target": N_("target"),
    "guidance": N_("guidance"),
    "evidence": N_("photo evidence"),
    "measure": N_("customer measure"),
    "label": N_("label"),
    "show_if": N_("condition"),
    "question": N_("question it depends on"),
    "equals": N_("value"),
    "in": N_("values"),
}
_SCALE_NAMES = {"min": N_("lowest point"), "max": N_("highest point")}
_NUMBER_NAMES = {"min": N_("lowest possible answer"), "max": N_("highest possible answer")}
_TARGET_NAMES = {"min": N_("target minimum"), "max": N_("target maximum")}

#: A missing or empty value that the form needs, in the form's words.
_REQUIRED = {
    ("card", "slug"): N_("Give the scorecard a slug (it is made from the title when left empty)"),
    ("card", "title"): N_("Give the scorecard a title"),
    ("card", "channel"): N_("Choose the channel"),
    ("card", "target"): N_("Give the pass mark, a percentage from 0 to 100"),
    ("card", "sections"): N_("Give the scorecard at least one section"),
    ("section", "key"): N_("Give the section a key (it is made from the title when left empty)"),
    ("section", "title"): N_("Give the section a title"),
    ("section", "questions"): N_("Give the section at least one question"),
    ("question", "key"): N_(
        "Give the question a key (it is made from the question when left empty)"
    ),
    ("question", "text"): N_("Write the question"),
    ("question", "type"): N_("Choose the answer type"),
    ("question", "options"): N_("Give the question at least two options"),
    ("question", "min"): N_("Give the lowest point of the scale"),
    ("question", "max"): N_("Give the highest point of the scale"),
    ("question", "label"): N_("Give the option a label"),
    ("question", "question"): N_("Choose the earlier question it depends on"),
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
        names = _CARD_NAMES
    elif level == "section":
        names = _SECTION_NAMES
    elif "target" in tail and key in _TARGET_NAMES:
        names = _TARGET_NAMES
    elif key in ("min", "max"):
        names = _NUMBER_NAMES if qtype == "number" else _SCALE_NAMES
    else:
        names = _QUESTION_NAMES
    return gettext(names[key]) if key in names else key.replace("_", " ")


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
        if (level, key) in _REQUIRED:
            return gettext(_REQUIRED[(level, key)])
        return gettext("Fill in the %(field)s", field=name(key))

    def max_min(high: str, low: str) -> str:
        if "target" in tail:
            return gettext(
                "The target maximum (%(high)s) must not be below the target minimum (%(low)s)",
                high=high,
                low=low,
            )
        if qtype == "number":
            return gettext(
                "The highest possible answer (%(high)s) must be greater than "
                "the lowest possible answer (%(low)s)",
                high=high,
                low=low,
            )
        return gettext(
            "The highest point (%(high)s) must be greater than the lowest point (%(low)s)",
            high=high,
            low=low,
        )

    def critical(reason: str) -> str:
        if reason == "it has points: 0":
            return gettext(
                "Only a question that can earn points can be critical, and its points are 0"
            )
        never = re.fullmatch(r"(\w+) questions are never scored", reason)
        if never:
            return gettext(
                "Only a question that can earn points can be critical, and %(kind)s questions "
                "are never scored",
                kind=never.group(1),
            )
        return gettext(
            "Only a question that can earn points can be critical, and %(reason)s", reason=reason
        )

    def whole_numbers(key: str, kind: str, value: str) -> str:
        if kind == "nps":
            return gettext(
                "%(key)s is an NPS question: give whole numbers, not %(value)s",
                key=_q(key),
                value=_q(_typed(value)),
            )
        return gettext(
            "%(key)s is a %(kind)s question: give whole numbers, not %(value)s",
            key=_q(key),
            kind=kind,
            value=_q(_typed(value)),
        )

    def never_scored(kind: str) -> str:
        if kind == "nps":
            return gettext("Nps questions are never scored: leave the points empty")
        if kind == "text":
            return gettext("Text questions are never scored: leave the points empty")
        return gettext(
            "%(kind)s questions are never scored: leave the points empty", kind=_sentence(kind)
        )

    return [
        (re.compile(r".* is missing required key '(\w+)'"), required),
        (re.compile(r"'(\w+)' must not be empty"), required),
        (re.compile(r"'sections' must list at least one section"), lambda: required("sections")),
        (
            re.compile(r"'questions' must list at least one question"),
            lambda: gettext(_REQUIRED[("section", "questions")]),
        ),
        (
            re.compile(r"'(\w+)' '(.*)' must be lowercase letters.*\(e\.g\. '(.+)'\)"),
            lambda key, value, example: gettext(
                "The %(field)s can use only lowercase letters, digits, - and _, "
                "starting with a letter or digit (e.g. %(example)s)",
                field=name(key),
                example=example,
            ),
        ),
        (
            re.compile(r"'(\w+)' must be between (\S+) and (\S+), not (\S+)"),
            lambda key, low, high, value: gettext(
                "The %(field)s must be between %(low)s and %(high)s, not %(value)s",
                field=name(key),
                low=low,
                high=high,
                value=value,
            ),
        ),
        (
            re.compile(r"'(\w+)' must be a number, not (.+)"),
            lambda key, value: gettext(
                "The %(field)s must be a number, not %(value)s",
                field=name(key),
                value=_q(_typed(value)),
            ),
        ),
        (
            re.compile(r"the value must be a number, not (.+)"),
            lambda value: gettext("Give a number, not %(value)s", value=_q(_typed(value))),
        ),
        (
            re.compile(r"'(\w+)' must be a finite number.*"),
            lambda key: gettext("The %(field)s must be an ordinary number", field=name(key)),
        ),
        (
            re.compile(r"'(\w+)' must not be negative.*"),
            lambda key: gettext("The %(field)s cannot be negative", field=name(key)),
        ),
        (
            re.compile(r"'(\w+)' must be greater than 0, not (\S+)"),
            lambda key, value: gettext(
                "The %(field)s must be more than 0, not %(value)s", field=name(key), value=value
            ),
        ),
        (
            re.compile(r"'(\w+)' must be a whole number, not (.+)"),
            lambda key, value: gettext(
                "The %(field)s must be a whole number, not %(value)s",
                field=name(key),
                value=_q(_typed(value)),
            ),
        ),
        (
            re.compile(r"'(\w+)' must be one of .*"),
            lambda key: gettext("Choose the %(field)s from the list", field=name(key)),
        ),
        (
            re.compile(r"'(\w+)' must be true or false.*"),
            lambda key: gettext("Tick or untick %(field)s", field=_q(name(key))),
        ),
        (
            re.compile(r"'(\w+)' is too long \((\d+) characters; at most (\d+)\)"),
            lambda key, count, most: gettext(
                "The %(field)s is too long: %(count)s characters, at most %(most)s",
                field=name(key),
                count=count,
                most=most,
            ),
        ),
        (
            re.compile(r"'(\w+)' is not used by (\w+) questions, only by (.+) questions"),
            lambda key, kind, owners: gettext(
                "The %(field)s is only for %(owners)s questions: clear it for a %(kind)s question",
                field=name(key),
                owners=owners.replace("_", "/"),
                kind=kind.replace("_", "/"),
            ),
        ),
        (
            re.compile(r"'(\w+)' must be text.*"),
            lambda key: gettext("The %(field)s must be text", field=name(key)),
        ),
        (
            re.compile(r"'excellence' \((\S+)\) must not be below 'target' \((\S+)\).*"),
            lambda high, low: gettext(
                "The excellence mark (%(high)s) must not be below the pass mark (%(low)s): "
                "it is the mark for exceeding the standard",
                high=high + "%",
                low=low + "%",
            ),
        ),
        (re.compile(r"'max' \((\S+)\) must be greater than 'min' \((\S+)\)"), max_min),
        (
            re.compile(r"target 'min' \((\S+)\) is above 'max' \((\S+)\)"),
            lambda low, high: gettext(
                "The target minimum (%(low)s) is above the target maximum (%(high)s)",
                low=low,
                high=high,
            ),
        ),
        (
            re.compile(r"the target can never be met: answers are limited to (.+)"),
            lambda accepted: gettext(
                "No answer can ever meet this target: answers are limited to %(range)s",
                range=accepted,
            ),
        ),
        (
            re.compile(r"(?:a number question needs 'target'.*|'target' needs 'min'.*)"),
            lambda: gettext("Give the range that earns the points: a minimum, a maximum or both"),
        ),
        (
            re.compile(r"a choice question needs at least two options, not (\d+)"),
            lambda count: (
                gettext("Give the question at least two options (it has %(count)s)", count=count)
                if count != "0"
                else gettext("Give the question at least two options")
            ),
        ),
        (
            re.compile(r"option '(.+)' is listed twice"),
            lambda label: gettext(
                "Two options are called %(label)s: give each option its own label",
                label=_q(label),
            ),
        ),
        (
            re.compile(r"a choice question takes its points from its options.*"),
            lambda: gettext("A choice question takes its points from its options"),
        ),
        (
            re.compile(r"(\w+) questions are never scored, so 'points' must be 0 or left out"),
            never_scored,
        ),
        (re.compile(r"'critical: true' needs a question that can earn points, but (.+)"), critical),
        (
            re.compile(r"label (-?\d+) is outside the scale (-?\d+)\.\.(-?\d+)"),
            lambda point, low, high: gettext(
                "Point %(point)s is outside the scale (%(low)s to %(high)s)",
                point=point,
                low=low,
                high=high,
            ),
        ),
        (
            re.compile(r"label (-?\d+) is given twice"),
            lambda point: gettext("Point %(point)s is labelled twice", point=point),
        ),
        (
            re.compile(r"label (-?\d+) must not be empty"),
            lambda point: gettext("Give point %(point)s a label, or clear the row", point=point),
        ),
        (
            re.compile(r"scale labels need whole-number keys.*"),
            lambda: gettext("Each label needs a whole-number point of the scale"),
        ),
        (
            re.compile(r"duplicate question key '(.+)' \(also used in section '(.*)'\).*"),
            lambda key, section: gettext(
                "%(key)s is already the key of a question in section %(section)s: "
                "each question needs its own key, because answers are stored by key",
                key=_q(key),
                section=_q(section),
            ),
        ),
        (
            re.compile(r"duplicate section key '(.+)' \(also used by section (\d+)\).*"),
            lambda key, number: gettext(
                "%(key)s is already the key of section %(number)s: each section needs its own key",
                key=_q(key),
                number=number,
            ),
        ),
        (
            re.compile(r"show_if refers to an unknown question '(.+)'"),
            lambda key: gettext(
                "It is shown depending on question %(key)s, which no longer exists: "
                "choose another question, or always show it",
                key=_q(key),
            ),
        ),
        (
            re.compile(r"a question cannot be shown depending on itself"),
            lambda: gettext(
                "A question cannot depend on its own answer: choose an earlier question"
            ),
        ),
        (
            re.compile(r"show_if must refer to an earlier question; '(.+)' comes later.*"),
            lambda key: gettext(
                "%(key)s comes later in the form: choose an earlier question", key=_q(key)
            ),
        ),
        (
            re.compile(r"(?:show_if takes either.*|show_if needs.*|'equals' .*|'in' must be.*)"),
            lambda: gettext("Give the answer (or answers) that show this question"),
        ),
        (
            re.compile(r"'(.+)' is a yes/no question: compare with yes or no, not (.+)"),
            lambda key, value: gettext(
                "%(key)s is a yes/no question: give yes or no, not %(value)s",
                key=_q(key),
                value=_q(_typed(value)),
            ),
        ),
        (
            re.compile(r"'(.+)' is an? (\w+) question: compare with a whole number, not (.+)"),
            whole_numbers,
        ),
        (
            re.compile(r"(.+) is not an option of '(.+)' \(options: (.+)\)"),
            lambda value, key, options: gettext(
                "%(value)s is not an option of %(key)s; its options are %(options)s",
                value=_q(_typed(value)),
                key=_q(key),
                options=options,
            ),
        ),
        (
            re.compile(r"(-?\d+) is outside the range of '(.+)' \((-?\d+)\.\.(-?\d+)\)"),
            lambda number, key, low, high: gettext(
                "%(number)s is outside the range of %(key)s (%(low)s to %(high)s)",
                number=number,
                key=_q(key),
                low=low,
                high=high,
            ),
        ),
        (
            re.compile(r"(.+) is listed twice"),
            lambda value: gettext("%(value)s is given twice", value=_q(_typed(value))),
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
