"""An action's page tells its story in words: the history names the fields, the people
and the dates as the rest of the page does, and the visit it came from by its question."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from audit.actions import proposals
from audit.extensions import db
from audit.models import Role
from tests.builders import FULL, import_visits, make_staff, make_user, make_world


@pytest.fixture
def proposal(app) -> SimpleNamespace:
    """A critical item failed on an approved visit at Leeds: one proposed action."""
    with app.app_context():
        world = make_world()
        (visit,) = import_visits(
            {"external_id": "V1", "answers": {**FULL, "greeted": "no"}, "status": "approved"}
        )
        (action,) = proposals.propose_for_visit(visit)
        member = make_staff(world.leeds, name="Olive Owner")
        member.user = make_user(Role.STAFF)
        db.session.commit()
        return SimpleNamespace(
            action=action.id,
            visit=visit.id,
            member=member.id,
            manager=world.north_manager.email,
            manager_id=world.north_manager.id,
            manager_name=world.north_manager.name,
        )


def test_the_history_reads_in_words(client, auth, proposal):
    auth.login(proposal.manager)
    first_due, second_due = date.today() + timedelta(days=14), date.today() + timedelta(days=21)
    accepted = client.post(
        f"/actions/{proposal.action}/accept",
        data={
            "accept-title": "Greet every customer",
            "accept-description": "Brief the team at the morning huddle",
            "accept-owner": f"s:{proposal.member}",
            "accept-due_on": first_due.isoformat(),
            "accept-priority": "high",
        },
    )
    assert accepted.status_code == 302
    edited = client.post(
        f"/actions/{proposal.action}/edit",
        data={
            "title": "Greet every customer",
            "description": "Brief the team at the morning huddle",
            "owner": f"u:{proposal.manager_id}",
            "due_on": second_due.isoformat(),
            "priority": "low",
        },
    )
    assert edited.status_code == 302
    page = client.get(f"/actions/{proposal.action}").get_data(as_text=True)
    history = page[page.index("History</h2>") :]
    # Accepting: the fields by their labels, the owner by name, the due date as dates read.
    assert "Description: A critical item failed" in history
    assert "→ Brief the team at the morning huddle" in history
    assert "Owner: Nobody → Olive Owner" in history
    assert f"Due: — → {first_due:%d %b %Y}" in history
    # Editing: from one person to another, one date to another, a priority in words.
    assert f"Owner: Olive Owner → {proposal.manager_name}" in history
    assert f"Due: {first_due:%d %b %Y} → {second_due:%d %b %Y}" in history
    assert "Priority: High → Low" in history
    for internal in ("due_on", "owner:", "description:", f"s:{proposal.member}", "u:"):
        assert internal not in history
    # The visit it came from, with its question as the shopper read it.
    source = page[page.index("From visit") :]
    assert f"#{proposal.visit}</a> · Greeted?" in source
    assert "greeted</dd>" not in source
