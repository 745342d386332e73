"""Reviewing visits over the API: the review service decides, with the rules of the review
pages, and every decision is an audit event in the visit's history."""

from __future__ import annotations

from sqlalchemy import select

from audit.extensions import db
from audit.models import AnswerChange
from audit.review.service import add_comment
from tests.api.visit_data import user, visits_fixture  # noqa: F401  (a fixture)
from tests.builders import count_events, event_actions


def test_approve_then_publish(app, api, world, visits):
    token, visit_id = world.tokens["regional"], visits["N-SUB"]
    approved = api("POST", f"/visits/{visit_id}/approve", token)
    assert approved.status_code == 200, approved.text
    body = approved.get_json()
    assert body["status"] == "approved" and body["approved_at"]
    assert body["review"]["actions"] == ["publish", "exclude", "edit_answer"]
    again = api("POST", f"/visits/{visit_id}/approve", token)
    assert again.status_code == 409 and "approved" in again.get_json()["detail"]
    published = api("POST", f"/visits/{visit_id}/publish", token).get_json()
    assert published["status"] == "published"
    assert [h["event"] for h in published["review"]["history"]] == [
        "visit.approved",
        "visit.published",
    ]
    assert event_actions("visits", visit_id, app=app) == ["visit.approved", "visit.published"]
    # The staff member it names reads it now.
    assert api("GET", f"/visits/{visit_id}", world.tokens["staff"]).status_code == 200


def test_return_needs_a_reason_typed_or_saved(app, api, world, visits):
    token, url = world.tokens["national"], f"/visits/{visits['N-SUB']}"
    missing = api("POST", f"{url}/return", token, json={"reason": "  "})
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == [
        {"field": "reason", "message": "Tell the shopper what to fix."}
    ]
    with app.app_context():
        saved = add_comment("return", "Attach the receipt, please.", user(world, "national"))
        db.session.commit()
        saved_id = saved.id
    returned = api("POST", f"{url}/return", token, json={"saved_comment_id": saved_id})
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    assert returned.get_json()["return_reason"] == "Attach the receipt, please."
    mine = api("GET", url, world.tokens["shopper"]).get_json()
    assert mine["status"] == "returned" and mine["return_reason"] == "Attach the receipt, please."
    assert count_events("visit.returned", visits["N-SUB"], app=app) == 1


def test_exclude_and_include_with_reasons(app, api, world, visits):
    token, url = world.tokens["admin"], f"/visits/{visits['N-APP']}"
    excluded = api("POST", f"{url}/exclude", token, json={"reason": "A test visit."})
    assert excluded.get_json()["excluded"] is True
    assert excluded.get_json()["exclusion_reason"] == "A test visit."
    assert excluded.get_json()["review"]["actions"] == ["include", "edit_answer"]
    refused = api("POST", f"{url}/publish", token)
    assert refused.status_code == 409 and "include it again" in refused.get_json()["detail"]
    included = api("POST", f"{url}/include", token, json={"reason": "It was real."})
    assert included.get_json()["excluded"] is False
    history = included.get_json()["review"]["history"]
    assert [(h["event"], h["reason"]) for h in history] == [
        ("visit.excluded", "A test visit."),
        ("visit.included", "It was real."),
    ]


def test_an_answer_is_changed_recorded_and_rescored(app, api, world, visits):
    token, url = world.tokens["regional"], f"/visits/{visits['N-SUB']}"
    before = api("GET", url, token).get_json()["percent"]
    body = {"value": "no", "comment": "Nobody said hello.", "reason": "Seen on CCTV."}
    changed = api("POST", f"{url}/answers/greeted", token, json=body)
    assert changed.status_code == 200, changed.text
    visit = changed.get_json()
    assert before > 0 and visit["percent"] == 0.0 and visit["critical_failed"] is True
    greeted = next(a for a in visit["answers"] if a["key"] == "greeted")
    assert greeted["value"] == "no" and greeted["changed"] == "changed by the reviewer"
    assert greeted["comment_by"] == "Reviewer's comment"
    (entry,) = visit["review"]["history"]
    assert (entry["event"], entry["question"], entry["old_value"], entry["new_value"]) == (
        "visit.answer_edited",
        "greeted",
        "yes",
        "no",
    )
    assert (entry["reason"], entry["percent_before"], entry["percent_after"]) == (
        "Seen on CCTV.",
        before,
        0.0,
    )
    with app.app_context():
        change = db.session.scalar(select(AnswerChange))
        assert change.changed_by.email == world.users["regional"]
    assert count_events("visit.answer_edited", visits["N-SUB"], app=app) == 1


def test_answer_changes_are_refused_by_field(app, api, world, visits):
    token, url = world.tokens["admin"], f"/visits/{visits['N-SUB']}"

    def refusal(key: str, body: dict) -> tuple[int, list[str]]:
        answer = api("POST", f"{url}/answers/{key}", token, json=body)
        errors = answer.get_json()["errors"]
        return answer.status_code, [e["field"] for e in errors]

    assert refusal("greeted", {"value": "maybe", "reason": "x"}) == (422, ["value"])
    assert refusal("greeted", {"value": "no", "reason": ""}) == (422, ["reason"])
    assert refusal("greeted", {"value": "yes", "reason": "x"}) == (422, ["value"])  # unchanged
    assert refusal("no_such_question", {"value": "yes", "reason": "x"}) == (404, [])
    published = api(
        "POST",
        f"/visits/{visits['N-PUB']}/answers/greeted",
        token,
        json={"value": "no", "comment": "c", "reason": "x"},
    )
    assert published.status_code == 409 and "appeal" in published.get_json()["detail"]
    with app.app_context():
        assert db.session.scalar(select(AnswerChange)) is None
