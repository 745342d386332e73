"""flask assignments mark-overdue."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from audit.assignments.service import mark_overdue
from audit.extensions import db

assignments_cli = AppGroup("assignments", help="Look after assignments.")


@assignments_cli.command("mark-overdue")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The day to judge by, at every branch (default: today on each branch's calendar). "
    "Windows that ended before it count.",
)
def mark_overdue_command(as_of) -> None:  # noqa: ANN001
    """Mark offered or accepted assignments whose window has ended, with nothing submitted,
    as overdue (a window ends at midnight in its branch's zone: the schedule runs this every
    15 minutes; the managers' list also does it when it is opened)."""
    day: date | None = as_of.date() if as_of else None
    count = mark_overdue(day)
    db.session.commit()
    click.echo(f"Marked {count} assignment{'s' if count != 1 else ''} overdue.")
