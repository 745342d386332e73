"""Webhooks over the API: administrators only; register, read (never the secret), change,
pause and resume, delete, the delivery log, a ping and a redelivery received by a real
server; each change an audit event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import AuditEvent, WebhookEndpoint
from audit.tasks import wait_for_tasks

SECRET = "api-test-secret"  # noqa: S105


@pytest.fixture
def allowed(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    return app


def actions(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "webhook_endpoints")
                .order_by(AuditEvent.id)
            )
        )


@pytest.mark.parametrize("who", ["national", "regional", "assessor", "shopper", "staff"])
def test_only_administrators_reach_webhooks(api, world, who):
    answer = api("GET", "/webhooks", world.tokens[who])
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    create = api("POST", "/webhooks", world.tokens[who], json={"url": "https://example.org"})
    assert create.status_code == 403


def test_an_administrator_manages_an_endpoint(app, api, world, allowed, webhook_receiver):
    admin = world.tokens["admin"]
    made = api(
        "POST",
        "/webhooks",
        admin,
        json={"url": webhook_receiver.url, "events": ["visit.submitted"], "secret": SECRET},
    )
    assert made.status_code == 201, made.json
    hook = made.json
    assert made.headers["Location"] == f"/api/v1/webhooks/{hook['id']}"
    assert hook["events"] == ["visit.submitted"] and hook["active"] is True
    assert "secret" not in hook
    assert api("GET", "/webhooks", admin).json["items"] == [hook]

    changed = api(
        "PATCH",
        f"/webhooks/{hook['id']}",
        admin,
        json={"events": ["appeal.raised", "visit.approved"], "secret": "rotated"},
    )
    assert changed.status_code == 200
    assert changed.json["events"] == ["visit.approved", "appeal.raised"]  # catalogue order
    paused = api("PATCH", f"/webhooks/{hook['id']}", admin, json={"active": False})
    assert paused.json["active"] is False and "Paused by" in paused.json["paused_reason"]
    resumed = api("PATCH", f"/webhooks/{hook['id']}", admin, json={"active": True})
    assert resumed.json["active"] is True and resumed.json["paused_reason"] is None

    ping = api("POST", f"/webhooks/{hook['id']}/ping", admin)
    assert ping.status_code == 202 and ping.json["event"] == "ping"
    wait_for_tasks()
    (hit,) = webhook_receiver.received
    assert hit.signed_with("rotated") and hit.json["data"]["webhook_id"] == hook["id"]

    log = api("GET", f"/webhooks/{hook['id']}/deliveries", admin).json
    (delivery,) = log["items"]
    assert delivery["status"] == "delivered" and delivery["last_status_code"] == 200
    assert delivery["delivery_id"] == hit.headers["X-Audit-Delivery"]
    again = api("POST", f"/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver", admin)
    assert again.status_code == 202
    wait_for_tasks()
    assert [r.body for r in webhook_receiver.received] == [hit.body, hit.body]
    failed = api("GET", f"/webhooks/{hook['id']}/deliveries?status=failed", admin).json
    assert failed["items"] == []

    gone = api("DELETE", f"/webhooks/{hook['id']}", admin)
    assert gone.status_code == 200 and gone.json["id"] == hook["id"]
    assert api("GET", f"/webhooks/{hook['id']}", admin).status_code == 404
    assert actions(app) == [
        "webhook.created",
        "webhook.updated",
        "webhook.paused",
        "webhook.resumed",
        "webhook.pinged",
        "webhook.redelivered",
        "webhook.deleted",
    ]
    with app.app_context():
        updated = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "webhook.updated")
        ).one()
        assert updated.details["changes"]["secret"] == "changed"
        assert "rotated" not in str(updated.details) and SECRET not in str(updated.details)


def test_refused_input_names_its_field(app, api, world):
    admin = world.tokens["admin"]
    private = api(
        "POST",
        "/webhooks",
        admin,
        json={"url": "http://127.0.0.1:9/x", "events": ["visit.submitted"], "secret": SECRET},
    )
    assert private.status_code == 422
    assert private.json["errors"][0]["field"] == "url"
    assert "WEBHOOK_ALLOW_PRIVATE" in private.json["errors"][0]["message"]
    unknown = api(
        "POST",
        "/webhooks",
        admin,
        json={"url": "https://example.org/", "events": ["visit.exploded"], "secret": SECRET},
    )
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"].startswith("events")
    no_scheme = api(
        "POST",
        "/webhooks",
        admin,
        json={"url": "ftp://example.org/", "events": ["visit.submitted"], "secret": SECRET},
    )
    assert no_scheme.status_code == 422 and "http" in no_scheme.json["errors"][0]["message"]
    assert api("GET", "/webhooks/99/deliveries", admin).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(WebhookEndpoint)).all() == []
