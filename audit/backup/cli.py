"""``flask backup``: a consistent backup of the database and every stored file, and its
restore into an empty database and storage."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from audit.backup import database
from audit.backup.create import create_backup
from audit.backup.errors import BackupError
from audit.backup.manifest import Manifest
from audit.backup.restore import restore_backup
from audit.extensions import db
from audit.storage import StorageError, storage


@click.group("backup")
def backup_cli() -> None:
    """Back up the database and the stored files into a folder, and restore them."""


@backup_cli.command("create")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A new or empty folder for the backup.",
)
@with_appcontext
def create_command(out: Path) -> None:
    """Dump the database (pg_dump, or SQLite's backup API: consistent while the app runs)
    and copy every stored file into OUT, with manifest.json listing each one's SHA-256."""
    try:
        manifest = create_backup(_database_url(), storage(), out, click.echo)
    except (BackupError, StorageError) as error:
        raise _failure(error) from error
    click.echo(f"Backup written to {out}")
    for line in _summary(manifest):
        click.echo(f"  {line}")
    click.echo(f"Restore it with: flask --app wsgi backup restore {out}")


@backup_cli.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def restore_command(folder: Path) -> None:
    """Restore the backup in FOLDER into the configured database and storage, both of
    which must be empty. Every file's hash is checked before anything is restored."""
    try:
        manifest = restore_backup(folder, _database_url(), storage(), click.echo)
    except (BackupError, StorageError) as error:
        raise _failure(error) from error
    finally:
        db.engine.dispose()  # connections opened before the restore saw no tables
    click.echo(f"Restored {folder} (made {manifest.created_at})")
    for line in _summary(manifest):
        click.echo(f"  {line}")
    if manifest.alembic_revision and not database.is_latest(manifest.alembic_revision):
        click.echo("The database is at an older migration: run `flask --app wsgi db upgrade`.")


def _database_url() -> str:
    """The database the app uses, as its engine has it: Flask-SQLAlchemy puts a relative
    SQLite file under the instance folder, where the configured URL does not say."""
    return db.engine.url.render_as_string(hide_password=False)


def _summary(manifest: Manifest) -> list[str]:
    revision = manifest.alembic_revision or "not stamped"
    lines = [
        f"database: {database.KIND_WORDS[manifest.database_kind]}, {manifest.database_file}, "
        f"{_megabytes(manifest.database_size)} (migration {revision})",
        f"files: {len(manifest.objects)} ({_megabytes(manifest.total_bytes)}), "
        f"from {manifest.storage}",
    ]
    if manifest.left_out:
        lines.append(
            f"left out: {len(manifest.left_out)} file(s) deleted while the backup ran "
            "(the database may still name them):"
        )
        lines += [f"  {key}" for key in manifest.left_out]
    return lines


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _failure(error: Exception) -> click.ClickException:
    problems = getattr(error, "problems", [])
    return click.ClickException("\n".join([str(error), *(f"  {line}" for line in problems)]))
