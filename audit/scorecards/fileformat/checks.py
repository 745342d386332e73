"""The primitive checks every rule uses: types, texts, numbers, keys, each error with its path."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from audit.scorecards.definition import (
    Number,
    ShowIf,
)
from audit.scorecards.fileformat.errors import DefinitionError
from audit.scorecards.fileformat.schema import MAX_KEY_LENGTH, SLUG_PATTERN, Path
from audit.scorecards.languages import LANGUAGE_CODE, Text

# --------------------------------------------------------------------------- validation core


class Missing:
    """Marks a key that is absent (or null, which counts as absent)."""


MISSING = Missing()


def describe(value: object) -> str:
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


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def fmt(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def path_key(key: object) -> str | int:
    return key if isinstance(key, str | int) and not isinstance(key, bool) else str(key)


@dataclass
class QuestionDraft:
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
class Checks:
    #: Original text of plain YAML scalars that resolved to a non-string
    #: (``Yes`` -> True, ``1`` -> 1). A text field uses it, so an option
    #: labelled ``Yes`` stays "Yes" instead of being rejected as a boolean.
    texts: Mapping[Path, str] = field(default_factory=dict)
    #: Paths whose value the YAML layer could not read and has already reported;
    #: anything said about them here would only repeat that.
    invalid: frozenset[Path] = frozenset()
    errors: list[DefinitionError] = field(default_factory=list)
    #: The scorecard's ``languages`` (default first); a text given as a mapping must
    #: carry exactly these. Empty: the scorecard is in one language, texts are plain.
    languages: tuple[str, ...] = ()

    def error(self, path: Path, message: str) -> None:
        if path not in self.invalid:
            self.errors.append(DefinitionError(path, message))

    # ---- mappings and keys

    def mapping(self, value: object, path: Path, what: str, example: str) -> dict[Any, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"{what} must be a mapping ({example}), not {describe(value)}")
            return None
        return value

    def unknown_keys(self, m: Mapping[Any, Any], path: Path, allowed: Sequence[str], what: str):
        for key in m:
            if key in allowed:
                continue
            self.error(path + (path_key(key),), unknown_key_message(key, allowed, what))

    @staticmethod
    def get(m: Mapping[Any, Any], key: str) -> Any:
        value = m.get(key)
        return MISSING if value is None else value

    def require(self, m: Mapping[Any, Any], key: str, path: Path, what: str) -> Any:
        value = self.get(m, key)
        if value is MISSING:
            self.error(path, f"{what} is missing required key '{key}'")
        return value

    # ---- scalars; each returns None when absent or invalid (and records why)

    def text_value(
        self,
        value: object,
        path: Path,
        name: str,
        max_length: int | None = None,
        *,
        translatable: bool = True,
    ) -> str | None:
        """A text; where a person reads it (``translatable``) also ``{en: ..., es: ...}``."""
        if translatable and isinstance(value, dict):
            return self.translated(value, path, name, max_length)
        if isinstance(value, str):
            text = value
        elif path in self.texts and not isinstance(value, list | dict):
            text = self.texts[path]
        else:
            self.error(path, f"{name} must be text, not {describe(value)}")
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
        translatable: bool = True,
    ) -> str | None:
        """A text field. Blank optional text counts as absent (a form sends "" for nothing)."""
        value = self.require(m, key, path, what) if required else self.get(m, key)
        if value is MISSING:
            return None
        text = self.text_value(
            value, path + (key,), f"'{key}'", max_length, translatable=translatable
        )
        if text is not None and not text.strip():
            if required:
                self.error(path + (key,), f"'{key}' must not be empty")
            return None
        return text

    def slug(
        self, m: Mapping[Any, Any], key: str, path: Path, what: str, example: str = "welcome"
    ) -> str | None:
        text = self.text(
            m, key, path, what, required=True, max_length=MAX_KEY_LENGTH, translatable=False
        )
        if text is not None and not SLUG_PATTERN.match(text):
            self.error(
                path + (key,),
                f"'{key}' {text!r} must be lowercase letters, digits, '_' or '-', "
                f"starting with a letter or digit (e.g. '{example}')",
            )
            return None
        return text

    def translated(
        self, value: dict[Any, Any], path: Path, name: str, max_length: int | None
    ) -> str | None:
        """A text given per language: exactly the scorecard's languages, none blank."""
        if not self.languages:
            per_language = all(isinstance(k, str) and LANGUAGE_CODE.match(k) for k in value)
            hint = (
                " (a text per language needs the scorecard's languages, "
                "e.g. 'languages: [en, es]', the first the default)"
            )
            self.error(path, f"{name} must be text, not a mapping{hint if per_language else ''}")
            return None
        declared = ", ".join(self.languages)
        texts: dict[str, str] = {}
        complete = True
        for code, item in value.items():
            if code not in self.languages:
                self.error(
                    path + (path_key(code),),
                    f"{name} has a translation for {fmt(code)}, which is not one of the "
                    f"scorecard's languages ({declared})",
                )
                complete = False
                continue
            text = self.text_value(
                item, path + (code,), f"{name} ({code})", max_length, translatable=False
            )
            if text is None:
                complete = False
            elif text.strip():
                texts[code] = text
        missing = [code for code in self.languages if code not in texts and code in value]
        missing += [code for code in self.languages if code not in value]
        for code in missing:
            self.error(
                path,
                f"{name} has no {code} translation (the scorecard's languages are {declared})",
            )
        if missing or not complete:
            return None
        return Text(texts, self.languages[0])

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
        if value is MISSING:
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
        if not is_number(value):
            self.error(path, f"{name} must be a number, not {describe(value)}")
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
        if value is MISSING:
            return None
        if not is_int(value):
            self.error(path + (key,), f"'{key}' must be a whole number, not {describe(value)}")
            return None
        return cast(int, value)

    def boolean(self, m: Mapping[Any, Any], key: str, path: Path) -> bool:
        value = self.get(m, key)
        if value is MISSING:
            return False
        if not isinstance(value, bool):
            self.error(path + (key,), f"'{key}' must be true or false, not {describe(value)}")
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
        if value is MISSING:
            return None
        if not isinstance(value, str) or value not in allowed:
            shown = f"{value!r}" if isinstance(value, str) else describe(value)
            self.error(
                path + (key,),
                f"'{key}' must be one of {' | '.join(allowed)}, not {shown}",
            )
            return None
        return value


def unknown_key_message(key: object, allowed: Sequence[str], what: str) -> str:
    message = f"unknown key {fmt(key)} in {what}"
    close = difflib.get_close_matches(str(key), allowed, n=1)
    if close:
        message += f" (did you mean '{close[0]}'?)"
    return message + f"; allowed keys: {', '.join(allowed)}"
