"""The interface's catalogues for tests: compiled when missing or older than their .po
(``make test`` compiles them first; this lets a lone ``pytest`` run see Spanish too)."""

from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from audit.languages import TRANSLATIONS_FOLDER


def ensure_compiled() -> None:
    for po in TRANSLATIONS_FOLDER.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        partial = mo.with_suffix(".mo.partial")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        partial.replace(mo)  # another test process never reads a half-written file
