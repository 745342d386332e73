"""Scorecard files: YAML <-> :class:`ScorecardDefinition`, with errors that point at lines.

Two layers, so that the browser scorecard builder can reuse the rules:

* the validation core, :func:`definition_from_data`, checks plain data (dicts
  and lists as from ``yaml.safe_load``, JSON or a web form) and returns
  errors that carry a *path* such as ``("sections", 0, "questions", 2,
  "points")``;
* the YAML layer, :func:`load_yaml`, composes the text into nodes (which know
  their line), builds the plain data itself and maps every error path back
  to a line. It builds the data itself because PyYAML silently keeps the last
  of two equal mapping keys, and a scorecard with ``points`` given twice is a
  mistake worth reporting.

A file with any error yields no definition, and every error of a file is
reported, not just the first.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

from audit.scorecards.definition import (
    CHANNELS,
    CRITICAL_MODES,
    EVIDENCE_LEVELS,
    MAX_MEASUREMENT,
    QUESTION_TYPES,
    UNSCORED_TYPES,
    Number,
    NumberTarget,
    Option,
    Question,
    ScorecardDefinition,
    Section,
    ShowIf,
    ShowIfValue,
    range_text,
)

__all__ = [
    "DefinitionError",
    "ScorecardFileError",
    "definition_from_data",
    "definition_to_data",
    "dump_yaml",
    "format_path",
    "load_file",
    "load_yaml",
    "parse_yaml",
    "validate_file",
]

Path = tuple[str | int, ...]

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: Column sizes in the database (audit.models.scorecard).
MAX_KEY_LENGTH = 80
MAX_TITLE_LENGTH = 200

# Keys in the order DESIGN.md writes them; definition_to_data follows this order.
SCORECARD_KEYS: tuple[str, ...] = (
    "slug",
    "title",
    "description",
    "channel",
    "target",
    "excellence",
    "critical_fail",
    "comment_on_fail",
    "sections",
)
SECTION_KEYS: tuple[str, ...] = ("key", "title", "weight", "target", "questions")
QUESTION_KEYS: tuple[str, ...] = (
    "key",
    "text",
    "type",
    "show_if",
    "unit",
    "target",
    "min",
    "max",
    "labels",
    "options",
    "points",
    "critical",
    "allow_na",
    "required",
    "comment_on_fail",
    "guidance",
    "evidence",
)
#: Question keys that only some types accept.
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "yes_no": (),
    "scale": ("min", "max", "labels"),
    "choice": ("options",),
    "number": ("unit", "target", "min", "max"),
    "text": (),
    "nps": (),
}
_TYPE_SPECIFIC = frozenset(k for keys in TYPE_KEYS.values() for k in keys)
OPTION_KEYS: tuple[str, ...] = ("label", "points")
NUMBER_TARGET_KEYS: tuple[str, ...] = ("min", "max")
SHOW_IF_KEYS: tuple[str, ...] = ("question", "equals", "in")
NPS_MIN, NPS_MAX = 0, 10


# --------------------------------------------------------------------------- errors


def format_path(path: Path) -> str:
    """``("sections", 0, "title")`` -> ``"sections[0].title"`` (for messages without lines)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a scorecard definition.

    ``path`` locates it in the data (what the builder highlights); ``line`` and
    ``file`` are filled in by the YAML layer.
    """

    path: Path
    message: str
    line: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = [part for part in (self.file, self.line) if part is not None]
        if where:
            return ":".join(str(part) for part in where) + f": {self.message}"
        if self.path:
            return f"{format_path(self.path)}: {self.message}"
        return self.message


class ScorecardFileError(Exception):
    """A scorecard file that cannot be loaded; ``errors`` lists every problem."""

    def __init__(self, errors: Sequence[DefinitionError]) -> None:
        self.errors: list[DefinitionError] = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


# --------------------------------------------------------------------------- validation core


class _Missing:
    """Marks a key that is absent (or null, which counts as absent)."""


_MISSING = _Missing()


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} ({value!r})"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fmt(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _path_key(key: object) -> str | int:
    return key if isinstance(key, str | int) and not isinstance(key, bool) else str(key)


@dataclass
class _QuestionDraft:
    """What later checks (show_if, duplicates) need to know about a question."""

    path: Path
    section_key: str | None
    key: str | None
    type: str | None
    fields: dict[str, Any]
    option_labels: tuple[str, ...] | None = None
    show_if_raw: dict[str, Any] | None = None
    show_if: ShowIf | None = None
    index: int = 0
    scale: tuple[int, int] | None = None


@dataclass
class _Validator:
    #: Original text of plain YAML scalars that resolved to a non-string
    #: (``Yes`` -> True, ``1`` -> 1). A text field uses it, so an option
    #: labelled ``Yes`` stays "Yes" instead of being rejected as a boolean.
    texts: Mapping[Path, str] = field(default_factory=dict)
    #: Paths whose value the YAML layer could not read and has already reported;
    #: anything said about them here would only repeat that.
    invalid: frozenset[Path] = frozenset()
    errors: list[DefinitionError] = field(default_factory=list)

    def error(self, path: Path, message: str) -> None:
        if path not in self.invalid:
            self.errors.append(DefinitionError(path, message))

    # ---- mappings and keys

    def mapping(self, value: object, path: Path, what: str, example: str) -> dict[Any, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"{what} must be a mapping ({example}), not {_describe(value)}")
            return None
        return value

    def unknown_keys(self, m: Mapping[Any, Any], path: Path, allowed: Sequence[str], what: str):
        for key in m:
            if key in allowed:
                continue
            self.error(path + (_path_key(key),), _unknown_key_message(key, allowed, what))

    @staticmethod
    def get(m: Mapping[Any, Any], key: str) -> Any:
        value = m.get(key)
        return _MISSING if value is None else value

    def require(self, m: Mapping[Any, Any], key: str, path: Path, what: str) -> Any:
        value = self.get(m, key)
        if value is _MISSING:
            self.error(path, f"{what} is missing required key '{key}'")
        return value

    # ---- scalars; each returns None when absent or invalid (and records why)

    def text_value(
        self, value: object, path: Path, name: str, max_length: int | None = None
    ) -> str | None:
        if isinstance(value, str):
            text = value
        elif path in self.texts and not isinstance(value, list | dict):
            text = self.texts[path]
        else:
            self.error(path, f"{name} must be text, not {_describe(value)}")
            return None
        if max_length is not None and len(text) > max_length:
            self.error(path, f"{name} is too long ({len(text)} characters; at most {max_length})")
            return None
        return text

    def text(
        self,
        m: Mapping[Any, Any],
        key: str,
        path: Path,
        what: str,
        *,
        required: bool,
        max_length: int | None = None,
    ) -> str | None:
        """A text field. Blank optional text counts as absent (a form sends "" for nothing)."""
        value = self.require(m, key, path, what) if required else self.get(m, key)
        if value is _MISSING:
            return None
        text = self.text_value(value, path + (key,), f"'{key}'", max_length)
        if text is not None and not text.strip():
            if required:
                self.error(path + (key,), f"'{key}' must not be empty")
            return None
        return text

    def slug(
        self, m: Mapping[Any, Any], key: str, path: Path, what: str, example: str = "welcome"
    ) -> str | None:
        text = self.text(m, key, path, what, required=True, max_length=MAX_KEY_LENGTH)
        if text is not None and not SLUG_PATTERN.match(text):
            self.error(
                path + (key,),
                f"'{key}' {text!r} must be lowercase letters, digits, '_' or '-', "
                f"starting with a letter or digit (e.g. '{example}')",
            )
            return None
        return text

    def number(
        self,
        m: Mapping[Any, Any],
        key: str,
        path: Path,
        what: str,
        *,
        required: bool = False,
        low: Number | None = None,
        high: Number | None = None,
        positive: bool = False,
    ) -> Number | None:
        value = self.require(m, key, path, what) if required else self.get(m, key)
        if value is _MISSING:
            return None
        return self.number_value(value, path + (key,), f"'{key}'", low, high, positive)

    def number_value(
        self,
        value: object,
        path: Path,
        name: str,
        low: Number | None = None,
        high: Number | None = None,
        positive: bool = False,
    ) -> Number | None:
        if not _is_number(value):
            self.error(path, f"{name} must be a number, not {_describe(value)}")
            return None
        number = cast(Number, value)
        if not math.isfinite(number):
            self.error(path, f"{name} must be a finite number, not {number}")
            return None
        if positive and number <= 0:
            self.error(path, f"{name} must be greater than 0, not {number}")
            return None
        if low is not None and high is not None and not low <= number <= high:
            self.error(path, f"{name} must be between {low} and {high}, not {number}")
            return None
        if low is not None and number < low:
            self.error(path, f"{name} must not be negative (got {number})")
            return None
        return number

    def integer(
        self, m: Mapping[Any, Any], key: str, path: Path, what: str, *, required: bool
    ) -> int | None:
        value = self.require(m, key, path, what) if required else self.get(m, key)
        if value is _MISSING:
            return None
        if not _is_int(value):
            self.error(path + (key,), f"'{key}' must be a whole number, not {_describe(value)}")
            return None
        return cast(int, value)

    def boolean(self, m: Mapping[Any, Any], key: str, path: Path) -> bool:
        value = self.get(m, key)
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            self.error(path + (key,), f"'{key}' must be true or false, not {_describe(value)}")
            return False
        return value

    def literal(
        self,
        m: Mapping[Any, Any],
        key: str,
        path: Path,
        what: str,
        allowed: Sequence[str],
        *,
        required: bool,
    ) -> str | None:
        value = self.require(m, key, path, what) if required else self.get(m, key)
        if value is _MISSING:
            return None
        if not isinstance(value, str) or value not in allowed:
            shown = f"{value!r}" if isinstance(value, str) else _describe(value)
            self.error(
                path + (key,),
                f"'{key}' must be one of {' | '.join(allowed)}, not {shown}",
            )
            return None
        return value

    # ---- the scorecard

    def scorecard(self, data: object) -> ScorecardDefinition | None:
        if data is None:
            self.error(
                (), "the scorecard is empty; it needs slug, title, channel, target and sections"
            )
            return None
        m = self.mapping(data, (), "a scorecard", "slug: ..., title: ..., sections: [...]")
        if m is None:
            return None
        what = "the scorecard"
        self.unknown_keys(m, (), SCORECARD_KEYS, what)
        slug = self.slug(m, "slug", (), what, "branch-visit")
        title = self.text(m, "title", (), what, required=True, max_length=MAX_TITLE_LENGTH)
        description = self.text(m, "description", (), what, required=False)
        channel = self.literal(m, "channel", (), what, CHANNELS, required=True)
        target = self.number(m, "target", (), what, required=True, low=0, high=100)
        excellence = self.number(m, "excellence", (), what, low=0, high=100)
        if target is not None and excellence is not None and excellence < target:
            self.error(
                ("excellence",),
                f"'excellence' ({excellence}) must not be below 'target' ({target}): "
                "it is the mark for exceeding the standard",
            )
        critical_fail = self.literal(m, "critical_fail", (), what, CRITICAL_MODES, required=False)
        comment_on_fail = self.boolean(m, "comment_on_fail", ())
        sections = self.sections(m)
        if self.errors:
            return None
        return ScorecardDefinition(
            slug=cast(str, slug),
            title=cast(str, title),
            channel=cast(Any, channel),
            target=cast(Number, target),
            sections=sections,
            excellence=excellence,
            critical_fail=cast(Any, critical_fail or "zero_visit"),
            comment_on_fail=comment_on_fail,
            description=description,
        )

    def sections(self, m: Mapping[Any, Any]) -> tuple[Section, ...]:
        value = self.require(m, "sections", (), "the scorecard")
        if value is _MISSING:
            return ()
        if not isinstance(value, list):
            self.error(("sections",), f"'sections' must be a list, not {_describe(value)}")
            return ()
        if not value:
            self.error(("sections",), "'sections' must list at least one section")
            return ()
        section_paths: dict[str, Path] = {}
        section_parts: list[tuple[dict[str, Any], list[_QuestionDraft]]] = []
        drafts: list[_QuestionDraft] = []
        for index, item in enumerate(value):
            path: Path = ("sections", index)
            parsed = self.section(item, path)
            if parsed is None:
                continue
            fields, questions = parsed
            key = fields["key"]
            if key is not None:
                if key in section_paths:
                    self.error(
                        path + ("key",),
                        f"duplicate section key '{key}' (also used by section "
                        f"{section_paths[key][1] + 1}); section keys must be unique",
                    )
                else:
                    section_paths[key] = path
            section_parts.append((fields, questions))
            drafts.extend(questions)
        self.check_questions_together(drafts)
        if self.errors:
            return ()
        return tuple(
            Section(
                questions=tuple(_question_from_draft(d) for d in questions),
                **fields,
            )
            for fields, questions in section_parts
        )

    def section(
        self, value: object, path: Path
    ) -> tuple[dict[str, Any], list[_QuestionDraft]] | None:
        m = self.mapping(value, path, "each section", "key: ..., title: ..., questions: [...]")
        if m is None:
            return None
        what = "this section"
        self.unknown_keys(m, path, SECTION_KEYS, "a section")
        fields: dict[str, Any] = {
            "key": self.slug(m, "key", path, what),
            "title": self.text(m, "title", path, what, required=True, max_length=MAX_TITLE_LENGTH),
            "weight": self.number(m, "weight", path, what, positive=True),
            "target": self.number(m, "target", path, what, low=0, high=100),
        }
        questions: list[_QuestionDraft] = []
        value = self.require(m, "questions", path, what)
        if value is _MISSING:
            return fields, questions
        qpath = path + ("questions",)
        if not isinstance(value, list):
            self.error(qpath, f"'questions' must be a list, not {_describe(value)}")
        elif not value:
            self.error(qpath, "'questions' must list at least one question")
        else:
            for index, item in enumerate(value):
                draft = self.question(item, qpath + (index,), fields["key"])
                if draft is not None:
                    questions.append(draft)
        return fields, questions

    # ---- one question

    def question(self, value: object, path: Path, section_key: str | None) -> _QuestionDraft | None:
        m = self.mapping(value, path, "each question", "key: ..., text: ..., type: ...")
        if m is None:
            return None
        what = "this question"
        qtype = self.literal(m, "type", path, what, QUESTION_TYPES, required=True)
        self.question_keys(m, path, qtype)
        fields: dict[str, Any] = {
            "key": self.slug(m, "key", path, what, "greeted_promptly"),
            "text": self.text(m, "text", path, what, required=True),
            "type": qtype,
            "critical": self.boolean(m, "critical", path),
            "allow_na": self.boolean(m, "allow_na", path),
            "required": self.boolean(m, "required", path),
            "comment_on_fail": self.boolean(m, "comment_on_fail", path),
            "guidance": self.text(m, "guidance", path, what, required=False),
            "evidence": self.literal(m, "evidence", path, what, EVIDENCE_LEVELS, required=False)
            or "none",
        }
        draft = _QuestionDraft(
            path=path, section_key=section_key, key=fields["key"], type=qtype, fields=fields
        )
        points = self.points(m, path, qtype)
        if points is not None:
            fields["points"] = points
        possible: Number | None = None
        if qtype == "scale":
            possible = points if points is not None else 1
            self.scale(m, path, draft)
        elif qtype == "choice":
            possible = self.options(m, path, draft)
        elif qtype == "number":
            possible = points if points is not None else 1
            self.number_question(m, path, draft)
        elif qtype == "yes_no":
            possible = points if points is not None else 1
        elif qtype in UNSCORED_TYPES:
            possible = 0
        if fields["critical"] and possible == 0:
            self.error(path + ("critical",), _critical_message(cast(str, qtype)))
        show_if = self.get(m, "show_if")
        if show_if is not _MISSING:
            draft.show_if_raw = self.mapping(
                show_if, path + ("show_if",), "'show_if'", "question: KEY, equals: VALUE"
            )
        return draft

    def question_keys(self, m: Mapping[Any, Any], path: Path, qtype: str | None) -> None:
        if qtype is None:  # unknown type: only keys no type accepts are surely wrong
            self.unknown_keys(m, path, QUESTION_KEYS, "a question")
            return
        allowed = tuple(
            k for k in QUESTION_KEYS if k not in _TYPE_SPECIFIC or k in TYPE_KEYS[qtype]
        )
        for key in m:
            if key in allowed:
                continue
            if key in _TYPE_SPECIFIC:
                owners = " or ".join(t for t, keys in TYPE_KEYS.items() if key in keys)
                self.error(
                    path + (key,),
                    f"'{key}' is not used by {qtype} questions, only by {owners} questions",
                )
            else:
                self.error(
                    path + (_path_key(key),), _unknown_key_message(key, allowed, "a question")
                )

    def points(self, m: Mapping[Any, Any], path: Path, qtype: str | None) -> Number | None:
        if self.get(m, "points") is _MISSING:
            return None
        if qtype == "choice":
            self.error(
                path + ("points",),
                "a choice question takes its points from its options; "
                "remove 'points' and give each option its points",
            )
            return None
        points = self.number(m, "points", path, "this question", low=0)
        if points is not None and qtype in UNSCORED_TYPES and points != 0:
            self.error(
                path + ("points",),
                f"{qtype} questions are never scored, so 'points' must be 0 or left out",
            )
            return None
        return points

    def scale(self, m: Mapping[Any, Any], path: Path, draft: _QuestionDraft) -> None:
        what = "a scale question"
        low = self.integer(m, "min", path, what, required=True)
        high = self.integer(m, "max", path, what, required=True)
        fields = draft.fields
        fields["min"], fields["max"] = low, high
        if low is not None and high is not None:
            if low >= high:
                self.error(path + ("max",), f"'max' ({high}) must be greater than 'min' ({low})")
            else:
                draft.scale = (low, high)
        fields["labels"] = self.labels(m, path, draft.scale)

    def labels(
        self, m: Mapping[Any, Any], path: Path, scale: tuple[int, int] | None
    ) -> dict[int, str]:
        value = self.get(m, "labels")
        if value is _MISSING:
            return {}
        lpath = path + ("labels",)
        labels = self.mapping(value, lpath, "'labels'", "{1: Poor, 5: Excellent}")
        result: dict[int, str] = {}
        for key, text in (labels or {}).items():
            kpath = lpath + (_path_key(key),)
            point: int | None = None
            if _is_int(key):
                point = key
            elif isinstance(key, str) and re.fullmatch(r"-?[0-9]+", key.strip()):
                point = int(key)  # JSON turns the int keys of stored definitions into strings
            if point is None:
                self.error(kpath, f"scale labels need whole-number keys, not {_describe(key)}")
                continue
            if scale is not None and not scale[0] <= point <= scale[1]:
                self.error(kpath, f"label {point} is outside the scale {scale[0]}..{scale[1]}")
                continue
            if point in result:
                self.error(kpath, f"label {point} is given twice")
                continue
            label = self.text_value(text, kpath, f"label {point}")
            if label is not None:
                if not label.strip():
                    self.error(kpath, f"label {point} must not be empty")
                else:
                    result[point] = label
        return result

    def options(self, m: Mapping[Any, Any], path: Path, draft: _QuestionDraft) -> Number | None:
        """Check the options; return the best option's points (None if unknown)."""
        value = self.require(m, "options", path, "a choice question")
        if value is _MISSING:
            return None
        opath = path + ("options",)
        if not isinstance(value, list):
            self.error(opath, f"'options' must be a list, not {_describe(value)}")
            return None
        if len(value) < 2:
            self.error(opath, f"a choice question needs at least two options, not {len(value)}")
            return None
        options: list[Option] = []
        complete = True
        for index, item in enumerate(value):
            ipath = opath + (index,)
            o = self.mapping(item, ipath, "each option", "{label: Fully, points: 10}")
            if o is None:
                complete = False
                continue
            self.unknown_keys(o, ipath, OPTION_KEYS, "an option")
            label = self.text(o, "label", ipath, "this option", required=True)
            points = self.number(o, "points", ipath, "this option", low=0)
            if label is None or (points is None and self.get(o, "points") is not _MISSING):
                complete = False
                continue
            if any(existing.label == label for existing in options):
                self.error(ipath + ("label",), f"option {label!r} is listed twice")
                complete = False
                continue
            options.append(Option(label=label, points=points if points is not None else 0))
        draft.fields["options"] = tuple(options)
        draft.option_labels = tuple(o.label for o in options) if complete else None
        if not complete:
            return None
        return max(o.points for o in options)

    def number_question(self, m: Mapping[Any, Any], path: Path, draft: _QuestionDraft) -> None:
        draft.fields["unit"] = self.text(m, "unit", path, "this question", required=False)
        # The answers that can be a measurement at all (optional): others are refused.
        low, high = (
            self.number(m, bound, path, "this question", low=-MAX_MEASUREMENT, high=MAX_MEASUREMENT)
            for bound in ("min", "max")
        )
        if low is not None and high is not None and low >= high:
            self.error(path + ("max",), f"'max' ({high}) must be greater than 'min' ({low})")
            low = high = None
        draft.fields["min"], draft.fields["max"] = low, high
        value = self.get(m, "target")
        if value is _MISSING:
            self.error(
                path,
                "a number question needs 'target', the range that earns the points, "
                "e.g. target: {max: 5}",
            )
            return
        tpath = path + ("target",)
        t = self.mapping(value, tpath, "'target'", "{min: 0, max: 5}")
        if t is None:
            return
        self.unknown_keys(t, tpath, NUMBER_TARGET_KEYS, "a number target")
        low = self.number(t, "min", tpath, "'target'")
        high = self.number(t, "max", tpath, "'target'")
        if self.get(t, "min") is _MISSING and self.get(t, "max") is _MISSING:
            self.error(tpath, "'target' needs 'min', 'max' or both")
        elif low is not None and high is not None and low > high:
            self.error(tpath + ("min",), f"target 'min' ({low}) is above 'max' ({high})")
        elif not self.target_reachable(draft, low, high):
            accepted = range_text(draft.fields["min"], draft.fields["max"])
            self.error(tpath, f"the target can never be met: answers are limited to {accepted}")
        else:
            draft.fields["target"] = NumberTarget(min=low, max=high)

    @staticmethod
    def target_reachable(draft: _QuestionDraft, low: Number | None, high: Number | None) -> bool:
        accept_low, accept_high = draft.fields["min"], draft.fields["max"]
        if accept_high is not None and low is not None and low > accept_high:
            return False
        return not (accept_low is not None and high is not None and high < accept_low)

    # ---- checks that look at several questions

    def check_questions_together(self, drafts: list[_QuestionDraft]) -> None:
        by_key: dict[str, _QuestionDraft] = {}
        for index, draft in enumerate(drafts):
            draft.index = index
            if draft.key is None:
                continue
            first = by_key.get(draft.key)
            if first is not None:
                self.error(
                    draft.path + ("key",),
                    f"duplicate question key '{draft.key}' (also used in section "
                    f"'{first.section_key}'); answers are stored by question key, so keys "
                    "must be unique across the whole scorecard",
                )
            else:
                by_key[draft.key] = draft
        for draft in drafts:
            if draft.show_if_raw is not None:
                draft.show_if = self.show_if(draft, by_key)

    def show_if(self, draft: _QuestionDraft, by_key: dict[str, _QuestionDraft]) -> ShowIf | None:
        raw = cast(dict[str, Any], draft.show_if_raw)
        path = draft.path + ("show_if",)
        self.unknown_keys(raw, path, SHOW_IF_KEYS, "show_if")
        ref = self.slug(raw, "question", path, "'show_if'", "greeted_promptly")
        has_equals, has_in = "equals" in raw, "in" in raw
        values: list[tuple[object, Path]] = []
        form = "in" if has_in else "equals"
        if has_equals and has_in:
            self.error(path, "show_if takes either 'equals' or 'in', not both")
        elif not (has_equals or has_in):
            self.error(path, "show_if needs 'equals: VALUE' or 'in: [VALUE, ...]'")
        elif has_equals:
            if raw["equals"] is None:
                self.error(path + ("equals",), "'equals' needs a value")
            elif isinstance(raw["equals"], list | dict):
                self.error(
                    path + ("equals",),
                    f"'equals' takes one value, not {_describe(raw['equals'])}; "
                    "use 'in' for a list",
                )
            else:
                values.append((raw["equals"], path + ("equals",)))
        elif not isinstance(raw["in"], list) or not raw["in"]:
            self.error(path + ("in",), f"'in' must be a non-empty list, not {_describe(raw['in'])}")
        else:
            values.extend((v, path + ("in", i)) for i, v in enumerate(raw["in"]))
        if ref is None:
            return None
        controller = by_key.get(ref)
        if controller is None:
            self.error(path + ("question",), f"show_if refers to an unknown question '{ref}'")
            return None
        if controller is draft:
            self.error(path + ("question",), "a question cannot be shown depending on itself")
            return None
        if controller.index > draft.index:
            self.error(
                path + ("question",),
                f"show_if must refer to an earlier question; '{ref}' comes later in the form",
            )
            return None
        checked: list[ShowIfValue] = []
        for value, vpath in values:
            good = self.show_if_value(value, vpath, controller)
            if good is None:
                continue
            if good in checked:
                self.error(vpath, f"{_fmt(good)} is listed twice")
                continue
            checked.append(good)
        if len(checked) != len(values) or not values:
            return None
        return ShowIf(question=ref, values=tuple(checked), form=cast(Any, form))

    def show_if_value(
        self, value: object, path: Path, controller: _QuestionDraft
    ) -> ShowIfValue | None:
        ref, ctype = controller.key, controller.type
        if ctype == "yes_no":
            if isinstance(value, bool):
                return "yes" if value else "no"
            if isinstance(value, str) and value.lower() in ("yes", "no"):
                return value.lower()
            self.error(
                path,
                f"'{ref}' is a yes/no question: compare with yes or no, not {_describe(value)}",
            )
            return None
        if ctype in ("choice", "text"):
            text = self.text_value(value, path, "the value")
            if text is None or ctype == "text" or controller.option_labels is None:
                return text
            if text not in controller.option_labels:
                self.error(
                    path,
                    f"{text!r} is not an option of '{ref}' "
                    f"(options: {', '.join(controller.option_labels)})",
                )
                return None
            return text
        if ctype in ("scale", "nps"):
            bounds = (NPS_MIN, NPS_MAX) if ctype == "nps" else controller.scale
            if not _is_int(value):
                self.error(
                    path,
                    f"'{ref}' is a {ctype} question: compare with a whole number, "
                    f"not {_describe(value)}",
                )
                return None
            number = cast(int, value)
            if bounds is not None and not bounds[0] <= number <= bounds[1]:
                self.error(
                    path,
                    f"{number} is outside the range of '{ref}' ({bounds[0]}..{bounds[1]})",
                )
                return None
            return number
        if ctype == "number":
            return self.number_value(value, path, "the value")
        return None  # the controller's own type is invalid, already reported


