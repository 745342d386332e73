"""Validator errors -> the form field that holds the value, and the problems panel."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from audit.extensions import N_
from audit.scorecards.builder.edits import (
    QuestionEdit,
)
from audit.scorecards.builder.fields import (
    _NUMBER_FIELD_OF_KEY,
    _QUESTION_FIELD_OF_KEY,
    COMMON_QUESTION_FIELDS,
    SECTION_FIELDS,
    SETTINGS_FIELDS,
    TYPE_SPECIFIC_FIELDS,
    Path,
    _all_questions,
    _text,
    get_question,
    get_section,
    parse_number,
    section_keys,
)
from audit.scorecards.builder.wording import plain_message
from audit.scorecards.fileformat import DefinitionError

# --------------------------------------------------------------------------- errors -> fields


@dataclass
class FormProblems:
    """Validator errors sorted onto a form: beside a field, or above the form."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, name: str | None, message: str) -> None:
        if name is None:
            if message not in self.general:
                self.general.append(message)
            return
        messages = self.fields.setdefault(name, [])
        if message not in messages:
            messages.append(message)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


_MISSING_KEY = re.compile(r"missing required key '([a-z_]+)'")


def _missing_key(message: str) -> str | None:
    match = _MISSING_KEY.search(message)
    return match.group(1) if match else None


def settings_problems(
    errors: Iterable[DefinitionError], fields: Sequence[str] = SETTINGS_FIELDS
) -> FormProblems:
    """The errors a settings form owns: everything outside ``sections``.

    ``fields`` names the form's fields (the new-scorecard form adds ``slug``).
    """
    return _level_problems(
        errors, (), "sections", fields, elsewhere=lambda message: "'sections'" in message
    )


def section_problems(errors: Iterable[DefinitionError], s: int) -> FormProblems:
    """The errors a section form owns: the section's own keys, not its questions."""
    return _level_problems(errors, ("sections", s), "questions", SECTION_FIELDS)


def _level_problems(
    errors: Iterable[DefinitionError],
    prefix: tuple[str | int, ...],
    child: str,
    fields: Sequence[str],
    elsewhere: Callable[[str], bool] = lambda message: False,
) -> FormProblems:
    """The errors at one level of the card (the card, or one section), beside their fields.

    Errors under ``child`` (a card's sections, a section's questions) belong to other
    forms, and so do level errors ``elsewhere`` says are about the children.
    """
    problems = FormProblems()
    for error in errors:
        path = error.path
        if path[: len(prefix)] != prefix:
            continue
        tail = path[len(prefix) :]
        if tail and tail[0] == child:
            continue
        if not tail:
            missing = _missing_key(error.message)
            if missing == child or elsewhere(error.message):
                continue
            problems.add(missing if missing in fields else None, plain_message(error))
            continue
        name = tail[0]
        problems.add(name if name in fields else None, plain_message(error))
    return problems


def question_problems(
    errors: Iterable[DefinitionError], s: int, q: int, edit: QuestionEdit | None = None
) -> FormProblems:
    """The errors a question form owns, each beside the field that holds the value.

    An option's error goes beside its row (``options-2-points``); messages are in the
    builder's plain words (:mod:`audit.scorecards.builder.wording`).
    """
    problems = FormProblems()
    if edit is not None:
        for name, messages in edit.problems.items():
            for message in messages:
                problems.add(name, message)
    qtype = edit.question.get("type") if edit is not None else None
    prefix = ("sections", s, "questions", q)
    for error in errors:
        if error.path[:4] != prefix:
            continue
        name = _question_field(error.path[4:], error.message, edit)
        problems.add(name, plain_message(error, qtype if isinstance(qtype, str) else None))
    return problems


def _question_field(tail: Path, message: str, edit: QuestionEdit | None) -> str | None:
    """The form field (or editor row) that holds the value an error is about."""
    if not tail:
        missing = _missing_key(message)
        if missing is not None:
            name = _field_of_key(missing, edit)
            if name in COMMON_QUESTION_FIELDS or name in TYPE_SPECIFIC_FIELDS:
                return name
        if "needs 'target'" in message:
            return "target_max"
        return None
    head = tail[0]
    if head == "options":
        if len(tail) > 1 and isinstance(tail[1], int):
            row = _row_for(edit.option_rows if edit else None, tail[1])
            part = tail[2] if len(tail) > 2 and tail[2] in ("label", "points") else "label"
            return f"options-{row}-{part}"
        return "options"
    if head == "labels":
        if len(tail) > 1 and edit is not None:
            point = tail[1]
            row = edit.label_rows.get(point)
            if row is None and isinstance(point, str):
                number = parse_number(point)
                row = edit.label_rows.get(number) if isinstance(number, int) else None
            if row is not None:
                part = "label" if "empty" in message or "text" in message else "point"
                return f"scale_labels-{row}-{part}"
        return "scale_labels"
    if head == "target":
        if len(tail) > 1 and tail[1] in ("min", "max"):
            return f"target_{tail[1]}"
        return "target_max"
    if head == "show_if":
        if len(tail) > 1 and tail[1] == "question":
            return "show_if_question"
        return "show_if_values"
    name = _field_of_key(str(head), edit)
    if name in COMMON_QUESTION_FIELDS or name in TYPE_SPECIFIC_FIELDS:
        return name
    return None


