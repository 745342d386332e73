"""``flask storage``: move stored files between backends, and check the current one."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from audit.storage import StorageError, open_storage, storage
from audit.storage.migrate import migrate


@click.group("storage")
def storage_cli() -> None:
    """Stored files (photos, evidence, report PDFs): STORAGE_URL and its backends."""


@storage_cli.command("migrate")
@click.option(
    "--to",
    "target_url",
    required=True,
    metavar="URL",
    help="file:///ABSOLUTE/PATH or s3://BUCKET[/PREFIX]",
)
@click.option("--verbose", "-v", is_flag=True, help="A line for every object.")
@with_appcontext
def migrate_command(target_url: str, verbose: bool) -> None:
    """Copy every object from the current storage to URL, verifying each by SHA-256.

    Safe to run again: objects already there with the same hash are skipped. Exits
    non-zero when any object could not be copied or verified. Then set STORAGE_URL=URL.
    """
    source = storage()
    try:
        target = open_storage(target_url, current_app.config)
        target.check()
    except StorageError as error:
        raise click.ClickException(f"{target_url}: {error}") from error
    if target.url.rstrip("/") == source.url.rstrip("/"):
        raise click.ClickException(f"{target_url} is already the current storage")
    click.echo(f"Copying {source.describe()} -> {target.describe()}")
    summary = migrate(source, target, click.echo if verbose else lambda line: None)
    for line in summary.lines():
        click.echo(line)
    if not summary.ok:
        raise click.ClickException(
            f"{len(summary.failed)} object(s) not verified in {target_url}; "
            "keep STORAGE_URL as it is and run the command again"
        )
    click.echo(f"Done. Set STORAGE_URL={target_url} to use it.")


@storage_cli.command("check")
@with_appcontext
def check_command() -> None:
    """Say whether the current storage answers and takes files (exit 1 if not)."""
    store = storage()
    try:
        store.check()
    except StorageError as error:
        raise click.ClickException(f"{store.describe()}: {error}") from error
    click.echo(f"{store.describe()}: ready")