def _unknown_key_message(key: object, allowed: Sequence[str], what: str) -> str:
    message = f"unknown key {_fmt(key)} in {what}"
    close = difflib.get_close_matches(str(key), allowed, n=1)
    if close:
        message += f" (did you mean '{close[0]}'?)"
    return message + f"; allowed keys: {', '.join(allowed)}"


def _critical_message(qtype: str) -> str:
    if qtype in UNSCORED_TYPES:
        reason = f"{qtype} questions are never scored"
    elif qtype == "choice":
        reason = "its best option is worth 0 points"
    else:
        reason = "it has points: 0"
    return f"'critical: true' needs a question that can earn points, but {reason}"


def _question_from_draft(draft: _QuestionDraft) -> Question:
    return Question(show_if=draft.show_if, **draft.fields)


def definition_from_data(
    data: object,
) -> tuple[ScorecardDefinition | None, list[DefinitionError]]:
    """Validate plain data (as from ``yaml.safe_load``, JSON or the builder).

    Returns the definition and no errors, or ``None`` and every error found
    (each with a ``path``, without lines).
    """
    return _definition_from_data(data, {}, frozenset())


def _definition_from_data(
    data: object, texts: Mapping[Path, str], invalid: frozenset[Path]
) -> tuple[ScorecardDefinition | None, list[DefinitionError]]:
    validator = _Validator(texts=texts, invalid=invalid)
    definition = validator.scorecard(data)
    if validator.errors:
        return None, validator.errors
    return definition, []


