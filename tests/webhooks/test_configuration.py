"""Webhook configuration from the command line and from the administrator's pages, each
change an audit event; the address check itself."""

from __future__ import annotations

import ipaddress

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import AuditEvent, DeliveryStatus, WebhookEndpoint
from audit.webhooks.pausing import pause_endpoint
from audit.webhooks.targets import TargetRefused, check_url, refused_address
from audit.webhooks.transport import delivery_session
from tests.builders import import_visits
from tests.conftest import TEST_PASSWORD
from tests.webhooks.conftest import SECRET, add_endpoint, deliveries, settle


def webhook_events() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "webhook_endpoints")
            .order_by(AuditEvent.id)
        )
    )


# --- the command line ------------------------------------------------------------------


def test_the_cli_adds_lists_and_removes_webhooks(world, runner, webhook_receiver):
    added = runner.invoke(
        args=[
            "webhooks",
            "add",
            "--url",
            webhook_receiver.url,
            "--events",
            "visit.submitted,appeal.raised",
            "--secret",
            SECRET,
        ]
    )
    assert added.exit_code == 0, added.output
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    assert f"Webhook {endpoint.id} added" in added.output
    assert endpoint.events == ["visit.submitted", "appeal.raised"]
    assert endpoint.secret == SECRET

    import_visits({"external_id": "V1"})
    settle()
    (hit,) = webhook_receiver.received
    assert hit.signed_with(SECRET)

    listed = runner.invoke(args=["webhooks", "list"])
    assert f"{endpoint.id}\tactive\t{webhook_receiver.url}\tvisit.submitted,appeal.raised" in (
        listed.output
    )
    removed = runner.invoke(args=["webhooks", "remove", str(endpoint.id)])
    assert removed.exit_code == 0 and "removed" in removed.output
    assert runner.invoke(args=["webhooks", "remove", str(endpoint.id)]).exit_code == 1
    assert webhook_events() == ["webhook.created", "webhook.deleted"]
    assert deliveries() == []  # the log goes with its endpoint


def test_the_cli_refuses_bad_input_with_a_clear_message(world, runner, hooked):
    unknown = runner.invoke(
        args=["webhooks", "add", "--url", "https://example.org/", "--events", "visit.gone",
              "--secret", SECRET]
    )  # fmt: skip
    assert unknown.exit_code == 1
    assert "Unknown event(s): visit.gone. The events are: visit.submitted" in unknown.output
    hooked.config["WEBHOOK_ALLOW_PRIVATE"] = False
    private = runner.invoke(
        args=["webhooks", "add", "--url", "http://127.0.0.1:8000/", "--events",
              "visit.submitted", "--secret", SECRET]
    )  # fmt: skip
    assert private.exit_code == 1 and "WEBHOOK_ALLOW_PRIVATE=1" in private.output
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


# --- the pages -------------------------------------------------------------------------


