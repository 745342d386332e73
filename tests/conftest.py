"""Fixture chain: app -> client -> runner -> login, one fresh database per test.

Database tests run on SQLite always and on PostgreSQL too when
AUDIT_TEST_POSTGRES_URL is set (CI sets it). On SQLite every test gets a new
file; on PostgreSQL the schema is created once per session and every table is
emptied after each test, so each test starts from nothing either way.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from weakref import WeakSet

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, make_url, text

from audit import create_app
from audit.assignments.service import today
from audit.extensions import db
from audit.tasks import wait_for_tasks
from tests.mail_server import smtp_server  # noqa: F401  (a fixture for every test)
from tests.s3_server import lone_s3, s3, s3_server  # noqa: F401  (S3 on moto's server)
from tests.task_queues import redis_queues  # noqa: F401  (RQ queues of their own)
from tests.template_cache import SHARED as shared_templates
from tests.url_builders import install as reuse_url_builders
from tests.webhook_receiver import webhook_receiver  # noqa: F401  (a real HTTP receiver)

reuse_url_builders()


def _postgres_url_for_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets its own database (``test_gw0``, ...).

    Workers empty their tables after every test; sharing one database would
    let one worker emptying its tables wipe another's data mid-test.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = _postgres_url_for_this_worker(os.environ.get("AUDIT_TEST_POSTGRES_URL"))
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
TEST_PASSWORD = "correct horse battery"  # noqa: S105
TEST_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name

_outcomes: Counter[tuple[str, str]] = Counter()


def unavailable(reason: str) -> None:
    """A real part a test needs is missing: skipped on a developer's machine, a failure in
    CI (``CI`` set), where every part is installed and a skip would hide a gap."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs every test)")
    pytest.skip(reason)


def database_url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    assert POSTGRES_URL
    return POSTGRES_URL


