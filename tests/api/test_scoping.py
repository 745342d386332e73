"""Every list and read of the API, walked for each kind of token: the same roles and the
same regions as the web pages (a regional manager's token never sees the South).

:data:`READS` is the one table of the API's GET paths, found again from the URL map: a
new list or read that is not in it fails here until someone says who may read it and how
its scoping is tested. Each path is checked against its readers (the roles the table
names are the roles its view allows; every other role gets 403 before any lookup). A
path that holds records of a region is walked here over :func:`build_records`, one
record in the North and one in the South of each kind: unscoped managers list and read
both, a regional manager only the North, the North's staff login never the South. What
a role sees of its own (a shopper's visits, a staff member's notes) and what is not a
record of one region (scorecards, report figures, PDFs, webhooks) is the business of
the test module the table names, which must exist and call the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from audit.api.auth import OPEN_ENDPOINTS
from audit.extensions import db
from audit.models import Branch, Role, StaffMember, User, Visit
from tests.api.conftest import World
from tests.api.followup_world import build_followup
from tests.builders import make_assignment, make_staff_login

#: The role of each person of the world (tests/api/conftest.py).
ROLE_OF = {
    "admin": Role.ADMIN,
    "national": Role.MANAGER,
    "regional": Role.MANAGER,
    "assessor": Role.ASSESSOR,
    "shopper": Role.SHOPPER,
    "staff": Role.STAFF,
}
MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
FOLLOW_UP = MANAGERS | {Role.STAFF}  # staff read their own actions, appeals, coaching notes
EVERYONE = frozenset(Role)  # each their own visits, as their pages show them
ADMINS = frozenset({Role.ADMIN})
OUTSIDERS = ("assessor", "shopper", "staff")  # no role of theirs reads the organisation
HERE = Path(__file__).parent


@dataclass(frozen=True)
class Read:
    """Who may read a path; whether it is walked here region by region; the test module
    that owns the rest of its scoping (needed for any reader besides managers)."""

    readers: frozenset[Role]
    walk: bool
    owner: str | None = None


ORG = Read(MANAGERS, walk=True)
REPORTS = Read(MANAGERS, walk=False, owner="test_reports_api")
#: Every GET path of the API (without /api/v1) and how it is read.
READS = {
    "/regions": ORG,
    "/regions/<int:region_id>": ORG,
    "/branches": ORG,
    "/branches/<int:branch_id>": ORG,
    "/staff": ORG,
    "/staff/<int:staff_id>": ORG,
    "/users": Read(MANAGERS, walk=True, owner="test_users_api"),
    "/users/<int:user_id>": Read(MANAGERS, walk=True, owner="test_users_api"),
    "/assignments": Read(MANAGERS, walk=True, owner="test_assignments_api"),
    "/assignments/<int:assignment_id>": Read(MANAGERS, walk=True, owner="test_assignments_api"),
    "/visits": Read(EVERYONE, walk=True, owner="test_visits_scoping"),
    "/visits/<int:visit_id>": Read(EVERYONE, walk=True, owner="test_visits_scoping"),
    "/actions": Read(FOLLOW_UP, walk=True, owner="test_actions_api"),
    "/actions/<int:action_id>": Read(FOLLOW_UP, walk=True, owner="test_actions_api"),
    "/appeals": Read(FOLLOW_UP, walk=True, owner="test_appeals_api"),
    "/appeals/<int:appeal_id>": Read(FOLLOW_UP, walk=True, owner="test_appeals_api"),
    "/coaching-notes": Read(FOLLOW_UP, walk=True, owner="test_coaching_api"),
    "/coaching-notes/<int:note_id>": Read(FOLLOW_UP, walk=True, owner="test_coaching_api"),
    "/branches/<int:branch_id>/report.pdf": REPORTS,
    "/staff/<int:staff_id>/report.pdf": REPORTS,
    "/reports/figures": REPORTS,
    "/reports/league": REPORTS,
    "/reports/jobs/<job_id>": REPORTS,  # the asker's own jobs only
    "/reports/jobs/<job_id>/report.pdf": REPORTS,
    "/visits/<int:visit_id>/report.pdf": Read(FOLLOW_UP, walk=False, owner="test_reports_api"),
    "/scorecards": Read(MANAGERS, walk=False, owner="test_scorecards_api"),
    "/scorecards/<slug>": Read(MANAGERS, walk=False, owner="test_scorecards_api"),
    "/scorecards/<slug>/versions/<int:number>": Read(
        MANAGERS, walk=False, owner="test_scorecards_api"
    ),
    "/scorecards/<slug>/versions/<int:number>/yaml": Read(
        MANAGERS, walk=False, owner="test_scorecards_api"
    ),
    "/webhooks": Read(ADMINS, walk=False, owner="test_webhooks"),
    "/webhooks/<int:webhook_id>": Read(ADMINS, walk=False, owner="test_webhooks"),
    "/webhooks/<int:webhook_id>/deliveries": Read(ADMINS, walk=False, owner="test_webhooks"),
}

#: The organisation's records in the world, by the parameter that names them.
RECORDS = {
    "region_id": ("regions", {"North": "North", "South": "South"}),
    "branch_id": ("branches", {"North": "N-LEEDS", "South": "S-BRIS"}),
    "staff_id": ("staff", {"North": "NS1", "South": "SS1"}),
}


def api_reads(app) -> dict[str, str]:
    """Every GET path of the API (without /api/v1) and its view's endpoint."""
    paths = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in OPEN_ENDPOINTS:
            continue
        if "GET" in rule.methods:
            paths[rule.rule.removeprefix("/api/v1")] = rule.endpoint
    return paths


