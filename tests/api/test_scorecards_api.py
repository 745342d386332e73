"""Scorecards over the API: read them with their versions, take a version out as YAML and
bring it back in (the same reader, rules and store as the Upload page), for managers and
administrators only, as on the Scorecards pages."""

from __future__ import annotations

import io

import pytest
import yaml
from sqlalchemy import select

from audit.extensions import db
from audit.models import Branch, Scorecard, User
from audit.scorecards.store import new_scorecard
from tests.builders import DATA, TODAY, count_events, make_visit, publish_card

#: A file of the library the repository ships.
LIBRARY_FILE = DATA.parents[1] / "scorecards" / "branch-visit.yaml"
WEIGHTED = {
    "slug": "weighted",
    "title": "Weighted card",
    "channel": "phone",
    "target": 80,
    "sections": [
        {
            "key": "greeting",
            "title": "Greeting",
            "weight": 2,
            "questions": [{"key": "named", "text": "Gave their name?", "type": "yes_no"}],
        },
        {
            "key": "close",
            "title": "Close",
            "questions": [{"key": "thanked", "text": "Thanked you?", "type": "yes_no"}],
        },
    ],
}


@pytest.fixture
def cards(app, world) -> None:
    """The weighted card, published (version 1), with one visit at Leeds."""
    with app.app_context():
        card = publish_card(WEIGHTED)
        shopper = db.session.scalar(select(User).where(User.email == world.users["shopper"]))
        make_visit(card, db.session.get(Branch, world.branches["N-LEEDS"]), shopper, TODAY)
        db.session.commit()


