"""``flask notifications send-pending``: mail what could not be mailed (cron, hourly)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from audit.notifications import service as notifications

notifications_cli = AppGroup(
    "notifications", help="Retry notification e-mails that could not be sent."
)


@notifications_cli.command("send-pending")
@click.option("--hours", default=24, show_default=True, help="How far back to look.")
def send_pending_command(hours: int) -> None:
    """E-mail notifications that could not be mailed (the SMTP server was down)."""
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set; notifications stay in the app.")
    sent = notifications.deliver_pending(datetime.now(UTC) - timedelta(hours=hours))
    click.echo(f"{sent} notification e-mail{'s' if sent != 1 else ''} sent.")
