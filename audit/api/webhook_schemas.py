"""The webhook resources' bodies: endpoints (never their secret, once set) and their
delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from audit.api.schemas import PageQuery
from audit.models import DeliveryStatus
from audit.webhooks.events import EVENTS
from audit.webhooks.service import SECRET_MAX
from audit.webhooks.targets import URL_MAX

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=URL_MAX)]
Secret = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SECRET_MAX)
]
Event = Literal[tuple(EVENTS)]  # type: ignore[valid-type]
Events = Annotated[list[Event], Field(min_length=1, max_length=len(EVENTS))]


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool = Field(description="False while paused (by hand or after repeated failures).")
    paused_reason: str | None = Field(description="Why the endpoint is paused.")
    paused_at: datetime | None
    failure_count: int = Field(description="Attempts that failed in a row.")
    created_by_id: int | None
    created_at: datetime


class WebhookList(BaseModel):
    items: list[WebhookOut]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description="Where deliveries are posted: a public http(s) URL.")
    events: Events
    secret: Secret = Field(description="The key of each delivery's X-Audit-Signature.")


class WebhookUpdate(BaseModel):
    """Only the fields sent change; ``active: true`` resumes a paused endpoint."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: Events | None = None
    secret: Secret | None = None
    active: bool | None = None


class DeliveryOut(BaseModel):
    id: int
    delivery_id: str = Field(description="Sent as X-Audit-Delivery and as the body's id.")
    event: str
    status: Literal[tuple(s.value for s in DeliveryStatus)]  # type: ignore[valid-type]
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    response_excerpt: str
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class DeliveryQuery(PageQuery):
    status: Literal[tuple(s.value for s in DeliveryStatus)] | None = Field(  # type: ignore[valid-type]
        None, description="Only the deliveries in this state."
    )