def _field_of_key(key: str, edit: QuestionEdit | None) -> str:
    """The form field that holds a question's file key (min and max differ by type)."""
    if edit is not None and edit.question.get("type") == "number" and key in _NUMBER_FIELD_OF_KEY:
        return _NUMBER_FIELD_OF_KEY[key]
    return _QUESTION_FIELD_OF_KEY.get(key, key)


def _row_for(rows: Sequence[int] | None, index: int) -> int:
    """The editor row an option came from (rows left empty are not options)."""
    if rows and 0 <= index < len(rows):
        return rows[index]
    return index


def duplicate_key_problem(
    data: Mapping[str, Any], key: object, s: int, q: int | None
) -> str | None:
    """A message when another question uses ``key`` (the validator reports only the later one)."""
    if not isinstance(key, str) or not key:
        return None
    for qs, qq, question in _all_questions(data):
        if (qs, qq) == (s, q) or question.get("key") != key:
            continue
        section = get_section(data, qs) or {}
        where = (
            _text(section.get("title"))
            or section.get("key")
            or gettext("section %(number)s", number=qs + 1)
        )
        return gettext(
            "“%(key)s” is already the key of question %(number)s in “%(section)s”: "
            "each question needs its own key, because answers are stored by key",
            key=key,
            number=qq + 1,
            section=where,
        )
    return None


def duplicate_section_key_problem(
    data: Mapping[str, Any], key: object, s: int | None
) -> str | None:
    if not isinstance(key, str) or not key:
        return None
    if key in section_keys(data, skip=s):
        return gettext(
            "“%(key)s” is already the key of another section: each section needs its own key",
            key=key,
        )
    return None


# --------------------------------------------------------------------------- the problems panel


@dataclass(frozen=True)
class Problem:
    """One problem of a draft, with where it is and which page fixes it."""

    message: str
    where: str
    #: ("settings",), ("section", s), ("question", s, q) or ("sections",).
    target: tuple[Any, ...]


def locate(data: Mapping[str, Any], errors: Iterable[DefinitionError]) -> list[Problem]:
    """Describe each error's place in words and name the builder page that fixes it."""
    problems = []
    for error in errors:
        path = error.path
        if len(path) >= 4 and path[0] == "sections" and path[2] == "questions":
            s, q = path[1], path[3]
            if isinstance(s, int) and isinstance(q, int) and get_question(data, s, q) is not None:
                question = get_question(data, s, q) or {}
                label = question.get("key") or _short(question.get("text")) or gettext("(new)")
                detail = _detail(path[4:])
                qtype = question.get("type")
                problems.append(
                    Problem(
                        plain_message(error, qtype if isinstance(qtype, str) else None),
                        gettext(
                            "Section %(section)s, question %(question)s (%(label)s)",
                            section=s + 1,
                            question=q + 1,
                            label=label,
                        )
                        + detail,
                        ("question", s, q),
                    )
                )
                continue
        if len(path) >= 2 and path[0] == "sections" and isinstance(path[1], int):
            s = path[1]
            if get_section(data, s) is not None:
                section = get_section(data, s) or {}
                label = _text(section.get("title")) or section.get("key") or gettext("(untitled)")
                where = gettext("Section %(section)s (%(label)s)", section=s + 1, label=label)
                problems.append(Problem(plain_message(error), where, ("section", s)))
                continue
        if path and path[0] == "sections" or "'sections'" in error.message:
            # The message says it all ("Give the scorecard at least one section").
            problems.append(Problem(plain_message(error), "", ("sections",)))
            continue
        problems.append(Problem(plain_message(error), gettext("Settings"), ("settings",)))
    return problems


def _detail(tail: Path) -> str:
    if not tail:
        return ""
    head = str(tail[0])
    return f", {gettext(_DETAIL_WORDS[head]) if head in _DETAIL_WORDS else head}"


#: The part of a question a problem is about, as the problems panel names it.
_DETAIL_WORDS = {
    "min": N_("lowest"),
    "max": N_("highest"),
    "labels": N_("labels"),
    "show_if": N_("shown only when"),
    "text": N_("question"),
    "type": N_("answer type"),
}


def _short(text: object, length: int = 40) -> str:
    value = _text(text)
    return value if len(value) <= length else value[: length - 1] + "…"
