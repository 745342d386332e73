"""Coaching notes over the API: managers write and read notes to staff in their regions;
a staff member's token reaches only the notes to them (never an unpublished visit), and
acknowledges and answers them as the portal does; every change is recorded."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import CoachingNote
from tests.api.followup_world import (
    followup_fixture,  # noqa: F401  (the followup fixture)
    keys_of,
    listed,
)
from tests.builders import event_actions


def _list(api, token, query="") -> list[dict]:  # noqa: ANN001
    return listed(api, f"/coaching-notes{query}", token)


def _count(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CoachingNote))


# --- scoping -------------------------------------------------------------------------------


def test_unscoped_managers_see_every_note(api, world, followup):
    for who in ("admin", "national"):
        token = world.tokens[who]
        assert keys_of(followup.notes, _list(api, token)) == {"nsl", "ns1", "ss1"}, who
        for note_id in followup.notes.values():
            assert api("GET", f"/coaching-notes/{note_id}", token).status_code == 200, who


def test_a_regional_manager_sees_only_their_region(api, world, followup):
    token = world.tokens["regional"]
    assert keys_of(followup.notes, _list(api, token)) == {"nsl", "ns1"}
    assert _list(api, token, f"?branch_id={world.branches['S-BRIS']}") == []
    assert _list(api, token, f"?staff_id={world.staff['SS1']}") == []
    outside = api("GET", f"/coaching-notes/{followup.notes['ss1']}", token)
    assert outside.status_code == 403 and "Check the rota" not in outside.text
    read = api("GET", f"/coaching-notes/{followup.notes['nsl']}", token).get_json()
    assert read["visit_id"] == followup.visits["WAIT_N"]  # a manager sees the visit


def test_a_staff_token_sees_only_its_own_notes(api, world, followup):
    token = world.tokens["staff"]
    (mine,) = _list(api, token)
    assert mine["id"] == followup.notes["nsl"] and mine["body"] == "Slow down at the till."
    assert mine["visit_id"] is None  # written from a visit not yet published to them
    assert _list(api, token, f"?staff_id={world.staff['NS1']}") == []
    for key in ("ns1", "ss1"):
        assert api("GET", f"/coaching-notes/{followup.notes[key]}", token).status_code == 404


def test_shoppers_and_assessors_reach_no_note(api, world, followup):
    for who in ("assessor", "shopper"):
        token = world.tokens[who]
        assert api("GET", "/coaching-notes", token).status_code == 403
        assert api("GET", f"/coaching-notes/{followup.notes['nsl']}", token).status_code == 403


def test_the_status_filter(api, world, followup):
    token = world.tokens["national"]
    acknowledged = api(
        "POST", f"/coaching-notes/{followup.notes['nsl']}/acknowledge", world.tokens["staff"]
    )
    assert acknowledged.status_code == 200
    assert keys_of(followup.notes, _list(api, token, "?status=unacknowledged")) == {"ns1", "ss1"}
    api("POST", f"/coaching-notes/{followup.notes['ss1']}/close", token, json={})
    assert keys_of(followup.notes, _list(api, token, "?status=closed")) == {"ss1"}
    assert keys_of(followup.notes, _list(api, token, "?status=open")) == {"nsl", "ns1"}


# --- writing -------------------------------------------------------------------------------


def test_a_manager_writes_a_note_recorded_and_idempotent(app, api, world, followup):
    token = world.tokens["regional"]
    follow_up = (date.today() + timedelta(days=10)).isoformat()
    body = {
        "staff_id": world.staff["NSL"],
        "visit_id": followup.visits["PUB_N"],
        "body": "Offer the follow-up call.",
        "goal": "Every caller gets one",
        "follow_up_on": follow_up,
    }
    made = api("POST", "/coaching-notes", token, json=body, headers={"Idempotency-Key": "n-1"})
    assert made.status_code == 201, made.text
    note = made.get_json()
    assert made.headers["Location"].endswith(f"/coaching-notes/{note['id']}")
    assert (note["staff_id"], note["visit_id"], note["follow_up_on"]) == (
        world.staff["NSL"],
        followup.visits["PUB_N"],
        follow_up,
    )
    replay = api("POST", "/coaching-notes", token, json=body, headers={"Idempotency-Key": "n-1"})
    assert replay.get_json()["id"] == note["id"]
    assert _count(app) == 4
    assert event_actions("coaching_notes", note["id"], app=app) == ["coaching_note.created"]
    staff_sees = api("GET", f"/coaching-notes/{note['id']}", world.tokens["staff"]).get_json()
    assert staff_sees["visit_id"] == followup.visits["PUB_N"]  # published: shown


#: Changes of a valid note, and the field the refusal names.
REFUSED = [
    ({"staff_id": "SS1"}, "staff_id"),  # Bristol: outside the region
    ({"staff_id": 2_000_000}, "staff_id"),
    ({"visit_id": "PUB_S"}, "visit_id"),  # outside the region
    ({"visit_id": "PUB_N", "staff_id": "NS1"}, "visit_id"),  # NS1 is not named on it
    ({"body": "   "}, "body"),
    ({"follow_up_on": "2020-01-01"}, "follow_up_on"),
    ({"body": "x" * 5001}, "body"),
]


def test_a_refused_note_names_its_field(app, api, world, followup):
    for change, field in REFUSED:
        body = {"staff_id": "NSL", "body": "Well done", **change}
        if isinstance(body["staff_id"], str):
            body["staff_id"] = world.staff[body["staff_id"]]
        if "visit_id" in body:
            body["visit_id"] = followup.visits[body["visit_id"]]
        answer = api("POST", "/coaching-notes", world.tokens["regional"], json=body)
        assert answer.status_code == 422, (change, answer.text)
        assert [e["field"] for e in answer.get_json()["errors"]] == [field], change
    assert _count(app) == 3


def test_staff_write_no_note(api, world, followup):
    body = {"staff_id": world.staff["NSL"], "body": "Note to self"}
    assert api("POST", "/coaching-notes", world.tokens["staff"], json=body).status_code == 403
    close = f"/coaching-notes/{followup.notes['nsl']}/close"
    assert api("POST", close, world.tokens["staff"], json={}).status_code == 403


def test_the_staff_member_acknowledges_and_replies(app, api, world, followup):
    token, note_id = world.tokens["staff"], followup.notes["nsl"]
    url = f"/coaching-notes/{note_id}"
    acknowledged = api("POST", f"{url}/acknowledge", token)
    assert acknowledged.status_code == 200 and acknowledged.get_json()["acknowledged_at"]
    again = api("POST", f"{url}/acknowledge", token)
    assert again.status_code == 409 and "already" in again.get_json()["detail"]
    manager = api("POST", f"{url}/acknowledge", world.tokens["regional"])
    assert manager.status_code == 403
    body = {"body": "I will, thank you."}
    replied = api("POST", f"{url}/replies", token, json=body, headers={"Idempotency-Key": "r1"})
    assert replied.status_code == 201, replied.text
    replay = api("POST", f"{url}/replies", token, json=body, headers={"Idempotency-Key": "r1"})
    assert len(replay.get_json()["replies"]) == 1
    (reply,) = replied.get_json()["replies"]
    assert reply["by_staff_member"] is True and reply["body"] == "I will, thank you."
    empty = api("POST", f"{url}/replies", token, json={"body": ""})
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "body"
    other = api("POST", f"/coaching-notes/{followup.notes['ns1']}/replies", token, json=body)
    assert other.status_code == 404
    assert event_actions("coaching_notes", note_id, app=app) == [
        "coaching_note.created",
        "coaching_note.acknowledged",
        "coaching_note.replied",
    ]


def test_a_manager_replies_and_closes(app, api, world, followup):
    token, note_id = world.tokens["regional"], followup.notes["ns1"]
    url = f"/coaching-notes/{note_id}"
    replied = api("POST", f"{url}/replies", token, json={"body": "How did it go?"})
    assert replied.get_json()["replies"][0]["by_staff_member"] is False
    closed = api("POST", f"{url}/close", token, json={"closing_note": "Went well."})
    assert closed.status_code == 200
    assert closed.get_json()["closed_at"] and closed.get_json()["closing_note"] == "Went well."
    late = api("POST", f"{url}/replies", token, json={"body": "One more"})
    assert late.status_code == 409 and "closed" in late.get_json()["detail"]
    outside = api("POST", f"/coaching-notes/{followup.notes['ss1']}/close", token, json={})
    assert outside.status_code == 403
    assert event_actions("coaching_notes", note_id, app=app)[-1] == "coaching_note.closed"