def params_of(path: str) -> list[str]:
    return re.findall(r"<(?:[^:>]+:)?([^>]+)>", path)


def kind_of(path: str) -> str:
    """The list a walked path belongs to: ``/actions/<int:action_id>`` → ``/actions``."""
    return "/" + path.split("/")[1]


def with_id(path: str, record_id: int) -> str:
    return re.sub(r"<[^>]+>", str(record_id), path)


def walked(app, *, org: bool = False) -> tuple[list[str], list[str]]:
    """The walked list paths and read paths (``org``: the organisation's only)."""
    lists, reads = [], []
    for path in api_reads(app):
        if not READS[path].walk or (org and READS[path] is not ORG):
            continue
        (reads if params_of(path) else lists).append(path)
    return sorted(lists), sorted(reads)


def build_records(world: World) -> dict[str, dict[str, int]]:
    """For each walked kind, the id of one record in the North and one in the South,
    each visible to an unscoped manager: the follow-up records (tests/api/followup_world),
    an assignment at Leeds and at Bristol, and a staff login at Bristol beside the North's."""
    made = build_followup(world)
    card = db.session.get(Visit, made.visits["PUB_N"]).scorecard
    shopper = db.session.scalar(select(User).where(User.email == world.users["shopper"]))
    leeds, bristol = (db.session.get(Branch, world.branches[c]) for c in ("N-LEEDS", "S-BRIS"))
    north_login = db.session.get(StaffMember, world.staff["NSL"]).user
    south_login = make_staff_login(bristol, code="SSL").user
    assignments = {
        "North": make_assignment(card, leeds, shopper),
        "South": make_assignment(card, bristol, shopper),
    }
    db.session.commit()
    org = {
        kind: {r: getattr(world, kind)[names[r]] for r in names} for kind, names in RECORDS.values()
    }
    return {
        "/regions": org["regions"],
        "/branches": org["branches"],
        "/staff": org["staff"],
        "/users": {"North": north_login.id, "South": south_login.id},
        "/assignments": {region: a.id for region, a in assignments.items()},
        "/visits": {"North": made.visits["PUB_N"], "South": made.visits["PUB_S"]},
        "/actions": {"North": made.actions["leeds_open"], "South": made.actions["bristol"]},
        "/appeals": {"North": made.appeals["staff_n"], "South": made.appeals["manager_s"]},
        "/coaching-notes": {"North": made.notes["ns1"], "South": made.notes["ss1"]},
    }


@pytest.fixture
def records(app, world) -> dict[str, dict[str, int]]:
    with app.app_context():
        return build_records(world)


def called_in(source: str, path: str) -> bool:
    """Whether ``source`` calls ``path``: each parameter written as a value or an
    f-string field, the literal ending there or at its query string."""
    pattern = re.escape(path)
    for param in re.findall(r"<[^>]+>", path):
        pattern = pattern.replace(re.escape(param), r"(?:\{[^}]*\}|[\w.-]+)")
    return re.search(rf"f?\"{pattern}[\"?]", source) is not None


def test_the_table_names_every_read_of_the_api(app):
    assert sorted(api_reads(app)) == sorted(READS)


def test_each_read_allows_the_roles_of_the_table(app):
    for path, endpoint in api_reads(app).items():
        assert app.view_functions[endpoint].allowed_roles == READS[path].readers, path


