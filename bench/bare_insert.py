"""The yardstick of bench/load.py: a bare Flask endpoint that inserts one row per request.

Served by gunicorn with the same settings as the app (``bench.bare_insert:app``), on the
same database (``BENCH_DATABASE_URL``), driven by the same client: what the machine, the
WSGI server, Flask, SQLAlchemy and the database cost without any of our code, so the
shopper mix's requests per second can be read as a fraction of it.

The table ``bench_inserts`` is made by bench/load.py before the servers start.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    insert,
)

metadata = MetaData()
inserts = Table(
    "bench_inserts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),
)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """The app's own SQLite settings (audit/__init__.py), so both sides wait alike."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_bare_app(url: str) -> Flask:
    app = Flask(__name__)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)

    @app.post("/insert")
    def insert_one():
        payload = request.get_data(as_text=True)[:1000]
        with engine.begin() as connection:
            connection.execute(
                insert(inserts).values(created_at=datetime.now(UTC), payload=payload)
            )
        return {"ok": True}, 201

    return app


app = (
    create_bare_app(os.environ["BENCH_DATABASE_URL"])
    if "BENCH_DATABASE_URL" in os.environ
    else None
)
