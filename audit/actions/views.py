"""An action's history and subject in the words of its page: "Owner: Nobody → Olive
Owner", "Due: — → 15 Dec 2026", the question by its text.

Presentation, so it sits above the service (it writes dates as every page does, through
:mod:`audit.templating`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from audit.actions.forms import PRIORITY_WORDS
from audit.extensions import db
from audit.models import Action, ActionPriority, StaffMember, User
from audit.scorecards.store import definition_of
from audit.templating import format_date

#: What the history calls the plan's fields (the keys ``_plan_fields`` records).
FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "priority": _l("Priority"),
    "due_on": _l("Due"),
    "owner": _l("Owner"),
}


@dataclass(frozen=True)
class Change:
    """One recorded change as a reader sees it: "Owner: Nobody → Olive Owner"."""

    label: str
    before: str
    after: str


def _person(value: str) -> str:
    """An owner as recorded ("u:3", "s:49") by name; someone since removed reads so."""
    kind, _, number = value.partition(":")
    model = {"u": User, "s": StaffMember}.get(kind)
    person = db.session.get(model, int(number)) if model and number.isdigit() else None
    return person.name if person is not None else gettext("someone since removed")


def _shown(field: str, value: Any) -> str:
    if value in (None, ""):
        return gettext("Nobody") if field == "owner" else "—"
    if field == "owner":
        return _person(str(value))
    if field == "due_on":
        try:
            return format_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if field == "priority":
        known = str(value) in set(ActionPriority)
        return str(PRIORITY_WORDS[ActionPriority(value)]) if known else str(value).capitalize()
    text = " ".join(str(value).split())
    return text if len(text) <= 160 else text[:159].rstrip() + "…"


def history_changes(changes: dict[str, Any] | None) -> list[Change]:
    """An event's ``changes`` ({field: [old, new]}) in the words of the page."""
    return [
        Change(
            str(FIELD_LABELS.get(field, field.replace("_", " ").capitalize())),
            *(_shown(field, value) for value in pair),
        )
        for field, pair in (changes or {}).items()
    ]


def question_text(action: Action) -> str | None:
    """The text of the question the action is about (as the visit's scorecard version
    asked it, else as the scorecard asks it now); its key when no version knows it."""
    if not action.question_key:
        return None
    versions = []
    if action.visit is not None:
        versions.append(action.visit.version)
    if action.scorecard is not None and action.scorecard.latest_published is not None:
        versions.append(action.scorecard.latest_published)
    for version in versions:
        question = definition_of(version).question(action.question_key)
        if question is not None:
            return question.text
    return action.question_key
