"""The shipped Spanish catalogue translates every string marked in the code and the
templates (read from the sources themselves, not from a messages.pot that may be stale)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from audit.languages import LANGUAGES, TRANSLATIONS_FOLDER

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}


def marked_messages() -> set[tuple[str, str | None]]:
    """``(message, context)`` of every string marked in the sources; for a plural, its
    singular (the catalogue's key)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        (message if isinstance(message, str) else message[0], context)
        for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }


def catalogue(language: str):
    with (TRANSLATIONS_FOLDER / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def test_every_marked_string_has_a_spanish_translation():
    spanish = catalogue("es")
    marked = marked_messages()
    assert ("Sign in to Service Audit", None) in marked and ("Open", "verb") in marked
    untranslated = sorted(
        f"{context}: {message}" if context else message
        for message, context in marked
        if not _translated(spanish.get(message, context=context))
    )
    assert untranslated == [], "run `make translations-update` and translate these in es"
    fuzzy = sorted(m.id for m in spanish if m.id and m.fuzzy)
    assert fuzzy == [], "fuzzy entries are not used: check and unmark them"


def test_translations_keep_their_placeholders():
    for message in catalogue("es"):
        if not (message.id and message.string):
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        forms = [message.string] if isinstance(message.string, str) else message.string
        for form in forms:
            # A plural's "one" form may say "one" instead of its number.
            wanted = set(_placeholders(source)) - ({"%(num)d"} if form is forms[0] else set())
            assert wanted <= set(_placeholders(form)), (source, form)
            assert set(_placeholders(form)) <= set(_placeholders(source)), (source, form)


def test_every_shipped_language_has_a_catalogue():
    for language in LANGUAGES:
        assert (TRANSLATIONS_FOLDER / language / "LC_MESSAGES" / "messages.po").exists()


def _translated(message) -> bool:  # noqa: ANN001
    if message is None or not message.string:
        return False
    return all(message.string) if isinstance(message.string, tuple) else True


def _placeholders(text: str) -> list[str]:
    return re.findall(r"%\(\w+\)[sd]", text)
