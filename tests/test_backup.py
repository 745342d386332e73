"""``backup create --out DIR`` and ``backup restore DIR``: a small organisation backed up
and restored into a new empty database and storage has every row, figure and file it
had (SQLite and PostgreSQL, a folder and S3 either side); a changed file or manifest, a
database or storage that is not empty, a folder that is not empty and a backup of the
other kind of database are refused with nothing restored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, make_url, select, text

from audit.accounts import two_factor
from audit.backup import database
from audit.backup.manifest import read as read_manifest
from audit.config import PROJECT_ROOT
from audit.extensions import db
from audit.models import Answer, Attachment, Role, User, Visit
from audit.reporting.filters import ReportFilter
from audit.reporting.league import branch_league
from audit.reporting.summary import summary
from audit.storage import Storage, open_storage, storage
from audit.storage.local import LocalStorage
from audit.storage.migrate import migrate
from tests.builders import (
    attach_photo,
    make_action,
    make_appeal_figures_world,
    make_note,
    make_staff_login,
    make_user,
)
from tests.conftest import POSTGRES_URL, make_app
from tests.s3_server import S3

SPRING = ReportFilter(date(2026, 4, 1), date(2026, 5, 31), "rules-card")  # whole months
DAYS = ReportFilter(date(2026, 4, 15), date(2026, 5, 10), "rules-card")  # months and days
REPORT_KEY = "reports/0123456789abcdef0123456789abcdef/report.pdf"
#: Tables the world must fill, so that the comparison is not of empty tables.
FILLED = {"visits", "answers", "attachments", "actions", "appeals", "recovery_codes"}


# --- the world and what it adds up to -------------------------------------------------


def build_world(app: Flask) -> None:
    """Visits with scores and appeals, a photo, an action, a coaching note, a manager with
    two-factor sign-in, a staff login, and a finished report PDF in the storage."""
    with app.app_context():
        world = make_appeal_figures_world()
        lead = world.v["L0"]
        attach_photo(lead, "greeted", Path(app.config["UPLOAD_FOLDER"]), "door.jpg")
        make_action(world.leeds, "Greet every customer at the door", by=world.manager, visit=lead)
        adviser = make_staff_login(world.leeds, "ADV1", "Ada Adviser")
        make_note(adviser, world.manager, "Lovely greeting; keep the queue moving.")
        secret = two_factor.enrolment_for(world.manager).secret
        two_factor.confirm_enrolment(world.manager, pyotp.TOTP(secret).now())
        storage().put(REPORT_KEY, b"%PDF-1.4 " + bytes(range(256)) * 64, "application/pdf")
        db.session.commit()


def figures(app: Flask) -> dict[str, Any]:
    """Every table's rows, each value as read, and the figures a manager reads, from
    ``app``'s database."""
    with app.app_context():
        rows = {
            table.name: [
                tuple(row)
                for row in db.session.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
            ]
            for table in db.metadata.sorted_tables
        }
        counts = {name: len(found) for name, found in rows.items()}
        company = {}
        for name, flt in (("spring", SPRING), ("days", DAYS)):
            figure = summary(flt).figure
            company[name] = (figure.n, _rounded(figure.mean), figure.critical_fails)
        league = [
            (entry.code, entry.rank, entry.figure.n, _rounded(entry.figure.mean))
            for entry in branch_league(SPRING, min_visits=1).entries
        ]
        answers = db.session.execute(
            select(
                Answer.question_key,
                Answer.value_text,
                Answer.value_number,
                Answer.comment,
                Answer.earned,
                Answer.possible,
            )
            .join(Visit)
            .where(Visit.external_id == "L0")
            .order_by(Answer.question_key)
        ).all()
        manager = db.session.scalars(select(User).where(User.totp_secret.is_not(None))).one()
        photo = db.session.scalars(select(Attachment)).one()
        result = {
            "counts": counts,
            "rows": rows,
            "company": company,
            "league": league,
            "answers": [tuple(row) for row in answers],
            "two_factor": (manager.email, manager.totp_secret, manager.totp_enabled_at),
            "photo": (photo.stored_name, photo.thumb_name, photo.sha256),
        }
        db.session.remove()
    return result


def _rounded(mean: float | None) -> float | None:
    """A mean to 9 places: SQL may add the same rows in another order after a restore."""
    return None if mean is None else round(mean, 9)


def objects(store: Storage) -> dict[str, bytes]:
    return {key: store.get(key) for key in store.keys()}


# --- empty targets --------------------------------------------------------------------


