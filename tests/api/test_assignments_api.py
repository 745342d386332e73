"""Assignments over the API: offered through the New assignment page's form and service
(the lockout, the window, the caller's regions), listed and read within the caller's
regions, cancelled with a reason; for managers and administrators only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Assignment, Branch, Role, Scorecard, User
from audit.scorecards.store import new_scorecard
from tests.builders import TODAY, S, count_events, make_assignment, make_user, published_card


@pytest.fixture
def offers(app, world) -> dict[str, int]:
    """The rules card published; an assignment of the shopper's at Leeds (North) and at
    Bristol (South); an assessor limited to the North. Ids by name."""
    with app.app_context():
        card = published_card()
        shopper = db.session.scalar(select(User).where(User.email == world.users["shopper"]))
        north = make_user(Role.ASSESSOR, regions=[db.session.get(Branch, 1).region])
        leeds = db.session.get(Branch, world.branches["N-LEEDS"])
        bristol = db.session.get(Branch, world.branches["S-BRIS"])
        ids = {
            "card": card.id,
            "shopper": shopper.id,
            "north assessor": north.id,
            "leeds": make_assignment(card, leeds, shopper, start=TODAY - timedelta(days=40)).id,
            "bristol": make_assignment(card, bristol, shopper, start=TODAY).id,
        }
        db.session.commit()
    return ids


def _body(world, offers, **changes) -> dict:
    body = {
        "scorecard_id": offers["card"],
        "branch_id": world.branches["N-YORK"],
        "shopper_id": offers["shopper"],
        "window_start": TODAY.isoformat(),
        "window_end": (TODAY + timedelta(days=14)).isoformat(),
        "scenario": "Ask about a savings account for a child.",
    }
    return {**body, **changes}


def _ids(api, token: str, query: str = "") -> set[int]:
    answer = api("GET", f"/assignments?{query}", token)
    assert answer.status_code == 200, answer.text
    return {a["id"] for a in answer.get_json()["items"]}


def test_managers_read_the_assignments_of_their_regions(api, world, offers):
    both = {offers["leeds"], offers["bristol"]}
    for who in ("admin", "national"):
        assert _ids(api, world.tokens[who]) == both
        for name in ("leeds", "bristol"):
            assert api("GET", f"/assignments/{offers[name]}", world.tokens[who]).status_code == 200
    regional = world.tokens["regional"]
    assert _ids(api, regional) == {offers["leeds"]}
    assert _ids(api, regional, f"region_id={world.regions['South']}") == set()
    assert _ids(api, regional, f"branch_id={world.branches['S-BRIS']}") == set()
    assert api("GET", f"/assignments/{offers['leeds']}", regional).status_code == 200
    outside = api("GET", f"/assignments/{offers['bristol']}", regional)
    assert outside.status_code == 403 and outside.content_type == "application/problem+json"
    assert "Bristol" not in outside.text and "S-BRIS" not in outside.text
    cancel = api("POST", f"/assignments/{offers['bristol']}/cancel", regional, json={"reason": "x"})
    assert cancel.status_code == 403
    assert api("GET", "/assignments/999999", regional).status_code == 404


def test_other_roles_are_refused_as_on_the_pages(api, world, offers):
    for who in ("assessor", "shopper", "staff"):
        token = world.tokens[who]
        assert api("GET", "/assignments", token).status_code == 403, who
        assert api("GET", f"/assignments/{offers['leeds']}", token).status_code == 403, who
        assert api("POST", "/assignments", token, json=_body(world, offers)).status_code == 403
        cancel = api("POST", f"/assignments/{offers['leeds']}/cancel", token, json={"reason": "x"})
        assert cancel.status_code == 403


def test_an_assignment_is_offered_and_its_create_is_idempotent(app, api, world, offers):
    token, key = world.tokens["regional"], {"Idempotency-Key": "offer-york-1"}
    made = api("POST", "/assignments", token, headers=key, json=_body(world, offers))
    assert made.status_code == 201, made.text
    offer = made.get_json()
    assert offer["status"] == "offered" and offer["branch_code"] == "N-YORK"
    assert offer["scorecard"] == "rules-card" and offer["shopper_role"] == "shopper"
    assert offer["window_end"] == (TODAY + timedelta(days=14)).isoformat()
    assert made.headers["Location"].endswith(f"/api/v1/assignments/{offer['id']}")
    again = api("POST", "/assignments", token, headers=key, json=_body(world, offers))
    assert again.status_code == 201 and again.get_json() == offer
    assert again.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        york = world.branches["N-YORK"]
        count = select(func.count(Assignment.id)).where(Assignment.branch_id == york)
        assert db.session.scalar(count) == 1
        assert count_events("assignment.created", offer["id"]) == 1


def test_the_service_refuses_by_field(app, api, world, offers):
    with app.app_context():
        draft = new_scorecard({"slug": "draft", "title": "D", "channel": "web", "target": 80}, None)
        staff_id = db.session.scalar(select(User.id).where(User.email == world.users["staff"]))
        db.session.commit()
        draft_card = draft.scorecard_id
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    cases = [
        ("regional", {"branch_id": world.branches["S-BRIS"]}, "branch_id"),
        ("admin", {"branch_id": 999_999}, "branch_id"),
        ("admin", {"scorecard_id": draft_card}, "scorecard_id"),
        ("admin", {"shopper_id": staff_id}, "shopper_id"),
        ("admin", {"window_start": yesterday, "window_end": yesterday}, "window_end"),
        ("admin", {"window_end": "2000-01-01"}, "window_end"),
        ("admin", {"shopper_id": offers["north assessor"], "branch_id": 3}, "branch_id"),
        ("admin", {"scenario": "   "}, "scenario"),
    ]
    for who, changes, field in cases:
        refused = api(
            "POST", "/assignments", world.tokens[who], json=_body(world, offers, **changes)
        )
        assert refused.status_code == 422, (changes, refused.text)
        assert refused.content_type == "application/problem+json"
        assert field in [e["field"] for e in refused.get_json()["errors"]], (changes, refused.text)
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 2


def test_the_lockout_is_kept_unless_overridden_with_a_reason(app, api, world, offers):
    token = world.tokens["national"]
    at_bristol = _body(world, offers, branch_id=world.branches["S-BRIS"])
    locked = api("POST", "/assignments", token, json=at_bristol)
    assert locked.status_code == 409, locked.text
    problem = locked.get_json()
    assert problem["errors"][0]["field"] == "branch_id"
    assert "Bristol" in problem["errors"][0]["message"] and "override_lockout" in problem["detail"]
    silent = api("POST", "/assignments", token, json={**at_bristol, "override_lockout": True})
    assert silent.status_code == 422
    assert silent.get_json()["errors"][0]["field"] == "override_reason"
    reason = "The branch was refitted; see it again."
    made = api(
        "POST",
        "/assignments",
        token,
        json={**at_bristol, "override_lockout": True, "override_reason": reason},
    )
    assert made.status_code == 201, made.text
    assert made.get_json()["lockout_overridden"] is True
    assert made.get_json()["override_reason"] == reason


def test_an_assignment_is_cancelled_once_with_a_reason(app, api, world, offers):
    token, path = world.tokens["regional"], f"/assignments/{offers['leeds']}/cancel"
    assert api("POST", path, token, json={"reason": " "}).status_code == 422
    cancelled = api("POST", path, token, json={"reason": "Branch closed for a refit."})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancel_reason"] == "Branch closed for a refit."
    again = api("POST", path, token, json={"reason": "Again."})
    assert again.status_code == 409 and "cancelled" in again.get_json()["detail"]
    with app.app_context():
        assert count_events("assignment.cancelled", offers["leeds"]) == 1


def test_the_list_filters_and_pages(app, api, world, offers):
    admin = world.tokens["admin"]
    # Leeds' window ended a month ago: listing marks it overdue first, as the page does
    leeds = api("GET", f"/assignments/{offers['leeds']}", admin).get_json()
    assert leeds["status"] == "overdue"
    assert _ids(api, admin, "status=overdue") == {offers["leeds"]}
    assert _ids(api, admin, "status=open") == {offers["leeds"], offers["bristol"]}
    assert _ids(api, admin, "status=cancelled") == set()
    assert _ids(api, admin, f"region_id={world.regions['South']}") == {offers["bristol"]}
    assert _ids(api, admin, f"shopper_id={offers['shopper']}") == {
        offers["leeds"],
        offers["bristol"],
    }
    assert _ids(api, admin, f"window_from={TODAY.isoformat()}") == {offers["bristol"]}
    since = (TODAY - timedelta(days=10)).isoformat()
    assert _ids(api, admin, f"window_to={since}") == {offers["leeds"]}
    first = api("GET", "/assignments?limit=1", admin).get_json()
    second = api("GET", f"/assignments?limit=1&cursor={first['next_cursor']}", admin).get_json()
    assert [a["id"] for a in first["items"] + second["items"]] == sorted(
        [offers["leeds"], offers["bristol"]]
    )
    assert second["next_cursor"] is None
    bad = api("GET", "/assignments?status=lost", admin)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "status"
    with app.app_context():
        assert db.session.get(Assignment, offers["leeds"]).status is S.OVERDUE
        assert db.session.get(Scorecard, offers["card"]).slug == "rules-card"
