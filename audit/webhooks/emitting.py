"""``emit(event, record)``: tell every endpoint that subscribes to ``event`` about ``record``.

Called by the area services at the moment of the change, inside its transaction: one
delivery row per active subscribed endpoint, its body made now (the record as this
change left it) and its sending queued for after the commit. A change that rolls back
sends nothing; a change committed sends each delivery once (see
:mod:`audit.webhooks.delivery` for why never twice).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from audit.extensions import db
from audit.models import Visit, WebhookDelivery, WebhookEndpoint
from audit.tasks import enqueue
from audit.webhooks.delivery import DELIVER_TASK
from audit.webhooks.events import EVENTS
from audit.webhooks.payloads import body_for, record_data

__all__ = ["emit", "emit_critical_failure", "new_delivery", "record_id_of"]


def record_id_of(data: dict[str, Any]) -> int | None:
    """The id of the record a delivery's ``data`` is (a ping's data is no record)."""
    value = data.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def new_delivery(endpoint: WebhookEndpoint, event: str, data: dict[str, Any]) -> WebhookDelivery:
    """A delivery of ``event`` with ``data`` to ``endpoint``, due now, added to the session."""
    now = datetime.now(UTC)
    delivery_id = str(uuid.uuid4())
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event=event,
        delivery_id=delivery_id,
        body=body_for(delivery_id, event, now, data),
        record_id=record_id_of(data),
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(delivery)
    return delivery


def emit(event: str, *records: Any) -> int:
    """Record a delivery of ``event`` about each of ``records`` for each active endpoint
    that subscribes to it, sent after the commit; returns how many."""
    if event not in EVENTS:
        raise ValueError(f"{event!r} is not a webhook event")
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.active.is_(True))
            .order_by(WebhookEndpoint.id)
        )
        if event in endpoint.events
    ]
    if not endpoints or not records:
        return 0
    db.session.flush()  # the records' ids, defaults and relationships as stored
    deliveries = []
    for record in records:
        data = record_data(record)
        deliveries += [new_delivery(endpoint, event, data) for endpoint in endpoints]
    db.session.flush()
    for delivery in deliveries:
        enqueue(DELIVER_TASK, delivery_id=delivery.id)
    return len(deliveries)


def emit_critical_failure(visit: Visit, failed_before: bool) -> None:
    """``visit.critical_failed`` when the score just stored fails a critical item and the
    visit's score before the change did not (a resubmission still failing is no news)."""
    if visit.critical_failed and not failed_before:
        emit("visit.critical_failed", visit)
