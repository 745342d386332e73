"""Cursor pagination: a page of rows after the last one seen, by id (stable while rows
are added, unlike an offset)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sqlalchemy import Select

from audit.api.problems import invalid
from audit.extensions import db


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
        raise invalid(
            [
                {
                    "field": "cursor",
                    "message": "Not a cursor from this API: pass next_cursor as given.",
                }
            ]
        ) from None


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
