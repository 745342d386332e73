"""flask commands: demo, users, branches, staff."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from audit.accounts.users import AccountError, create_user
from audit.actions.cli import actions_cli
from audit.assignments.cli import assignments_cli
from audit.csv_files import ImportFailed
from audit.demo.load import (
    ACTIVITY_COUNTS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoRefused,
    database_has_data,
    load_demo,
)
from audit.documents.cli import report_cli
from audit.extensions import db
from audit.models import Role, User
from audit.org.csv_import import import_branches, import_staff
from audit.reporting.rollups import rebuild_rollups
from audit.scorecards.fileformat import ScorecardFileError, dump_yaml, load_file, validate_file
from audit.scorecards.store import find_version, save_definition
from audit.visits.export import VisitFilter, export_csv, export_json
from audit.visits.imports import VisitImportFailed, import_file
from audit.visits.scores import rescore_visits

users_cli = AppGroup("users", help="Manage accounts.")
scorecards_cli = AppGroup("scorecards", help="Validate, import and export scorecards.")
visits_cli = AppGroup("visits", help="Import, export and rescore visits.")
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
    activity = {what: counts.pop(what) for what in ACTIVITY_COUNTS if what in counts}
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    click.echo(f"Demo data loaded: {summary}.")
    if activity:
        summary = ", ".join(f"{n} {what}" for what, n in activity.items())
        click.echo(f"Demo activity: {summary}.")
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


@scorecards_cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate_scorecards_command(files: tuple[Path, ...]) -> None:
    """Check scorecard files; print FILE:LINE: message for every problem."""
    failed = False
    for path in files:
        errors = validate_file(path)
        for error in errors:
            click.echo(str(error), err=True)
        failed = failed or bool(errors)
        if not errors:
            click.echo(f"{path}: valid")
    if failed:
        raise SystemExit(1)


@scorecards_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish each imported version.")
def import_scorecards_command(files: tuple[Path, ...], publish: bool) -> None:
    """Import scorecard files; any invalid file means nothing is imported."""
    definitions = []
    errors = []
    for path in files:
        try:
            definitions.append((path, load_file(path)))
        except ScorecardFileError as failure:
            errors.extend(failure.errors)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        raise SystemExit(1)
    for path, definition in definitions:
        version, created = save_definition(definition, publish=publish)
        state = "new version" if created else "unchanged"
        click.echo(f"{path}: {definition.slug} v{version.number} ({state}, {version.status.value})")
    db.session.commit()


@scorecards_cli.command("export")
@click.argument("slug")
@click.option("--version", "number", type=int, help="Version number (default: the published one).")
def export_scorecard_command(slug: str, number: int | None) -> None:
    """Print a scorecard version as YAML."""
    version = find_version(slug, number)
    if version is None:
        what = f"version {number} of '{slug}'" if number else f"a scorecard '{slug}'"
        raise click.ClickException(f"there is no {what}")
    click.echo(dump_yaml(version.parsed()), nl=False)


@visits_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_visits_command(file: Path) -> None:
    """Import visits from JSON or CSV (all or nothing; known external_ids are skipped)."""
    try:
        summary = import_file(file.read_bytes(), str(file))
    except VisitImportFailed as failure:
        db.session.rollback()
        for error in failure.errors:
            click.echo(error, err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"{file}: {summary}.")


@visits_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("--scorecard", help="Only visits of this scorecard (slug).")
@click.option(
    "--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD."
)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
def export_visits_command(fmt: str, scorecard: str | None, date_from, date_to) -> None:  # noqa: ANN001
    """Print visits with their stored scores to stdout."""
    flt = VisitFilter(
        scorecard=scorecard,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    click.echo(export_json(flt) if fmt == "json" else export_csv(flt), nl=False)


@visits_cli.command("rescore")
@click.option("--scorecard", help="Only visits of this scorecard (slug).")
def rescore_visits_command(scorecard: str | None) -> None:
    """Recompute stored scores on purpose and report how many changed."""
    checked, changed = rescore_visits(scorecard)
    db.session.commit()
    click.echo(f"Rescored {checked} visits: {changed} changed.")


@report_cli.command("rebuild-rollups")
def rebuild_rollups_command() -> None:
    """Recompute every reporting rollup from the visits (after loading data behind the app)."""
    rebuild_rollups()
    db.session.commit()
    click.echo("Reporting rollups rebuilt.")


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(scorecards_cli)
    app.cli.add_command(visits_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(branches_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(actions_cli)
    app.cli.add_command(assignments_cli)
    app.cli.add_command(report_cli)
