"""Visits over the API: each role reads what its pages show, lists filter and page by a
cursor that holds while visits are added, a page loads in a fixed number of queries, and
a visit is created from the same JSON as ``flask visits import``."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Branch, Visit
from tests.api.visit_data import SEES, staff_member, user, visits_fixture  # noqa: F401
from tests.builders import FULL, count_events, make_visit
from tests.statements import recorded_statements


def _names(visits, items) -> list[str]:
    by_id = {ident: name for name, ident in visits.items()}
    return [by_id.get(item["id"], f"new {item['id']}") for item in items]


def _stored(app, visit_id: int) -> Visit:
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        db.session.expunge(visit)
        return visit


# --- reading ---------------------------------------------------------------------------


def test_a_manager_reads_the_stored_score_answers_and_review_state(app, api, world, visits):
    read = api("GET", f"/visits/{visits['N-APP']}", world.tokens["regional"])
    assert read.status_code == 200 and read.headers["ETag"]
    visit = read.get_json()
    stored = _stored(app, visits["N-APP"])
    assert (visit["percent"], visit["band"], visit["critical_failed"]) == (0.0, "below", True)
    assert visit["percent"] == stored.percent and visit["earned"] == stored.earned
    assert visit["sections"][0]["key"] == "service"
    assert visit["visitor"]["email"] == world.users["assessor"]
    assert [m["code"] for m in visit["staff"]] == ["NS2"]
    answers = {a["key"]: a for a in visit["answers"]}
    assert list(answers) == [
        "greeted",
        "empathy",
        "outcome",
        "follow_up",
        "wait",
        "recommend",
        "summary",
    ]
    assert answers["greeted"]["value"] == "no" and answers["greeted"]["critical_failed"]
    assert (answers["empathy"]["earned"], answers["empathy"]["possible"]) == (7.5, 10)
    assert answers["follow_up"]["hidden"] is True
    assert visit["review"]["actions"] == ["publish", "exclude", "edit_answer"]
    assert visit["excluded"] is False


def test_a_shopper_reads_their_own_visit_as_sent_and_never_a_score(app, api, world, visits):
    admin, shopper = world.tokens["admin"], world.tokens["shopper"]
    change = {"value": "no", "comment": "Nobody said hello.", "reason": "CCTV shows no greeting."}
    url = f"/visits/{visits['N-SUB']}"
    assert api("POST", f"{url}/answers/greeted", admin, json=change).status_code == 200
    visit = api("GET", url, shopper).get_json()
    assert all(visit[f] is None for f in ("earned", "possible", "percent", "band", "excluded"))
    assert visit["critical_failed"] is None and visit["sections"] is None
    assert visit["review"] is None
    answers = {a["key"]: a for a in visit["answers"]}
    assert "follow_up" not in answers  # hidden by their answers, as on the phone
    assert answers["greeted"]["value"] == "yes"  # what they sent, not the reviewer's edit
    assert all(a["earned"] is None and a["possible"] is None for a in answers.values())
    assert all(a["critical"] is None and a["critical_failed"] is None for a in answers.values())
    listed = api("GET", "/visits", shopper).get_json()["items"]
    assert all(item["percent"] is None and item["sections"] is None for item in listed)
    draft = api("GET", f"/visits/{visits['draft']}", shopper).get_json()
    assert draft["status"] == "draft"
    managed = api("GET", url, admin).get_json()
    assert {a["key"]: a["value"] for a in managed["answers"]}["greeted"] == "no"


def test_staff_read_what_their_portal_shows(app, api, world, visits):
    visit = api("GET", f"/visits/{visits['N-PUB']}", world.tokens["staff"]).get_json()
    assert visit["percent"] == _stored(app, visits["N-PUB"]).percent
    hidden = ("visitor", "staff", "external_id", "review", "submitted_at", "approved_at")
    assert all(visit[field] is None for field in hidden)
    assert visit["staff_description"] is None and visit["exclusion_reason"] is None
    keys = [a["key"] for a in visit["answers"]]
    assert "follow_up" not in keys and keys[0] == "greeted"
    assert all(a["hidden"] is None for a in visit["answers"])
    text = json.dumps(visit)
    assert world.users["shopper"] not in text and "NS1" not in text


# --- lists -----------------------------------------------------------------------------


def test_filters(app, api, world, visits):
    token = world.tokens["admin"]
    with app.app_context():
        assessor_id = user(world, "assessor").id
        ns1 = staff_member("NS1").id

    def names(query: str) -> set[str]:
        answer = api("GET", f"/visits?{query}", token)
        assert answer.status_code == 200, (query, answer.text)
        return set(_names(visits, answer.get_json()["items"]))

    assert names("status=published") == {"N-PUB", "S-PUB"}
    assert names(f"branch_id={world.branches['N-YORK']}") == {"N-APP"}
    assert names(f"region_id={world.regions['South']}") == {"S-SUB", "S-PUB"}
    assert names("scorecard=rules-card") == SEES["admin"]
    assert names("scorecard=no-such-card") == set()
    assert names(f"visitor_id={assessor_id}") == {"N-APP"}
    assert names(f"staff_id={ns1}") == {"N-PUB"}
    assert names("visited_from=2026-05-12&visited_to=2026-05-13") == {"N-APP", "S-SUB"}
    assert names("visited_to=9999-12-31&visited_from=0001-01-01") == SEES["admin"]
    assert names("critical_failed=true") == {"N-APP"}
    assert names("excluded=false&critical_failed=false") == SEES["admin"] - {"N-APP"}
    assert names("updated_since=2999-01-01T00:00:00") == set()
    assert names("updated_since=2000-01-01T00:00:00%2B02:00") == SEES["admin"]
    bad = api("GET", "/visits?status=lost", token)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "status"


def test_filters_that_would_tell_what_a_page_hides_are_refused(app, api, world, visits):
    shopper = api("GET", "/visits?critical_failed=true", world.tokens["shopper"])
    assert shopper.status_code == 422
    assert [e["field"] for e in shopper.get_json()["errors"]] == ["critical_failed"]
    staff = api("GET", f"/visits?staff_id={world.staff['NS1']}", world.tokens["staff"])
    assert staff.status_code == 422 and staff.get_json()["errors"][0]["field"] == "staff_id"
    assert api("GET", "/visits?visitor_id=1", world.tokens["staff"]).status_code == 422
    assert api("GET", "/visits?critical_failed=false", world.tokens["staff"]).status_code == 200


def test_the_cursor_holds_while_visits_are_added(app, api, world, visits):
    token = world.tokens["national"]
    first = api("GET", "/visits?limit=2", token).get_json()
    assert _names(visits, first["items"]) == ["N-SUB", "N-PUB"]
    with app.app_context():  # one before the page already read, one after everything
        leeds = db.session.get(Branch, world.branches["N-LEEDS"])
        card = db.session.get(Visit, visits["N-SUB"]).scorecard
        earlier = make_visit(card, leeds, None, date(2026, 5, 1)).id
        later = make_visit(card, leeds, None, date(2026, 6, 1)).id
        db.session.commit()
    seen, cursor = [], first["next_cursor"]
    while cursor:
        page = api("GET", f"/visits?limit=2&cursor={cursor}", token).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    ids = [visits[n] for n in ("N-APP", "S-SUB", "S-PUB")] + [later]
    assert seen == ids and earlier not in seen
    for cursor in ("nonsense", first["next_cursor"][:-3], "aWQ6Mw"):  # aWQ6Mw: /branches'
        refused = api("GET", f"/visits?cursor={cursor}", token)
        assert refused.status_code == 422, cursor
        assert refused.get_json()["errors"][0]["field"] == "cursor"


def _statements(app, api, token: str) -> int:
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as seen:
        assert api("GET", "/visits?limit=200", token).status_code == 200
    return len(seen)


def test_a_page_loads_in_a_fixed_number_of_queries(app, api, world, visits):
    token = world.tokens["admin"]
    _statements(app, api, token)  # the token's first use writes "last used"
    few = _statements(app, api, token)
    with app.app_context():
        bristol = db.session.get(Branch, world.branches["S-BRIS"])
        source = db.session.get(Visit, visits["S-PUB"])
        for day in range(1, 9):
            copy = make_visit(
                source.scorecard, bristol, user(world, "assessor"), date(2026, 4, day)
            )
            copy.staff = [staff_member("SS1")]
        db.session.commit()
    assert _statements(app, api, token) == few


# --- creating --------------------------------------------------------------------------

ITEM = {
    "external_id": "HR-1",
    "branch": "N-LEEDS",
    "scorecard": "rules-card",
    "visited_at": "2026-05-20T09:15:00+01:00",
    "staff": ["NS1"],
    "answers": {**FULL, "outcome": "Partly", "follow_up": "no"},
    "comments": {"follow_up": "No follow-up was offered."},
}


def test_a_visit_is_created_from_the_same_json_as_the_import(
    app, api, runner, world, visits, tmp_path
):
    made = api("POST", "/visits", world.tokens["regional"], json=ITEM)
    assert made.status_code == 201, made.text
    visit = made.get_json()
    assert made.headers["Location"] == f"/api/v1/visits/{visit['id']}"
    assert visit["status"] == "approved"  # the import's default
    assert visit["visited_at"] == "2026-05-20T08:15:00Z"
    # The same item through `flask visits import` scores the same, by the same engine.
    file = tmp_path / "visits.json"
    file.write_text(json.dumps([{**ITEM, "external_id": "FILE-1"}]))
    assert runner.invoke(args=["visits", "import", str(file)]).exit_code == 0
    with app.app_context():
        imported = db.session.scalar(select(Visit).where(Visit.external_id == "FILE-1"))
        assert (visit["earned"], visit["possible"], visit["percent"]) == (
            imported.earned,
            imported.possible,
            imported.percent,
        )
        assert count_events("visit.imported", visit["id"]) == 1
    published = api(
        "POST",
        "/visits",
        world.tokens["admin"],
        json={**ITEM, "external_id": "HR-2", "status": "published"},
    )
    assert published.get_json()["status"] == "published"


def test_refusals_name_the_field_and_create_nothing(app, api, world, visits):
    token = world.tokens["national"]

    def fields(body: dict) -> list[str]:
        answer = api("POST", "/visits", token, json=body)
        assert answer.status_code == 422, answer.text
        assert answer.content_type == "application/problem+json"
        return [error["field"] for error in answer.get_json()["errors"]]

    assert fields({**ITEM, "branch": "NOWHERE"}) == ["branch"]
    assert fields({**ITEM, "answers": {**FULL, "greeted": "maybe"}}) == ["answers.greeted"]
    assert fields({**ITEM, "answers": {**FULL, "summary": ""}}) == ["answers.summary"]
    assert fields({**ITEM, "status": "draft"}) == ["status"]
    assert fields({**ITEM, "colour": "red"}) == ["colour"]
    assert fields({**ITEM, "visited_at": "0001-01-01T00:00:00+05:00"}) == ["visited_at"]
    assert "external_id" in fields({k: v for k, v in ITEM.items() if k != "external_id"})
    regional = api("POST", "/visits", world.tokens["regional"], json={**ITEM, "branch": "S-BRIS"})
    assert regional.status_code == 422 and regional.get_json()["errors"][0]["field"] == "branch"
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == len(visits)
    again = api("POST", "/visits", token, json={**ITEM, "external_id": "N-SUB"})
    assert again.status_code == 409 and again.get_json()["errors"][0]["field"] == "external_id"


def test_a_create_with_an_idempotency_key_happens_once(app, api, world, visits):
    token, key = world.tokens["admin"], {"Idempotency-Key": "hr-sync-42"}
    first = api("POST", "/visits", token, headers=key, json=ITEM)
    second = api("POST", "/visits", token, headers=key, json=ITEM)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json()["id"] == first.get_json()["id"]
    other = api("POST", "/visits", token, headers=key, json={**ITEM, "external_id": "HR-9"})
    assert other.status_code == 422
    with app.app_context():
        assert count_events("visit.imported") == 1
