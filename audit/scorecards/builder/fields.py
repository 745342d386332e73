"""The builder's vocabulary: form fields, number parsing, keys, and reading a draft's data."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from audit.scorecards.fileformat.schema import (
    QUESTION_KEYS,
    SCORECARD_KEYS,
    SECTION_KEYS,
    TYPE_SPECIFIC,
)

Data = dict[str, Any]
Path = tuple[str | int, ...]

#: The settings form edits the card's own keys but its slug (fixed) and sections.
#: (``languages`` is not a form field: the builder keeps a draft's languages as they are.)
SETTINGS_FIELDS: tuple[str, ...] = tuple(
    k for k in SCORECARD_KEYS if k not in ("slug", "sections", "languages")
)
SECTION_FIELDS: tuple[str, ...] = tuple(k for k in SECTION_KEYS if k != "questions")
#: Question keys every type has, in file order; the builder form uses the same names
#: (``show_if`` is edited through three fields of its own).
COMMON_QUESTION_FIELDS: tuple[str, ...] = tuple(
    k for k in QUESTION_KEYS if k not in TYPE_SPECIFIC and k != "show_if"
)
#: Builder form fields that only some question types use (the others are ignored).
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "yes_no": ("points",),
    "scale": ("points", "scale_min", "scale_max", "scale_labels"),
    "choice": ("options",),
    "number": ("points", "unit", "target_min", "target_max", "accept_min", "accept_max"),
    "text": (),
    "nps": (),
}
TYPE_SPECIFIC_FIELDS: tuple[str, ...] = (
    "scale_min",
    "scale_max",
    "scale_labels",
    "options",
    "unit",
    "target_min",
    "target_max",
    "accept_min",
    "accept_max",
)
#: The file key a question form field edits, where the names differ.
_QUESTION_FIELD_OF_KEY: dict[str, str] = {
    "min": "scale_min",
    "max": "scale_max",
    "labels": "scale_labels",
}
#: ... and where a number question's differ from a scale's.
_NUMBER_FIELD_OF_KEY: dict[str, str] = {"min": "accept_min", "max": "accept_max"}
MAX_SUGGESTED_KEY = 40


# --------------------------------------------------------------------------- small parsers


def parse_number(text: object) -> int | float | str | None:
    """What a number box holds: None when blank, a number, or the text as typed."""
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return text
    raw = str(text).strip()
    if not raw:
        return None
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    try:
        number = float(raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw)
    except ValueError:
        return raw
    return number if math.isfinite(number) else raw


def format_number(value: object) -> str:
    """A number as a person would type it back (``5`` rather than ``5.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _lines(text: object) -> list[tuple[int, str]]:
    """Non-blank lines of a textarea with their 1-based line numbers."""
    return [
        (number, line.strip())
        for number, line in enumerate(str(text or "").splitlines(), start=1)
        if line.strip()
    ]


def suggest_key(text: str, taken: Iterable[str] = (), fallback: str = "question") -> str:
    """A key for ``text`` (``"Were you greeted?"`` -> ``were_you_greeted``), unique in ``taken``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if len(key) > MAX_SUGGESTED_KEY:
        cut = key[:MAX_SUGGESTED_KEY]
        key = cut.rsplit("_", 1)[0] if "_" in cut else cut
    key = key or fallback
    used = set(taken)
    candidate, n = key, 2
    while candidate in used:
        candidate = f"{key}_{n}"
        n += 1
    return candidate


def suggest_slug(title: str, taken: Iterable[str] = ()) -> str:
    """A scorecard slug for ``title`` (``"Branch visit"`` -> ``branch-visit``), unique in ``taken``.

    Scorecard slugs use hyphens, as in the shipped library's file names; question and
    section keys use underscores (:func:`suggest_key`).
    """
    hyphenated = {t.replace("-", "_") for t in taken}
    return suggest_key(title, hyphenated, fallback="scorecard").replace("_", "-")


# --------------------------------------------------------------------------- reading the draft


def sections_of(data: Mapping[str, Any]) -> list[Any]:
    sections = data.get("sections")
    return sections if isinstance(sections, list) else []


def questions_of(section: object) -> list[Any]:
    if not isinstance(section, dict):
        return []
    questions = section.get("questions")
    return questions if isinstance(questions, list) else []


def get_section(data: Mapping[str, Any], s: int) -> dict[str, Any] | None:
    sections = sections_of(data)
    if 0 <= s < len(sections) and isinstance(sections[s], dict):
        return sections[s]
    return None


def get_question(data: Mapping[str, Any], s: int, q: int) -> dict[str, Any] | None:
    questions = questions_of(get_section(data, s))
    if 0 <= q < len(questions) and isinstance(questions[q], dict):
        return questions[q]
    return None


def _all_questions(data: Mapping[str, Any]) -> list[tuple[int, int, dict[str, Any]]]:
    return [
        (s, q, question)
        for s, section in enumerate(sections_of(data))
        for q, question in enumerate(questions_of(section))
        if isinstance(question, dict)
    ]


def questions_of_all(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every question of the draft, in form order."""
    return [question for _, _, question in _all_questions(data)]


def question_keys(data: Mapping[str, Any], skip: tuple[int, int] | None = None) -> list[str]:
    return [
        question["key"]
        for s, q, question in _all_questions(data)
        if (s, q) != skip and isinstance(question.get("key"), str)
    ]


def section_keys(data: Mapping[str, Any], skip: int | None = None) -> list[str]:
    return [
        section["key"]
        for s, section in enumerate(sections_of(data))
        if s != skip and isinstance(section, dict) and isinstance(section.get("key"), str)
    ]


@dataclass(frozen=True)
class QuestionRef:
    """A question that a ``show_if`` may point at."""

    key: str
    text: str
    type: str


def earlier_questions(data: Mapping[str, Any], s: int, q: int | None) -> list[QuestionRef]:
    """Questions before (s, q) in form order; ``q=None`` means "after the last of section s"."""
    refs = []
    for qs, qq, question in _all_questions(data):
        if qs > s or (qs == s and q is not None and qq >= q):
            break
        key = question.get("key")
        if isinstance(key, str) and key:
            refs.append(
                QuestionRef(
                    key=key, text=_text(question.get("text")), type=_text(question.get("type"))
                )
            )
    return refs
