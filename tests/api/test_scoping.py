"""Every list and read of the API, walked for each kind of token: the same roles and the
same regions as the web pages (a regional manager's token never sees the South)."""

from __future__ import annotations

import re

import pytest

from audit.api.auth import OPEN_ENDPOINTS
from audit.models import Role

#: What each path parameter names, and the record of each region it is filled with.
RECORDS = {
    "region_id": ("regions", {"North": "North", "South": "South"}),
    "branch_id": ("branches", {"North": "N-LEEDS", "South": "S-BRIS"}),
    "staff_id": ("staff", {"North": "NS1", "South": "SS1"}),
}
#: Who may read the organisation through the API: managers (and admins), as on /org.
READERS = {"admin", "national", "regional"}
OUTSIDERS = ("assessor", "shopper", "staff")


def api_reads(app) -> tuple[list[str], list[tuple[str, str]]]:
    """The API's list paths, and its read paths with their parameter, from the URL map."""
    lists, reads = [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in OPEN_ENDPOINTS:
            continue
        if "GET" not in rule.methods:
            continue
        path = rule.rule.removeprefix("/api/v1")
        params = re.findall(r"<(?:[^:>]+:)?([^>]+)>", path)
        if params:
            reads.append((path, params[0]))
        else:
            lists.append(path)
    return sorted(lists), sorted(reads)


def _fill(path: str, param: str, world, region: str) -> str:
    kind, names = RECORDS[param]
    record_id = getattr(world, kind)[names[region]]
    return re.sub(r"<[^>]+>", str(record_id), path)


def test_the_walk_finds_every_read(app):
    lists, reads = api_reads(app)
    assert lists == ["/branches", "/regions", "/staff"]
    assert sorted(p for _, p in reads) == sorted(RECORDS)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint not in OPEN_ENDPOINTS:
            view = app.view_functions[rule.endpoint]
            assert Role.ADMIN in view.allowed_roles, rule.endpoint


@pytest.mark.parametrize("who", ["admin", "national"])
def test_unscoped_readers_see_every_region(app, api, world, who):
    token = world.tokens[who]
    regions = api("GET", "/regions", token).get_json()["items"]
    assert {r["name"] for r in regions} == {"North", "South"}
    branches = api("GET", "/branches", token).get_json()["items"]
    assert {b["code"] for b in branches} == set(world.branches)
    staff = api("GET", "/staff", token).get_json()["items"]
    assert {s["code"] for s in staff} == set(world.staff)
    _, reads = api_reads(app)
    for path, param in reads:
        for region in ("North", "South"):
            assert api("GET", _fill(path, param, world, region), token).status_code == 200


def test_a_regional_manager_sees_only_their_region(app, api, world):
    token = world.tokens["regional"]
    regions = api("GET", "/regions", token).get_json()["items"]
    assert [r["name"] for r in regions] == ["North"]
    branches = api("GET", "/branches?status=all", token).get_json()["items"]
    assert {b["code"] for b in branches} == {"N-LEEDS", "N-YORK"}
    south = world.regions["South"]
    assert api("GET", f"/branches?region_id={south}", token).get_json()["items"] == []
    staff = api("GET", "/staff?status=all", token).get_json()["items"]
    assert {s["code"] for s in staff} == {"NS1", "NS2", "NSL"}
    bristol = world.branches["S-BRIS"]
    assert api("GET", f"/staff?branch_id={bristol}", token).get_json()["items"] == []
    _, reads = api_reads(app)
    for path, param in reads:
        assert api("GET", _fill(path, param, world, "North"), token).status_code == 200
        outside = api("GET", _fill(path, param, world, "South"), token)
        assert outside.status_code == 403, path
        assert outside.content_type == "application/problem+json"
        assert "Bristol" not in outside.text and "South" not in outside.text


@pytest.mark.parametrize("who", OUTSIDERS)
def test_other_roles_read_nothing_of_the_organisation(app, api, world, who):
    token = world.tokens[who]
    lists, reads = api_reads(app)
    for path in lists:
        answer = api("GET", path, token)
        assert answer.status_code == 403, (who, path)
        assert answer.get_json()["status"] == 403
    for path, param in reads:
        assert api("GET", _fill(path, param, world, "North"), token).status_code == 403


@pytest.mark.parametrize("who", OUTSIDERS)
def test_other_roles_change_nothing(app, api, world, who):
    token = world.tokens[who]
    leeds = world.branches["N-LEEDS"]
    body = {"code": "X-1", "name": "X", "region_id": world.regions["North"]}
    assert api("POST", "/branches", token, json=body).status_code == 403
    assert api("PATCH", f"/branches/{leeds}", token, json={"name": "X"}).status_code == 403
    assert api("DELETE", f"/branches/{leeds}", token).status_code == 403
    rows = {"staff": [{"code": "X1", "name": "X", "branch": "N-LEEDS", "job_title": "Y"}]}
    assert api("PUT", "/staff", token, json=rows).status_code == 403


def test_a_regional_manager_changes_nothing_outside_their_region(app, api, world):
    token = world.tokens["regional"]
    bristol, south = world.branches["S-BRIS"], world.regions["South"]
    assert api("PATCH", f"/branches/{bristol}", token, json={"name": "X"}).status_code == 403
    assert api("DELETE", f"/branches/{bristol}", token).status_code == 403
    assert api("DELETE", f"/staff/{world.staff['SS1']}", token).status_code == 403
    made = api("POST", "/branches", token, json={"code": "S-NEW", "name": "X", "region_id": south})
    assert made.status_code == 422
    assert made.get_json()["errors"][0]["field"] == "region_id"
    moved = api("PATCH", f"/branches/{world.branches['N-LEEDS']}", token, json={"region_id": south})
    assert moved.status_code == 422
    staff = {"code": "NX", "name": "X", "branch_id": bristol, "job_title": "Y"}
    refused = api("POST", "/staff", token, json=staff)
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "branch_id"
