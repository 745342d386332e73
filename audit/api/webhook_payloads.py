"""The records webhooks carry, as the API returns them: the API's own serialisers handed
to :mod:`audit.webhooks.payloads` when the API is registered.

The services that emit events sit below the API and may not import it; this is the one
place the API hands its ``*_out`` functions down. Each describes the whole record (no
viewer narrows it: an endpoint is registered by an administrator) and needs no request.
"""

from __future__ import annotations

from audit.api.assignment_routes import assignment_out
from audit.api.followup_schemas import action_out, appeal_out, coaching_note_out
from audit.api.visit_schemas import visit_out
from audit.models import Action, Appeal, Assignment, CoachingNote, Visit
from audit.webhooks.payloads import register_serialiser


def register_webhook_payloads() -> None:
    """Describe each record an event is about with the API's serialiser of it."""
    register_serialiser(Visit, visit_out)
    register_serialiser(Action, action_out)
    register_serialiser(Appeal, appeal_out)
    register_serialiser(CoachingNote, coaching_note_out)
    register_serialiser(Assignment, assignment_out)
