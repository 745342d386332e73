"""Cursor pagination: a page of rows after the last one seen, by id or by several ordering
columns (a keyset), stable while rows are added, unlike an offset."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_

from audit.api.problems import invalid
from audit.extensions import db

NOT_A_CURSOR = "Not a cursor from this API: pass next_cursor as given."


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor continues after; 422 naming ``cursor`` when it is not one of ours."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "id" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid([{"field": "cursor", "message": NOT_A_CURSOR}]) from None


def page_of(
    query: Select, id_column: Any, limit: int, cursor: str | None
) -> tuple[list, str | None]:
    """Up to ``limit`` rows of ``query`` after the cursor, and the next page's cursor."""
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(id_column > after)
    rows = list(db.session.scalars(query.order_by(id_column).limit(limit + 1)).unique())
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].id)
    return rows, None


# --- keyset cursors ---------------------------------------------------------------------
#
# A list ordered by more than its id (visits by the time of the visit) continues after the
# last row's values of every ordering column, the id last to break ties. The cursor holds
# those values; it stays valid while rows are added, wherever they fall in the order.

KEYSET = "k"


def encode_keyset(values: Sequence[int | datetime]) -> str:
    """A cursor continuing after a row whose ordering columns hold ``values``."""
    parts = [v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v for v in values]
    text = f"{KEYSET}:{json.dumps(parts, separators=(',', ':'))}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _keyset_value(part: object, kind: type) -> int | datetime:
    if kind is int and isinstance(part, int) and not isinstance(part, bool):
        return part
    if kind is datetime and isinstance(part, str):
        value = datetime.fromisoformat(part)
        if value.tzinfo is not None:
            return value.astimezone(UTC)  # OverflowError near the ends of the calendar
    raise ValueError(part)


def decode_keyset(cursor: str | None, kinds: Sequence[type]) -> list[int | datetime] | None:
    """The values a keyset cursor continues after (of the given Python types); 422 naming
    ``cursor`` when it is not one of ours for this list."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, payload = text.partition(":")
        parts = json.loads(payload) if kind == KEYSET else None
        if not isinstance(parts, list) or len(parts) != len(kinds):
            raise ValueError(text)
        return [_keyset_value(part, k) for part, k in zip(parts, kinds, strict=True)]
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise invalid([{"field": "cursor", "message": NOT_A_CURSOR}]) from None


def _after(columns: Sequence[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows after ``values`` in ascending order of ``columns``: (a, b) > (x, y) written as
    a > x OR (a = x AND b > y), which binds each value with its column's type."""
    first, rest = columns[0], columns[1:]
    if not rest:
        return first > values[0]
    return or_(first > values[0], and_(first == values[0], _after(rest, values[1:])))


def keyset_page(
    query: Select, columns: Sequence[Any], limit: int, cursor: str | None
) -> tuple[list, str | None]:
    """Up to ``limit`` rows of ``query`` in ascending order of ``columns`` (mapped
    attributes, the last one unique, e.g. the id) after the cursor, and the next cursor."""
    # A decorated type (UTCDateTime) tells its Python type through the type it decorates.
    kinds = [getattr(c.type, "impl_instance", c.type).python_type for c in columns]
    after = decode_keyset(cursor, kinds)
    if after is not None:
        query = query.where(_after(columns, after))
    rows = list(db.session.scalars(query.order_by(*columns).limit(limit + 1)).unique())
    if len(rows) > limit:
        last = rows[limit - 1]
        return rows[:limit], encode_keyset([getattr(last, column.key) for column in columns])
    return rows, None
