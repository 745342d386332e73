"""Pausing and resuming an endpoint: by hand, or automatically after too many failures.

A paused endpoint gets no new deliveries and its waiting retries stay where they are;
resuming sends those whose time has come at the next run of ``send-webhooks``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from audit.models import User, WebhookEndpoint, record_event

__all__ = ["pause_endpoint", "resume_endpoint"]


def pause_endpoint(endpoint: WebhookEndpoint, reason: str, actor: User | None) -> None:
    """Pause ``endpoint``, saying why (shown to administrators); ``actor`` None: the app."""
    endpoint.active = False
    endpoint.paused_reason = reason
    endpoint.paused_at = datetime.now(UTC)
    record_event(actor, "webhook.paused", endpoint, reason=reason)


def resume_endpoint(endpoint: WebhookEndpoint, actor: User | None) -> None:
    """Send to ``endpoint`` again, its count of failures in a row back at 0."""
    previous = endpoint.paused_reason
    endpoint.active = True
    endpoint.paused_reason = None
    endpoint.paused_at = None
    endpoint.failure_count = 0
    record_event(actor, "webhook.resumed", endpoint, paused_reason=previous)
