"""Replacing what names a person in free text, in any table.

An erasure knows where a person's identity lives in structure (their account row, their
staff row, their sessions), but their name, e-mail and staff code also turn up in text
nobody can list in advance: a comment ("Jane Doe was lovely"), an audit event's details
(``{"email": ...}``), a notification to someone else, a stored API answer, a webhook
body, and the tables areas add later. :func:`sweep` therefore walks every text and JSON
column of every table in the metadata, finds candidate rows in SQL (``ILIKE``) and
rewrites them in Python with one regular expression, so a table added tomorrow is
covered without touching this module.

Names and codes are matched as whole words (``Ann`` does not touch "Annual"), e-mail
addresses where no longer address holds them; names and addresses in any case, codes as
written. Each needle is also looked for in its JSON
escaped form (``Zo\\u00eb``), as JSON columns and stored JSON bodies hold it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ColumnElement, Enum, String, Table, Text, cast, or_, select, update

from audit.extensions import db
from audit.models.text_fingerprint import FINGERPRINT_OF, fingerprint_values

__all__ = ["Needles", "rewrite_rows", "sweep", "text_columns"]

#: A name or code shorter than this is not searched on its own (too many false hits).
MIN_WORD = 3


@dataclass(frozen=True)
class Needles:
    """What names a person and what replaces it: ``words`` (names, any case),
    ``addresses`` (e-mails, any case) and ``codes`` (staff codes, as written: the code
    ``ALICE`` must not take every other Alice with it)."""

    words: tuple[str, ...]
    addresses: tuple[str, ...]
    replacement: str
    codes: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        words: Iterable[str | None],
        addresses: Iterable[str | None],
        replacement: str,
        codes: Iterable[str | None] = (),
    ) -> Needles:
        """Needles from raw values: blanks, short words and repeats dropped."""
        return cls(
            _clean(words, MIN_WORD), _clean(addresses, 1), replacement, _clean(codes, MIN_WORD)
        )

    def __bool__(self) -> bool:
        return bool(self.words or self.addresses or self.codes)

    def searched(self) -> list[str]:
        """Every string looked for in SQL: each needle and its JSON-escaped form."""
        found: list[str] = []
        for needle in (*self.addresses, *self.words, *self.codes):
            for form in (needle, _json_form(needle)):
                if form not in found:
                    found.append(form)
        return found

    def pattern(self) -> re.Pattern[str]:
        """One expression for every needle: addresses not inside a longer address, words
        and codes as whole words; codes in their case only."""
        parts = [
            rf"(?<![\w.+-]){re.escape(form)}(?![\w-]|\.\w)"
            for a in self.addresses
            for form in {a, _json_form(a)}
        ]
        parts += [rf"(?<!\w){re.escape(f)}(?!\w)" for w in self.words for f in {w, _json_form(w)}]
        parts += [rf"(?-i:(?<!\w){re.escape(code)}(?!\w))" for code in self.codes]
        return re.compile("|".join(parts), re.IGNORECASE)


def _clean(values: Iterable[str | None], shortest: int) -> tuple[str, ...]:
    """Stripped, long enough, each once, the longest first (so it wins over a part)."""
    kept = {v.strip() for v in values if v and len(v.strip()) >= shortest}
    return tuple(sorted(kept, key=len, reverse=True))


def _json_form(value: str) -> str:
    """``value`` as it appears inside a JSON string written with ASCII escapes."""
    return json.dumps(value)[1:-1]


def _replace(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """``value`` (text, or a JSON value) with every match replaced; the same object when
    nothing matched, so callers can tell."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_replace(item, pattern, replacement) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, pattern, replacement) for key, item in value.items()}
    return value


def text_columns(table: Table) -> list[Any]:
    """The columns of ``table`` that can hold free text: strings and JSON, not enums, not
    a text's fingerprint (it follows its text when that is rewritten)."""
    return [
        column
        for column in table.columns
        if isinstance(column.type, String | Text | JSON)
        and not isinstance(column.type, Enum)
        and FINGERPRINT_OF not in column.info
    ]


def _like_any(column: Any, needles: Sequence[str]) -> ColumnElement[bool]:
    searched = cast(column, Text) if isinstance(column.type, JSON) else column
    return or_(*(searched.ilike(f"%{_escape_like(n)}%", escape="\\") for n in needles))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def rewrite_rows(
    table: Table,
    columns: Sequence[Any],
    needles: Needles,
    where: ColumnElement[bool] | None = None,
) -> int:
    """Replace the needles in ``columns`` of the rows of ``table`` (those matching
    ``where``); returns how many rows changed. The caller commits."""
    if not needles or not columns:
        return 0
    searched = needles.searched()
    pattern = needles.pattern()
    keys = list(table.primary_key.columns)
    query = select(*keys, *columns).where(or_(*(_like_any(c, searched) for c in columns)))
    if where is not None:
        query = query.where(where)
    changed = 0
    for row in db.session.execute(query).all():
        values = {}
        for column in columns:
            old = row._mapping[column]
            new = _replace(old, pattern, needles.replacement)
            if new != old:
                values[column.name] = new
        if values:
            match = [key == row._mapping[key] for key in keys]
            db.session.execute(
                update(table).where(*match).values(fingerprint_values(table, values))
            )
            changed += 1
    return changed


def sweep(needles: Needles, skip: frozenset[Any] = frozenset()) -> int:
    """:func:`rewrite_rows` over every text column of every table, but ``skip`` (columns
    the caller handles itself, e.g. other people's names); returns the rows changed."""
    changed = 0
    for table in db.metadata.sorted_tables:
        columns = [c for c in text_columns(table) if c not in skip]
        changed += rewrite_rows(table, columns, needles)
    return changed
