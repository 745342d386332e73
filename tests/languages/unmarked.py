"""Visible English left unmarked in a template: text a person reads that gettext never sees.

A template's text between tags, and the attributes a person reads or hears (``title``,
``alt``, ``placeholder``, ``aria-label``, a button's ``value``), is visible. It is
marked when it sits inside ``{{ _("...") }}``, ``{{ ngettext(...) }}`` or a
``{% trans %}`` block: those never reach this check, which reads only the template's
raw text. What comes from data (``{{ branch.name }}``) is not text of the template, nor
are code samples (``<code>``, ``<pre>``), scripts, styles, markup captured by
``{% set name %}...{% endset %}`` or a class name set in a block.

    .venv/bin/python -m tests.languages.unmarked [templates/DIR_OR_FILE ...]

prints ``FILE:LINE: "text"`` for each unmarked piece (nothing when all is marked).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
#: Stands where an expression or a tag was: not text of the template.
HOLE = "\x00"
#: Spaced, so that a hole inside a tag (``<a{% if css %} class="x"{% endif %}>``) reads as
#: an attribute of its own rather than as part of the tag's name.
HOLE_TEXT = f" {HOLE} "
#: Not read as words of the interface: scripts, styles and code samples.
UNREAD_TAGS = {"script", "style", "code", "pre", "kbd", "samp"}
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
#: Words that read the same in every language we ship: names, units and abbreviations.
SAME_IN_EVERY_LANGUAGE = {
    "Service Audit",
    "CSV",
    "PDF",
    "API",
    "NPS",
    "CSAT",
    "CES",
    "QR",
    "JSON",
    "YAML",
    "ID",
    "URL",
    "HTTP",
    "SSO",
    "OpenID",
    "OK",
    "pts",
    "km",
    "Email",
    "e-mail",
}
WORD = re.compile(r"[A-Za-z]{2,}")
#: A CSS class or an identifier set in a block (``{% block page_class %}shop-page``).
CLASS_NAME = re.compile(r"[a-z][a-z0-9_-]*")
IDENTIFIER = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)+")


def _raw_text(source: str) -> str:
    """The template's own text with each expression, tag and ``{% trans %}`` block
    replaced by a hole, on the lines where it stood."""
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701  (only lexed, never rendered)
    text: list[str] = []
    line = 1
    in_trans = 0
    expecting_block_name = False
    last_tag = ""
    opening_set = False
    in_set = 0
    for lineno, kind, value in env.lex(source):
        if kind == "whitespace":  # inside a tag: "{% trans %}" lexes as {%, " ", trans
            continue
        if kind == "block_begin":
            expecting_block_name = True
            continue
        if kind == "name" and expecting_block_name:
            expecting_block_name = False
            last_tag = value
            opening_set = value == "set"
            in_set -= value == "endset"
            if value in ("trans", "pluralize"):
                in_trans += value == "trans"
            elif value == "endtrans":
                in_trans -= 1
            continue
        expecting_block_name = False
        if opening_set and kind in ("assign", "block_end"):
            in_set += kind == "block_end"  # {% set name %}...{% endset %}: markup kept for later
            opening_set = False
        if kind != "data":
            if not text or text[-1] != HOLE_TEXT:
                text.append(HOLE_TEXT)
            continue
        if last_tag == "block" and CLASS_NAME.fullmatch(value.strip()):
            value = HOLE_TEXT  # {% block kind %}branch{% endblock %}: a class name, set
        if in_trans or in_set:
            text.append(HOLE_TEXT)
            line += value.count("\n")
            text.append("\n" * value.count("\n"))
            continue
        if lineno > line:
            text.append("\n" * (lineno - line))
            line = lineno
        text.append(value)
        line += value.count("\n")
    return "".join(text)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNREAD_TAGS:
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in ("submit", "button")
            )
            if readable and value:
                self._keep(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in UNREAD_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._keep(data)

    def _keep(self, text: str) -> None:
        for piece in text.split(HOLE):
            piece = " ".join(piece.split())
            if _is_english(piece):
                self.found.append((self.getpos()[0], piece))


def _is_english(piece: str) -> bool:
    if IDENTIFIER.fullmatch(piece):
        return False
    rest = piece
    for same in SAME_IN_EVERY_LANGUAGE:
        rest = rest.replace(same, " ")
    return WORD.search(rest) is not None


def unmarked_in(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of each piece of visible English not marked for translation."""
    reader = _Reader()
    reader.feed(_raw_text(path.read_text(encoding="utf-8")))
    reader.close()
    return reader.found


def templates(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        yield from sorted(path.rglob("*.html")) if path.is_dir() else [path]


def main(arguments: list[str]) -> int:
    found = 0
    for path in templates([Path(a) for a in arguments] or [TEMPLATES]):
        for line, text in unmarked_in(path):
            found += 1
            print(f"{path.relative_to(ROOT) if path.is_absolute() else path}:{line}: {text!r}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
