"""flask actions propose | remind."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from audit.actions.proposals import propose_all
from audit.actions.service import remind_overdue
from audit.extensions import db

actions_cli = AppGroup("actions", help="Propose corrective actions and remind their owners.")


@actions_cli.command("propose")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First visit day.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last visit day.")
def propose_command(date_from, date_to) -> None:  # noqa: ANN001
    """Propose actions from critical fails and recurring failures (default: last 90 days).

    Safe to run again: a finding already proposed is not proposed twice.
    """
    start: date | None = date_from.date() if date_from else None
    end: date | None = date_to.date() if date_to else None
    if start and end and start > end:
        raise click.ClickException("--from is after --to")
    critical, recurring = propose_all(start, end)
    db.session.commit()
    click.echo(f"Proposed {critical} critical-fail and {recurring} recurring-issue actions.")


@actions_cli.command("remind")
def remind_command() -> None:
    """Notify the owners of overdue actions (run daily)."""
    count = remind_overdue()
    db.session.commit()
    click.echo(f"Reminded the owners of {count} overdue actions.")
