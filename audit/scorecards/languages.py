"""Scorecard texts in several languages, and choosing the one a reader sees.

A scorecard declares ``languages: [en, es]``; the first is its default. Each text a
person reads (titles, question text, guidance, standard, option and scale labels,
units) may then be a mapping ``{en: ..., es: ...}``. The validator turns such a
mapping into a :class:`Text`: a ``str`` holding the default language's wording that
also carries every translation.

Why a ``str`` subclass rather than a new field type: everything that already works
on scorecard texts (scoring, ``show_if``, reports, exports, the API) keeps working on
the default wording unchanged, and an answer is stored by that wording (a choice
answer is the option's default-language label), so answers given in any language
are the same value and land in the same figures. Only what is shown to a reader
asks for another language, through :func:`localize`.

Equality is the ``str``'s: two texts with the same default wording are the same
key (an option listed twice is caught however it is translated).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["LANGUAGE_CODE", "Text", "best_language", "localize", "same_language"]

#: A language code as scorecards write it: ``en``, ``es``, ``pt-BR`` (``pt_BR`` too).
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


class Text(str):
    """A text in its default language that knows its translations (see the module)."""

    translations: Mapping[str, str]
    default: str

    def __new__(cls, translations: Mapping[str, str], default: str) -> Text:
        text = super().__new__(cls, translations[default])
        text.translations = dict(translations)
        text.default = default
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle keep the translations
        return (Text, (dict(self.translations), self.default))

    def __repr__(self) -> str:
        return f"Text({self.translations!r}, default={self.default!r})"

    def in_language(self, language: str | None) -> str:
        """The wording in ``language``, else in the default language."""
        code = best_language(language, tuple(self.translations))
        return self.translations[code] if code is not None else str(self)


def _base(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()


def same_language(a: str, b: str) -> bool:
    """``es`` and ``es_ES``/``es-MX`` are the same language for choosing a text."""
    return a.replace("_", "-").lower() == b.replace("_", "-").lower()


def best_language(wanted: str | None, available: tuple[str, ...]) -> str | None:
    """Which of ``available`` serves a reader of ``wanted``: the exact code, else the
    same base language (``pt-BR`` for ``pt``), else ``None`` (the caller's default)."""
    if not wanted:
        return None
    for code in available:
        if same_language(code, wanted):
            return code
    for code in available:
        if _base(code) == _base(wanted):
            return code
    return None


def localize(value: Any, language: str | None = None, default: str | None = None) -> Any:
    """The wording of ``value`` for a reader of ``language``.

    ``value`` may be a :class:`Text`, a plain mapping ``{code: text}`` (as in a
    definition's plain data, e.g. a survey page working on stored data: ``default``
    names its default language, else its first entry is used) or anything else,
    which is returned unchanged. Without ``language`` the default wording is given.
    """
    if isinstance(value, Text):
        return value.in_language(language)
    if isinstance(value, Mapping) and value and all(isinstance(k, str) for k in value):
        codes = tuple(value)
        code = best_language(language, codes) or best_language(default, codes) or codes[0]
        return value[code]
    return value
