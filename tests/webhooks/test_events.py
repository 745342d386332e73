"""Each change fires its event once, from the service that makes it, with the record as
it stands after the change: imports and the phone's send, review, answer changes,
appeals, actions, coaching notes and assignments."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.actions import service as actions
from audit.actions.service import Plan
from audit.api.visit_schemas import visit_out
from audit.appeals import service as appeals
from audit.assignments.service import create_assignments, mark_overdue
from audit.coaching.service import create_note
from audit.extensions import db
from audit.models import Action, ActionPriority, ActionStatus
from audit.review import service as review
from audit.shop.service import DraftData, save_draft, submit
from audit.webhooks.emitting import emit
from audit.webhooks.events import EVENTS
from audit.webhooks.payloads import columns_of, record_data
from tests.builders import FULL, import_visits, make_staff, started_draft
from tests.builders.assignments import TODAY
from tests.webhooks.conftest import add_endpoint, deliveries

CRITICAL_FAIL = {**FULL, "greeted": "no"}


@pytest.fixture
def hears_all(world, webhook_receiver) -> None:
    add_endpoint(webhook_receiver.url, *EVENTS)


def fired(since: int = 0) -> list[tuple[str, int]]:
    """(event, the record's id in the payload) of every delivery after the first
    ``since``, in the order the changes were made."""
    return [(d.event, json.loads(d.body)["data"]["id"]) for d in deliveries()[since:]]


def test_imported_visits_fire_the_event_of_the_status_they_land_in(world, hears_all):
    visits = import_visits(
        {"external_id": "S"},
        {"external_id": "A", "status": "approved"},
        {"external_id": "P", "status": "published"},
        {"external_id": "C", "answers": CRITICAL_FAIL},
    )
    s, a, p, c = (v.id for v in visits)
    assert fired() == [
        ("visit.submitted", s),
        ("visit.submitted", c),
        ("visit.approved", a),
        ("visit.published", p),
        ("visit.critical_failed", c),
    ]
    body = json.loads(deliveries()[2].body)
    assert body["data"] == visit_out(visits[1]).model_dump(mode="json")  # as the API has it
    assert body["data"]["status"] == "approved" and body["data"]["percent"] is not None


def test_the_phones_send_fires_once_even_when_tapped_twice(world, hears_all):
    visit = started_draft(world.card, world.leeds, world.shopper)
    db.session.commit()
    now = datetime.now(UTC)
    data = DraftData(
        answers=dict(CRITICAL_FAIL),
        staff_description="The adviser at the first desk",
        started_at=(now - timedelta(minutes=30)).isoformat(),
        ended_at=(now - timedelta(minutes=5)).isoformat(),
    )
    assert save_draft(visit, data, world.shopper) == []
    assert submit(visit, "t" * 32, world.shopper) is False
    db.session.commit()
    assert submit(visit, "t" * 32, world.shopper) is True  # the double tap
    db.session.commit()
    assert fired() == [("visit.submitted", visit.id), ("visit.critical_failed", visit.id)]

    review.return_to_shopper(visit, world.manager, "Add the summary again")
    db.session.commit()
    submit(visit, "u" * 32, world.shopper)  # sent again, still failing: no news
    db.session.commit()
    assert fired(2) == [("visit.returned", visit.id), ("visit.submitted", visit.id)]


def test_review_fires_each_decision_and_answer_change_once(world, hears_all):
    full, failing, other = import_visits(
        {"external_id": "F"},
        {"external_id": "X", "answers": CRITICAL_FAIL},
        {"external_id": "O"},
    )
    start = len(deliveries())
    review.approve(full, world.manager)
    review.edit_answer(full, "greeted", "no", "Nobody greeted me", world.manager, "Photo shows it")
    review.publish(full, world.manager)
    review.approve(failing, world.manager)  # a failed critical item proposes an action
    review.exclude(other, world.manager, "Test visit")
    db.session.commit()
    edited, approved = db.session.scalars(select(Action).order_by(Action.id))
    assert (edited.visit_id, approved.visit_id) == (full.id, failing.id)
    assert fired(start) == [
        ("visit.approved", full.id),
        ("visit.answer_changed", full.id),
        ("visit.critical_failed", full.id),
        ("action.proposed", edited.id),  # the edit failed a critical item of an approved visit
        ("visit.published", full.id),
        ("visit.approved", failing.id),
        ("action.proposed", approved.id),
        ("visit.excluded", other.id),
    ]
    changed = json.loads(deliveries()[start + 1].body)["data"]
    assert changed["critical_failed"] is True  # the record as the change left it


def test_appeals_fire_when_raised_and_when_decided(world, hears_all):
    upheld, amended = import_visits(
        {"external_id": "U", "status": "published"}, {"external_id": "M", "status": "published"}
    )
    start = len(deliveries())
    first = appeals.raise_appeal(upheld, "empathy", world.manager, "It was a 5")
    appeals.uphold(first, world.admin, "It stands")
    second = appeals.raise_appeal(amended, "empathy", world.manager, "It was a 5")
    appeals.amend(second, world.admin, "5", None, "Agreed")
    db.session.commit()
    assert fired(start) == [
        ("appeal.raised", first.id),
        ("appeal.decided", first.id),
        ("appeal.raised", second.id),
        ("visit.answer_changed", amended.id),
        ("appeal.decided", second.id),
    ]
    decided = json.loads(deliveries()[-1].body)["data"]
    assert decided["status"] == "amended"


def test_actions_coaching_and_assignments_fire_their_events(world, hears_all):
    plan = Plan("Greet every customer", "", ActionPriority.HIGH, None, None)
    action = actions.create_manual(world.leeds, world.manager, plan)
    actions.post_update(action, world.manager, ActionStatus.IN_PROGRESS, "Briefed the team")
    member = make_staff(world.leeds)
    note = create_note(world.manager, member, "Well done on the greeting")
    (offered,) = create_assignments(
        world.card,
        [world.leeds],
        world.shopper,
        TODAY - timedelta(days=10),
        TODAY - timedelta(days=3),
        "Ask about savings",
        world.manager,
        now=TODAY - timedelta(days=10),
    )
    db.session.commit()
    assert mark_overdue() == 1
    assert mark_overdue() == 0  # run again: nothing more, nothing fired twice
    db.session.commit()
    assert fired() == [
        ("action.updated", action.id),
        ("action.updated", action.id),
        ("coaching_note.created", note.id),
        ("assignment.created", offered.id),
        ("assignment.overdue", offered.id),
    ]
    overdue = json.loads(deliveries()[-1].body)["data"]
    assert overdue["status"] == "overdue"


def test_an_unknown_event_is_a_programming_error(world):
    with pytest.raises(ValueError, match="not a webhook event"):
        emit("visit.exploded", world.leeds)


def test_a_record_the_api_does_not_describe_is_sent_as_its_columns(world):
    (visit,) = import_visits({"external_id": "V1"})
    columns = columns_of(visit)
    assert columns["id"] == visit.id and columns["status"] == "submitted"
    assert columns["visited_at"] == visit.visited_at.isoformat()
    assert "client_token" not in columns
    assert record_data(world.leeds) == columns_of(world.leeds)  # no serialiser for branches
