"""The events a webhook can subscribe to: one catalogue for the pages, the API and the CLI."""

from __future__ import annotations

__all__ = ["EVENTS", "PING", "unknown_events"]

#: Every event, with what it means, in the order the pages list them.
EVENTS: dict[str, str] = {
    "visit.submitted": "A visit was sent for review (or imported or created as submitted).",
    "visit.returned": "A reviewer returned a visit to its shopper for corrections.",
    "visit.approved": "A visit was approved (or imported or created as approved).",
    "visit.published": "A visit was published to staff (or imported or created as published).",
    "visit.excluded": "A visit was excluded from reporting.",
    "visit.answer_changed": "An answer was changed by a reviewer or on appeal, and rescored.",
    "visit.critical_failed": "A visit's score came out with a critical item failed.",
    "appeal.raised": "Someone disputed an answer of a visit.",
    "appeal.decided": "A reviewer upheld or amended an appealed answer.",
    "action.proposed": "A corrective action was proposed from a visit's results.",
    "action.updated": "A corrective action was created, edited, accepted, dismissed or moved on.",
    "coaching_note.created": "A manager wrote a coaching note for a staff member.",
    "assignment.created": "A visit was offered to a shopper or an assessor.",
    "assignment.overdue": "An assignment's window ended with nothing sent.",
}

#: The event of a test delivery sent from the admin page; no endpoint subscribes to it.
PING = "ping"


def unknown_events(names: list[str]) -> list[str]:
    """The names in ``names`` that are not events of the catalogue."""
    return [name for name in names if name not in EVENTS]
