"""Replacing what names a person in the text that mentions them.

An erasure knows where a person's identity lives in structure (their account row, their
staff row, their sessions), but their name, e-mail and staff code also turn up in what
people wrote and in the app's copies of it: a comment ("Jane Doe was lovely"), an audit
event's details (``{"email": ...}``), a notification to someone else, a stored API
answer, a webhook body. :func:`sweep` rewrites the columns that hold such text, an
explicit list (:mod:`audit.privacy.free_text`); never settings, links, keys or codes,
which a word that happens to be a name must not change ("Admin" is a name and a role).

What is replaced:

- e-mail addresses, in any case, where no longer address holds them;
- names, in any case, as whole words, not inside a path or an address ("/admin/users"
  keeps its "admin");
- staff codes, as written, only as a token standing alone in prose ("ask ALICE", not
  "/staff/ALICE"). Codes made of digits only are never searched: in text they read like
  any number (a visit id in a link); the columns that hold them are changed by the
  erasure itself.

JSON is parsed and only its string values are rewritten, never keys or numbers; a string
value that reads as a program's symbol ("admin", "visit.published") keeps any word that
is also a name. Text that holds JSON (a stored API answer, a webhook body) is treated as
JSON and written back in its own layout, so it stays valid.

Candidate rows are found in SQL first (a case-insensitive LIKE of each needle and of its
JSON-escaped forms) and only they are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import JSON, ColumnElement, Enum, String, Table, Text, cast, func, or_, select
from sqlalchemy import update as sql_update

from audit.extensions import db
from audit.models.text_fingerprint import FINGERPRINT_OF, fingerprint_values

__all__ = ["MIN_WORD", "Needles", "Place", "rewrite_rows", "sweep", "text_columns"]

#: A name or code shorter than this is not searched on its own (too many false hits).
MIN_WORD = 3

#: Where to rewrite: a table, its text columns, and which rows (None: all).
Place = tuple[Table, list[Any], ColumnElement[bool] | None]

#: A JSON string that reads as a program's symbol (a role, a kind, an event name).
_SYMBOL = re.compile(r"[a-z][a-z0-9_]*(?:[.:-][a-z0-9_]+)*")

#: What may stand before and after a staff code for it to be a token of its own in prose.
_CODE_BEFORE = r"""(?:^|(?<=[\s(\[{"'“«]))"""
_CODE_AFTER = r"""(?=$|[\s)\]}"'”»,;!?]|[.:](?:\s|$))"""

#: The SQL function the pre-filter folds case with on SQLite, whose lower() and LIKE
#: fold ASCII letters only ("ZOË" would not be found for "Zoë").
_FOLD = "privacy_lower"


@dataclass(frozen=True)
class Needles:
    """What names a person and what replaces it: ``words`` (names, any case),
    ``addresses`` (e-mails, any case) and ``codes`` (staff codes, as written: the code
    ``ALICE`` must not take every other Alice with it)."""

    words: tuple[str, ...]
    addresses: tuple[str, ...]
    replacement: str
    codes: tuple[str, ...] = ()
    #: JSON object keys whose values are left whole: a webhook body's ``name`` fields
    #: each name a person in full, who is not the one a first name alone is looked for.
    kept_keys: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        words: Iterable[str | None],
        addresses: Iterable[str | None],
        replacement: str,
        codes: Iterable[str | None] = (),
    ) -> Needles:
        """Needles from raw values: blanks, short words, repeats and codes of digits only
        dropped."""
        textual = [code for code in codes if code and not code.strip().isdigit()]
        return cls(
            _clean(words, MIN_WORD), _clean(addresses, 1), replacement, _clean(textual, MIN_WORD)
        )

    def __bool__(self) -> bool:
        return bool(self.words or self.addresses or self.codes)

    def searched(self) -> list[str]:
        """Every string looked for in SQL: each needle and its JSON-escaped forms."""
        found: dict[str, None] = {}
        for needle in (*self.addresses, *self.words, *self.codes):
            found.update(dict.fromkeys((needle, *_json_forms(needle))))
        return list(found)

    def rewrite(self, value: Any) -> Any:
        """``value`` (text, or a JSON value) with every mention replaced; the same object
        when nothing matched, so callers can tell."""
        if isinstance(value, str):
            return self._rewrite_text(value)
        return self._rewrite_json(value)

    def _rewrite_text(self, text: str) -> str:
        parsed = _as_json(text)
        if parsed is None:
            return _sub(self._everything, text, self.replacement)
        rewritten = self._rewrite_json(parsed)
        return text if rewritten is parsed else _dump_like(rewritten, parsed, text)

    def _rewrite_json(self, value: Any) -> Any:
        if isinstance(value, str):
            pattern = self._but_names if _SYMBOL.fullmatch(value) else self._everything
            return _sub(pattern, value, self.replacement)
        if isinstance(value, list):
            items = [self._rewrite_json(item) for item in value]
            same = all(new is old for new, old in zip(items, value, strict=True))
            return value if same else items
        if isinstance(value, dict):
            pairs = {
                key: item if key in self.kept_keys else self._rewrite_json(item)
                for key, item in value.items()
            }
            return value if all(pairs[key] is value[key] for key in value) else pairs
        return value

    @cached_property
    def _everything(self) -> re.Pattern[str] | None:
        return _compile(self._parts(names=True))

    @cached_property
    def _but_names(self) -> re.Pattern[str] | None:
        return _compile(self._parts(names=False))

    def _parts(self, *, names: bool) -> list[str]:
        """One expression per form: addresses not inside a longer address, names as whole
        words outside paths and addresses, codes alone between spaces or punctuation."""
        parts = [
            rf"(?<![\w.+-]){re.escape(form)}(?![\w-]|\.\w)"
            for address in self.addresses
            for form in (address, *_json_forms(address))
        ]
        if names:
            parts += [
                rf"(?<![\w/@])(?<!\w\.){re.escape(form)}(?![\w/@]|\.\w)"
                for word in self.words
                for form in (word, *_json_forms(word))
            ]
        parts += [f"(?-i:{_CODE_BEFORE}{re.escape(code)}{_CODE_AFTER})" for code in self.codes]
        return parts


def _clean(values: Iterable[str | None], shortest: int) -> tuple[str, ...]:
    """Stripped, long enough, each once, the longest first (so it wins over a part)."""
    kept = {v.strip() for v in values if v and len(v.strip()) >= shortest}
    return tuple(sorted(kept, key=len, reverse=True))


def _json_forms(value: str) -> list[str]:
    """``value`` as it appears inside a JSON string written with ASCII escapes, in the
    cases a letter may be stored in (an escape, ``\\u00eb``, keeps the letter's case)."""
    forms: dict[str, str] = {}
    for variant in (value, value.lower(), value.upper(), value.title()):
        form = json.dumps(variant)[1:-1]
        if form.lower() != value.lower():
            forms.setdefault(form.lower(), form)
    return list(forms.values())


def _compile(parts: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _sub(pattern: re.Pattern[str] | None, text: str, replacement: str) -> str:
    if pattern is None:
        return text
    new, count = pattern.subn(lambda _: replacement, text)
    return new if count else text


def _as_json(text: str) -> Any:
    """The JSON object or array ``text`` holds, or None when it is prose."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


def _dump_like(value: Any, parsed: Any, text: str) -> str:
    """``value`` as JSON text laid out as ``text`` (which holds ``parsed``) was: compact
    or spaced, indented or not, with or without ASCII escapes; the same spaces around."""
    core = text.strip()
    head, tail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    layouts: list[dict[str, Any]] = [
        {"separators": separators, "indent": indent, "ensure_ascii": ascii_only}
        for ascii_only in (True, False)
        for indent in (None, 2, 4)
        for separators in ((",", ":"), (", ", ": "), (",", ": "))
    ]
    chosen = next(
        (layout for layout in layouts if json.dumps(parsed, **layout) == core),
        {"separators": (",", ":"), "ensure_ascii": text.isascii()},
    )
    return head + json.dumps(value, **chosen) + tail


def text_columns(table: Table) -> list[Any]:
    """The columns of ``table`` that can hold text: strings and JSON, not enums, not a
    text's fingerprint (it follows its text when that is rewritten)."""
    return [
        column
        for column in table.columns
        if isinstance(column.type, String | Text | JSON)
        and not isinstance(column.type, Enum)
        and FINGERPRINT_OF not in column.info
    ]


def _mentioning(columns: Sequence[Any], needles: Sequence[str]) -> ColumnElement[bool]:
    """Rows where a column may hold a needle, in any case: a superset, read and checked
    in Python."""
    fold = _fold_on_sqlite()
    conditions = []
    for column in columns:
        text = cast(column, Text) if isinstance(column.type, JSON) else column
        for needle in needles:
            if fold:
                folded = getattr(func, _FOLD)(text)
                conditions.append(folded.like(_contains(needle.lower()), escape="\\"))
            else:
                conditions.append(text.ilike(_contains(needle), escape="\\"))
    return or_(*conditions)


def _fold_on_sqlite() -> bool:
    """On SQLite, give this session's connection Python's lower() (as :data:`_FOLD`), so
    the pre-filter folds every letter's case; False on other databases."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return False
    driver = connection.connection.driver_connection
    driver.create_function(_FOLD, 1, _lower, deterministic=True)
    return True


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _contains(value: str) -> str:
    """A LIKE pattern for text containing ``value`` (its wildcards escaped)."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
    keys = list(table.primary_key.columns)
    query = select(*keys, *columns).where(_mentioning(columns, needles.searched()))
    if where is not None:
        query = query.where(where)
    changed = 0
    for row in db.session.execute(query).all():
        values = {}
        for column in columns:
            old = row._mapping[column]
            new = needles.rewrite(old)
            if new is not old:
                values[column.name] = new
        if values:
            match = [key == row._mapping[key] for key in keys]
            db.session.execute(
                sql_update(table).where(*match).values(fingerprint_values(table, values))
            )
            changed += 1
    return changed


def sweep(needles: Needles, places: Iterable[Place]) -> int:
    """:func:`rewrite_rows` over each place; returns the rows changed."""
    return sum(rewrite_rows(table, columns, needles, where) for table, columns, where in places)
