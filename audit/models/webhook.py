"""Webhooks: the endpoints an administrator registers, and every delivery made to them.

A delivery keeps the exact bytes it sends (``body``) and its id, made once when the
event happens: a retry or a manual redelivery sends the same body with the same
``X-Audit-Delivery``, so a receiver can drop what it has already seen.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.user import User


class WebhookEndpoint(db.Model):
    """A URL that hears about the events it subscribes to, signed with its secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The HMAC key; kept as it is because every delivery is signed with it.
    secret: Mapped[str] = mapped_column(String(200))
    #: False while paused (by hand or after too many failures in a row).
    active: Mapped[bool] = mapped_column(default=True)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Attempts that failed in a row; a success sets it back to 0.
    failure_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()
    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  #: waiting for its (next) attempt at ``next_attempt_at``
    SENDING = "sending"  #: claimed by a worker, on its way
    DELIVERED = "delivered"  #: the receiver answered 2xx
    FAILED = "failed"  #: every attempt failed; only a manual redelivery sends it again

    @property
    def label(self) -> LazyString:
        """ "Pending", "Sending", "Delivered", "Delivery failed", in the reader's language."""
        return {
            DeliveryStatus.PENDING: _l("Pending"),
            DeliveryStatus.SENDING: _l("Sending"),
            DeliveryStatus.DELIVERED: _l("Delivered"),
            DeliveryStatus.FAILED: _l("Delivery failed"),
        }[self]


class WebhookDelivery(db.Model):
    """One event for one endpoint: its body as sent, its attempts and the last answer."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    #: A UUID, sent as ``X-Audit-Delivery`` and as the body's ``id``.
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: The JSON exactly as it is signed and sent, every time.
    body: Mapped[str] = mapped_column(Text)
    #: The body's ``data.id``: with the event's first word (``visit``), the record the
    #: delivery is about, found by index when an erasure or retention rewrites its copies.
    record_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None]
    #: The start of the receiver's answer, or why there was none (refused, timed out).
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.delivery_id} {self.event} {self.status}>"
