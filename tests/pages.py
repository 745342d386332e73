"""Reading pages in tests: fetch one, and find the figures marked with ``data-*``."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class Marked(HTMLParser):
    """Text of every element carrying ``data-<name>``, keyed by that attribute's value."""

    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.attr = f"data-{name}"
        self.found: dict[str, str] = {}
        self.attrs: dict[str, dict[str, str | None]] = {}
        self._open: list[tuple[str, str | None, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = values.get(self.attr)
        if key is not None:
            self.attrs[key] = values
        if tag in ("br", "img", "input", "meta", "link", "hr"):
            return
        self._open.append((tag, key, []))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, key, text = self._open.pop()
            if key is not None:
                self.found[key] = " ".join(" ".join(text).split())
            if self._open:
                self._open[-1][2].extend(text)
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)


def marked(html: str, name: str) -> Marked:
    parser = Marked(name)
    parser.feed(html)
    return parser


def section(html: str, start: str, end: str | None = None) -> str:
    """The part of ``html`` from the heading id ``start`` to ``end``."""
    tail = html.split(f'id="{start}"', 1)[1]
    return tail.split(f'id="{end}"', 1)[0] if end else tail


def visible_text(page: str) -> str:
    """What a reader sees of ``page``: no tags, attributes, scripts or styles, spaces collapsed.

    For "never shown" checks: a random token or an asset hash in the markup can hold any
    digits, so looking for a score's digits in the whole page fails now and then."""
    words = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    words = re.sub(r"<[^>]+>", " ", words)
    return " ".join(html.unescape(words).split())


def login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": "correct horse battery"})
    assert response.status_code == 302


def get(client, url: str, **args: str) -> str:
    response = client.get(url, query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)