# --------------------------------------------------------------------------- YAML -> data

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: Guards against alias bombs ("billion laughs"); real scorecards are far smaller.
_MAX_NODES = 100_000


class _Invalid:
    pass


_INVALID = _Invalid()


class _TooLarge(Exception):
    pass


class _TreeBuilder:
    """Builds plain data from composed YAML nodes, remembering where each path is."""

    def __init__(self) -> None:
        self.lines: dict[Path, int] = {}
        self.texts: dict[Path, str] = {}
        self.invalid: set[Path] = set()
        self.errors: list[DefinitionError] = []
        self._constructor = yaml.SafeLoader("")
        self._active: set[int] = set()
        self._count = 0

    def error(self, path: Path, line: int, message: str, *, unreadable: bool = True) -> Any:
        """Report a problem; return the placeholder left in place of an unreadable value."""
        self.errors.append(DefinitionError(path, message, line=line))
        if unreadable:
            self.invalid.add(path)
        return _INVALID

    def build(self, node: yaml.Node, path: Path, line: int) -> Any:
        self.lines.setdefault(path, line)
        self._count += 1
        if self._count > _MAX_NODES:
            raise _TooLarge
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._active:
            return self.error(path, _line(node), "an alias refers to a node that contains it")
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != _SEQ_TAG:
                    return self.error(path, _line(node), f"unsupported YAML tag {node.tag}")
                return [
                    self.build(item, path + (i,), _line(item)) for i, item in enumerate(node.value)
                ]
            return self._mapping(cast(yaml.MappingNode, node), path)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path) -> Any:
        if node.tag != _MAP_TAG:
            return self.error(path, _line(node), f"unsupported YAML tag {node.tag}")
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key = self._key(key_node, path)
            if key is _INVALID:
                continue
            line = _line(key_node)
            if key in first_line:
                self.error(
                    path + (_path_key(key),),
                    line,
                    f"duplicate key {_fmt(key)} (first given on line {first_line[key]})",
                    unreadable=False,
                )
                continue
            first_line[key] = line
            result[key] = self.build(value_node, path + (_path_key(key),), line)
        for merge in merges:  # "<<: *defaults": keys given explicitly win
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for source in sources:
                merged = self.build(source, path, _line(source))
                if not isinstance(merged, dict):
                    self.error(path, _line(source), "'<<' can only merge mappings")
                    continue
                for key, value in merged.items():
                    result.setdefault(key, value)
        return result

    def _key(self, node: yaml.Node, path: Path) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.error(path, _line(node), "a mapping key must be a plain value")
            return _INVALID
        value = self._construct(node, path)
        if value is _INVALID or isinstance(value, str) or _is_int(value):
            return value
        return node.value  # a key written `yes:` or `1.5:` means the text as written

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        value = self._construct(node, path)
        if value is _INVALID:
            return value
        if node.style is None and not isinstance(value, str):
            self.texts[path] = node.value
        return value

    def _construct(self, node: yaml.ScalarNode, path: Path) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            self.error(path, _line(node), str(exc.problem))
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            self.error(path, _line(node), f"{node.value!r} is not a valid {node.tag} value")
        return _INVALID


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _line_of(path: Path, lines: Mapping[Path, int]) -> int | None:
    """The line of ``path``, or of its nearest ancestor that exists in the file."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def _syntax_error(exc: yaml.YAMLError, text: str) -> DefinitionError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem and exc.context_mark is not None:
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        return DefinitionError((), message, line=mark.line + 1 if mark is not None else None)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return DefinitionError(
            (), f"character {exc.character!r} is not allowed in YAML ({exc.reason})", line=line
        )
    return DefinitionError((), f"YAML error: {exc}")


def parse_yaml(
    text: str, filename: str = "<string>"
) -> tuple[ScorecardDefinition | None, list[DefinitionError]]:
    """Parse YAML text; return the definition or ``None`` and every error, with lines."""
    builder = _TreeBuilder()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = None if root is None else builder.build(root, (), _line(root))
    except yaml.YAMLError as exc:
        return None, [_with_place(_syntax_error(exc, text), filename, None)]
    except _TooLarge:
        error = DefinitionError((), "the file has too many values (aliases expanding?)", 1)
        return None, [_with_place(error, filename, None)]
    except RecursionError:
        error = DefinitionError((), "the file is nested too deeply", 1)
        return None, [_with_place(error, filename, None)]
    builder.lines.setdefault((), 1)
    definition, errors = _definition_from_data(data, builder.texts, frozenset(builder.invalid))
    located = [_with_place(e, filename, builder.lines) for e in builder.errors + errors]
    located.sort(key=lambda e: e.line if e.line is not None else 0)
    if located:
        return None, located
    return definition, []


def _with_place(
    error: DefinitionError, filename: str, lines: Mapping[Path, int] | None
) -> DefinitionError:
    line = error.line
    if line is None and lines is not None:
        line = _line_of(error.path, lines)
    return DefinitionError(error.path, error.message, line=line, file=filename)


def load_yaml(text: str, filename: str = "<string>") -> ScorecardDefinition:
    """Parse YAML text into a definition; raise :class:`ScorecardFileError` listing every error."""
    definition, errors = parse_yaml(text, filename)
    if definition is None:
        raise ScorecardFileError(errors)
    return definition


def _read_text(path: str | os.PathLike[str]) -> str:
    name = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        error = DefinitionError((), f"cannot read file: {reason}", file=name)
        raise ScorecardFileError([error]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start : exc.start + 1].hex()
        message = f"the file is not UTF-8 text (byte 0x{byte}); save it as UTF-8"
        raise ScorecardFileError([DefinitionError((), message, line=line, file=name)]) from None


def load_file(path: str | os.PathLike[str]) -> ScorecardDefinition:
    """Load a scorecard file; raise :class:`ScorecardFileError` for any problem, unreadable too."""
    return load_yaml(_read_text(path), os.fspath(path))


def validate_file(path: str | os.PathLike[str]) -> list[DefinitionError]:
    """Every problem of a scorecard file; an empty list means it is valid."""
    try:
        load_file(path)
    except ScorecardFileError as failure:
        return failure.errors
    return []


# --------------------------------------------------------------------------- definition -> data


def definition_to_data(defn: ScorecardDefinition) -> dict[str, Any]:
    """Plain data in the file format: keys in DESIGN.md's order, defaults left out.

    JSON-safe apart from the int keys of scale ``labels`` (JSON makes them
    strings, which :func:`definition_from_data` accepts back).
    """
    data: dict[str, Any] = {"slug": defn.slug, "title": defn.title}
    if defn.description is not None:
        data["description"] = defn.description
    data["channel"] = defn.channel
    data["target"] = defn.target
    if defn.excellence is not None:
        data["excellence"] = defn.excellence
    if defn.critical_fail != "zero_visit":
        data["critical_fail"] = defn.critical_fail
    if defn.comment_on_fail:
        data["comment_on_fail"] = True
    data["sections"] = [_section_to_data(s) for s in defn.sections]
    return data


def _section_to_data(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"key": section.key, "title": section.title}
    if section.weight is not None:
        data["weight"] = section.weight
    if section.target is not None:
        data["target"] = section.target
    data["questions"] = [_question_to_data(q) for q in section.questions]
    return data


def _question_to_data(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"key": q.key, "text": q.text, "type": q.type}
    if q.show_if is not None:
        show: dict[str, Any] = {"question": q.show_if.question}
        if q.show_if.form == "equals" and len(q.show_if.values) == 1:
            show["equals"] = q.show_if.values[0]
        else:
            show["in"] = list(q.show_if.values)
        data["show_if"] = show
    if q.type == "number":
        if q.unit is not None:
            data["unit"] = q.unit
        for bound in ("min", "max"):
            if getattr(q, bound) is not None:
                data[bound] = getattr(q, bound)
        if q.target is not None:
            target = {"min": q.target.min, "max": q.target.max}
            data["target"] = {k: v for k, v in target.items() if v is not None}
    if q.type == "scale":
        data["min"], data["max"] = q.min, q.max
        if q.labels:
            data["labels"] = {k: q.labels[k] for k in sorted(q.labels)}
    if q.type == "choice":
        data["options"] = [{"label": o.label, "points": o.points} for o in q.options]
    elif q.points != 1:
        data["points"] = q.points
    for flag in ("critical", "allow_na", "required", "comment_on_fail"):
        if getattr(q, flag):
            data[flag] = True
    if q.guidance is not None:
        data["guidance"] = q.guidance
    if q.evidence != "none":
        data["evidence"] = q.evidence
    return data


class _Flow(dict[Any, Any]):
    """A small mapping written on one line, as DESIGN.md does: ``target: {max: 5}``."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent lists under their key ("sections:\n  - key: ..."), as DESIGN.md does.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Multi-line text reads best as a literal block; the emitter falls back to
    # quotes wherever a block cannot hold the text exactly.
    # PyYAML writes NEL and the Unicode line/paragraph separators unescaped in
    # plain and single-quoted scalars, where reading folds them into spaces; only
    # double quotes (which escape them) keep them.
    if any(ch in data for ch in "\x85\u2028\u2029"):
        return dumper.represent_scalar(_STR_TAG, data, style='"')
    return dumper.represent_scalar(_STR_TAG, data, style="|" if "\n" in data else None)


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping(_MAP_TAG, data, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)

#: Mappings under these question keys are written in flow style.
_FLOW_KEYS = ("show_if", "target", "labels")


def _flowed(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    sections = []
    for section in data["sections"]:
        section = dict(section)
        questions = []
        for question in section["questions"]:
            question = dict(question)
            for key in _FLOW_KEYS:
                if key in question:
                    question[key] = _Flow(question[key])
            if "options" in question:
                question["options"] = [_Flow(o) for o in question["options"]]
            questions.append(question)
        section["questions"] = questions
        sections.append(section)
    data["sections"] = sections
    return data


def dump_yaml(defn: ScorecardDefinition) -> str:
    """A readable YAML file for ``defn``; ``load_yaml(dump_yaml(d)) == d``."""
    return yaml.dump(
        _flowed(definition_to_data(defn)),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,
    )
