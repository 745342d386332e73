"""``flask branches import`` and ``flask staff import``: all-or-nothing CSV imports."""

from __future__ import annotations

import functools
from pathlib import Path

import click
from flask.cli import AppGroup

from audit.accounts.cli import mail_and_print
from audit.csv_files import ImportFailed
from audit.extensions import db
from audit.org.csv_import import ImportResult, import_branches, import_staff

branches_cli = AppGroup("branches", help="Manage branches.")
staff_cli = AppGroup("staff", help="Manage staff members.")


def _run_import(importer, path: Path, noun: str) -> ImportResult:  # noqa: ANN001
    try:
        result = importer(path.read_bytes(), str(path))
    except ImportFailed as failure:
        db.session.rollback()
        for error in failure.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"{path}: {result.summary(noun)}.")
    return result


@branches_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_branches_command(file: Path) -> None:
    """Import branches from CSV: code,name,region,address[,lat,lng]."""
    _run_import(import_branches, file, "branches")


@staff_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--invite",
    is_flag=True,
    help="Invite each staff member with an e-mail address and no account; prints the links.",
)
def import_staff_command(file: Path, invite: bool) -> None:
    """Import staff from CSV: code,name,branch,job_title[,email]."""
    result = _run_import(functools.partial(import_staff, invite=invite), file, "staff")
    if result.invitations:
        mail_and_print(list(result.invitations))