def make_app(url: str, tmp_path: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": tmp_path / "instance",
        # Each scrypt hash costs ~100 ms of CPU and a test's world makes up to a dozen
        # accounts: a cheap method here saved a third of the suite. The sign-in timing
        # test and the served apps of the multi-host tests keep scrypt.
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = shared_templates
    _remember_connections(app)
    return app


_CONNECTIONS = "tests.connections"


def _remember_connections(app: Flask) -> None:
    """On PostgreSQL, keep a weak set of every connection the app's engine opens (see
    :func:`_close_connections_left_open`)."""
    opened: WeakSet = WeakSet()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        event.listen(db.engine, "connect", lambda connection, _record: opened.add(connection))
    app.extensions[_CONNECTIONS] = opened


def _close_connections_left_open(app: Flask) -> None:
    """Close the app's PostgreSQL connections still open after its engine was disposed.

    ``dispose()`` closes the connections in the pool; one still checked out then (held
    past the test by a reference in a reference cycle, such as a traceback's frames) is
    returned later to the discarded pool, whose collection by the garbage collector, at
    any moment of a later test, made psycopg warn that an open connection was deleted
    (the schemathesis runs on PostgreSQL, in CI). Each test's engine is its own, so
    nothing else can be using these.
    """
    for connection in list(app.extensions.get(_CONNECTIONS, ())):
        if not connection.closed:
            connection.close()


def _empty_postgres() -> None:
    """Every table emptied and every sequence back at 1, as ``TRUNCATE ... RESTART
    IDENTITY`` would, but by deleting the rows of the tables that hold any.

    A TRUNCATE of some fifty tables makes fifty new files and took 0.3 to 1.2 s on
    a busy 2-core machine; a test leaves rows in a handful of small tables, and
    deleting them takes milliseconds. Children go before their parents.
    """
    filled = set(_postgres_tables_with_rows())
    for table in reversed(db.metadata.sorted_tables):
        if table.name in filled:
            db.session.execute(text(f'DELETE FROM "{table.name}"'))
    db.session.execute(
        text(
            "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
            "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
    )
    db.session.commit()


_postgres_schema_made = False


def _postgres_tables_with_rows() -> list[str]:
    """The names of the tables that hold a row, in one quick query."""
    probes = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")"
        for t in db.metadata.sorted_tables
    )
    return list(db.session.scalars(text(probes)))


def _postgres_has_rows() -> bool:
    return bool(_postgres_tables_with_rows())


def _sqlite_schema(factory: pytest.TempPathFactory) -> Path:
    """An empty database with the schema, made once per worker; each test starts on a copy
    (copying a file is much quicker than creating some fifty tables and their indexes)."""
    template = factory.getbasetemp() / "schema.db"
    if not template.exists():
        engine = create_engine(f"sqlite:///{template}")
        db.metadata.create_all(engine)
        engine.dispose()
    return template


def start_on_empty_database(kind: str, factory: pytest.TempPathFactory, tmp: Path) -> None:
    """Before a test (or a module's shared data) is made: the database of ``kind`` with
    the schema and no rows. SQLite: a copy of the worker's template under ``tmp``, so call
    it before the app first connects. PostgreSQL: in an app context, the worker's database
    made once, and emptied here only if whoever used it last did not empty it."""
    global _postgres_schema_made
    if kind == "sqlite":
        shutil.copyfile(_sqlite_schema(factory), tmp / "test.db")
        return
    if not _postgres_schema_made:
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        _postgres_schema_made = True
    elif _postgres_has_rows():  # left by something that did not empty it after itself
        _empty_postgres()
    db.session.remove()


def leave_empty_database(kind: str) -> None:
    """After a test, in its app context: PostgreSQL emptied for the next, and every
    connection the app opened closed."""
    db.session.remove()
    if kind == "postgresql":
        _empty_postgres()
        db.session.remove()
    db.engine.dispose()
    if kind == "postgresql":
        _close_connections_left_open(current_app._get_current_object())


@pytest.fixture(autouse=True)
def today_is_today() -> None:
    """``TODAY`` (tests.builders) is imported by value: a run that crosses midnight would
    compare the day the module was imported with the app's today. Each test starts with
    it set afresh in every test module that holds it."""
    current = today()
    for name, module in list(sys.modules.items()):
        if name.startswith("tests") and isinstance(getattr(module, "TODAY", None), date):
            module.TODAY = current


@contextmanager
def module_database(
    request: pytest.FixtureRequest,
    factory: pytest.TempPathFactory,
    name: str,
    **overrides: object,
) -> Iterator[Flask]:
    """For a module-scoped fixture with ``params=DATABASES``: an app on an empty database of
    the parameter's kind, in its app context for the block, emptied after it. Its data is
    built once and read by all the module's tests."""
    kind = request.param
    tmp = factory.mktemp(f"{name}-{kind}")
    app = make_app(database_url(kind, tmp), tmp, UPLOAD_FOLDER=str(tmp / "uploads"), **overrides)
    with app.app_context():
        start_on_empty_database(kind, factory, tmp)
        yield app
        leave_empty_database(kind)


@pytest.fixture(params=DATABASES)
def app(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    kind = request.param
    app = make_app(database_url(kind, tmp_path), tmp_path)
    if kind == "sqlite":
        start_on_empty_database(kind, tmp_path_factory, tmp_path)
    else:
        with app.app_context():
            start_on_empty_database(kind, tmp_path_factory, tmp_path)
    yield app
    wait_for_tasks()  # a task still in the in-process pool must not outlive its database
    with app.app_context():
        leave_empty_database(kind)


@pytest.fixture
def db_kind(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0]


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for tests that call services directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = TEST_PASSWORD, **kwargs: object):
        return self._client.post("/login", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


# --- reporting which databases actually ran -----------------------------------


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for kind in ("sqlite", "postgresql"):
        if (
            f"[{kind}" in report.nodeid
            or f"-{kind}]" in report.nodeid
            or f"-{kind}-" in report.nodeid
        ):
            _outcomes[(kind, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _outcomes:
        return
    terminalreporter.section("databases")
    for kind in ("sqlite", "postgresql"):
        passed, failed = _outcomes[(kind, "passed")], _outcomes[(kind, "failed")]
        if passed or failed:
            terminalreporter.write_line(f"{kind}: {passed} database tests passed, {failed} failed")
    if not POSTGRES_URL:
        terminalreporter.write_line(
            "postgresql: not configured (set AUDIT_TEST_POSTGRES_URL to run the database tests "
            "on PostgreSQL too)"
        )