@pytest.fixture(scope="module")
def spare_postgres() -> Iterator[Callable[[], str]]:
    """One empty PostgreSQL database for the module's refusals, which must leave it empty
    (each test checks that they did): making and dropping a database costs seconds."""
    made: list[str] = []

    def url() -> str:
        if not made:
            made.append(_new_postgres())
        return _postgres_url(made[0])

    yield url
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_database(
    tmp_path: Path, spare_postgres: Callable[[], str]
) -> Iterator[Callable[..., str]]:
    """Gives the URL of a new empty database of a kind; PostgreSQL ones are dropped after
    the test. ``to_refuse=True``: the module's spare PostgreSQL database, for a restore
    that must be refused."""
    made: list[str] = []

    def make(kind: str, *, to_refuse: bool = False) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:6]}' / 'audit.db'}"
        if not POSTGRES_URL:
            pytest.skip("AUDIT_TEST_POSTGRES_URL is not set")
        if to_refuse:
            return spare_postgres()
        made.append(_new_postgres())
        return _postgres_url(made[-1])

    yield make
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _new_postgres() -> str:
    assert POSTGRES_URL
    name = f"{make_url(POSTGRES_URL).database}_restore_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    return name


def _postgres_url(name: str) -> str:
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    assert POSTGRES_URL
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def restored_app(url: str, tmp_path: Path, storage_url: str) -> Flask:
    return make_app(url, tmp_path / f"target-{uuid.uuid4().hex[:6]}", STORAGE_URL=storage_url)


def cli(app: Flask, *args: str):  # noqa: ANN201 - a click Result
    return app.test_cli_runner().invoke(args=["backup", *args])


def flask_command(url: str, storage_url: str, *args: str) -> subprocess.CompletedProcess:
    """``flask --app wsgi backup ...`` in its own process, configured by the environment."""
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "STORAGE_URL": storage_url,
        "SECRET_KEY": "backup-test",
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi", "backup", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


# --- the round trip -------------------------------------------------------------------


@pytest.mark.parametrize("stores", ["file-to-s3", "s3-to-file"])
def test_a_restored_backup_has_every_row_figure_and_file(
    app: Flask,
    db_kind: str,
    s3: S3,
    tmp_path: Path,
    empty_database: Callable[..., str],
    stores: str,
):
    build_world(app)
    if stores == "s3-to-file":  # the installation keeps its files on S3
        source = open_storage(s3.url("live"))
        assert migrate(LocalStorage(app.config["UPLOAD_FOLDER"]), source).ok
        app.config["STORAGE_URL"] = source.url
        target_storage = (tmp_path / "restored-files").as_uri()
    else:
        target_storage = s3.url("restored")
    before = figures(app)
    with app.app_context():
        files_before = objects(storage())
    assert FILLED <= {name for name, count in before["counts"].items() if count}
    assert before["company"]["spring"][0] > 0 and len(before["league"]) == 2
    assert len(files_before) == 3  # the photo, its thumbnail and the report PDF

    out = tmp_path / "backup"
    made = flask_command(
        app.config["SQLALCHEMY_DATABASE_URI"], storage_url(app), "create", "--out", str(out)
    )
    assert made.returncode == 0, made.stderr
    assert f"Backup written to {out}" in made.stdout
    assert "files: 3" in made.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["database"]["kind"] == db_kind
    assert {item["key"] for item in manifest["objects"]} == set(files_before)
    if db_kind == "postgresql":  # credentials reach pg_dump by environment only
        assert "@" not in made.stdout + made.stderr

    url = empty_database(db_kind)
    done = flask_command(url, target_storage, "restore", str(out))
    assert done.returncode == 0, done.stderr
    assert f"Restored {out}" in done.stdout

    target = restored_app(url, tmp_path, target_storage)
    try:
        assert figures(target) == before
        with target.app_context():
            assert objects(storage()) == files_before
        if stores == "file-to-s3":
            assert set(s3.objects("restored/")) == {f"restored/{key}" for key in files_before}
    finally:
        dispose(target)


def storage_url(app: Flask) -> str:
    with app.app_context():
        return storage().url


def test_a_backup_is_consistent_and_restores_through_the_app_runner(
    app: Flask, db_kind: str, tmp_path: Path, empty_database: Callable[..., str]
):
    build_world(app)
    before = figures(app)
    out = tmp_path / "backup"
    result = cli(app, "create", "--out", str(out))
    assert result.exit_code == 0, result.output
    dump = out / database.DUMP_FILES[db_kind]
    assert dump.stat().st_size > 0
    target = restored_app(empty_database(db_kind), tmp_path, (tmp_path / "files2").as_uri())
    try:
        restored = cli(target, "restore", str(out))
        assert restored.exit_code == 0, restored.output
        assert figures(target) == before
        again = cli(target, "restore", str(out))
        assert again.exit_code != 0 and "the database is not empty" in again.output
    finally:
        dispose(target)


