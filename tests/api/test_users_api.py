"""User accounts over the API: administrators see everyone, a manager the accounts they
could have invited (their regions only, when limited), as on the Invitations page; an
invitation follows the page's rule, its mail is queued (never sent inside the request),
and its link is shown only when mail is not set up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.accounts.api_tokens import create_token
from audit.accounts.invitation_mail import mail_states
from audit.extensions import db
from audit.models import Branch, Region, Role, User
from audit.tasks import wait_for_tasks
from tests.builders import count_events, make_staff_login, make_user


@pytest.fixture
def people(app, world) -> dict[str, int]:
    """User ids by who: the world's people, an assessor limited to each region and a staff
    login at Bristol (South)."""
    with app.app_context():
        north = db.session.get(Region, world.regions["North"])
        south = db.session.get(Region, world.regions["South"])
        bristol = db.session.get(Branch, world.branches["S-BRIS"])
        ids = {
            "north assessor": make_user(Role.ASSESSOR, regions=[north]).id,
            "south assessor": make_user(Role.ASSESSOR, regions=[south]).id,
            "south staff": make_staff_login(bristol, code="SSL").user.id,
        }
        for who, email in world.users.items():
            ids[who] = db.session.scalar(select(User.id).where(User.email == email))
        db.session.commit()
    return ids


def _listed(api, token: str, query: str = "") -> set[int]:
    answer = api("GET", f"/users?limit=200&{query}", token)
    assert answer.status_code == 200, answer.text
    return {u["id"] for u in answer.get_json()["items"]}


def _ids(people: dict[str, int], *who: str) -> set[int]:
    return {people[w] for w in who}


def test_an_admin_sees_every_account(api, world, people):
    admin = world.tokens["admin"]
    assert _listed(api, admin) == set(people.values())
    for user_id in people.values():
        assert api("GET", f"/users/{user_id}", admin).status_code == 200
    staff = api("GET", f"/users/{people['staff']}", admin).get_json()
    assert staff["role"] == "staff" and staff["staff_id"] == world.staff["NSL"]
    assert staff["status"] == "active" and staff["regions"] == []
    north = api("GET", f"/users/{people['north assessor']}", admin).get_json()
    assert north["regions"] == [{"id": world.regions["North"], "name": "North"}]


def test_a_national_manager_sees_the_roles_below_managers(api, world, people):
    below = _ids(people, "assessor", "shopper", "staff", "north assessor", "south assessor")
    below |= _ids(people, "south staff")
    token = world.tokens["national"]
    assert _listed(api, token) == below
    for who in ("admin", "regional", "national"):
        assert api("GET", f"/users/{people[who]}", token).status_code == 404


def test_a_regional_manager_never_sees_the_other_region(api, world, people):
    token = world.tokens["regional"]
    mine = _ids(people, "shopper", "staff", "north assessor")
    assert _listed(api, token, "status=all") == mine
    for who, user_id in people.items():
        answer = api("GET", f"/users/{user_id}", token)
        if user_id in mine:
            assert answer.status_code == 200, who
        else:  # not even whether the account exists
            assert answer.status_code == 404, who
            assert answer.content_type == "application/problem+json"
            assert world.users.get(who, "@") not in answer.text
    south = world.regions["South"]
    assert _listed(api, token, f"region_id={south}") == set()


def test_other_roles_read_no_accounts(api, world, people):
    body = {"email": "x@example.org", "name": "X", "role": "shopper"}
    for who in ("assessor", "shopper", "staff"):
        token = world.tokens[who]
        assert api("GET", "/users", token).status_code == 403
        assert api("GET", f"/users/{people[who]}", token).status_code == 403
        assert api("POST", "/users", token, json=body).status_code == 403


def test_the_list_filters_by_role_status_and_region(api, world, people):
    admin = world.tokens["admin"]
    assessors = _ids(people, "assessor", "north assessor", "south assessor")
    assert _listed(api, admin, "role=assessor") == assessors
    north = world.regions["North"]
    assert _listed(api, admin, f"region_id={north}") == _ids(
        people, "regional", "north assessor", "staff"
    )
    invited = api(
        "POST", "/users", admin, json={"email": "ivy@example.org", "name": "Ivy", "role": "shopper"}
    ).get_json()["user"]
    assert _listed(api, admin, "status=invited") == {invited["id"]}
    assert invited["id"] in _listed(api, admin, "status=active")
    assert _listed(api, admin, "status=inactive") == set()
    bad = api("GET", "/users?status=asleep", admin)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "status"
    page = api("GET", "/users?limit=2", admin).get_json()
    rest = api("GET", f"/users?limit=200&cursor={page['next_cursor']}", admin).get_json()
    seen = [u["id"] for u in page["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == len(people) + 1


def test_a_manager_invites_as_on_the_page(app, api, world, people):
    token = world.tokens["regional"]
    made = api(
        "POST",
        "/users",
        token,
        json={
            "email": "Nora@Example.org",
            "name": "Nora North",
            "role": "assessor",
            "region_ids": [world.regions["North"]],
        },
    )
    assert made.status_code == 201, made.text
    answer = made.get_json()
    user = answer["user"]
    assert user["email"] == "nora@example.org" and user["status"] == "invited"
    assert made.headers["Location"].endswith(f"/api/v1/users/{user['id']}")
    # mail is not set up: the link comes back to pass on, as the page shows it
    assert answer["invitation"]["mailed"] is False
    assert "/invite/" in answer["invitation"]["link"]
    assert api("GET", f"/users/{user['id']}", token).status_code == 200
    with app.app_context():
        assert count_events("user.invited", user["id"]) == 1


#: What a regional manager (North) may not send, and the field the refusal names.
REFUSED = [
    ({"role": "manager"}, "role"),
    ({"role": "assessor", "region_ids": ["South"]}, "region_ids"),
    ({"role": "assessor"}, "region_ids"),
    ({"role": "staff", "staff_code": "SS1"}, "staff_code"),
    ({"role": "staff", "staff_code": "NOPE"}, "staff_code"),
    ({"role": "shopper", "region_ids": ["North"]}, "region_ids"),
    ({"role": "shopper", "email": "not an address"}, "email"),
]


def test_the_invitation_rule_refuses_by_field(app, api, world, people):
    for sent, field in REFUSED:
        body = {"email": "new@example.org", "name": "New Person", **sent}
        body["region_ids"] = [world.regions[r] for r in body.get("region_ids", [])]
        refused = api("POST", "/users", world.tokens["regional"], json=body)
        assert refused.status_code == 422, (sent, refused.text)
        assert refused.content_type == "application/problem+json"
        assert [e["field"] for e in refused.get_json()["errors"]] == [field], sent
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None


def test_an_address_with_an_account_is_refused(api, world, people):
    body = {"email": world.users["shopper"], "name": "Again", "role": "shopper"}
    refused = api("POST", "/users", world.tokens["admin"], json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "email"


def test_a_mailed_invitation_keeps_its_link_out_of_the_answer(app, api, world, smtp_server):
    app.config.update(smtp_server.config())
    body = {"email": "sam@example.org", "name": "Sam Shopper", "role": "shopper"}
    made = api("POST", "/users", world.tokens["national"], json=body)
    assert made.status_code == 201, made.text
    assert made.get_json()["invitation"] == {
        "expires_at": made.get_json()["invitation"]["expires_at"],
        "mailed": True,
        "link": None,
    }
    wait_for_tasks()  # the mail goes out from the task queue (the in-process pool here)
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["sam@example.org"]
    assert "/invite/" in message.get_content()
    with app.app_context():  # the task recorded that the server took it, as the page shows
        assert mail_states([made.get_json()["user"]["id"]]) == {
            made.get_json()["user"]["id"]: "mailed"
        }


def test_an_invitation_is_idempotent_by_key(app, api, world):
    token, key = world.tokens["admin"], {"Idempotency-Key": "invite-1"}
    body = {"email": "ida@example.org", "name": "Ida", "role": "manager"}
    first = api("POST", "/users", token, headers=key, json=body)
    again = api("POST", "/users", token, headers=key, json=body)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()  # the same link: no second invitation
    assert again.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        assert count_events("user.invited", first.get_json()["user"]["id"]) == 1


def test_a_token_scoped_to_reading_users_cannot_invite(app, api, world, people):
    with app.app_context():
        admin = db.session.get(User, people["admin"])
        reader = create_token(admin, "directory", scopes=["users:read"]).secret
        cards_only = create_token(admin, "cards", scopes=["scorecards:read"]).secret
        db.session.commit()
    assert api("GET", "/users", reader).status_code == 200
    body = {"email": "rita@example.org", "name": "Rita", "role": "shopper"}
    refused = api("POST", "/users", reader, json=body)
    assert refused.status_code == 403 and "users:write" in refused.get_json()["detail"]
    assert api("GET", "/users", cards_only).status_code == 403
    assert api("GET", "/scorecards", cards_only).status_code == 200
