"""Webhook tests: the app allowed to post to 127.0.0.1 (where the test's receiver
listens), a small world, an administrator, and an endpoint on the receiver."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Role, WebhookDelivery
from audit.tasks import wait_for_tasks
from audit.webhooks.service import create_endpoint
from tests.builders import make_user, make_world

SECRET = "a-shared-secret-for-tests"  # noqa: S105


@pytest.fixture
def hooked(app: Flask) -> Flask:
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    return app


@pytest.fixture
def world(hooked: Flask) -> Iterator[SimpleNamespace]:
    with hooked.app_context():
        world = make_world()
        world.admin = make_user(Role.ADMIN, name="Ada Admin")
        db.session.commit()
        yield world


def add_endpoint(url: str, *events: str, admin=None) -> int:  # noqa: ANN001
    endpoint = create_endpoint(url, list(events), SECRET, admin)
    db.session.commit()
    return endpoint.id


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def delivery_count() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookDelivery))


def settle() -> None:
    """Let the in-process queue finish what the last commit handed it."""
    wait_for_tasks()
    db.session.expire_all()