class DeletingWhileListed(LocalStorage):
    """A folder whose object ``victim`` is deleted (by retention, say) after the backup
    listed it and before it is read."""

    victim = ""

    def keys(self) -> Iterator[str]:
        for key in super().keys():
            if key == self.victim:
                self.delete(key)
            yield key


def test_a_file_deleted_while_the_backup_runs_is_named_by_create_and_by_restore(
    app: Flask,
    db_kind: str,
    tmp_path: Path,
    empty_database: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
):
    build_world(app)
    source = DeletingWhileListed(app.config["UPLOAD_FOLDER"])
    source.victim = REPORT_KEY
    monkeypatch.setattr("audit.backup.cli.storage", lambda: source)
    out = tmp_path / "backup"
    made = cli(app, "create", "--out", str(out))
    assert made.exit_code == 0, made.output
    said = "left out: 1 file(s) deleted while the backup ran"
    assert said in made.output and f"  {REPORT_KEY}" in made.output
    manifest = read_manifest(out)
    assert manifest.left_out == [REPORT_KEY]
    assert REPORT_KEY not in {item.key for item in manifest.objects}
    assert len(manifest.objects) == 2  # the photo and its thumbnail

    target = restored_app(empty_database(db_kind), tmp_path, (tmp_path / "files2").as_uri())
    try:
        monkeypatch.undo()
        restored = cli(target, "restore", str(out))
        assert restored.exit_code == 0, restored.output
        assert said in restored.output and f"  {REPORT_KEY}" in restored.output
        with target.app_context():
            assert sorted(objects(storage())) == sorted(item.key for item in manifest.objects)
    finally:
        dispose(target)


