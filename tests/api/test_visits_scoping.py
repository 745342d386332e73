"""The visit resources walked for each kind of token: the same people see the same visits
as on their pages (review pages for managers in their regions, the phone for shoppers and
assessors, the staff portal for staff), and only managers decide on them."""

from __future__ import annotations

import re

from audit.accounts.api_tokens import create_token
from audit.extensions import db
from tests.api.visit_data import SEES, user, visits_fixture  # noqa: F401  (a fixture)

WHO = tuple(SEES)
#: Every review action of the API, with a body it accepts.
ACTIONS = {
    "approve": None,
    "publish": None,
    "return": {"reason": "Add the receipt."},
    "exclude": {"reason": "Test visit."},
    "include": {"reason": "Counts after all."},
    "answers/greeted": {"value": "no", "comment": "Not greeted.", "reason": "Seen on CCTV."},
}
#: The API's visit views, by endpoint name.
VISIT_VIEWS = {
    "list_visits",
    "read_visit",
    "create_visit",
    "approve_visit",
    "publish_visit",
    "return_visit",
    "exclude_visit",
    "include_visit",
    "change_answer",
}


def _name(visits, visit_id: int) -> str:
    return next(name for name, ident in visits.items() if ident == visit_id)


def test_the_walk_covers_every_visit_operation(app):
    paths = {
        (method, re.sub(r"<[^>]+>", "X", rule.rule.removeprefix("/api/v1")))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint.split(".")[1] in VISIT_VIEWS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    walked = {("GET", "/visits"), ("GET", "/visits/X"), ("POST", "/visits")}
    walked |= {("POST", f"/visits/X/{a}") for a in ACTIONS if "/" not in a}
    walked.add(("POST", "/visits/X/answers/X"))
    assert paths == walked


def test_each_role_lists_and_reads_what_its_pages_show(app, api, world, visits):
    for who in WHO:  # one world for every role: building it is most of the time
        token = world.tokens[who]
        listed = api("GET", "/visits", token).get_json()["items"]
        assert {_name(visits, item["id"]) for item in listed} == SEES[who], who
        for name, visit_id in visits.items():
            answer = api("GET", f"/visits/{visit_id}", token)
            if name in SEES[who]:
                assert answer.status_code == 200, (who, name)
                assert answer.get_json()["id"] == visit_id
                continue
            # A regional manager is told "not yours" (403) for a visit of the South, as
            # on the review pages; everyone else learns nothing, not even that it exists.
            south = name.startswith("S-")
            expected = 403 if who == "regional" and south else 404
            assert answer.status_code == expected, (who, name)
            assert answer.content_type == "application/problem+json"
            assert "Bristol" not in answer.text


def test_only_managers_create_and_review(app, api, world, visits):
    body = {
        "external_id": "X",
        "branch": "N-LEEDS",
        "scorecard": "rules-card",
        "visited_at": "2026-05-01",
    }
    for who in ("assessor", "shopper", "staff"):
        token = world.tokens[who]
        assert api("POST", "/visits", token, json=body).status_code == 403, who
        for action, sent in ACTIONS.items():
            answer = api("POST", f"/visits/{visits['N-SUB']}/{action}", token, json=sent)
            assert answer.status_code == 403, (who, action)


def test_a_regional_manager_reviews_nothing_outside_their_region(app, api, world, visits):
    token = world.tokens["regional"]
    for action, body in ACTIONS.items():
        answer = api("POST", f"/visits/{visits['S-SUB']}/{action}", token, json=body)
        assert answer.status_code == 403, action
        assert "Bristol" not in answer.text
    listed = api("GET", f"/visits?region_id={world.regions['South']}", token).get_json()
    assert listed["items"] == []


def test_managers_neither_read_nor_review_a_draft(app, api, world, visits):
    for action, body in ACTIONS.items():
        answer = api(
            "POST", f"/visits/{visits['draft']}/{action}", world.tokens["admin"], json=body
        )
        assert answer.status_code == 404, action


def test_a_token_without_the_visits_scope_is_refused(app, api, world, visits):
    with app.app_context():
        reader = create_token(user(world, "national"), "reader", ["visits:read"]).secret
        other = create_token(user(world, "national"), "other", ["branches:read"]).secret
        db.session.commit()
    assert api("GET", "/visits", reader).status_code == 200
    assert api("POST", f"/visits/{visits['N-SUB']}/approve", reader).status_code == 403
    refused = api("GET", "/visits", other)
    assert refused.status_code == 403 and "visits:read" in refused.get_json()["detail"]
