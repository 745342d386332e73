"""``flask scorecards``: validate, import and export scorecard files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from audit.extensions import db
from audit.scorecards.fileformat import ScorecardFileError, dump_yaml, load_file, validate_file
from audit.scorecards.store import definition_of, find_version, save_definition

scorecards_cli = AppGroup("scorecards", help="Validate, import and export scorecards.")


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
    click.echo(dump_yaml(definition_of(version)), nl=False)