def test_a_migrated_database_keeps_its_revision(tmp_path: Path):
    source = make_app(f"sqlite:///{tmp_path / 'migrated.db'}", tmp_path / "source")
    with source.app_context():
        upgrade()
        head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    dispose(source)
    out = tmp_path / "backup"
    result = cli(source, "create", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["alembic_revision"] == head
    assert f"(migration {head})" in result.output
    url = f"sqlite:///{tmp_path / 'restored.db'}"
    target = restored_app(url, tmp_path, (tmp_path / "files2").as_uri())
    restored = cli(target, "restore", str(out))
    assert restored.exit_code == 0, restored.output
    assert "db upgrade" not in restored.output
    assert database.current_revision(url) == head
    dispose(target)


def test_a_relative_sqlite_url_means_the_file_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """``sqlite:///audit.db`` is the instance folder's file to the app (Flask-SQLAlchemy),
    so it is what is backed up and restored into, wherever the command runs."""
    monkeypatch.chdir(tmp_path)
    source = make_app("sqlite:///audit.db", tmp_path / "source")
    with source.app_context():
        db.create_all()
        make_user(Role.MANAGER)
        db.session.commit()
        users = db.session.scalar(select(func.count(User.id)))
    out = tmp_path / "backup"
    result = cli(source, "create", "--out", str(out))
    assert result.exit_code == 0, result.output
    dispose(source)
    target = restored_app("sqlite:///audit.db", tmp_path, (tmp_path / "files2").as_uri())
    restored = cli(target, "restore", str(out))
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        assert db.session.scalar(select(func.count(User.id))) == users > 0
    dispose(target)
    assert not (tmp_path / "audit.db").exists()


# --- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["object", "dump", "manifest", "extra file"])
def test_a_changed_backup_is_refused_naming_the_file_and_nothing_is_restored(
    app: Flask, db_kind: str, tmp_path: Path, empty_database: Callable[..., str], damage: str
):
    build_world(app)
    out = tmp_path / "backup"
    assert cli(app, "create", "--out", str(out)).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    photo_key = next(o["key"] for o in manifest["objects"] if o["key"].endswith(".jpg"))
    if damage == "object":
        path = out / "files" / photo_key
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
        named = f"files/{photo_key}: SHA-256"
    elif damage == "dump":
        with (out / manifest["database"]["file"]).open("ab") as dump:
            dump.write(b"\0")
        named = f"{manifest['database']['file']}: "
    elif damage == "manifest":
        manifest["objects"][0]["sha256"] = "0" * 64
        (out / "manifest.json").write_text(json.dumps(manifest))
        named = "manifest.json: the manifest was changed"
    else:
        (out / "files" / "2026").mkdir(exist_ok=True)
        (out / "files" / "2026" / "planted.jpg").write_bytes(b"not backed up")
        named = "files/2026/planted.jpg: not in the manifest"

    url = empty_database(db_kind, to_refuse=True)
    target = restored_app(url, tmp_path, (tmp_path / "files2").as_uri())
    try:
        result = cli(target, "restore", str(out))
        assert result.exit_code != 0
        assert named in result.output
        assert database.existing_tables(url) == []
        assert not (tmp_path / "files2").exists() or not any((tmp_path / "files2").iterdir())
    finally:
        dispose(target)


def test_a_target_that_is_not_empty_is_refused(
    app: Flask, db_kind: str, tmp_path: Path, empty_database: Callable[..., str]
):
    build_world(app)
    out = tmp_path / "backup"
    assert cli(app, "create", "--out", str(out)).exit_code == 0
    before = figures(app)

    into_itself = cli(app, "restore", str(out))
    assert into_itself.exit_code != 0
    assert "the database is not empty" in into_itself.output and "table(s)" in into_itself.output
    assert figures(app) == before

    url = empty_database(db_kind, to_refuse=True)
    files = tmp_path / "files2"
    LocalStorage(files).put("2026/01/left-over.jpg", b"an old photo")
    target = restored_app(url, tmp_path, files.as_uri())
    try:
        result = cli(target, "restore", str(out))
        assert result.exit_code != 0
        assert "is not empty (it holds 2026/01/left-over.jpg)" in result.output
        assert database.existing_tables(url) == []
    finally:
        dispose(target)


def test_a_backup_goes_only_into_a_new_or_empty_folder(app: Flask, tmp_path: Path):
    build_world(app)
    out = tmp_path / "backup"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = cli(app, "create", "--out", str(out))
    assert result.exit_code != 0 and "is not empty" in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "keep me"

    missing = cli(app, "restore", str(tmp_path / "nothing"))
    assert missing.exit_code != 0 and "is not a folder" in missing.output


def test_a_backup_of_the_other_kind_of_database_is_refused_plainly(
    app: Flask, db_kind: str, tmp_path: Path, empty_database: Callable[..., str]
):
    if not POSTGRES_URL:
        pytest.skip("AUDIT_TEST_POSTGRES_URL is not set")
    build_world(app)
    out = tmp_path / "backup"
    assert cli(app, "create", "--out", str(out)).exit_code == 0
    other = "sqlite" if db_kind == "postgresql" else "postgresql"
    url = empty_database(other, to_refuse=True)
    target = restored_app(url, tmp_path, (tmp_path / "files2").as_uri())
    try:
        result = cli(target, "restore", str(out))
        assert result.exit_code != 0
        words = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        assert (
            f"this backup holds a {words[db_kind]} database and DATABASE_URL points at "
            f"{words[other]}" in result.output
        )
        assert "restoring across databases is not offered" in result.output
        assert database.existing_tables(url) == []
    finally:
        dispose(target)


def test_the_database_url_reaches_pg_tools_by_environment_only(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PGDATABASE", "somewhere_else")
    monkeypatch.setenv("PGPASSWORD", "inherited")
    environment = database.libpq_environment(
        "postgresql+psycopg://audit:s3cret@db.internal:6432/audit?sslmode=require"
    )
    assert environment["PGHOST"] == "db.internal" and environment["PGPORT"] == "6432"
    assert environment["PGUSER"] == "audit" and environment["PGPASSWORD"] == "s3cret"
    assert environment["PGDATABASE"] == "audit" and environment["PGSSLMODE"] == "require"
    without = database.libpq_environment("postgresql+psycopg://audit@db.internal/audit")
    assert without["PGPASSWORD"] == "inherited"  # as the app's own connection would use it
    assert without["PGDATABASE"] == "audit"


def test_a_backup_from_a_newer_version_of_the_app_is_refused(
    app: Flask, db_kind: str, tmp_path: Path, empty_database: Callable[..., str]
):
    out = tmp_path / "backup"
    assert cli(app, "create", "--out", str(out)).exit_code == 0
    newer = read_manifest(out)
    newer.alembic_revision = "9999_from_the_future"
    newer.write(out)
    url = empty_database(db_kind, to_refuse=True)
    target = restored_app(url, tmp_path, (tmp_path / "files2").as_uri())
    try:
        result = cli(target, "restore", str(out))
        assert result.exit_code != 0
        assert "migration 9999_from_the_future, which this version of the app" in result.output
        assert database.existing_tables(url) == []
    finally:
        dispose(target)