def test_an_administrator_manages_webhooks_in_the_browser(world, client, auth, webhook_receiver):
    auth.login(world.admin.email, TEST_PASSWORD)
    assert "Webhooks" in client.get("/admin/webhooks/").text
    form = client.get("/admin/webhooks/new").text
    assert 'name="events" type="checkbox" value="visit.critical_failed"' in form
    assert "<legend" in form

    made = client.post(
        "/admin/webhooks/new",
        data={"url": webhook_receiver.url, "events": ["visit.submitted"], "secret": SECRET},
    )
    assert made.status_code == 302
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    page = client.get(made.location).text
    assert webhook_receiver.url in page and "Nothing sent yet" in page

    client.post(f"/admin/webhooks/{endpoint.id}/ping")
    settle()
    (ping,) = webhook_receiver.received
    assert ping.headers["X-Audit-Event"] == "ping" and ping.signed_with(SECRET)
    log = client.get(f"/admin/webhooks/{endpoint.id}").text
    assert "HTTP 200" in log and ping.headers["X-Audit-Delivery"] in log

    (delivery,) = deliveries()
    client.post(f"/admin/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver")
    settle()
    assert [r.body for r in webhook_receiver.received] == [ping.body, ping.body]

    edited = client.post(
        f"/admin/webhooks/{endpoint.id}/edit",
        data={"url": webhook_receiver.url, "events": ["visit.approved", "appeal.raised"]},
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert endpoint.events == ["visit.approved", "appeal.raised"]
    assert endpoint.secret == SECRET  # left empty: kept

    none = client.post(f"/admin/webhooks/{endpoint.id}/edit", data={"url": webhook_receiver.url})
    assert none.status_code == 200 and "Choose at least one event." in none.text

    assert client.post(f"/admin/webhooks/{endpoint.id}/delete").status_code == 302
    assert db.session.scalars(select(WebhookEndpoint)).all() == []
    assert webhook_events() == [
        "webhook.created",
        "webhook.pinged",
        "webhook.redelivered",
        "webhook.updated",
        "webhook.deleted",
    ]


def test_the_admin_sees_why_an_endpoint_was_paused_and_resumes_it(
    world, client, auth, webhook_receiver
):
    endpoint_id = add_endpoint(webhook_receiver.url, "visit.submitted")
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    pause_endpoint(endpoint, "Paused automatically: 20 attempts in a row failed.", None)
    db.session.commit()
    auth.login(world.admin.email, TEST_PASSWORD)
    listing = client.get("/admin/webhooks/").text
    assert "paused" in listing and "20 attempts in a row failed" in listing
    page = client.get(f"/admin/webhooks/{endpoint_id}").text
    assert "20 attempts in a row failed" in page and "Resume" in page
    client.post(f"/admin/webhooks/{endpoint_id}/active")
    db.session.expire_all()
    assert endpoint.active and endpoint.paused_reason is None


def test_the_pages_are_for_administrators_only(world, client, auth, webhook_receiver):
    endpoint_id = add_endpoint(webhook_receiver.url, "visit.submitted")
    auth.login(world.manager.email, TEST_PASSWORD)
    for path in ("/admin/webhooks/", "/admin/webhooks/new", f"/admin/webhooks/{endpoint_id}"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/webhooks/{endpoint_id}/delete").status_code == 403
    assert db.session.get(WebhookEndpoint, endpoint_id) is not None


def test_a_redelivery_is_only_of_the_endpoints_own_deliveries(
    world, client, auth, webhook_receiver
):
    first = add_endpoint(webhook_receiver.url, "visit.submitted")
    second = add_endpoint(webhook_receiver.url + "?b", "visit.approved")
    import_visits({"external_id": "V1"})
    settle()
    (delivery,) = deliveries()
    auth.login(world.admin.email, TEST_PASSWORD)
    answer = client.post(f"/admin/webhooks/{second}/deliveries/{delivery.id}/redeliver")
    assert answer.status_code == 404
    assert delivery.endpoint_id == first and delivery.status is DeliveryStatus.DELIVERED


# --- the address check -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.10", True),
        ("172.16.5.4", True),
        ("169.254.169.254", True),  # the cloud's metadata service
        ("100.64.0.1", True),  # shared address space (carrier-grade NAT)
        ("0.0.0.0", True),  # noqa: S104
        ("224.0.0.1", True),
        ("::1", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("::ffff:127.0.0.1", True),  # IPv4 loopback written as IPv6
        ("93.184.216.34", False),
        ("2606:2800:220:1:248:1893:25c8:1946", False),
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address, refused):
    assert refused_address(ipaddress.ip_address(address)) is refused


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("example.org/hook", "full http:// or https:// URL"),
        ("file:///etc/passwd", "full http:// or https:// URL"),
        ("https://user:pw@example.org/", "Leave the user name and password out"),
        ("https://example.org:99999/", "not a valid URL"),
        ("https://" + "a" * 2000 + ".org/", "under 2000 characters"),
    ],
)
def test_a_url_that_is_not_a_web_address_is_refused(url, message):
    with pytest.raises(TargetRefused, match=message):
        check_url(url)


def test_the_connection_itself_is_checked_whatever_the_name_resolved_to(webhook_receiver):
    """The address check before a delivery resolves the name; the HTTP library resolves it
    again to connect. The socket's peer is checked as well, before anything is sent."""
    with delivery_session(allow_private=False) as session:
        with pytest.raises(TargetRefused, match="connected to 127.0.0.1"):
            session.post(webhook_receiver.url, data=b"{}", timeout=5)
    assert webhook_receiver.received == []
    with delivery_session(allow_private=True) as session:
        assert session.post(webhook_receiver.url, data=b"{}", timeout=5).status_code == 200
    assert len(webhook_receiver.received) == 1
