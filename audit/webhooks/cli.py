"""``flask webhooks``: webhook endpoints from the command line (recorded as audit events
with no person, like every change the command line makes)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from audit.extensions import db
from audit.models import WebhookEndpoint
from audit.webhooks.delivery import send_due
from audit.webhooks.events import EVENTS
from audit.webhooks.service import WebhookError, create_endpoint, delete_endpoint, endpoints

webhooks_cli = AppGroup("webhooks", help="Webhooks: endpoints told about events as they happen.")


@webhooks_cli.command("add")
@click.option("--url", required=True, help="Where deliveries are posted (http or https).")
@click.option(
    "--events",
    required=True,
    help="Comma-separated events, e.g. visit.submitted,appeal.raised. One of: "
    f"{', '.join(EVENTS)}.",
)
@click.option("--secret", required=True, help="The key each delivery's signature is made with.")
def add_command(url: str, events: str, secret: str) -> None:
    """Register an endpoint; prints its id."""
    try:
        endpoint = create_endpoint(url, events.split(","), secret, actor=None)
    except WebhookError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Webhook {endpoint.id} added: {endpoint.url} hears {', '.join(endpoint.events)}.")


@webhooks_cli.command("list")
def list_command() -> None:
    """Every endpoint: id, state, URL, events, failures in a row."""
    for endpoint in endpoints():
        state = "active" if endpoint.active else f"paused ({endpoint.paused_reason})"
        click.echo(
            f"{endpoint.id}\t{state}\t{endpoint.url}\t{','.join(endpoint.events)}\t"
            f"{endpoint.failure_count} failure(s) in a row"
        )


@webhooks_cli.command("remove")
@click.argument("endpoint_id", type=int)
def remove_command(endpoint_id: int) -> None:
    """Delete an endpoint by its id (see ``webhooks list``) with its delivery log."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise click.ClickException(f"No webhook {endpoint_id}.")
    url = endpoint.url
    delete_endpoint(endpoint, actor=None)
    db.session.commit()
    click.echo(f"Webhook {endpoint_id} ({url}) removed.")


@webhooks_cli.command("send-due")
def send_due_command() -> None:
    """Send the deliveries whose retry is due now (the ``send-webhooks`` periodic job)."""
    click.echo(f"{send_due()} webhook delivery(ies) sent.")
