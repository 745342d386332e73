"""Deliveries to a real HTTP server the test starts: signed, after the commit, retried,
never twice, never to a refused address, never through a redirect; paused after failures
in a row, redelivered with the same id and body, and through RQ as through the pool."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from audit.extensions import db
from audit.jobs.daily import send_webhooks
from audit.models import AuditEvent, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from audit.review import service as review
from audit.webhooks.delivery import DELIVER_TASK, RETRY_DELAYS, deliver, send_due, send_one
from audit.webhooks.emitting import new_delivery
from audit.webhooks.service import WebhookError, create_endpoint, redeliver, set_active
from tests.builders import import_visits
from tests.task_queues import work_off
from tests.webhooks.conftest import (
    SECRET,
    add_endpoint,
    deliveries,
    delivery_count,
    settle,
)


def make_due() -> None:
    """Time passes: every waiting retry is due now."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING)
        .values(next_attempt_at=past)
    )
    db.session.commit()


def test_a_committed_change_is_posted_once_signed_with_the_secret(world, webhook_receiver):
    add_endpoint(webhook_receiver.url, "visit.submitted", "visit.approved")
    (visit,) = import_visits({"external_id": "V1"})
    settle()

    (hit,) = webhook_receiver.received
    assert hit.path == "/hooks"
    assert hit.headers["X-Audit-Event"] == "visit.submitted"
    assert hit.headers["Content-Type"] == "application/json"
    assert hit.signed_with(SECRET) and not hit.signed_with("another secret")
    body = hit.json
    assert set(body) == {"id", "event", "occurred_at", "data"}
    assert body["id"] == hit.headers["X-Audit-Delivery"]
    assert body["event"] == "visit.submitted"
    assert datetime.fromisoformat(body["occurred_at"]).tzinfo is not None
    assert body["data"]["id"] == visit.id and body["data"]["status"] == "submitted"
    assert "client_token" not in body["data"]

    (delivery,) = deliveries()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.response_excerpt == '{"ok": true}'
    assert delivery.body.encode() == hit.body and delivery.delivery_id == body["id"]


def test_a_change_rolled_back_sends_nothing(world, webhook_receiver):
    (visit,) = import_visits({"external_id": "V1"})
    add_endpoint(webhook_receiver.url, "visit.approved")
    review.approve(visit, world.manager)
    assert delivery_count() == 1  # recorded in the change's transaction…
    db.session.rollback()
    settle()
    assert webhook_receiver.received == [] and delivery_count() == 0  # …and gone with it


def test_an_endpoint_hears_only_its_events_and_a_paused_one_nothing(world, webhook_receiver):
    add_endpoint(webhook_receiver.url, "visit.approved")
    paused = create_endpoint(webhook_receiver.url + "?paused", ["visit.submitted"], SECRET, None)
    set_active(paused, False, world.admin)
    db.session.commit()
    (visit,) = import_visits({"external_id": "V1"})
    review.approve(visit, world.manager)
    db.session.commit()
    settle()
    assert webhook_receiver.events() == ["visit.approved"]


def test_an_answer_500_is_retried_later_with_the_same_id_and_bytes(world, webhook_receiver):
    add_endpoint(webhook_receiver.url, "visit.submitted")
    webhook_receiver.answer(500)
    import_visits({"external_id": "V1"})
    settle()

    (delivery,) = deliveries()
    assert len(webhook_receiver.received) == 1
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.response_excerpt == "receiver is down"
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert abs(wait - RETRY_DELAYS[0]) < timedelta(seconds=5)
    assert db.session.get(WebhookEndpoint, delivery.endpoint_id).failure_count == 1

    assert send_due() == 0  # not due yet: nothing sent
    assert len(webhook_receiver.received) == 1

    make_due()
    assert send_webhooks() == "1 webhook delivery(ies) sent"
    first, second = webhook_receiver.received
    assert second.body == first.body
    assert second.headers["X-Audit-Delivery"] == first.headers["X-Audit-Delivery"]
    assert second.signed_with(SECRET)
    (delivery,) = deliveries()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert db.session.get(WebhookEndpoint, delivery.endpoint_id).failure_count == 0


def test_the_back_off_grows_over_about_a_day_then_gives_up(world, webhook_receiver):
    add_endpoint(webhook_receiver.url, "visit.submitted")
    webhook_receiver.answer(*[503] * 10)
    import_visits({"external_id": "V1"})
    settle()
    waits = []
    for _ in RETRY_DELAYS:
        (delivery,) = deliveries()
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        make_due()
        send_due()
    assert waits == sorted(waits) and len(set(waits)) == len(waits)
    assert timedelta(hours=20) < sum(waits, timedelta()) < timedelta(hours=30)
    (delivery,) = deliveries()
    assert delivery.status is DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert len(webhook_receiver.received) == len(RETRY_DELAYS) + 1
    make_due()
    assert send_due() == 0 and len(webhook_receiver.received) == len(RETRY_DELAYS) + 1


def test_one_event_is_sent_once_however_often_the_queues_run(world, webhook_receiver, runner):
    add_endpoint(webhook_receiver.url, "visit.approved")
    (visit,) = import_visits({"external_id": "V1"})
    review.approve(visit, world.manager)  # also proposes actions, records events…
    db.session.commit()
    settle()
    (delivery,) = deliveries()
    for _ in range(2):
        deliver(delivery.id)
        send_due()
    result = runner.invoke(args=["jobs", "run", "send-webhooks"])
    assert result.exit_code == 0, result.output
    settle()
    assert webhook_receiver.events() == ["visit.approved"]


