"""``flask visits``: import, export and rescore visits as data."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from audit.extensions import db
from audit.visits.export import VisitFilter, export_csv, export_json
from audit.visits.imports import VisitImportFailed, import_file
from audit.visits.scores import rescore_visits

visits_cli = AppGroup("visits", help="Import, export and rescore visits.")


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
