"""``flask retention apply`` and ``flask erase user | staff``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from audit.extensions import db
from audit.models import StaffMember, User
from audit.privacy.erasure import ErasureError, Person, erase, find_staff, find_user, preview
from audit.privacy.retention import apply_retention
from audit.storage import StorageError, storage


@click.group("retention")
def retention_cli() -> None:
    """Remove photos, comments and personal data older than the retention settings."""


@retention_cli.command("apply")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
@with_appcontext
def apply_command(dry_run: bool) -> None:
    """Remove from the database and the storage what is past the retention settings
    (Settings page: "Keep photos", "Keep comments", "Keep personal data…"; 0 keeps
    forever). Safe to run again, or twice at once; the daily job "retention" runs it."""
    try:
        run = apply_retention(storage(), dry_run=dry_run)
    except StorageError as error:
        raise click.ClickException(
            f"{error} What was done so far is kept; run the command again later."
        ) from error
    for line in run.lines():
        click.echo(line)


@click.group("erase")
def erase_cli() -> None:
    """Erase a person: their identity replaced everywhere by a pseudonym, scores kept."""


_YES = click.option(
    "--yes", is_flag=True, help="Erase for real; without it the command only says what it would do."
)
_BY_ID = click.option(
    "--id",
    "by_id",
    is_flag=True,
    help="The argument is the record's id (the number in its pseudonym): to erase again, "
    "after restoring a backup, someone erased since it was made.",
)


@erase_cli.command("user")
@click.argument("email")
@_YES
@_BY_ID
@with_appcontext
def erase_user_command(email: str, yes: bool, by_id: bool) -> None:
    """Erase the account with EMAIL (and the staff member linked to it)."""
    _erase(lambda: find_user(email, by_id=by_id), yes)


@erase_cli.command("staff")
@click.argument("code")
@_YES
@_BY_ID
@with_appcontext
def erase_staff_command(code: str, yes: bool, by_id: bool) -> None:
    """Erase the staff member with CODE (and the account linked to it)."""
    _erase(lambda: find_staff(code, by_id=by_id), yes)


def _erase(find, yes: bool) -> None:  # noqa: ANN001 - a finder of the record
    try:
        record: User | StaffMember = find()
    except ErasureError as error:
        raise click.ClickException(str(error)) from error
    person = Person.of(record)
    if person.erased:
        click.echo(f"Already erased: {person.pseudonym}.")
        return
    if not yes:
        click.echo(f"Would replace this person's identity by {person.pseudonym!r}:")
        for what, count in preview(person).items():
            click.echo(f"  {what}: {count}")
        raise click.ClickException("Nothing was changed: add --yes to erase.")
    try:
        person = erase(record, None)
        db.session.commit()
    except ErasureError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"Erased: now {person.pseudonym}.")
    for what, count in person.changes.items():
        if count:
            click.echo(f"  {what}: {count}")
