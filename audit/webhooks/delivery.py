"""Sending deliveries: sign, POST once with a short timeout, record the answer, retry later.

:func:`deliver` is the task queued after the commit of the change (and by a redelivery);
:func:`send_due` is the periodic job (``send-webhooks``, every minute) that sends the
retries whose time has come and anything a lost hand-over left waiting. Both go through
:func:`_claim`, one UPDATE that moves a delivery from pending to sending only if it is
still pending: whoever wins sends it, everyone else finds nothing to do, so a delivery is
never sent twice at once, whichever queue runs it and however often.

An attempt fails on anything but a 2xx answer, redirects included (never followed: a
webhook goes where the administrator pointed it, nowhere else), and on a target the
address check refuses at the moment of sending. A failed attempt is tried again after
the next delay of :data:`RETRY_DELAYS` (about a day in all), then the delivery is
failed; and ``WEBHOOK_PAUSE_AFTER`` failed attempts in a row pause the endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import select, update

from audit.extensions import db
from audit.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from audit.webhooks.pausing import pause_endpoint
from audit.webhooks.targets import TargetRefused, check_target
from audit.webhooks.transport import delivery_session

__all__ = [
    "DELIVER_TASK",
    "MAX_ATTEMPTS",
    "RETRY_DELAYS",
    "deliver",
    "send_one",
    "send_due",
    "sign",
    "signed_headers",
]

DELIVER_TASK = "audit.webhooks.delivery:deliver"
#: The wait before each retry: 1 + 6 attempts over about 24 hours.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=15),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: Seconds to connect, and to wait for the answer: a slow receiver must not hold a worker.
TIMEOUT = (3.05, 10)
#: How much of an answer is kept in the delivery log.
EXCERPT_BYTES = 1000
#: A delivery still "sending" this long after its attempt began lost its worker.
STALE_AFTER = timedelta(minutes=10)
#: The most deliveries one run of the periodic job sends.
BATCH = 200
USER_AGENT = "ServiceAudit-Webhooks/1"

SIGNATURE_HEADER = "X-Audit-Signature"


def sign(secret: str, body: bytes) -> str:
    """``sha256=HEX``: the HMAC-SHA256 of the raw body under the endpoint's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Audit-Event": delivery.event,
        "X-Audit-Delivery": delivery.delivery_id,
        SIGNATURE_HEADER: sign(delivery.endpoint.secret, body),
    }


def _claim(delivery_id: int, now: datetime, manual: bool) -> bool:
    """Move the delivery from pending (and due) to sending; False when someone else has,
    or it is not due, or its endpoint is paused (a manual redelivery sends anyway)."""
    conditions = [
        WebhookDelivery.id == delivery_id,
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
    ]
    if not manual:
        active = select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True))
        conditions.append(WebhookDelivery.endpoint_id.in_(active))
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(*conditions)
        .values(
            status=DeliveryStatus.SENDING,
            attempts=WebhookDelivery.attempts + 1,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """One attempt: the status code (None when there was no answer) and an excerpt."""
    try:
        url = check_target(url)
    except TargetRefused as error:
        return None, f"Not sent: {error}"
    allow_private = current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False)
    with delivery_session(allow_private) as session:
        try:
            response = session.post(
                url,
                data=body,
                headers=headers,
                timeout=TIMEOUT,
                allow_redirects=False,
                stream=True,
            )
        except TargetRefused as error:
            return None, f"Not sent: {error}"
        except requests.RequestException as error:
            return None, f"No answer: {error}"[:EXCERPT_BYTES]
        with response:
            try:
                raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            except Exception as error:  # noqa: BLE001  (a broken answer is still an answer)
                raw = f"(the answer could not be read: {error})".encode()
            excerpt = raw.decode("utf-8", errors="replace")
            if response.is_redirect:
                where = response.headers.get("Location", "")
                excerpt = f"Redirect to {where} not followed. {excerpt}"
            return response.status_code, excerpt[:EXCERPT_BYTES]


def _record(delivery: WebhookDelivery, status_code: int | None, excerpt: str) -> bool:
    """Keep the attempt's outcome: delivered, or pending again later, or failed; count
    the endpoint's failures in a row and pause it when there are too many."""
    now = datetime.now(UTC)
    delivery.last_status_code = status_code
    delivery.response_excerpt = excerpt
    ok = status_code is not None and 200 <= status_code < 300
    endpoint_id = delivery.endpoint_id
    if ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        db.session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(failure_count=0)
        )
    else:
        if delivery.attempts < MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        db.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(failure_count=WebhookEndpoint.failure_count + 1)
        )
    db.session.flush()
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is not None:
        db.session.refresh(endpoint)
        limit = current_app.config["WEBHOOK_PAUSE_AFTER"]
        if not ok and endpoint.active and limit and endpoint.failure_count >= limit:
            answer = f"HTTP {status_code}" if status_code is not None else excerpt[:200]
            pause_endpoint(
                endpoint,
                f"Paused automatically: {endpoint.failure_count} attempts in a row failed "
                f"(the last: {answer}).",
                actor=None,
            )
    db.session.commit()
    return ok


def send_one(delivery_id: int, manual: bool = False) -> bool | None:
    """Send one delivery if it is still waiting: True delivered, False failed, None when
    there was nothing to send (sent already, not due, endpoint paused, deleted)."""
    if not _claim(delivery_id, datetime.now(UTC), manual):
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # deleted with its endpoint between the claim and now
        return None
    url, body = delivery.endpoint.url, delivery.body.encode()
    headers = signed_headers(delivery, body)
    db.session.commit()  # no transaction held open while the receiver takes its time
    status_code, excerpt = _post(url, body, headers)
    return _record(delivery, status_code, excerpt)


def deliver(delivery_id: int, manual: bool = False) -> str:
    """The task queued after the commit of a change (and by a redelivery or a ping)."""
    outcome = send_one(delivery_id, manual)
    words = {None: "nothing to send", True: "delivered", False: "failed, will be retried"}
    return f"webhook delivery {delivery_id}: {words[outcome]}"


def _release_stale(now: datetime) -> None:
    """Deliveries whose worker died mid-attempt wait for their next attempt again."""
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == DeliveryStatus.SENDING,
            WebhookDelivery.last_attempt_at < now - STALE_AFTER,
        )
        .values(status=DeliveryStatus.PENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_due() -> int:
    """Send every delivery whose (next) attempt is due, on active endpoints, oldest first
    (up to :data:`BATCH` a run); returns how many were delivered."""
    now = datetime.now(UTC)
    _release_stale(now)
    due = db.session.scalars(
        select(WebhookDelivery.id)
        .join(WebhookEndpoint)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(BATCH)
    ).all()
    db.session.commit()
    return sum(1 for delivery_id in due if send_one(delivery_id))