def test_two_workers_at_once_send_a_due_delivery_once(world, webhook_receiver, hooked):
    endpoint_id = add_endpoint(webhook_receiver.url, "visit.submitted")
    delivery = new_delivery(db.session.get(WebhookEndpoint, endpoint_id), "visit.submitted", {})
    db.session.commit()
    delivery_id = delivery.id
    start = threading.Barrier(2)
    outcomes = []

    def worker() -> None:
        with hooked.app_context():
            start.wait(5)
            outcomes.append(send_one(delivery_id))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes, key=str) == [None, True]
    assert len(webhook_receiver.received) == 1


def test_a_private_target_is_refused_without_the_setting(world, webhook_receiver, hooked):
    hooked.config["WEBHOOK_ALLOW_PRIVATE"] = False
    with pytest.raises(WebhookError, match="127.0.0.1.*WEBHOOK_ALLOW_PRIVATE") as refused:
        create_endpoint(webhook_receiver.url, ["visit.submitted"], SECRET, world.admin)
    assert refused.value.field == "url"
    with pytest.raises(WebhookError, match="private, loopback"):
        create_endpoint("http://localhost:9/x", ["visit.submitted"], SECRET, world.admin)


def test_a_target_that_became_private_is_not_posted_to(world, webhook_receiver, hooked):
    """Checked again before each attempt: a name pointed somewhere else after it was
    registered (DNS rebinding) reaches nothing."""
    add_endpoint(webhook_receiver.url, "visit.submitted")  # allowed when registered
    hooked.config["WEBHOOK_ALLOW_PRIVATE"] = False
    import_visits({"external_id": "V1"})
    settle()
    assert webhook_receiver.received == []
    (delivery,) = deliveries()
    assert delivery.status is DeliveryStatus.PENDING and delivery.last_status_code is None
    assert delivery.response_excerpt.startswith("Not sent: 127.0.0.1 resolves to 127.0.0.1")


def test_a_redirect_is_not_followed(world, webhook_receiver):
    add_endpoint(webhook_receiver.url, "visit.submitted")
    webhook_receiver.redirect_to = webhook_receiver.url.replace("/hooks", "/elsewhere")
    import_visits({"external_id": "V1"})
    settle()
    assert [hit.path for hit in webhook_receiver.received] == ["/hooks"]
    (delivery,) = deliveries()
    assert delivery.status is DeliveryStatus.PENDING and delivery.last_status_code == 307
    assert "/elsewhere not followed" in delivery.response_excerpt


def test_an_endpoint_failing_again_and_again_is_paused_until_resumed(
    world, webhook_receiver, hooked
):
    hooked.config["WEBHOOK_PAUSE_AFTER"] = 2
    endpoint_id = add_endpoint(webhook_receiver.url, "visit.submitted")
    webhook_receiver.answer(500, 500)
    import_visits({"external_id": "V1"}, {"external_id": "V2"})
    settle()
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    assert not endpoint.active and endpoint.failure_count == 2
    assert endpoint.paused_reason == (
        "Paused automatically: 2 attempts in a row failed (the last: HTTP 500)."
    )
    paused = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "webhook.paused")
    ).one()
    assert paused.actor_id is None and paused.subject_id == endpoint_id

    import_visits({"external_id": "V3"})  # paused: no new delivery
    make_due()
    assert send_due() == 0 and delivery_count() == 2 and len(webhook_receiver.received) == 2

    set_active(endpoint, True, world.admin)
    db.session.commit()
    assert endpoint.active and endpoint.failure_count == 0 and endpoint.paused_reason is None
    assert send_due() == 2  # the waiting retries go out
    assert len(webhook_receiver.received) == 4
    assert {d.status for d in deliveries()} == {DeliveryStatus.DELIVERED}


def test_a_redelivery_sends_the_same_id_and_body_again(world, webhook_receiver):
    add_endpoint(webhook_receiver.url, "visit.submitted")
    import_visits({"external_id": "V1"})
    settle()
    (delivery,) = deliveries()
    redeliver(delivery, world.admin)
    db.session.commit()
    settle()
    first, again = webhook_receiver.received
    assert again.body == first.body and again.signed_with(SECRET)
    assert again.headers["X-Audit-Delivery"] == first.headers["X-Audit-Delivery"]
    (delivery,) = deliveries()
    assert delivery.status is DeliveryStatus.DELIVERED
    assert db.session.scalar(
        select(AuditEvent.details).where(AuditEvent.action == "webhook.redelivered")
    ) == {"delivery_id": delivery.delivery_id}


def test_through_rq_the_delivery_waits_for_a_worker(world, webhook_receiver, hooked, redis_queues):
    add_endpoint(webhook_receiver.url, "visit.submitted")
    import_visits({"external_id": "V1"})
    waiting = [job.description for job in redis_queues.jobs]
    assert waiting.count(DELIVER_TASK) == 1 and webhook_receiver.received == []
    work_off(hooked, redis_queues)
    (hit,) = webhook_receiver.received
    assert hit.signed_with(SECRET) and hit.json["event"] == "visit.submitted"
    work_off(hooked, redis_queues)
    assert len(webhook_receiver.received) == 1
