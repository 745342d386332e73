"""Corrective actions over the API: who lists and reads which (managers their regions,
staff what they own, never a proposal), the filters, and every write going through the
action service, recorded, refused by field."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from audit.accounts.api_tokens import create_token
from audit.extensions import db
from audit.models import Action, User
from tests.api.followup_world import (
    followup_fixture,  # noqa: F401  (the followup fixture)
    keys_of,
    listed,
)
from tests.builders import count_events, event_actions

EVERY = {"mine", "leeds_open", "york", "bristol"}  # the active ones; "proposed" is not active


def _list(api, token, query="") -> list[dict]:  # noqa: ANN001
    return listed(api, f"/actions{query}", token)


# --- scoping -------------------------------------------------------------------------------


def test_unscoped_managers_list_and_read_every_action(api, world, followup):
    for who in ("admin", "national"):
        token = world.tokens[who]
        assert keys_of(followup.actions, _list(api, token)) == EVERY
        everything = _list(api, token, "?status=all")
        assert keys_of(followup.actions, everything) == EVERY | {"proposed"}
        for action_id in followup.actions.values():
            assert api("GET", f"/actions/{action_id}", token).status_code == 200, who


def test_a_regional_manager_lists_and_reads_only_their_region(api, world, followup):
    token = world.tokens["regional"]
    seen = keys_of(followup.actions, _list(api, token, "?status=all"))
    assert seen == {"mine", "leeds_open", "york", "proposed"}
    south = world.regions["South"]
    assert _list(api, token, f"?region_id={south}") == []
    assert _list(api, token, f"?branch_id={world.branches['S-BRIS']}") == []
    outside = api("GET", f"/actions/{followup.actions['bristol']}", token)
    assert outside.status_code == 403
    assert outside.content_type == "application/problem+json"
    assert "Bristol" not in outside.text and "Train the team" not in outside.text


def test_a_staff_token_sees_only_the_actions_it_owns(api, world, followup):
    token = world.tokens["staff"]
    assert keys_of(followup.actions, _list(api, token, "?status=all")) == {"mine"}
    mine = api("GET", f"/actions/{followup.actions['mine']}", token).get_json()
    assert mine["title"] == "Fix the queue" and mine["owner_name"]
    assert mine["history"] is None and mine["visit_id"] is None  # the manager's page only
    for key in ("leeds_open", "proposed", "york", "bristol"):
        answer = api("GET", f"/actions/{followup.actions[key]}", token)
        assert answer.status_code == 404, key


def test_shoppers_and_assessors_reach_no_action(api, world, followup):
    mine, body = followup.actions["mine"], {"status": "done", "note": "x"}
    for who in ("assessor", "shopper"):
        token = world.tokens[who]
        assert api("GET", "/actions", token).status_code == 403
        assert api("GET", f"/actions/{mine}", token).status_code == 403
        assert api("POST", f"/actions/{mine}/updates", token, json=body).status_code == 403


def test_a_manager_reads_the_history(api, world, followup):
    read = api("GET", f"/actions/{followup.actions['mine']}", world.tokens["regional"])
    history = read.get_json()["history"]
    assert [e["event"] for e in history] == ["action.created"]
    assert history[0]["words"] == "Created" and history[0]["details"]["changes"]["title"]
    assert read.headers["ETag"]


# --- filters and pages ---------------------------------------------------------------------


def test_the_filters(api, world, followup):
    token, staff = world.tokens["national"], world.staff["NSL"]
    keys = lambda query: keys_of(followup.actions, _list(api, token, query))  # noqa: E731
    assert keys("?overdue=true") == {"york"}
    assert keys("?overdue=false") == EVERY - {"york"}
    assert keys("?status=overdue") == {"york"}
    assert keys("?status=proposed") == {"proposed"}
    assert keys(f"?region_id={world.regions['North']}") == {"mine", "leeds_open", "york"}
    assert keys(f"?branch_id={world.branches['N-YORK']}") == {"york"}
    assert keys(f"?owner=s:{staff}") == {"mine"}
    assert keys("?owner=none") == EVERY - {"mine"}
    bad = api("GET", "/actions?owner=someone", token)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "owner"


def test_a_list_pages_by_cursor(api, world, followup):
    token, seen, query = world.tokens["admin"], [], "?status=all&limit=2"
    while True:
        page = api("GET", f"/actions{query}", token).get_json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        query = f"?status=all&limit=2&cursor={page['next_cursor']}"
    assert seen == sorted(followup.actions.values())


# --- raising and planning --------------------------------------------------------------------


def test_a_manager_raises_an_action_recorded_and_idempotent(app, api, world, followup):
    token, ns1 = world.tokens["regional"], world.staff["NS1"]
    due = (date.today() + timedelta(days=14)).isoformat()
    body = {
        "branch_id": world.branches["N-YORK"],
        "title": "Repaint the sign",
        "priority": "high",
        "due_on": due,
        "owner": f"s:{world.staff['NS2']}",
    }
    made = api("POST", "/actions", token, json=body, headers={"Idempotency-Key": "sign-1"})
    assert made.status_code == 201, made.text
    action = made.get_json()
    assert made.headers["Location"].endswith(f"/actions/{action['id']}")
    assert (action["status"], action["priority"], action["due_on"]) == ("open", "high", due)
    assert action["branch_code"] == "N-YORK" and action["owner"] == f"s:{world.staff['NS2']}"
    again = api("POST", "/actions", token, json=body, headers={"Idempotency-Key": "sign-1"})
    assert again.status_code == 201 and again.get_json()["id"] == action["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = {**body, "title": "Something else"}
    reused = api("POST", "/actions", token, json=other, headers={"Idempotency-Key": "sign-1"})
    assert reused.status_code == 422
    assert reused.get_json()["errors"][0]["field"] == "Idempotency-Key"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Action)) == 6
        assert event_actions("actions", action["id"]) == ["action.created"]
    wrong_owner = {**body, "owner": f"s:{ns1}", "branch_id": world.branches["N-YORK"]}
    refused = api("POST", "/actions", token, json=wrong_owner)  # NS1 works at Leeds
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "owner"


#: Bodies refused (over a valid one), and the field each answer names.
REFUSED = [
    ({"branch_id": "S-BRIS"}, "branch_id"),  # outside the regional manager's regions
    ({"title": "  "}, "title"),
    ({"due_on": "2020-01-01"}, "due_on"),
    ({"title": "x" * 201}, "title"),
    ({"priority": "urgent"}, "priority"),
    ({"surprise": 1}, "surprise"),
]


def test_a_refused_action_names_its_field(app, api, world, followup):
    for change, field in REFUSED:
        body = {"branch_id": world.branches["N-LEEDS"], "title": "Fix it", **change}
        if body["branch_id"] == "S-BRIS":
            body["branch_id"] = world.branches["S-BRIS"]
        answer = api("POST", "/actions", world.tokens["regional"], json=body)
        assert answer.status_code == 422, (change, answer.text)
        assert answer.content_type == "application/problem+json"
        assert [e["field"] for e in answer.get_json()["errors"]] == [field], change
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Action)) == 5


def test_staff_raise_and_plan_nothing(api, world, followup):
    token = world.tokens["staff"]
    body = {"branch_id": world.branches["N-LEEDS"], "title": "Mine now"}
    assert api("POST", "/actions", token, json=body).status_code == 403
    mine = followup.actions["mine"]
    assert api("PATCH", f"/actions/{mine}", token, json={"title": "x"}).status_code == 403


def test_a_manager_changes_the_plan_in_their_region_only(app, api, world, followup):
    token, leeds_open = world.tokens["regional"], followup.actions["leeds_open"]
    owner = _manager_id(app, world, "regional")
    changed = api(
        "PATCH", f"/actions/{leeds_open}", token, json={"owner": f"u:{owner}", "priority": "low"}
    )
    assert changed.status_code == 200, changed.text
    action = changed.get_json()
    assert (action["owner"], action["priority"], action["title"]) == (
        f"u:{owner}",
        "low",
        "Tidy the window",  # only what was sent changes
    )
    assert [e["event"] for e in action["history"]] == ["action.created", "action.edited"]
    same = api("PATCH", f"/actions/{leeds_open}", token, json={"priority": "low"})
    assert same.status_code == 409 and "Nothing changed" in same.get_json()["detail"]
    bristol = followup.actions["bristol"]
    assert api("PATCH", f"/actions/{bristol}", token, json={"title": "x"}).status_code == 403
    with app.app_context():
        assert count_events("action.edited", leeds_open) == 1


def _manager_id(app, world, who) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == world.users[who]))


def test_a_proposal_is_accepted_or_dismissed(app, api, world, followup):
    token, proposed = world.tokens["regional"], followup.actions["proposed"]
    empty = api("POST", f"/actions/{proposed}/dismiss", token, json={"reason": " "})
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "reason"
    due = (date.today() + timedelta(days=7)).isoformat()
    accepted = api("POST", f"/actions/{proposed}/accept", token, json={"due_on": due})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.get_json()["status"], accepted.get_json()["due_on"]) == ("open", due)
    late = api("POST", f"/actions/{proposed}/dismiss", token, json={"reason": "No need"})
    assert late.status_code == 409 and "Only a proposal" in late.get_json()["detail"]
    with app.app_context():
        assert event_actions("actions", proposed)[-1] == "action.accepted"


# --- owners' updates -------------------------------------------------------------------------


def test_the_owner_posts_progress_recorded_and_idempotent(app, api, world, followup):
    token, mine = world.tokens["staff"], followup.actions["mine"]
    url = f"/actions/{mine}/updates"
    body = {"status": "in_progress", "note": "Second till opened."}
    posted = api("POST", url, token, json=body, headers={"Idempotency-Key": "u1"})
    assert posted.status_code == 201, posted.text
    action = posted.get_json()
    assert action["status"] == "in_progress"
    assert [(u["status_to"], u["note"]) for u in action["updates"]] == [
        ("in_progress", "Second till opened.")
    ]
    again = api("POST", url, token, json=body, headers={"Idempotency-Key": "u1"})
    assert len(again.get_json()["updates"]) == 1
    blank = api("POST", url, token, json={"status": "done", "note": ""})
    assert blank.status_code == 422 and blank.get_json()["errors"][0]["field"] == "note"
    done = api("POST", url, token, json={"status": "done", "note": "Queue gone."})
    assert done.get_json()["status"] == "done" and done.get_json()["closed_at"]
    back = api("POST", url, token, json={"status": "open", "note": "Again"})
    assert back.status_code == 422
    assert back.get_json()["errors"] == [
        {"field": "status", "message": "A done action cannot become open."}
    ]
    with app.app_context():
        assert count_events("action.updated", mine) == 2


def test_a_proposal_takes_no_update_and_others_post_none(api, world, followup):
    body = {"status": "in_progress", "note": "x"}
    proposed = api(
        "POST",
        f"/actions/{followup.actions['proposed']}/updates",
        world.tokens["national"],
        json=body,
    )
    assert proposed.status_code == 409
    not_mine = api(
        "POST",
        f"/actions/{followup.actions['leeds_open']}/updates",
        world.tokens["staff"],
        json=body,
    )
    assert not_mine.status_code == 404


def test_a_read_only_token_changes_nothing(app, api, world, followup):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.users["national"]))
        secret = create_token(user, "BI", ["actions:read"]).secret
        db.session.commit()
    assert api("GET", "/actions", secret).status_code == 200
    body = {"branch_id": world.branches["N-LEEDS"], "title": "x"}
    refused = api("POST", "/actions", secret, json=body)
    assert refused.status_code == 403 and "actions:write" in refused.get_json()["detail"]
