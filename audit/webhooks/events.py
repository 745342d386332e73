"""The events a webhook can subscribe to: one catalogue for the pages, the API and the CLI."""

from __future__ import annotations

from audit.languages import N_

__all__ = ["EVENTS", "PING", "unknown_events"]

#: Every event, with what it means, in the order the pages list them (in English: the API and
#: the CLI say it so; the pages translate it, ``gettext(EVENTS[name])``).
EVENTS: dict[str, str] = {
    "visit.submitted": N_("A visit was sent for review (or imported or created as submitted)."),
    "visit.returned": N_("A reviewer returned a visit to its shopper for corrections."),
    "visit.approved": N_("A visit was approved (or imported or created as approved)."),
    "visit.published": N_("A visit was published to staff (or imported or created as published)."),
    "visit.excluded": N_("A visit was excluded from reporting."),
    "visit.answer_changed": N_("An answer was changed by a reviewer or on appeal, and rescored."),
    "visit.critical_failed": N_("A visit's score came out with a critical item failed."),
    "appeal.raised": N_("Someone disputed an answer of a visit."),
    "appeal.decided": N_("A reviewer upheld or amended an appealed answer."),
    "action.proposed": N_("A corrective action was proposed from a visit's results."),
    "action.updated": N_(
        "A corrective action was created, edited, accepted, dismissed or moved on."
    ),
    "coaching_note.created": N_("A manager wrote a coaching note for a staff member."),
    "assignment.created": N_("A visit was offered to a shopper or an assessor."),
    "assignment.overdue": N_("An assignment's window ended with nothing sent."),
}

#: The event of a test delivery sent from the admin page; no endpoint subscribes to it.
PING = "ping"


def unknown_events(names: list[str]) -> list[str]:
    """The names in ``names`` that are not events of the catalogue."""
    return [name for name in names if name not in EVENTS]
