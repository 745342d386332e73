"""What every API answer shares: problem documents, cursor pages, ETags, idempotent
creates, the rate limit, and the description of it all."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from audit.api import org_routes
from audit.extensions import db
from audit.models import Branch, Region, User
from tests.builders import make_branch

PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


def assert_problem(answer, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.content_type == "application/problem+json"
    body = answer.get_json(force=True)
    assert set(body) == PROBLEM_KEYS and body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_every_error_is_a_problem(app, api, world, monkeypatch):
    admin = world.tokens["admin"]
    assert_problem(api("GET", "/branches"), 401)
    assert_problem(api("GET", "/branches", "sat_wrong"), 401)
    assert_problem(api("GET", "/branches", world.tokens["shopper"]), 403)
    assert_problem(api("GET", "/branches/999999", admin), 404)
    assert_problem(api("GET", "/no-such-thing", admin), 404)
    allowed = assert_problem(api("PUT", "/regions", admin), 405)
    assert allowed["errors"] == []
    assert "GET" in api("PUT", "/regions", admin).headers["Allow"]
    body = assert_problem(api("GET", "/branches?limit=0", admin), 422)
    assert body["errors"] == [{"field": "limit", "message": body["errors"][0]["message"]}]
    missing = assert_problem(api("POST", "/branches", admin, json={"name": "X"}), 422)
    assert {e["field"] for e in missing["errors"]} >= {"code", "region_id"}

    def broken(branch):
        raise RuntimeError("a bug")

    monkeypatch.setattr(org_routes, "branch_out", broken)
    failed = assert_problem(api("GET", f"/branches/{world.branches['N-LEEDS']}", admin), 500)
    assert "a bug" not in failed["detail"]


def test_form_rules_come_back_by_field(app, api, world):
    admin, north = world.tokens["admin"], world.regions["North"]
    taken = api(
        "POST", "/branches", admin, json={"code": "n-leeds", "name": "X", "region_id": north}
    )
    body = assert_problem(taken, 422)
    assert body["errors"] == [{"field": "code", "message": "This code is already in use."}]
    half = api(
        "POST",
        "/branches",
        admin,
        json={"code": "NEW", "name": "X", "region_id": north, "lat": 1.5},
    )
    assert [e["field"] for e in assert_problem(half, 422)["errors"]] == ["lng"]
    with app.app_context():
        assert db.session.scalar(select(Branch).where(Branch.code == "NEW")) is None


def test_lists_page_with_a_cursor(app, api, world):
    with app.app_context():
        north = db.session.get(Region, world.regions["North"])
        for n in range(7):
            make_branch(north, code=f"P{n}")
        db.session.commit()
    admin, seen, cursor, pages = world.tokens["admin"], [], None, 0
    while True:
        query = "/branches?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = api("GET", query, admin).get_json()
        seen += [b["code"] for b in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 10 == len(set(seen))
    assert_problem(api("GET", "/branches?cursor=bm9wZQ", admin), 422)


def test_reads_carry_an_etag_and_answer_304(app, api, world):
    admin, leeds = world.tokens["admin"], world.branches["N-LEEDS"]
    first = api("GET", f"/branches/{leeds}", admin)
    etag = first.headers["ETag"]
    again = api("GET", f"/branches/{leeds}", admin, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert (
        api("PATCH", f"/branches/{leeds}", admin, json={"name": "Leeds Briggate"}).status_code
        == 200
    )
    changed = api("GET", f"/branches/{leeds}", admin, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    listing = api("GET", "/branches", admin)
    tag = listing.headers["ETag"]
    assert api("GET", "/branches", admin, headers={"If-None-Match": tag}).status_code == 304


@pytest.mark.parametrize(
    "path,body",
    [
        ("/branches", {"code": "IDEM-1", "name": "Idem", "region_id": None}),
        ("/staff", {"code": "IDEM-S", "name": "Ida", "branch_id": None, "job_title": "Adviser"}),
    ],
)
def test_creates_are_idempotent_by_key(app, api, world, path, body):
    admin = world.tokens["admin"]
    body = dict(body)
    if "region_id" in body:
        body["region_id"] = world.regions["North"]
    else:
        body["branch_id"] = world.branches["N-LEEDS"]
    key = {"Idempotency-Key": "c0ffee-1"}
    first = api("POST", path, admin, headers=key, json=body)
    assert first.status_code == 201
    # the same body in another key order is the same request
    again = api(
        "POST",
        path,
        admin,
        headers=key,
        data=json.dumps(dict(reversed(body.items()))),
        content_type="application/json",
    )
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = api("POST", path, admin, headers=key, json={**body, "name": "Someone else"})
    problem = assert_problem(other, 422)
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    # another token's key is its own
    fresh = api("POST", path, world.tokens["national"], headers=key, json=body)
    assert fresh.status_code == 422  # a new request: the code is taken now
    with app.app_context():
        model = Branch if path == "/branches" else org_routes.StaffMember
        assert len(db.session.scalars(select(model).where(model.code == body["code"])).all()) == 1


def test_the_rate_limit_is_counted_per_token(app, api, world):
    app.config["API_RATE_LIMIT"] = 3
    admin = world.tokens["admin"]
    remaining = []
    for _ in range(3):
        answer = api("GET", "/regions", admin)
        assert answer.status_code == 200
        assert answer.headers["RateLimit-Limit"] == "3"
        assert 0 < int(answer.headers["RateLimit-Reset"]) <= 60
        remaining.append(int(answer.headers["RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    over = api("GET", "/regions", admin)
    body = assert_problem(over, 429)
    assert "3 requests a minute" in body["detail"]
    assert over.headers["RateLimit-Remaining"] == "0" and int(over.headers["Retry-After"]) > 0
    assert api("GET", "/regions", world.tokens["national"]).status_code == 200  # its own window


def test_the_openapi_document_and_the_reference_page(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    operations = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert ("PUT", "/api/v1/staff") in operations and ("GET", "/api/v1/branches") in operations
    problem = document["paths"]["/api/v1/branches"]["get"]["responses"]["401"]["content"]
    assert list(problem) == ["application/problem+json"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "GET /api/v1/branches" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for outside in ("https://", "http://", "//unpkg", "//cdn"):
        assert f'src="{outside}' not in page.text and f'href="{outside}' not in page.text


def test_with_redis_the_window_is_counted_there(app, api, world, redis_queues):
    from sqlalchemy import func

    from audit.models import ApiToken, RateLimitWindow

    app.config["API_RATE_LIMIT"] = 2
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "admin token"))
    connection = redis_queues.connection
    for key in connection.scan_iter(f"audit:api:rate:{token_id}:*"):
        connection.delete(key)
    statuses = [api("GET", "/regions", world.tokens["admin"]).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    keys = list(connection.scan_iter(f"audit:api:rate:{token_id}:*"))
    assert len(keys) == 1 and int(connection.get(keys[0])) == 3
    assert 0 < connection.ttl(keys[0]) <= 120
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RateLimitWindow)) == 0
    connection.delete(*keys)


def test_the_request_log_names_the_tokens_person(app, api, world, caplog):
    caplog.set_level(logging.INFO, logger="audit.requests")
    assert api("GET", "/regions", world.tokens["regional"]).status_code == 200
    (record,) = [r for r in caplog.records if r.name == "audit.requests"]
    with app.app_context():
        regional = db.session.scalar(select(User.id).where(User.email == world.users["regional"]))
    assert record.fields["endpoint"] == "api.list_regions" and record.fields["user_id"] == regional
