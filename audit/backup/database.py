"""The database side of a backup: its kind, whether it is empty, its migration revision,
and a consistent dump and its restore.

- PostgreSQL: ``pg_dump -Fc`` and ``pg_restore --no-owner`` (in one transaction, stopping
  at the first error). The URL's host, user, password and database reach them through
  the ``PG*`` environment variables, never the command line, and are never printed.
- SQLite: the backup API (:meth:`sqlite3.Connection.backup`), which copies a consistent
  snapshot while the app goes on writing, out to the backup and back in to the
  configured file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import URL

from audit.backup.errors import BackupError
from audit.config import PROJECT_ROOT

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
#: The kinds in words, for messages.
KIND_WORDS = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}
DUMP_FILES = {POSTGRESQL: "database.dump", SQLITE: "database.sqlite3"}

#: libpq settings a URL may carry in its query string, and the variable that sets each.
_LIBPQ_QUERY = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def kind_of(url: str) -> str:
    """``postgresql`` or ``sqlite``; :class:`BackupError` for any other database."""
    backend = make_url(url).get_backend_name()
    if backend in (POSTGRESQL, SQLITE):
        return backend
    raise BackupError(f"backups support PostgreSQL and SQLite, not {backend}")


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("the SQLite database must be a file to be backed up or restored")
    return Path(database)


# --- what is there ------------------------------------------------------------------


def existing_tables(url: str) -> list[str]:
    """The tables (and views, sequences) already in the database; [] when it is empty."""
    if kind_of(url) == SQLITE:
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return []
        with _sqlite_connection(path, read_only=True) as connection:
            rows = connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ).fetchall()
        return [row[0] for row in rows]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT n.nspname || '.' || c.relname FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1"
                )
            ).all()
    finally:
        engine.dispose()
    return [row[0] for row in rows]


def current_revision(url: str) -> str | None:
    """The migration revision the database is at (``alembic_version``), None if unstamped."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def known_revisions() -> set[str]:
    """Every migration revision this version of the app ships."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


# --- dump and restore ---------------------------------------------------------------


def dump(url: str, target: Path) -> None:
    """Write a consistent copy of the database to ``target``."""
    if kind_of(url) == SQLITE:
        source = sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"there is no SQLite database at {source}")
        with _sqlite_connection(source) as live, _sqlite_connection(target) as copy:
            live.backup(copy)
            # A plain file, whatever the journal mode of the live database.
            copy.execute("PRAGMA journal_mode=DELETE")
        return
    _run_tool("pg_dump", ["--format=custom", "--file", str(target)], url)


def restore(url: str, dump_file: Path) -> None:
    """Load ``dump_file`` into the (empty) database at ``url``."""
    if kind_of(url) == SQLITE:
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with (
            _sqlite_connection(dump_file, read_only=True) as source,
            _sqlite_connection(path) as target,
        ):
            source.backup(target)
        return
    database = make_url(url).database
    if not database:
        raise BackupError("DATABASE_URL names no database to restore into")
    _run_tool(
        "pg_restore",
        ["--no-owner", "--exit-on-error", "--single-transaction"]
        + ["--dbname", database, str(dump_file)],
        url,
    )


@contextmanager
def _sqlite_connection(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection, closed on leaving (sqlite3's own ``with`` only commits)."""
    if read_only:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    else:
        connection = sqlite3.connect(path)
    try:
        yield connection
    finally:
        connection.close()


def tool_missing(kind: str, restoring: bool = False) -> str | None:
    """What is missing to dump or restore this kind of database, in words (or None)."""
    if kind != POSTGRESQL:
        return None
    tool = "pg_restore" if restoring else "pg_dump"
    if shutil.which(tool) is None:
        return f"{tool} is not installed (Debian: apt-get install postgresql-client)"
    return None


def libpq_environment(url: str | URL) -> dict[str, str]:
    """The environment for a libpq tool: the current one, with the URL's connection
    settings (credentials included) as ``PG*`` variables over inherited ones. What the URL
    leaves out comes from the inherited ``PG*`` variables, as for the app's own
    connections (psycopg reads them too)."""
    parts = make_url(url)
    environment = dict(os.environ)
    for name, value in (
        ("PGHOST", parts.host),
        ("PGPORT", str(parts.port) if parts.port else None),
        ("PGUSER", parts.username),
        ("PGPASSWORD", parts.password),
        ("PGDATABASE", parts.database),
    ):
        if value:
            environment[name] = value
    for key, value in parts.query.items():
        variable = _LIBPQ_QUERY.get(key)
        if variable and isinstance(value, str):
            environment[variable] = value
    return environment


def _run_tool(tool: str, arguments: list[str], url: str) -> None:
    missing = tool_missing(POSTGRESQL, restoring=tool == "pg_restore")
    if missing:
        raise BackupError(missing)
    completed = subprocess.run(  # noqa: S603 - a fixed tool; the URL goes by environment
        [tool, "--no-password", *arguments],
        env=libpq_environment(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        said = completed.stderr.strip() or f"exit status {completed.returncode}"
        raise BackupError(f"{tool} failed: {said}")


def is_latest(revision: str | None) -> bool:
    """Whether ``revision`` is a head of this app's migrations (no ``db upgrade`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return revision in ScriptDirectory.from_config(config).get_heads()
