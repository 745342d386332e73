"""What a delivery says about a record: the JSON the API returns for it.

The API's serialisers live in the API package, above the area services that emit events,
and the import-graph test (rightly) forbids a service importing them. So the API hands
them down instead: at app start it registers one function per model here
(:func:`register_serialiser`, called from :mod:`audit.api.webhook_payloads`), and
:func:`record_data` looks the record's class up. A record no serialiser was registered for
(an app built without the API, or a model the API does not show yet) is described by its
own columns (:func:`columns_of`), minus what is never shown (a submission token).

The body is built once, in the transaction that makes the change, so it shows the record
as that change left it, and every retry sends the same bytes.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect

__all__ = [
    "body_for",
    "columns_of",
    "record_data",
    "register_serialiser",
]

Serialiser = Callable[[Any], Any]

_SERIALISERS: dict[type, Serialiser] = {}

#: Columns never sent in a payload made from the columns.
HIDDEN_COLUMNS = frozenset({"client_token", "secret", "token_hash"})


def register_serialiser(model: type, serialise: Serialiser) -> None:
    """Describe records of ``model`` with ``serialise`` (returning a dict or a pydantic
    model, as the API's ``*_out`` functions do)."""
    _SERIALISERS[model] = serialise


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def columns_of(record: Any) -> dict[str, Any]:
    """The record's own columns as JSON values (datetimes in ISO 8601 with their offset)."""
    mapper = inspect(type(record))
    return {
        column.key: _plain(getattr(record, column.key))
        for column in mapper.column_attrs
        if column.key not in HIDDEN_COLUMNS
    }


def record_data(record: Any) -> dict[str, Any]:
    """``record`` as the API returns it, or its columns when the API has no serialiser."""
    serialise = _SERIALISERS.get(type(record))
    if serialise is None:
        return columns_of(record)
    data = serialise(record)
    if hasattr(data, "model_dump"):
        return data.model_dump(mode="json")
    return json.loads(json.dumps(data, default=_plain))


def body_for(delivery_id: str, event: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The JSON text of one delivery, exactly as it is signed and sent."""
    payload = {
        "id": delivery_id,
        "event": event,
        "occurred_at": occurred_at.isoformat(),
        "data": data,
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
