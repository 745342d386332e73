"""A fixed-window request limit per token: ``API_RATE_LIMIT`` requests a minute.

Counted in Redis when ``REDIS_URL`` is set (INCR on a key that expires), otherwise in
the database (one row per token and minute, upserted), so every worker and host counts
into the same window either way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from audit.extensions import db
from audit.models import RateLimitWindow
from audit.redis_connection import redis_client

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Allowance:
    limit: int
    used: int
    reset: int  # seconds until the window ends

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def count_request(token_id: int, now: float | None = None) -> Allowance:
    """Count one request of ``token_id`` in the current window (the caller commits)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    reset = WINDOW_SECONDS - int(now % WINDOW_SECONDS)
    limit = current_app.config["API_RATE_LIMIT"]
    redis_url = current_app.config.get("REDIS_URL")
    used = _redis_count(redis_url, token_id, window) if redis_url else _db_count(token_id, window)
    return Allowance(limit=limit, used=used, reset=reset)


def _redis_count(url: str, token_id: int, window: int) -> int:
    client = redis_client(url)
    key = f"audit:api:rate:{token_id}:{window}"
    pipe = client.pipeline()
    pipe.incr(key)
    pipe.expire(key, WINDOW_SECONDS * 2)
    used, _ = pipe.execute()
    return int(used)


def _db_count(token_id: int, window: int) -> int:
    """An upsert, so two workers counting at once both count."""
    dialect = db.session.get_bind().dialect.name
    table = RateLimitWindow.__table__
    if dialect in ("postgresql", "sqlite"):
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).values(token_id=token_id, window=window, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=["token_id", "window"], set_={"count": table.c.count + 1}
        )
        db.session.execute(statement)
    else:  # pragma: no cover  (only PostgreSQL and SQLite are supported)
        changed = db.session.execute(
            update(table)
            .where(table.c.token_id == token_id, table.c.window == window)
            .values(count=table.c.count + 1)
        ).rowcount
        if not changed:
            db.session.execute(table.insert().values(token_id=token_id, window=window, count=1))
    db.session.execute(
        delete(table).where(table.c.token_id == token_id, table.c.window < window - 1)
    )
    return db.session.scalar(
        select(table.c.count).where(table.c.token_id == token_id, table.c.window == window)
    )
