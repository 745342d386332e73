"""Appeals over the API: reviewers see those of their regions, staff their own; the named
staff member or a manager in scope raises one on a published visit; a reviewer upholds or
amends it, an amendment re-scoring the visit through the appeal service."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AnswerChange, Appeal, Visit
from tests.api.followup_world import (
    followup_fixture,  # noqa: F401  (the followup fixture)
    keys_of,
    listed,
)
from tests.builders import event_actions


def _list(api, token, query="") -> list[dict]:  # noqa: ANN001
    return listed(api, f"/appeals{query}", token)


def _count(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Appeal))


# --- scoping -------------------------------------------------------------------------------


def test_unscoped_reviewers_see_every_appeal(api, world, followup):
    for who in ("admin", "national"):
        token = world.tokens[who]
        assert keys_of(followup.appeals, _list(api, token)) == {"staff_n", "manager_s"}, who
        for appeal_id in followup.appeals.values():
            assert api("GET", f"/appeals/{appeal_id}", token).status_code == 200, who


def test_a_regional_manager_sees_only_their_region(api, world, followup):
    token = world.tokens["regional"]
    assert keys_of(followup.appeals, _list(api, token, "?status=all")) == {"staff_n"}
    assert _list(api, token, f"?visit_id={followup.visits['PUB_S']}") == []
    outside = api("GET", f"/appeals/{followup.appeals['manager_s']}", token)
    assert outside.status_code == 403 and "Bristol" not in outside.text


def test_a_staff_token_sees_only_its_own_appeals(api, world, followup):
    token = world.tokens["staff"]
    (mine,) = _list(api, token, "?status=all")
    assert mine["id"] == followup.appeals["staff_n"]
    assert (mine["question_key"], mine["answer"], mine["status"]) == ("outcome", "Partly", "open")
    assert mine["question_text"] == "Resolved?" and mine["branch"] == "Leeds"
    other = api("GET", f"/appeals/{followup.appeals['manager_s']}", token)
    assert other.status_code == 404


def test_shoppers_and_assessors_reach_no_appeal(api, world, followup):
    body = {"visit_id": followup.visits["PUB_N"], "question_key": "empathy", "reason": "x"}
    for who in ("assessor", "shopper"):
        token = world.tokens[who]
        assert api("GET", "/appeals", token).status_code == 403
        assert api("GET", f"/appeals/{followup.appeals['staff_n']}", token).status_code == 403
        assert api("POST", "/appeals", token, json=body).status_code == 403


# --- raising -------------------------------------------------------------------------------


def test_the_named_staff_member_raises_an_appeal_once(app, api, world, followup):
    token = world.tokens["staff"]
    body = {
        "visit_id": followup.visits["PUB_N"],
        "question_key": "empathy",
        "reason": "I listened closely.",
        "requested_value": "5",
    }
    made = api("POST", "/appeals", token, json=body, headers={"Idempotency-Key": "a-1"})
    assert made.status_code == 201, made.text
    appeal = made.get_json()
    assert made.headers["Location"].endswith(f"/appeals/{appeal['id']}")
    assert (appeal["status"], appeal["requested_value"], appeal["answer"]) == ("open", "5", "4")
    replay = api("POST", "/appeals", token, json=body, headers={"Idempotency-Key": "a-1"})
    assert replay.get_json()["id"] == appeal["id"]
    twice = api("POST", "/appeals", token, json=body)
    assert twice.status_code == 422
    assert twice.get_json()["errors"][0] == {
        "field": "question_key",
        "message": "This answer already has an open appeal.",
    }
    assert _count(app) == 3
    assert event_actions("appeals", appeal["id"], app=app) == ["appeal.raised"]


#: Who sends which change of a valid appeal, and the field the refusal names.
REFUSED = [
    ("staff", {"visit_id": "PUB_S"}, "visit_id"),  # not named on it
    ("staff", {"visit_id": "WAIT_N"}, "visit_id"),  # not published
    ("regional", {"visit_id": "PUB_S"}, "visit_id"),  # outside the region
    ("staff", {"question_key": "greeted"}, "question_key"),  # lost no points
    ("staff", {"question_key": "nothing"}, "question_key"),
    ("staff", {"requested_value": "7"}, "requested_value"),  # the scale is 1 to 5
    ("staff", {"requested_value": "4"}, "requested_value"),  # the answer as given
    ("staff", {"reason": ""}, "reason"),
]


def test_a_refused_appeal_names_its_field(app, api, world, followup):
    for who, change, field in REFUSED:
        body = {"visit_id": "PUB_N", "question_key": "empathy", "reason": "Wrong", **change}
        body["visit_id"] = followup.visits[body["visit_id"]]
        answer = api("POST", "/appeals", world.tokens[who], json=body)
        assert answer.status_code == 422, (change, answer.text)
        assert answer.content_type == "application/problem+json"
        assert [e["field"] for e in answer.get_json()["errors"]] == [field], change
    assert _count(app) == 2


# --- deciding ------------------------------------------------------------------------------


def test_a_reviewer_upholds_with_a_reason(app, api, world, followup):
    token, appeal_id = world.tokens["regional"], followup.appeals["staff_n"]
    url = f"/appeals/{appeal_id}/decision"
    blank = api("POST", url, token, json={"decision": "uphold", "note": ""})
    assert blank.status_code == 422 and blank.get_json()["errors"][0]["field"] == "note"
    body, key = {"decision": "uphold", "note": "The notes agree."}, {"Idempotency-Key": "d-1"}
    decided = api("POST", url, token, json=body, headers=key)
    assert decided.status_code == 200, decided.text
    retried = api("POST", url, token, json=body, headers=key)  # a retry gets the same answer
    assert retried.status_code == 200 and retried.headers["Idempotent-Replayed"] == "true"
    appeal = decided.get_json()
    assert (appeal["status"], appeal["decision_note"]) == ("upheld", "The notes agree.")
    assert appeal["change"] is None and appeal["decided_by"]
    again = api("POST", url, token, json={"decision": "uphold", "note": "Again"})
    assert again.status_code == 409 and "decided" in again.get_json()["detail"]
    assert event_actions("appeals", appeal_id, app=app) == ["appeal.raised", "appeal.upheld"]


def test_an_amendment_rescores_the_visit_through_the_service(app, api, world, followup):
    token, appeal_id = world.tokens["national"], followup.appeals["staff_n"]
    url = f"/appeals/{appeal_id}/decision"
    missing = api("POST", url, token, json={"decision": "amend", "note": "Agreed"})
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "value"
    with app.app_context():
        before = db.session.get(Visit, followup.visits["PUB_N"]).percent
    body = {"decision": "amend", "note": "Agreed", "value": "Fully"}
    decided = api("POST", url, token, json=body)
    assert decided.status_code == 200, decided.text
    appeal = decided.get_json()
    assert (appeal["status"], appeal["answer"]) == ("amended", "Fully")
    change = appeal["change"]
    assert (change["old_value"], change["new_value"]) == ("Partly", "Fully")
    assert change["percent_before"] == pytest.approx(before)
    with app.app_context():
        visit = db.session.get(Visit, followup.visits["PUB_N"])
        assert visit.percent == pytest.approx(change["percent_after"]) and visit.percent > before
        assert db.session.scalar(select(func.count()).select_from(AnswerChange)) == 1
    assert event_actions("appeals", appeal_id, app=app)[-1] == "appeal.amended"


def test_who_may_not_decide(api, world, followup):
    body = {"decision": "uphold", "note": "Stands"}
    staff_n, manager_s = followup.appeals["staff_n"], followup.appeals["manager_s"]
    own = api("POST", f"/appeals/{manager_s}/decision", world.tokens["national"], json=body)
    assert own.status_code == 409 and "another reviewer" in own.get_json()["detail"]
    regional = api("POST", f"/appeals/{manager_s}/decision", world.tokens["regional"], json=body)
    assert regional.status_code == 403
    staff = api("POST", f"/appeals/{staff_n}/decision", world.tokens["staff"], json=body)
    assert staff.status_code == 403


def test_the_appellant_withdraws(app, api, world, followup):
    staff_n = followup.appeals["staff_n"]
    not_theirs = api("POST", f"/appeals/{staff_n}/withdraw", world.tokens["regional"])
    assert not_theirs.status_code == 409
    withdrawn = api("POST", f"/appeals/{staff_n}/withdraw", world.tokens["staff"])
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert event_actions("appeals", staff_n, app=app)[-1] == "appeal.withdrawn"
