"""flask commands: demo, users, branches, staff."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from audit.admin.service import AccountError, create_user
from audit.csv_files import ImportFailed
from audit.demo import DEMO_LOGINS, DEMO_PASSWORD, DemoRefused, database_has_data, load_demo
from audit.extensions import db
from audit.models import Role, User
from audit.org.csv_import import import_branches, import_staff

users_cli = AppGroup("users", help="Manage accounts.")
branches_cli = AppGroup("branches", help="Manage branches.")
staff_cli = AppGroup("staff", help="Manage staff members.")


@click.command("demo")
@with_appcontext
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (and succeed) when the database already holds data.",
)
def demo_command(if_empty: bool) -> None:
    """Fill an empty database with a realistic demo organisation."""
    if if_empty and database_has_data():
        click.echo("The database already holds data; demo data not loaded again.")
        _print_demo_logins()
        return
    try:
        counts = load_demo()
    except DemoRefused as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    click.echo(f"Demo data loaded: {summary}.")
    _print_demo_logins()


def _print_demo_logins() -> None:
    emails = [login.email for login in DEMO_LOGINS]
    present = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    if not present:
        return
    click.echo(f"Demo logins (password '{DEMO_PASSWORD}'):")
    for login in DEMO_LOGINS:
        if login.email in present:
            click.echo(f"  {login.email:<22} {login.note}")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when not given.",
)
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create an account."""
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    try:
        user = create_user(email=email, name=name, role=role, password=password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


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


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(branches_cli)
    app.cli.add_command(staff_cli)
