"""Changing the organisation through the API: the org area's services do the work, so
every change is in the audit trail, and the HR sync is all or nothing."""

from __future__ import annotations

from sqlalchemy import select

from audit.extensions import db
from audit.models import Branch, StaffMember
from tests.builders import count_events


def test_a_branch_is_created_changed_and_deactivated(app, api, world):
    token, north = world.tokens["regional"], world.regions["North"]
    made = api(
        "POST",
        "/branches",
        token,
        json={"code": "n-hull", "name": "Hull", "region_id": north, "lat": 53.7, "lng": -0.3},
    )
    assert made.status_code == 201
    branch = made.get_json()
    assert branch["code"] == "N-HULL" and branch["region"] == "North"
    url = f"/branches/{branch['id']}"
    changed = api("PATCH", url, token, json={"address": "1 Whitefriargate"}).get_json()
    assert changed["address"] == "1 Whitefriargate"
    assert changed["name"] == "Hull" and changed["lat"] == 53.7  # only what was sent changes
    gone = api("DELETE", url, token)
    assert gone.status_code == 200 and gone.get_json()["active"] is False
    codes = [b["code"] for b in api("GET", "/branches", token).get_json()["items"]]
    assert "N-HULL" not in codes
    with app.app_context():
        assert count_events("branch.created", branch["id"]) == 1
        assert count_events("branch.updated", branch["id"]) == 1
        assert count_events("branch.deactivated", branch["id"]) == 1


def test_a_staff_member_is_created_changed_and_deactivated(app, api, world):
    token = world.tokens["national"]
    made = api(
        "POST",
        "/staff",
        token,
        json={
            "code": "ns9",
            "name": "Nia Shah",
            "branch_id": world.branches["N-YORK"],
            "job_title": "Adviser",
            "email": "Nia@Example.org",
        },
    )
    assert made.status_code == 201, made.text
    member = made.get_json()
    assert member["code"] == "NS9" and member["email"] == "nia@example.org"
    url = f"/staff/{member['id']}"
    moved = api("PATCH", url, token, json={"branch_id": world.branches["S-BRIS"]}).get_json()
    assert moved["branch_code"] == "S-BRIS" and moved["name"] == "Nia Shah"
    bad = api("PATCH", url, token, json={"email": "not an address"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "email"
    assert api("DELETE", url, token).get_json()["active"] is False
    with app.app_context():
        assert count_events("staff.created", member["id"]) == 1
        assert count_events("staff.updated", member["id"]) == 1
        assert count_events("staff.deactivated", member["id"]) == 1


def test_the_hr_sync_creates_and_updates_by_code(app, api, world):
    rows = [
        {"code": "NS1", "name": "Renamed One", "branch": "N-YORK", "job_title": "Lead"},
        {
            "code": "NEW7",
            "name": "Seven",
            "branch": "n-leeds",
            "job_title": "Adviser",
            "email": "seven@example.org",
        },
    ]
    answer = api("PUT", "/staff", world.tokens["regional"], json={"staff": rows})
    assert answer.status_code == 200, answer.text
    assert answer.get_json() == {"created": 1, "updated": 1}
    with app.app_context():
        one = db.session.get(StaffMember, world.staff["NS1"])
        assert (one.name, one.branch.code, one.job_title) == ("Renamed One", "N-YORK", "Lead")
        assert db.session.scalar(select(StaffMember).where(StaffMember.code == "NEW7")).email == (
            "seven@example.org"
        )
        assert count_events("staff.imported") == 1


def test_the_hr_sync_is_all_or_nothing_with_every_bad_row(app, api, world):
    rows = [
        {"code": "NS1", "name": "Changed", "branch": "N-LEEDS", "job_title": "Lead"},
        {"code": "NEW8", "name": "Eight", "branch": "NOWHERE", "job_title": "Adviser"},
        {"code": "", "name": "No code", "branch": "N-LEEDS", "job_title": "Adviser"},
        {"code": "SS1", "name": "South", "branch": "N-LEEDS", "job_title": "Adviser"},
        {
            "code": "NEW9",
            "name": "Nine",
            "branch": "N-LEEDS",
            "job_title": "Adviser",
            "email": "nope",
        },
    ]
    answer = api("PUT", "/staff", world.tokens["regional"], json={"staff": rows})
    assert answer.status_code == 422
    assert answer.content_type == "application/problem+json"
    errors = answer.get_json()["errors"]
    assert [e["field"] for e in errors] == ["staff[1]", "staff[2]", "staff[3]", "staff[4]"]
    assert "unknown branch 'NOWHERE'" in errors[0]["message"]
    assert "code is empty" in errors[1]["message"]
    assert "outside your scope" in errors[2]["message"]
    with app.app_context():
        assert db.session.get(StaffMember, world.staff["NS1"]).name != "Changed"
        assert db.session.scalar(select(StaffMember).where(StaffMember.code == "NEW8")) is None
        assert count_events("staff.imported") == 0


def test_the_hr_sync_refuses_a_malformed_body_by_field(app, api, world):
    token = world.tokens["admin"]
    assert api("PUT", "/staff", token, json={"staff": []}).status_code == 422
    answer = api("PUT", "/staff", token, json={"staff": [{"code": "A", "name": "B\nC"}]})
    fields = {e["field"] for e in answer.get_json()["errors"]}
    assert {"staff.0.name", "staff.0.branch", "staff.0.job_title"} <= fields
    with app.app_context():
        assert db.session.scalar(select(Branch).where(Branch.code == "A")) is None
