"""The webhook configuration an administrator changes, from the pages, the API or the CLI:
each change checked the same way and recorded as an audit event (never the secret)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import select

from audit.extensions import db
from audit.models import (
    DeliveryStatus,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    record_event,
    record_new,
)
from audit.service_errors import FieldError
from audit.tasks import enqueue
from audit.webhooks.delivery import DELIVER_TASK
from audit.webhooks.emitting import new_delivery
from audit.webhooks.events import EVENTS, PING, unknown_events
from audit.webhooks.pausing import pause_endpoint, resume_endpoint
from audit.webhooks.targets import check_target

__all__ = [
    "SECRET_MAX",
    "WebhookError",
    "create_endpoint",
    "delete_endpoint",
    "endpoints",
    "redeliver",
    "send_ping",
    "set_active",
    "update_endpoint",
]

SECRET_MAX = 200


class WebhookError(FieldError):
    """A webhook change that cannot be made as asked."""


def _events(names: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    if not cleaned:
        raise WebhookError(gettext("Choose at least one event."), field="events")
    unknown = unknown_events(cleaned)
    if unknown:
        raise WebhookError(
            gettext(
                "Unknown event(s): %(unknown)s. The events are: %(events)s.",
                unknown=", ".join(unknown),
                events=", ".join(EVENTS),
            ),
            field="events",
        )
    return [name for name in EVENTS if name in cleaned]  # the catalogue's order


def _secret(secret: str | None) -> str:
    value = (secret or "").strip()
    if not value:
        raise WebhookError(gettext("Enter the secret deliveries are signed with."), field="secret")
    if len(value) > SECRET_MAX:
        raise WebhookError(
            gettext("Keep the secret under %(max)s characters.", max=SECRET_MAX), field="secret"
        )
    return value


def _url(url: str) -> str:
    try:
        return check_target(url)
    except FieldError as error:
        raise WebhookError.wrap(error) from None


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def create_endpoint(
    url: str, events: Iterable[str], secret: str, actor: User | None
) -> WebhookEndpoint:
    """Register an endpoint (its URL checked, its host resolved); the caller commits."""
    chosen, key = _events(events), _secret(secret)  # checked before any DNS lookup
    endpoint = WebhookEndpoint(url=_url(url), events=chosen, secret=key, created_by=actor)
    record_new(actor, "webhook.created", endpoint, url=endpoint.url, events=endpoint.events)
    return endpoint


def update_endpoint(
    endpoint: WebhookEndpoint,
    actor: User | None,
    *,
    url: str | None = None,
    events: Iterable[str] | None = None,
    secret: str | None = None,
) -> list[str]:
    """Change what is given (None: unchanged); returns the names of what changed."""
    changes: dict[str, object] = {}
    if url is not None and (new_url := _url(url)) != endpoint.url:
        changes["url"] = {"from": endpoint.url, "to": new_url}
        endpoint.url = new_url
    if events is not None and (new_events := _events(events)) != endpoint.events:
        changes["events"] = {"from": endpoint.events, "to": new_events}
        endpoint.events = new_events
    if secret is not None and (new_secret := _secret(secret)) != endpoint.secret:
        changes["secret"] = "changed"  # noqa: S105  (that it changed, never the value)
        endpoint.secret = new_secret
    if changes:
        endpoint.updated_at = datetime.now(UTC)
        record_event(actor, "webhook.updated", endpoint, changes=changes)
    return list(changes)


def delete_endpoint(endpoint: WebhookEndpoint, actor: User | None) -> None:
    """Remove the endpoint and its delivery log (the audit trail keeps that it existed)."""
    record_event(actor, "webhook.deleted", endpoint, url=endpoint.url, events=endpoint.events)
    db.session.delete(endpoint)


def set_active(endpoint: WebhookEndpoint, active: bool, actor: User) -> None:
    """Resume a paused endpoint, or pause an active one by hand."""
    if active and not endpoint.active:
        resume_endpoint(endpoint, actor)
    elif not active and endpoint.active:
        pause_endpoint(endpoint, f"Paused by {actor.name}.", actor)


def redeliver(delivery: WebhookDelivery, actor: User | None) -> None:
    """Send a delivery again now, with the same id and the same body, even to a paused
    endpoint (to see whether its receiver is back); the caller commits."""
    if delivery.status is DeliveryStatus.SENDING:
        raise WebhookError(
            gettext("This delivery is being sent right now; look again in a moment.")
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = datetime.now(UTC)
    delivery.attempts = 0
    record_event(actor, "webhook.redelivered", delivery.endpoint, delivery_id=delivery.delivery_id)
    enqueue(DELIVER_TASK, delivery_id=delivery.id, manual=True)


def send_ping(endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """A ``ping`` delivery to see the endpoint answer, sent even when it is paused."""
    delivery = new_delivery(
        endpoint,
        PING,
        {"webhook_id": endpoint.id, "events": endpoint.events, "sent_by": actor.name},
    )
    db.session.flush()
    record_event(actor, "webhook.pinged", endpoint, delivery_id=delivery.delivery_id)
    enqueue(DELIVER_TASK, delivery_id=delivery.id, manual=True)
    return delivery