def test_every_view_of_the_api_allows_administrators(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint not in OPEN_ENDPOINTS:
            assert Role.ADMIN in app.view_functions[rule.endpoint].allowed_roles, rule.endpoint


def test_each_read_is_walked_here_or_owned_by_a_module_that_calls_it():
    for path, read in READS.items():
        assert read.walk or read.owner, f"{path}: nobody tests its scoping"
        if read.readers - MANAGERS:  # own records: only a module of the resource knows them
            assert read.owner, f"{path}: what {sorted(read.readers - MANAGERS)} see is untested"
        if read.owner is None:
            continue
        owner = HERE / f"{read.owner}.py"
        assert owner.is_file(), f"{path}: {owner.name} does not exist"
        source = owner.read_text()
        assert re.search(r"^def test_", source, re.M), f"{owner.name} has no test"
        assert called_in(source, path), f"{owner.name} never calls {path}"


def test_the_check_of_an_owner_catches_a_path_it_never_calls():
    source = 'api("GET", f"/visits/{visits[\'draft\']}")\ncall("GET", "/scorecards/x/versions/1")'
    assert called_in(source, "/visits/<int:visit_id>")
    assert not called_in(source, "/visits/<int:visit_id>/report.pdf")
    assert called_in(source, "/scorecards/<slug>/versions/<int:number>")
    assert not called_in(source, "/scorecards/<slug>")


@pytest.mark.parametrize("who", ["assessor", "shopper", "staff", "national"])
def test_a_role_outside_the_readers_of_a_path_is_refused(app, api, world, who):
    """Refused on the role alone, before any record is looked up (so any id will do)."""
    token = world.tokens[who]
    for path in api_reads(app):
        if ROLE_OF[who] in READS[path].readers:
            continue
        filled = re.sub(r"<int:[^>]+>", "1", path)
        answer = api("GET", re.sub(r"<[^>]+>", "x", filled), token)
        assert answer.status_code == 403, (who, path)
        assert answer.get_json()["status"] == 403


def _listed(api, path: str, token: str) -> set[int]:  # noqa: ANN001  (conftest.Api)
    answer = api("GET", f"{path}?limit=200", token)
    assert answer.status_code == 200, (path, answer.text)
    return {item["id"] for item in answer.get_json()["items"]}


def _refused_unseen(answer, path: str) -> None:  # noqa: ANN001  (a test response)
    assert answer.status_code in (403, 404), (path, answer.status_code)
    assert answer.content_type == "application/problem+json"
    assert "Bristol" not in answer.text and "South" not in answer.text, path


def test_each_walked_path_keeps_to_the_callers_regions(app, api, world, records):
    """One world for every caller: building it is most of the time."""
    lists, reads = walked(app)
    assert sorted(kind_of(p) for p in lists) == sorted(records), "a walked kind has no records"
    for who in ("admin", "national", "regional"):
        token, everywhere = world.tokens[who], who != "regional"
        for path in lists:
            ids = records[path]
            listed = _listed(api, path, token)
            assert ids["North"] in listed, (who, path)
            assert (ids["South"] in listed) is everywhere, (who, path)
        for path in reads:
            ids = records[kind_of(path)]
            north = api("GET", with_id(path, ids["North"]), token)
            assert north.status_code == 200, (who, path, north.text)
            south = api("GET", with_id(path, ids["South"]), token)
            if everywhere:
                assert south.status_code == 200, (who, path, south.text)
            else:
                _refused_unseen(south, path)


def test_a_north_staff_login_reaches_nothing_in_the_south(app, api, world, records):
    token, lists, reads = world.tokens["staff"], *walked(app)
    for path in (p for p in lists if Role.STAFF in READS[p].readers):
        assert records[path]["South"] not in _listed(api, path, token), path
    for path in (p for p in reads if Role.STAFF in READS[p].readers):
        south = records[kind_of(path)]["South"]
        _refused_unseen(api("GET", with_id(path, south), token), path)


@pytest.mark.parametrize("who", ["admin", "national"])
def test_unscoped_readers_see_every_region(app, api, world, who):
    token = world.tokens[who]
    regions = api("GET", "/regions", token).get_json()["items"]
    assert {r["name"] for r in regions} == {"North", "South"}
    branches = api("GET", "/branches", token).get_json()["items"]
    assert {b["code"] for b in branches} == set(world.branches)
    staff = api("GET", "/staff", token).get_json()["items"]
    assert {s["code"] for s in staff} == set(world.staff)


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
    _, reads = walked(app, org=True)
    for path in reads:  # the organisation's records exist: out of scope is 403, as on /org
        kind, names = RECORDS[params_of(path)[0]]
        outside = api("GET", with_id(path, getattr(world, kind)[names["South"]]), token)
        assert outside.status_code == 403, path


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
