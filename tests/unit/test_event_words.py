"""Every event a history shows reads in words, from one mapping (audit.models.EVENT_WORDS)."""

from __future__ import annotations

import ast

import pytest

from audit.config import PROJECT_ROOT
from audit.models import EVENT_WORDS, event_words
from audit.visits.answer_changes import EVENTS as ANSWER_CHANGE_EVENTS

#: Records whose history is shown to people: a visit (review page, visit PDF), an
#: assignment, a corrective action, a user account (the administrator's page).
SHOWN = ("visit.", "assignment.", "action.", "user.", "setting.")


def recorded_actions() -> set[str]:
    """The event names the code records with ``record_event``/``record_new`` as literals."""
    names: set[str] = set()
    for path in (PROJECT_ROOT / "audit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in ("record_event", "record_new"):
                continue
            for part in ast.walk(node.args[1]):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    names.add(part.value)
    return names


def test_the_scan_finds_the_events_it_should():
    names = recorded_actions()
    assert {"visit.attachment_added", "visit.resubmitted", "assignment.created"} <= names


def test_every_event_of_a_shown_history_has_words():
    shown = {name for name in recorded_actions() if name.startswith(SHOWN)}
    shown |= set(ANSWER_CHANGE_EVENTS.values()) | {"assignment.overdue"}
    assert sorted(shown - EVENT_WORDS.keys()) == []


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ("visit.attachment_added", "Photo added"),
        ("visit.answer_edited", "Answer changed by the reviewer"),
        ("visit.answer_amended", "Answer changed on appeal"),
        ("kudos.sent", "Kudos sent"),
        ("staff_member.recognition_visibility", "Staff member recognition visibility"),
        ("odd", "Odd"),
    ],
)
def test_event_words(action, words):
    assert event_words(action) == words


def test_no_words_are_a_raw_name():
    for words in EVENT_WORDS.values():
        assert "." not in words and "_" not in words and words[0].isupper()
