"""``flask coaching remind``: tell authors about follow-ups that are due (cron, daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from audit.coaching.service import remind_due_follow_ups
from audit.extensions import db

coaching_cli = AppGroup(
    "coaching", help="Coaching notes: remind authors of follow-ups that are due."
)


@coaching_cli.command("remind")
def remind_command() -> None:
    """Notify authors of open notes whose follow-up date has come (once per note per day)."""
    sent = remind_due_follow_ups()
    db.session.commit()
    click.echo(f"{sent} follow-up reminder{'s' if sent != 1 else ''} sent.")
