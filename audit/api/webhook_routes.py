"""Webhooks over the API, for administrators only: endpoints (list, create, read, change,
delete), their delivery log, a redelivery and a test ping, through the same service as
the admin pages, so every change is checked and recorded the same way."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.idempotency import idempotent
from audit.api.pagination import page_of
from audit.api.problems import ApiProblem, invalid
from audit.api.spec import api_spec, responses
from audit.api.webhook_schemas import (
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    WebhookCreate,
    WebhookList,
    WebhookOut,
    WebhookUpdate,
)
from audit.extensions import db
from audit.models import DeliveryStatus, Role, WebhookDelivery, WebhookEndpoint
from audit.webhooks.service import (
    WebhookError,
    create_endpoint,
    delete_endpoint,
    endpoints,
    redeliver,
    send_ping,
    set_active,
    update_endpoint,
)

ADMINS = (Role.ADMIN,)
TAGS = ["webhooks"]


def webhook_out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut.model_validate(endpoint, from_attributes=True)


def delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut.model_validate(delivery, from_attributes=True)


def _refused(error: WebhookError) -> ApiProblem:
    return invalid([{"field": error.field or "body", "message": str(error)}], str(error))


def _endpoint(webhook_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, webhook_id)
    if endpoint is None:
        raise ApiProblem(404, f"There is no webhook {webhook_id}.")
    return endpoint


def _delivery(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise ApiProblem(404, f"Webhook {endpoint.id} has no delivery {delivery_id}.")
    return delivery


@bp.get("/webhooks")
@api_access("webhooks", roles=ADMINS)
@api_spec.validate(resp=responses(200, WebhookList), tags=TAGS)
def list_webhooks():
    """Every webhook endpoint (administrators only; secrets are never shown)."""
    return WebhookList(items=[webhook_out(e) for e in endpoints()])


@bp.get("/webhooks/<int:webhook_id>")
@api_access("webhooks", roles=ADMINS)
@api_spec.validate(resp=responses(200, WebhookOut, 404), tags=TAGS)
def read_webhook(webhook_id: int):
    """One webhook endpoint."""
    return webhook_out(_endpoint(webhook_id))


@bp.post("/webhooks")
@api_access("webhooks", write=True, roles=ADMINS)
@idempotent
@api_spec.validate(json=WebhookCreate, resp=responses(201, WebhookOut, 422), tags=TAGS)
def create_webhook(json: WebhookCreate):
    """Register an endpoint: a public http(s) URL (checked when registered and before each
    delivery), the events it hears, the secret its deliveries are signed with."""
    try:
        endpoint = create_endpoint(json.url, json.events, json.secret, api_user())
    except WebhookError as error:
        raise _refused(error) from None
    location = url_for("api.read_webhook", webhook_id=endpoint.id)
    return webhook_out(endpoint), 201, {"Location": location}


@bp.patch("/webhooks/<int:webhook_id>")
@api_access("webhooks", write=True, roles=ADMINS)
@api_spec.validate(json=WebhookUpdate, resp=responses(200, WebhookOut, 404, 422), tags=TAGS)
def update_webhook(webhook_id: int, json: WebhookUpdate):
    """Change an endpoint: only the fields sent change; ``active`` pauses or resumes it."""
    endpoint, user = _endpoint(webhook_id), api_user()
    try:
        update_endpoint(endpoint, user, url=json.url, events=json.events, secret=json.secret)
    except WebhookError as error:
        raise _refused(error) from None
    if json.active is not None:
        set_active(endpoint, json.active, user)
    return webhook_out(endpoint)


@bp.delete("/webhooks/<int:webhook_id>")
@api_access("webhooks", write=True, roles=ADMINS)
@api_spec.validate(resp=responses(200, WebhookOut, 404), tags=TAGS)
def delete_webhook(webhook_id: int):
    """Delete an endpoint and its delivery log; answers what it was."""
    endpoint = _endpoint(webhook_id)
    answer = webhook_out(endpoint)
    delete_endpoint(endpoint, api_user())
    return answer


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@api_access("webhooks", roles=ADMINS)
@api_spec.validate(query=DeliveryQuery, resp=responses(200, DeliveryPage, 404, 422), tags=TAGS)
def list_deliveries(webhook_id: int, query: DeliveryQuery):
    """The endpoint's delivery log, oldest first, a page at a time."""
    endpoint = _endpoint(webhook_id)
    rows = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if query.status:
        rows = rows.where(WebhookDelivery.status == DeliveryStatus(query.status))
    items, next_cursor = page_of(rows, WebhookDelivery.id, query.limit, query.cursor)
    return DeliveryPage(items=[delivery_out(d) for d in items], next_cursor=next_cursor)


@bp.post("/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver")
@api_access("webhooks", write=True, roles=ADMINS)
@api_spec.validate(resp=responses(202, DeliveryOut, 404, 409), tags=TAGS)
def redeliver_delivery(webhook_id: int, delivery_id: int):
    """Send a delivery again now: the same X-Audit-Delivery and the same body."""
    delivery = _delivery(_endpoint(webhook_id), delivery_id)
    try:
        redeliver(delivery, api_user())
    except WebhookError as error:
        raise ApiProblem(409, str(error)) from None
    return delivery_out(delivery), 202


@bp.post("/webhooks/<int:webhook_id>/ping")
@api_access("webhooks", write=True, roles=ADMINS)
@api_spec.validate(resp=responses(202, DeliveryOut, 404), tags=TAGS)
def ping_webhook(webhook_id: int):
    """Send a ``ping`` delivery now, to see the endpoint answer (its log shows how)."""
    delivery = send_ping(_endpoint(webhook_id), api_user())
    return delivery_out(delivery), 202
