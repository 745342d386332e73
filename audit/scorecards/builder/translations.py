"""Texts given per language in the builder: it edits the default language's wording and
keeps every other language as it was.

A multilingual draft (``languages: [en, es]``) holds mappings ``{en: ..., es: ...}`` where
a person reads a text. The builder's forms show and take the default wording only (the
first of ``languages``); when a form is saved, the other languages of each text it
touched are carried over from the draft, so editing a question in the browser never
loses its translations. Translations themselves are written in the YAML file (export,
translate, import); the validator reports any that is missing, as for a file.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["carry_translations", "in_default_language", "languages_of"]

#: The keys of a scorecard, section or question whose value a person reads.
TEXT_KEYS: tuple[str, ...] = ("title", "description", "text", "guidance", "standard", "unit")


def languages_of(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The draft's ``languages``, default first (empty when it declares none)."""
    value = data.get("languages")
    if not isinstance(value, list):
        return ()
    return tuple(code for code in value if isinstance(code, str))


def _default(value: Any, languages: Sequence[str]) -> Any:
    if not isinstance(value, Mapping):
        return value
    if languages and languages[0] in value:
        return value[languages[0]]
    return next(iter(value.values()), "")


def in_default_language(part: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
    """A copy of a scorecard, section or question with each of its own texts (and its
    options' and scale labels') in the default wording, as the builder's forms show it."""
    shown = dict(part)
    for key in TEXT_KEYS:
        if key in shown:
            shown[key] = _default(shown[key], languages)
    options = shown.get("options")
    if isinstance(options, list):
        shown["options"] = [
            {**o, "label": _default(o.get("label"), languages)} if isinstance(o, Mapping) else o
            for o in options
        ]
    labels = shown.get("labels")
    if isinstance(labels, Mapping):
        shown["labels"] = {point: _default(text, languages) for point, text in labels.items()}
    return shown


def _carried(old: Any, new: Any, default: str) -> Any:
    if isinstance(old, Mapping) and isinstance(new, str):
        return {**old, default: new}
    return new


def carry_translations(
    old: Mapping[str, Any] | None, new: Mapping[str, Any], languages: Sequence[str]
) -> dict[str, Any]:
    """``new`` (as a form built it, in the default wording) with the other languages of
    ``old``'s texts kept: options are matched by their default label, else by position;
    scale labels by their point."""
    result = copy.deepcopy(dict(new))
    if len(languages) < 2 or not isinstance(old, Mapping):
        return result
    default = languages[0]
    for key in TEXT_KEYS:
        if key in result:
            result[key] = _carried(old.get(key), result[key], default)
    old_options = [o for o in old.get("options") or [] if isinstance(o, Mapping)]
    by_label = {_default(o.get("label"), languages): o for o in old_options}
    for position, option in enumerate(result.get("options") or []):
        if not isinstance(option, dict):
            continue
        match = by_label.get(option.get("label"))
        if match is None and position < len(old_options):
            match = old_options[position]
        if match is not None:
            option["label"] = _carried(match.get("label"), option.get("label"), default)
    old_labels = old.get("labels")
    labels = result.get("labels")
    if isinstance(old_labels, Mapping) and isinstance(labels, dict):
        by_point = {str(point): text for point, text in old_labels.items()}
        for point, text in labels.items():
            labels[point] = _carried(by_point.get(str(point)), text, default)
    return result
