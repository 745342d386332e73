"""`flask db upgrade` builds, on an empty database, exactly the schema the models describe;
a migration that fills a new column in fills it as the app would."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from audit.extensions import db
from audit.models import WebhookEndpoint
from audit.models.text_fingerprint import fingerprint_of
from audit.webhooks.emitting import new_delivery
from tests.builders import FULL, import_visits, make_world
from tests.conftest import POSTGRES_URL, make_app


def _check(url: str, tmp_path) -> None:
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migrations_match_models_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path / 'migrated.db'}", tmp_path)


def test_migrations_match_models_on_postgresql(tmp_path):
    with _postgres_schema() as url:
        _check(url, tmp_path)


@contextmanager
def _postgres_schema() -> Iterator[str]:
    """The test PostgreSQL database's URL, in a schema of its own dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("AUDIT_TEST_POSTGRES_URL is not set")
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


#: Comments and written answers as shoppers sent them before 0020, and the summary the
#: rules card requires: long ones (one shouting, spaced and punctuated), a short one.
TEXTS = {
    "LONG": "Waited ten minutes; nobody said sorry, and the leaflet rack was empty.",
    "SHOUTED": "WAITED ten minutes - nobody said sorry and the leaflet rack was EMPTY!!",
    "SHORT": "Fine, thanks.",
}


def _backfill(url: str, tmp_path) -> None:
    """Answers written before 0020 (made now, their fingerprint columns then dropped) get
    the fingerprint the app would give them when 0020 runs."""
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        make_world()
        import_visits(
            *(
                {
                    "external_id": key,
                    "answers": {**FULL, "summary": words},
                    "comments": {"empathy": words},
                }
                for key, words in TEXTS.items()
            )
        )
        db.session.remove()  # no transaction left holding the table 0020 alters
        downgrade(revision="0019")
        upgrade()
        rows = db.session.execute(
            text(
                "SELECT comment, value_text, comment_fingerprint, value_text_fingerprint"
                " FROM answers"
            )
        ).all()
        assert all(
            row[2] == fingerprint_of(row[0]) and row[3] == fingerprint_of(row[1]) for row in rows
        )
        long = fingerprint_of(TEXTS["LONG"])
        expected = {TEXTS["LONG"]: long, TEXTS["SHOUTED"]: long, TEXTS["SHORT"]: None}
        assert long is not None
        assert {row[0]: row[2] for row in rows if row[0]} == expected  # the comments
        assert {row[1]: row[3] for row in rows if row[1] in TEXTS.values()} == expected
        db.session.remove()
        db.engine.dispose()  # the file, or the schema, goes with its data


def test_0020_fingerprints_the_texts_already_written_on_sqlite(tmp_path):
    _backfill(f"sqlite:///{tmp_path / 'filled.db'}", tmp_path)


def test_0020_fingerprints_the_texts_already_written_on_postgresql(tmp_path):
    with _postgres_schema() as url:
        _backfill(url, tmp_path)


def _record_ids(url: str, tmp_path) -> None:
    """Deliveries sent before 0022 get the id of the record their body is about; a ping,
    about no record, gets none."""
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        hook = WebhookEndpoint(url="https://hooks.example.org/", events=[], secret="s")  # noqa: S106
        new_delivery(hook, "visit.submitted", {"id": 41, "branch": "LDS01"})
        new_delivery(hook, "action.created", {"id": 7, "title": "Greet"})
        new_delivery(hook, "ping", {"webhook_id": 1, "events": []})
        db.session.commit()
        db.session.remove()
        downgrade(revision="0021")
        upgrade()
        rows = db.session.execute(
            text("SELECT event, record_id FROM webhook_deliveries ORDER BY id")
        ).all()
        assert [tuple(row) for row in rows] == [
            ("visit.submitted", 41),
            ("action.created", 7),
            ("ping", None),
        ]
        db.session.remove()
        db.engine.dispose()


def test_0022_finds_the_record_of_each_delivery_already_sent_on_sqlite(tmp_path):
    _record_ids(f"sqlite:///{tmp_path / 'hooks.db'}", tmp_path)


def test_0022_finds_the_record_of_each_delivery_already_sent_on_postgresql(tmp_path):
    with _postgres_schema() as url:
        _record_ids(url, tmp_path)