def _upload(api, token: str, text: str | bytes, name: str = "card.yaml"):
    data = text.encode() if isinstance(text, str) else text
    return api(
        "POST",
        "/scorecards",
        token,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_managers_read_every_scorecard_and_others_nothing(api, world, cards):
    paths = [
        "/scorecards",
        "/scorecards/weighted",
        "/scorecards/weighted/versions/1",
        "/scorecards/weighted/versions/1/yaml",
    ]
    for who in ("admin", "national", "regional"):  # scorecards belong to no region
        for path in paths:
            assert api("GET", path, world.tokens[who]).status_code == 200, (who, path)
    for who in ("assessor", "shopper", "staff"):
        token = world.tokens[who]
        for path in paths:
            refused = api("GET", path, token)
            assert refused.status_code == 403, (who, path)
            assert refused.content_type == "application/problem+json"
        assert _upload(api, token, LIBRARY_FILE.read_text()).status_code == 403


def test_a_scorecard_is_read_with_its_versions(api, world, cards):
    token = world.tokens["regional"]
    listing = api("GET", "/scorecards", token).get_json()
    assert [c["slug"] for c in listing["items"]] == ["weighted"]
    card = api("GET", "/scorecards/weighted", token).get_json()
    assert card["title"] == "Weighted card" and card["channel"] == "phone"
    assert card["published_version"] == 1 and card["draft_version"] is None
    assert [(v["number"], v["status"], v["visits"]) for v in card["versions"]] == [
        (1, "published", 1)
    ]
    version = api("GET", "/scorecards/weighted/versions/1", token).get_json()
    assert version["status"] == "published" and version["target"] == 80
    assert version["visits"] == 1
    assert version["problems"] == []
    sections = version["definition"]["sections"]
    assert [(s["key"], s.get("weight")) for s in sections] == [("greeting", 2), ("close", None)]
    assert sections[0]["questions"][0] == {
        "key": "named",
        "text": "Gave their name?",
        "type": "yes_no",
    }
    for path in ("/scorecards/nope", "/scorecards/weighted/versions/2"):
        missing = api("GET", path, token)
        assert missing.status_code == 404 and missing.content_type == "application/problem+json"


def test_yaml_goes_out_and_comes_back_as_the_same_scorecard(app, api, world, cards):
    token = world.tokens["national"]
    out = api("GET", "/scorecards/weighted/versions/1/yaml", token)
    assert out.status_code == 200 and out.mimetype == "application/yaml"
    assert "weighted-v1.yaml" in out.headers["Content-Disposition"]
    assert yaml.safe_load(out.data)["sections"][0]["weight"] == 2
    again = api(
        "GET",
        "/scorecards/weighted/versions/1/yaml",
        token,
        headers={"If-None-Match": out.headers["ETag"]},
    )
    assert again.status_code == 304
    same = _upload(api, token, out.data, "weighted-v1.yaml")
    assert same.status_code == 200, same.text  # the same file: nothing new
    assert same.get_json()["number"] == 1 and same.get_json()["status"] == "published"

    changed = out.data.decode().replace("title: Weighted card", "title: Weighted card v2")
    made = _upload(api, token, changed)
    assert made.status_code == 201, made.text
    draft = made.get_json()
    assert (draft["number"], draft["status"], draft["title"]) == (2, "draft", "Weighted card v2")
    assert made.headers["Location"].endswith("/api/v1/scorecards/weighted/versions/2")
    replaced = _upload(api, token, changed.replace("target: 80", "target: 75"))
    assert replaced.status_code == 200 and replaced.get_json()["number"] == 2
    assert replaced.get_json()["target"] == 75  # the open draft holds the new file
    back = api("GET", "/scorecards/weighted/versions/2/yaml", token)
    assert yaml.safe_load(back.data) == yaml.safe_load(changed.replace("target: 80", "target: 75"))
    card = api("GET", "/scorecards/weighted", token).get_json()
    assert (card["published_version"], card["draft_version"]) == (1, 2)
    with app.app_context():
        version_ids = [v.id for v in db.session.scalar(select(Scorecard)).versions]
        assert count_events("scorecard.version_created", version_ids[1]) == 1
        assert count_events("scorecard.draft_saved", version_ids[1]) == 1


def test_a_library_file_makes_a_new_scorecard(app, api, world):
    made = _upload(api, world.tokens["admin"], LIBRARY_FILE.read_text(), "branch-visit.yaml")
    assert made.status_code == 201, made.text
    version = made.get_json()
    assert (version["slug"], version["number"], version["status"]) == ("branch-visit", 1, "draft")
    expected = yaml.safe_load(LIBRARY_FILE.read_text())
    assert [s["key"] for s in version["definition"]["sections"]] == [
        s["key"] for s in expected["sections"]
    ]
    assert api("GET", "/scorecards/branch-visit", world.tokens["regional"]).status_code == 200


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_imported(app, api, world):
    token = world.tokens["admin"]
    text = LIBRARY_FILE.read_text().replace("type: yes_no", "type: maybe", 1)
    line = text.splitlines().index(next(row for row in text.splitlines() if "type: maybe" in row))
    refused = _upload(api, token, text, "broken.yaml")
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    problem = refused.get_json()
    assert "broken.yaml" in problem["detail"]
    assert problem["errors"][0]["field"] == f"broken.yaml:{line + 1}"
    assert "maybe" in problem["errors"][0]["message"]
    latin = _upload(api, token, "slug: caf\xe9\n".encode("latin-1"), "latin.yaml")
    assert latin.status_code == 422
    assert latin.get_json()["errors"][0]["field"] == "latin.yaml:1"
    as_json = api("POST", "/scorecards", token, json={"file": "slug: x"})
    assert as_json.status_code == 422
    assert as_json.get_json()["errors"][0]["field"] == "file"
    with app.app_context():
        assert db.session.scalars(select(Scorecard)).all() == []


def test_an_unfinished_draft_is_read_with_its_problems_and_not_downloaded(app, api, world):
    with app.app_context():
        new_scorecard({"slug": "half", "title": "Half done", "channel": "web", "target": 80}, None)
        db.session.commit()
    token = world.tokens["admin"]
    draft = api("GET", "/scorecards/half/versions/1", token).get_json()
    assert draft["status"] == "draft"
    assert draft["problems"] == [
        {"field": "definition", "message": "the scorecard is missing required key 'sections'"}
    ]
    refused = api("GET", "/scorecards/half/versions/1/yaml", token)
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert refused.get_json()["errors"] == draft["problems"]


def test_a_form_part_whose_name_cannot_be_read_is_refused_not_a_crash(app, api, world):
    """werkzeug keys a multipart part with an unreadable name as ``None``; the refusal must
    still be a 422 problem (it was a 500 when the error's echo of the form was sorted)."""
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="\x94\\"\r\n\r\nnull\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n-205\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    refused = api(
        "POST",
        "/scorecards",
        world.tokens["admin"],
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert refused.status_code == 422, refused.text
    assert refused.get_json()["errors"][0]["field"] == "file"
