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


def marked_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }


def catalogue(language: str):
    with (TRANSLATIONS_FOLDER / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def test_every_marked_string_has_a_spanish_translation():
    spanish = catalogue("es")
    marked = marked_messages()
    assert "Sign in to Service Audit" in marked and "Skip to content" in marked
    untranslated = sorted(m for m in marked if not (spanish.get(m) and spanish.get(m).string))
    assert untranslated == [], "run `make translations-update` and translate these in es"
    fuzzy = sorted(m.id for m in spanish if m.id and m.fuzzy)
    assert fuzzy == [], "fuzzy entries are not used: check and unmark them"


def test_translations_keep_their_placeholders():
    for message in catalogue("es"):
        if message.id and message.string:
            assert sorted(_placeholders(message.id)) == sorted(_placeholders(message.string)), (
                message.id
            )


def test_every_shipped_language_has_a_catalogue():
    for language in LANGUAGES:
        assert (TRANSLATIONS_FOLDER / language / "LC_MESSAGES" / "messages.po").exists()


def _placeholders(text: str) -> list[str]:
    return re.findall(r"%\(\w+\)s", text)
