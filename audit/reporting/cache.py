"""A small in-process cache of report results, invalidated by a data stamp read from the database.

Aggregating every answer of 100,000 visits reads millions of rows (about
half a second on PostgreSQL, several seconds on SQLite); a dashboard opened
again with the same filter should not repeat it while nothing has changed. So results are
memoised under ``(name, arguments, language, data stamp)``:

- the **data stamp** (:func:`data_stamp`, one query of three index
  look-ups) is the newest audit event id, the newest visit id and the latest
  visit ``updated_at`` (index ``ix_visits_updated_at``, migration 0005).
  Every state change the platform makes records an audit event
  (review, exclusion, rescoring, org and scorecard edits, settings), and
  imports add visits or touch their ``updated_at``; any of them gives a new
  stamp, so a cached figure is never served after the data behind it
  changed. The stamp is read from the database, so it holds across worker
  processes, each of which keeps its own cache.
  A change made behind the application's back (SQL typed into the
  database) is not seen until the next one made through it.
- the **language** of the reader (Flask-Babel's locale): results carry words in it
  (benchmark labels, chart titles), so a Spanish page never gets an English figure's
  words, nor the other way round.
- the **arguments** must be hashable and include everything the result
  depends on, the viewer's scope above all (a :class:`ReportFilter` carries
  it), so one manager's figures are never served to another's scope.

``REPORT_CACHE_SIZE`` (app config, default 64 results; 0 turns caching
off) bounds the memory. Entries are least-recently-used evicted. The cache
lives on the application (``app.extensions["report_cache"]``), so every app
(every worker process, every test's app) starts empty.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AuditEvent, Visit

T = TypeVar("T")

DEFAULT_SIZE = 64


def data_stamp() -> tuple[Any, ...]:
    """What changes whenever a figure could (one query)."""
    row = db.session.execute(
        select(
            select(func.max(AuditEvent.id)).scalar_subquery(),
            select(func.max(Visit.id)).scalar_subquery(),
            select(func.max(Visit.updated_at)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


class ReportCache:
    """A thread-safe LRU of results keyed by (name, arguments, language, stamp)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_compute(self, name: str, key: Hashable, compute: Callable[[], T], *, size: int) -> T:
        if size <= 0:
            return compute()
        full_key = (name, key, str(get_locale()), data_stamp())
        with self._lock:
            if full_key in self._entries:
                self._entries.move_to_end(full_key)
                self.hits += 1
                return self._entries[full_key]
        result = compute()
        with self._lock:
            self.misses += 1
            self._entries[full_key] = result
            self._entries.move_to_end(full_key)
            while len(self._entries) > size:
                self._entries.popitem(last=False)
        return result


def cache() -> ReportCache:
    """The current application's report cache (one per app, so per process and per test app)."""
    return current_app.extensions.setdefault("report_cache", ReportCache())


def cached(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its result from the last call with the same name, key, language
    and data stamp."""
    size = int(current_app.config.get("REPORT_CACHE_SIZE", DEFAULT_SIZE))  # config.py sets it
    return cache().get_or_compute(name, key, compute, size=size)


__all__ = ["DEFAULT_SIZE", "ReportCache", "cache", "cached", "data_stamp"]
