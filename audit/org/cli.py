"""``flask branches import`` and ``flask staff import``: all-or-nothing CSV imports."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from audit.extensions import db
from audit.org.csv_files import ImportFailed
from audit.org.csv_import import import_branches, import_staff

branches_cli = AppGroup("branches", help="Manage branches.")
staff_cli = AppGroup("staff", help="Manage staff members.")


def _run_import(importer, path: Path, noun: str) -> None:  # noqa: ANN001
    try:
        result = importer(path.read_bytes(), str(path))
    except ImportFailed as failure:
        db.session.rollback()
        for error in failure.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"{path}: {result.summary(noun)}.")


@branches_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_branches_command(file: Path) -> None:
    """Import branches from CSV: code,name,region,address[,lat,lng]."""
    _run_import(import_branches, file, "branches")


@staff_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_staff_command(file: Path) -> None:
    """Import staff from CSV: code,name,branch,job_title[,email]."""
    _run_import(import_staff, file, "staff")
