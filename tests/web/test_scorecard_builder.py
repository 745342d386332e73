"""The browser scorecard builder: build, validate, preview, publish, version, YAML in and out."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from audit.extensions import db
from audit.models import (
    AuditEvent,
    Role,
    Scorecard,
    ScorecardVersion,
    VersionStatus,
    Visit,
    VisitStatus,
)
from audit.scorecards import builder
from audit.scorecards.fileformat import DefinitionError, definition_from_data
from audit.scorecards.store import definition_of, find_version
from tests.builders import make_branch, make_user

SLUG = "shop-visit"
V1 = f"/scorecards/{SLUG}/v1"

SETTINGS = {
    "slug": SLUG,
    "title": "Shop visit",
    "channel": "in_person",
    "target": "80",
    "excellence": "95",
    "critical_fail": "zero_visit",
    "description": "Our in-store standard.",
}


def _login(app, auth, role: Role = Role.MANAGER) -> str:
    with app.app_context():
        email = make_user(role).email
        db.session.commit()
    auth.login(email)
    return email


def _question(text: str, qtype: str, **fields: str) -> dict[str, str]:
    data = {"text": text, "type": qtype, "evidence": "none", "show_if_mode": "equals"}
    data.update(fields)
    return data


def _option_rows(*rows: tuple[str, str]) -> dict[str, str]:
    """The options editor's boxes as a browser posts them: a label and points per row."""
    data: dict[str, str] = {}
    for i, (label, points) in enumerate(rows):
        data[f"options-{i}-label"] = label
        data[f"options-{i}-points"] = points
    return data


def _label_rows(*rows: tuple[str, str]) -> dict[str, str]:
    """A scale's label rows as a browser posts them: a point and its label per row."""
    data: dict[str, str] = {}
    for i, (point, label) in enumerate(rows):
        data[f"scale_labels-{i}-point"] = point
        data[f"scale_labels-{i}-label"] = label
    return data


def _version(app, number: int = 1, slug: str = SLUG) -> ScorecardVersion:
    with app.app_context():
        version = find_version(slug, number)
        assert version is not None
        db.session.expunge_all()
        return version


def _data(app, number: int = 1, slug: str = SLUG) -> dict:
    with app.app_context():
        return find_version(slug, number).definition


def _status(app, number: int, slug: str = SLUG) -> VersionStatus:
    with app.app_context():
        return find_version(slug, number).status


def _page(response) -> str:
    return response.get_data(as_text=True)


def _create(client, **overrides) -> None:
    response = client.post("/scorecards/new", data={**SETTINGS, **overrides})
    assert response.status_code == 302, _page(response)
    assert response.headers["Location"].endswith(f"/scorecards/{overrides.get('slug', SLUG)}/v1")


def _add_section(client, title: str, base: str = V1, **fields: str) -> None:
    response = client.post(f"{base}/sections/new", data={"title": title, **fields})
    assert response.status_code == 302, _page(response)


def _add_question(client, s: int, data: dict[str, str], base: str = V1) -> None:
    response = client.post(f"{base}/sections/{s}/questions/new", data=data)
    assert response.status_code == 302, _page(response)


def _build_full_scorecard(client) -> None:
    """Settings, two sections and one question of every type, all through the forms."""
    _create(client)
    _add_section(client, "Welcome and first impressions", weight="2", target="90")
    _add_question(
        client,
        0,
        _question(
            "Were you greeted within 60 seconds?",
            "yes_no",
            key="greeted",
            points="5",
            critical="y",
            guidance="Start timing when you pass the door.",
        ),
    )
    _add_question(
        client,
        0,
        _question(
            "How many minutes did you wait?",
            "number",
            key="wait_minutes",
            unit="minutes",
            target_max="5",
            points="5",
        ),
    )
    _add_question(
        client,
        0,
        _question(
            "How well did the adviser acknowledge your situation?",
            "scale",
            key="empathy",
            scale_min="1",
            scale_max="5",
            points="10",
            allow_na="y",
            **_label_rows(("1", "Not at all"), ("5", "Completely")),
        ),
    )
    _add_question(
        client,
        0,
        _question(
            "Was your question resolved?",
            "choice",
            key="outcome",
            **_option_rows(("Fully", "10"), ("Partly", "5"), ("Not at all", "0")),
        ),
    )
    _add_section(client, "Close")
    _add_question(
        client,
        1,
        _question(
            "Did the adviser offer to follow up?",
            "yes_no",
            key="offered_follow_up",
            show_if_question="outcome",
            show_if_mode="in",
            show_if_values="Partly, Not at all",
        ),
    )
    _add_question(client, 1, _question("How likely are you to recommend us?", "nps"))
    _add_question(
        client,
        1,
        _question(
            "Describe the visit in your own words.",
            "text",
            key="summary",
            required="y",
            evidence="optional",
        ),
    )


EXPECTED = {
    "slug": SLUG,
    "title": "Shop visit",
    "description": "Our in-store standard.",
    "channel": "in_person",
    "target": 80,
    "excellence": 95,
    "sections": [
        {
            "key": "welcome_and_first_impressions",
            "title": "Welcome and first impressions",
            "weight": 2,
            "target": 90,
            "questions": [
                {
                    "key": "greeted",
                    "text": "Were you greeted within 60 seconds?",
                    "type": "yes_no",
                    "points": 5,
                    "critical": True,
                    "guidance": "Start timing when you pass the door.",
                },
                {
                    "key": "wait_minutes",
                    "text": "How many minutes did you wait?",
                    "type": "number",
                    "unit": "minutes",
                    "target": {"max": 5},
                    "points": 5,
                },
                {
                    "key": "empathy",
                    "text": "How well did the adviser acknowledge your situation?",
                    "type": "scale",
                    "min": 1,
                    "max": 5,
                    # stored as JSON, whose object keys are text
                    "labels": {"1": "Not at all", "5": "Completely"},
                    "points": 10,
                    "allow_na": True,
                },
                {
                    "key": "outcome",
                    "text": "Was your question resolved?",
                    "type": "choice",
                    "options": [
                        {"label": "Fully", "points": 10},
                        {"label": "Partly", "points": 5},
                        {"label": "Not at all", "points": 0},
                    ],
                },
            ],
        },
        {
            "key": "close",
            "title": "Close",
            "questions": [
                {
                    "key": "offered_follow_up",
                    "text": "Did the adviser offer to follow up?",
                    "type": "yes_no",
                    "show_if": {"question": "outcome", "in": ["Partly", "Not at all"]},
                },
                {
                    "key": "how_likely_are_you_to_recommend_us",
                    "text": "How likely are you to recommend us?",
                    "type": "nps",
                },
                {
                    "key": "summary",
                    "text": "Describe the visit in your own words.",
                    "type": "text",
                    "required": True,
                    "evidence": "optional",
                },
            ],
        },
    ],
}


def _make_scored_visit(app, version_number: int = 1) -> int:
    """A submitted visit on the version, scored and stored by the real scoring code."""
    from audit.visits.scores import set_answer, store_score

    with app.app_context():
        version = find_version(SLUG, version_number)
        definition = definition_of(version)
        visit = Visit(
            scorecard=version.scorecard,
            version=version,
            branch=make_branch(),
            status=VisitStatus.SUBMITTED,
            visited_at=datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
        )
        db.session.add(visit)
        db.session.flush()
        answers = {
            "greeted": "yes",
            "wait_minutes": 3,
            "empathy": 4,
            "outcome": "Partly",
            "offered_follow_up": "yes",
            "how_likely_are_you_to_recommend_us": 9,
            "summary": "Friendly, but slow to resolve my question.",
        }
        for key, value in answers.items():
            set_answer(visit, definition.question(key), value)
        store_score(visit, definition)
        db.session.commit()
        return visit.id


# --- the whole journey -------------------------------------------------------


def test_manager_builds_previews_publishes_and_versions_a_scorecard(app, client, auth):
    _login(app, auth)
    response = client.post("/scorecards/new", data=SETTINGS)
    assert response.status_code == 302

    # A new draft has problems: no sections yet, and publishing is disabled.
    page = _page(client.get(V1))
    assert "to fix before publishing" in page
    assert "Give the scorecard at least one section" in page
    assert re.search(r"<button[^>]*disabled[^>]*>Publish version 1</button>", page)

    _add_section(client, "Welcome and first impressions", weight="2", target="90")
    page = _page(client.get(V1))
    assert "Give the section at least one question" in page
    # The problem links to the page that fixes it.
    assert f'href="{V1}/sections/0"' in page

    client.post(V1 + "/sections/0/delete")  # start over to build everything through one helper
    with app.app_context():
        db.session.execute(db.delete(AuditEvent))
        version = find_version(SLUG, 1)
        db.session.delete(version)
        db.session.delete(version.scorecard)
        db.session.commit()
    _build_full_scorecard(client)

    assert _data(app) == EXPECTED
    definition, errors = definition_from_data(_data(app))
    assert errors == [] and definition is not None
    page = _page(client.get(V1))
    assert "No problems: ready to publish" in page
    assert "wait_minutes · Number (e.g. minutes waited) · 5 points · target ≤ 5 minutes" in page
    assert "shown if outcome in Partly, Not at all" in page
    assert not re.search(r"<button[^>]*disabled[^>]*>Publish version 1</button>", page)

    # Preview, section 1: yes/no radios, number input, scale with N/A, choice radios.
    page = _page(client.get(V1 + "/preview"))
    assert "Section 1 of 2" in page
    assert "Phone preview" in page
    assert (
        'type="radio" class="btn-check" name="answer-greeted" id="answer-greeted-yes" value="yes"'
        in page
    )
    assert 'name="answer-greeted" id="answer-greeted-no" value="no"' in page
    assert "<summary>Guidance</summary>" in page
    assert re.search(
        r'<input type="number" inputmode="decimal"[^>]*name="answer-wait_minutes"', page
    )
    assert ">minutes</span>" in page
    for point in range(1, 6):
        assert f'name="answer-empathy" id="answer-empathy-{point}" value="{point}"' in page
    assert 'name="answer-empathy" id="answer-empathy-na" value="na"' in page
    assert "Not at all" in page and "Completely" in page
    assert 'name="answer-greeted" id="answer-greeted-na"' not in page  # no allow_na there
    for i, label in enumerate(("Fully", "Partly", "Not at all"), start=1):
        assert f'name="answer-outcome" id="answer-outcome-{i}" value="{label}"' in page
    assert 'rel="next"' in page and 'rel="prev"' not in page
    # Section 2: show_if, NPS 0-10, text with photo, and a submit that does nothing.
    page = _page(client.get(V1 + "/preview?section=2"))
    assert "Section 2 of 2" in page
    assert (
        'data-show-if=\'{"field": "answer-outcome", "values": ["Partly", "Not at all"]}\'' in page
    )
    for point in range(0, 11):
        assert f'value="{point}"' in page
    assert '<textarea class="form-control answer-text" name="answer-summary"' in page
    # The photo buttons of the phone form, not a bare file box.
    assert "Take photo" in page and "Choose photo" in page
    assert 'class="photo-input" name="answer-summary-photo"' in page
    assert 'type="file" class="form-control" name="answer-summary-photo"' not in page
    assert 'rel="prev"' in page and "Submit (not in preview)" in page
    assert "<script>" not in page and "style=" not in page  # CSP: no inline script or style

    # Publish v1.
    response = client.post(V1 + "/publish")
    assert response.status_code == 302
    assert _status(app, 1) is VersionStatus.PUBLISHED
    visit_id = _make_scored_visit(app)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        before = (visit.percent, visit.earned, visit.possible, visit.version_id)
        greeted_before = visit.answer("greeted").possible
    assert before[0] is not None and greeted_before == 5

    # The list shows versions and visit counts.
    page = _page(client.get("/scorecards/"))
    assert "Shop visit" in page and "1 visit" in page and "published" in page

    # Edit into version 2, give 'greeted' 20 points, publish v2.
    response = client.post(f"/scorecards/{SLUG}/draft")
    assert response.headers["Location"].endswith(f"/scorecards/{SLUG}/v2")
    v2 = f"/scorecards/{SLUG}/v2"
    form_page = _page(client.get(v2 + "/sections/0/questions/0"))
    assert 'value="5"' in form_page and "Were you greeted within 60 seconds?" in form_page
    edited = _question(
        "Were you greeted within 60 seconds?",
        "yes_no",
        key="greeted",
        points="20",
        critical="y",
        guidance="Start timing when you pass the door.",
    )
    assert client.post(v2 + "/sections/0/questions/0", data=edited).status_code == 302
    assert _data(app, 2)["sections"][0]["questions"][0]["points"] == 20
    assert client.post(v2 + "/publish").status_code == 302

    assert _status(app, 1) is VersionStatus.RETIRED
    assert _status(app, 2) is VersionStatus.PUBLISHED
    assert _data(app, 1)["sections"][0]["questions"][0]["points"] == 5
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert (visit.percent, visit.earned, visit.possible, visit.version_id) == before
        assert visit.answer("greeted").possible == greeted_before
        assert visit.version.number == 1
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"scorecard.published", "scorecard.version_created", "scorecard.draft_saved"} <= actions


# --- validation beside the fields --------------------------------------------


def _draft_with_section(app, client, auth) -> None:
    _login(app, auth)
    _create(client)
    _add_section(client, "Welcome")


def _questions(app) -> list:
    return _data(app)["sections"][0]["questions"]


def test_scale_with_min_above_max_is_refused_beside_the_field(app, client, auth):
    _draft_with_section(app, client, auth)
    response = client.post(
        V1 + "/sections/0/questions/new",
        data=_question("How friendly?", "scale", key="friendly", scale_min="5", scale_max="3"),
    )
    assert response.status_code == 200
    page = _page(response)
    assert re.search(r'id="scale_max"[^>]*value="3"|value="3"[^>]*id="scale_max"', page)
    assert re.search(r'class="form-control is-invalid"[^>]*id="scale_max"', page)
    assert "The highest point (3) must be greater than the lowest point (5)" in page
    assert "How friendly?" in page and 'value="friendly"' in page
    assert _questions(app) == []


def test_choice_without_options_and_bad_option_lines(app, client, auth):
    _draft_with_section(app, client, auth)
    url = V1 + "/sections/0/questions/new"
    page = _page(client.post(url, data=_question("Resolved?", "choice", key="resolved")))
    assert "Give the question at least two options" in page
    page = _page(
        client.post(
            url,
            data=_question(
                "Resolved?",
                "choice",
                key="resolved",
                **_option_rows(("Fully", "ten"), ("Partly", "5")),
            ),
        )
    )
    assert "The points must be a number, not “ten”" in page
    assert re.search(r'class="form-control is-invalid"[^>]*id="options-0-points"', page)
    assert re.search(r'id="options-0-points"[^>]*value="ten"', page)  # typed text kept
    page = _page(
        client.post(url, data=_question("Resolved?", "choice", **_option_rows(("Only one", "1"))))
    )
    assert "Give the question at least two options (it has 1)" in page
    assert _questions(app) == []


def test_number_without_target_and_text_with_points(app, client, auth):
    _draft_with_section(app, client, auth)
    url = V1 + "/sections/0/questions/new"
    page = _page(
        client.post(
            url, data=_question("Wait?", "number", key="wait", target_min="9", target_max="2")
        )
    )
    assert "The target minimum (9) is above the target maximum (2)" in page
    assert re.search(r'class="form-control is-invalid"[^>]*id="target_min"', page)
    page = _page(client.post(url, data=_question("Wait?", "number", key="wait")))
    assert "Give the range that earns the points" in page
    page = _page(client.post(url, data=_question("Notes", "text", key="notes", critical="y")))
    assert "Only a question that can earn points can be critical" in page
    assert _questions(app) == []


def test_a_number_question_keeps_the_range_of_answers_it_accepts(app, client, auth):
    _draft_with_section(app, client, auth)
    url = V1 + "/sections/0/questions/new"
    page = _page(
        client.post(
            url,
            data=_question(
                "Wait?", "number", key="wait", target_max="5", accept_min="60", accept_max="0"
            ),
        )
    )
    assert (
        "The highest possible answer (0) must be greater than the lowest possible answer (60)"
        in page
    )
    assert re.search(r'class="form-control is-invalid"[^>]*id="accept_max"', page)
    _add_question(
        client,
        0,
        _question("Wait?", "number", key="wait", target_max="5", accept_min="0", accept_max="120"),
    )
    (question,) = _questions(app)
    assert (question["min"], question["max"], question["target"]) == (0, 120, {"max": 5})
    form = _page(client.get(V1 + "/sections/0/questions/0"))
    assert re.search(r'id="accept_max"[^>]*value="120"|value="120"[^>]*id="accept_max"', form)


def test_show_if_can_only_point_at_earlier_questions(app, client, auth):
    _draft_with_section(app, client, auth)
    _add_question(client, 0, _question("First?", "yes_no", key="first"))
    _add_question(client, 0, _question("Second?", "yes_no", key="second"))
    first_page = _page(client.get(V1 + "/sections/0/questions/0"))
    second_page = _page(client.get(V1 + "/sections/0/questions/1"))
    assert '<option value="second"' not in first_page
    assert "no earlier question to depend on" in first_page
    assert '<option value="first"' in second_page
    # Posting a later question anyway is refused and nothing changes.
    response = client.post(
        V1 + "/sections/0/questions/0",
        data=_question(
            "First?", "yes_no", key="first", show_if_question="second", show_if_values="yes"
        ),
    )
    assert response.status_code == 200
    assert "Not a valid choice" in _page(response)
    assert "show_if" not in _questions(app)[0]
    # A wrong comparison value for the controller's type is shown beside the values box.
    response = client.post(
        V1 + "/sections/0/questions/1",
        data=_question(
            "Second?", "yes_no", key="second", show_if_question="first", show_if_values="maybe"
        ),
    )
    page = _page(response)
    assert "“first” is a yes/no question: give yes or no, not “maybe”" in page
    assert re.search(r'class="form-control is-invalid"[^>]*id="show_if_values"', page)
    assert '<option selected value="first">' in page
    # A good one is saved.
    response = client.post(
        V1 + "/sections/0/questions/1",
        data=_question(
            "Second?", "yes_no", key="second", show_if_question="first", show_if_values="No"
        ),
    )
    assert response.status_code == 302
    assert _questions(app)[1]["show_if"] == {"question": "first", "equals": "no"}


def test_duplicate_keys_are_refused(app, client, auth):
    _draft_with_section(app, client, auth)
    _add_question(client, 0, _question("First?", "yes_no", key="first"))
    _add_question(client, 0, _question("Second?", "yes_no", key="second"))
    page = _page(
        client.post(
            V1 + "/sections/0/questions/1", data=_question("Second?", "yes_no", key="first")
        )
    )
    assert "“first” is already the key of a question in section “welcome”" in page
    page = _page(
        client.post(
            V1 + "/sections/0/questions/0", data=_question("First?", "yes_no", key="second")
        )
    )
    assert "already the key of question 2" in page
    assert [q["key"] for q in _questions(app)] == ["first", "second"]
    page = _page(client.post(V1 + "/sections/new", data={"title": "Again", "key": "welcome"}))
    assert "“welcome” is already the key of section 1" in page
    assert len(_data(app)["sections"]) == 1
    _add_section(client, "Close")
    page = _page(client.post(V1 + "/sections/0", data={"title": "Welcome", "key": "close"}))
    assert "“close” is already the key of another section" in page
    assert [s["key"] for s in _data(app)["sections"]] == ["welcome", "close"]


def test_settings_errors_beside_fields_and_new_slug_checks(app, client, auth):
    _login(app, auth)
    page = _page(
        client.post("/scorecards/new", data={**SETTINGS, "slug": "Bad Slug", "target": "120"})
    )
    assert "The slug can use only lowercase letters, digits, - and _" in page
    assert "The pass mark must be between 0 and 100, not 120" in page
    assert 'value="Bad Slug"' in page and 'value="120"' in page
    _create(client)
    page = _page(client.post("/scorecards/new", data=SETTINGS))
    assert "A scorecard with this slug exists" in page
    page = _page(
        client.post(V1 + "/settings", data={**SETTINGS, "target": "90", "excellence": "85"})
    )
    assert "The excellence mark (85%) must not be below the pass mark (90%)" in page
    assert _data(app)["target"] == 80
    response = client.post(
        V1 + "/settings", data={**SETTINGS, "title": "Shop visit 2026", "target": "85"}
    )
    assert response.status_code == 302
    data = _data(app)
    assert data["title"] == "Shop visit 2026" and data["target"] == 85 and data["slug"] == SLUG


# --- ordering, deleting, publishing guards -----------------------------------


def test_reorder_sections_and_questions(app, client, auth):
    _draft_with_section(app, client, auth)
    _add_question(client, 0, _question("A?", "yes_no", key="a"))
    _add_question(client, 0, _question("B?", "yes_no", key="b"))
    _add_section(client, "Close")
    _add_question(client, 1, _question("C?", "yes_no", key="c"))

    def order():
        return [[q["key"] for q in s["questions"]] for s in _data(app)["sections"]]

    client.post(V1 + "/sections/0/questions/0/move", data={"direction": "down"})
    assert order() == [["b", "a"], ["c"]]
    # Down past the end of a section: it joins the top of the next one.
    client.post(V1 + "/sections/0/questions/1/move", data={"direction": "down"})
    assert order() == [["b"], ["a", "c"]]
    client.post(V1 + "/sections/1/questions/0/move", data={"direction": "up"})
    assert order() == [["b", "a"], ["c"]]
    client.post(V1 + "/sections/1/move", data={"direction": "up"})
    assert [s["key"] for s in _data(app)["sections"]] == ["close", "welcome"]
    assert order() == [["c"], ["b", "a"]]
    client.post(V1 + "/sections/0/move", data={"direction": "up"})  # already first: no change
    assert order() == [["c"], ["b", "a"]]
    assert client.post(V1 + "/sections/0/move", data={"direction": "sideways"}).status_code == 400


def test_deleting_a_controlling_question_shows_a_problem_and_blocks_publishing(app, client, auth):
    _draft_with_section(app, client, auth)
    _add_question(client, 0, _question("A?", "yes_no", key="a"))
    _add_question(
        client, 0, _question("B?", "yes_no", key="b", show_if_question="a", show_if_values="yes")
    )
    assert client.post(V1 + "/publish").status_code == 302
    assert _status(app, 1) is VersionStatus.PUBLISHED

    client.post(f"/scorecards/{SLUG}/draft")
    v2 = f"/scorecards/{SLUG}/v2"
    response = client.post(v2 + "/sections/0/questions/0/delete", follow_redirects=True)
    page = _page(response)
    assert "b depended on it" in page
    assert "It is shown depending on question “a”, which no longer exists" in page
    assert f'href="{v2}/sections/0/questions/0"' in page  # the problem links to question b
    response = client.post(v2 + "/publish", follow_redirects=True)
    assert "Not published" in _page(response)
    assert _status(app, 2) is VersionStatus.DRAFT
    preview = _page(client.get(v2 + "/preview"))
    assert "could not" not in preview[preview.index("<main") :]
    assert "cannot be previewed until these problems are fixed" in _page(
        client.get(v2 + "/preview")
    )
    # Download of an invalid draft says so instead of producing a broken file.
    response = client.get(v2 + ".yaml", follow_redirects=True)
    assert "fix them before downloading" in _page(response)
    # Discarding the draft leaves v1 as it was.
    client.post(v2 + "/discard")
    with app.app_context():
        assert [v.number for v in db.session.scalars(select(ScorecardVersion))] == [1]


def test_published_and_retired_versions_refuse_every_edit(app, client, auth):
    _draft_with_section(app, client, auth)
    _add_question(client, 0, _question("A?", "yes_no", key="a"))
    client.post(V1 + "/publish")
    before = _data(app)
    edits = [
        ("get", V1 + "/settings", None),
        ("post", V1 + "/settings", {**SETTINGS, "title": "Changed"}),
        ("get", V1 + "/sections/new", None),
        ("post", V1 + "/sections/new", {"title": "More"}),
        ("post", V1 + "/sections/0", {"title": "Changed"}),
        ("post", V1 + "/sections/0/move", {"direction": "down"}),
        ("post", V1 + "/sections/0/delete", {}),
        ("get", V1 + "/sections/0/questions/new", None),
        ("post", V1 + "/sections/0/questions/0", _question("Changed?", "yes_no", key="a")),
        ("post", V1 + "/sections/0/questions/0/move", {"direction": "down"}),
        ("post", V1 + "/sections/0/questions/0/delete", {}),
        ("post", V1 + "/publish", {}),
        ("post", V1 + "/discard", {}),
    ]
    for method, url, data in edits:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 409, (method, url, response.status_code)
        assert "cannot change" in _page(response)
        assert "Edit into version 2" in _page(response)
    assert _data(app) == before
    # Retire: only a published version; afterwards it refuses edits too.
    assert client.post(V1 + "/retire").status_code == 302
    assert _status(app, 1) is VersionStatus.RETIRED
    assert client.get(V1 + "/settings").status_code == 409
    page = _page(client.post(V1 + "/retire", follow_redirects=True))
    assert "Not retired" in page


# --- YAML out and in ------------------------------------------------------------


def _upload(client, content: bytes, filename: str = "card.yaml"):
    return client.post(
        "/scorecards/upload",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_yaml_download_round_trips_through_upload(app, client, auth):
    _login(app, auth)
    _build_full_scorecard(client)
    client.post(V1 + "/publish")

    response = client.get(V1 + ".yaml")
    assert response.status_code == 200
    assert response.mimetype == "text/yaml"
    assert response.headers["Content-Disposition"] == f"attachment; filename={SLUG}-v1.yaml"
    text = _page(response)
    assert (
        "slug: shop-visit" in text
        and "show_if: {question: outcome, in: [Partly, Not at all]}" in text
    )

    # The same file again creates nothing.
    response = _upload(client, text.encode(), f"{SLUG}-v1.yaml")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(V1)
    assert "nothing was changed" in _page(client.get(V1))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScorecardVersion)) == 1

    # A changed file becomes the next draft version, not published.
    changed = text.replace("title: Shop visit", "title: Shop visit (2026)", 1)
    response = _upload(client, changed.encode())
    assert response.headers["Location"].endswith(f"/scorecards/{SLUG}/v2")
    assert _status(app, 2) is VersionStatus.DRAFT
    assert _data(app, 2)["title"] == "Shop visit (2026)"
    assert _status(app, 1) is VersionStatus.PUBLISHED
    # Uploading again replaces that draft rather than adding v3.
    _upload(client, changed.replace("target: 80", "target: 75").encode())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScorecardVersion)) == 2
    assert _data(app, 2)["target"] == 75

    # A new slug creates a new scorecard.
    other = text.replace("slug: shop-visit", "slug: phone-visit", 1)
    response = _upload(client, other.encode())
    assert response.headers["Location"].endswith("/scorecards/phone-visit/v1")
    assert _status(app, 1, "phone-visit") is VersionStatus.DRAFT


BROKEN = b"""slug: broken
title: Broken card
channel: carrier_pigeon
target: 85
sections:
  - key: welcome
    title: Welcome
    questions:
      - key: greeted
        text: Were you greeted?
        type: yes_no
        points: lots
"""


def test_broken_yaml_upload_lists_file_and_line_and_saves_nothing(app, client, auth):
    _login(app, auth)
    response = _upload(client, BROKEN, "broken.yaml")
    assert response.status_code == 200
    page = _page(response)
    assert "Nothing was imported. 2 problems" in page
    assert "<li>broken.yaml:3: &#39;channel&#39; must be one of" in page
    assert "<li>broken.yaml:12: &#39;points&#39; must be a number" in page
    page = _page(_upload(client, b"slug: [unclosed\n", "syntax.yaml"))
    assert "syntax.yaml:" in page and "YAML syntax error" in page
    page = _page(_upload(client, "title: Caf\u00e9\n".encode("latin-1"), "latin.yaml"))
    assert "latin.yaml:1: the file is not UTF-8 text" in page
    # Encoded here in memory: the test client would spool this to a file it never closes.
    big = FileStorage(io.BytesIO(b"#" * (1024 * 1024 + 1)), filename="huge.yaml")
    stream, length, boundary = stream_encode_multipart({"file": big}, use_tempfile=False)
    response = client.post(
        "/scorecards/upload",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    page = _page(response)
    assert "larger than 1 MB" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Scorecard)) == 0
        scorecard_events = select(func.count()).where(AuditEvent.subject_type != "users")
        assert db.session.scalar(scorecard_events) == 0


# --- who may use the builder ---------------------------------------------------


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.STAFF, Role.ASSESSOR])
def test_other_roles_get_403_on_builder_routes(app, client, auth, role):
    _draft_with_section(app, client, auth)
    _add_question(client, 0, _question("A?", "yes_no", key="a"))
    before = _data(app)
    auth.logout()
    _login(app, auth, role)
    urls = [
        ("get", "/scorecards/"),
        ("get", "/scorecards/new"),
        ("post", "/scorecards/new"),
        ("get", "/scorecards/upload"),
        ("get", V1),
        ("get", V1 + ".yaml"),
        ("get", V1 + "/preview"),
        ("get", V1 + "/settings"),
        ("post", V1 + "/sections/0"),
        ("get", V1 + "/sections/0/questions/0"),
        ("post", V1 + "/sections/0/questions/0/delete"),
        ("post", V1 + "/publish"),
        ("post", f"/scorecards/{SLUG}/draft"),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, (role, method, url)
    assert _data(app) == before
    assert _status(app, 1) is VersionStatus.DRAFT


def test_admin_may_use_the_builder_and_nav_shows_it(app, client, auth):
    _login(app, auth, Role.ADMIN)
    page = _page(client.get("/scorecards/"))
    assert "No scorecards yet" in page
    assert 'href="/scorecards/"' in page


def test_unknown_scorecards_and_indexes_are_404(app, client, auth):
    _draft_with_section(app, client, auth)
    assert client.get("/scorecards/nope/v1").status_code == 404
    assert client.get(V1.replace("v1", "v7")).status_code == 404
    assert client.get(V1 + "/sections/5").status_code == 404
    assert client.get(V1 + "/sections/0/questions/3").status_code == 404
    assert client.post(V1 + "/sections/0/questions/3/delete").status_code == 404


# --- the pure builder functions ---------------------------------------------------


def test_suggest_key_makes_unique_slugs():
    assert builder.suggest_key("Were you greeted within 60 seconds?") == (
        "were_you_greeted_within_60_seconds"
    )
    assert builder.suggest_key("Café crème!", ["cafe_creme"]) == "cafe_creme_2"
    assert builder.suggest_key("???") == "question"
    assert len(builder.suggest_key("word " * 30)) <= builder.MAX_SUGGESTED_KEY


def test_build_question_reads_option_rows_and_ignores_other_types_fields():
    data = {"sections": [{"key": "s", "questions": []}]}
    edit = builder.build_question(
        data,
        {
            "text": "Resolved?",
            "type": "choice",
            "points": "4",
            "options": [
                {"label": "Fully", "points": "10"},
                {"label": "", "points": ""},
                {"label": "  Partly ", "points": " 5 "},
                {"label": "Not at all", "points": ""},
                {"label": "", "points": "3"},
            ],
            "scale_min": "1",
            "unit": "minutes",
        },
        0,
        None,
    )
    assert edit.question == {
        "key": "resolved",
        "text": "Resolved?",
        "type": "choice",
        "options": [
            {"label": "Fully", "points": 10},
            {"label": "Partly", "points": 5},
            {"label": "Not at all"},
        ],
    }
    assert edit.option_rows == [0, 2, 3]
    assert edit.problems == {
        "options-4-label": ["Give this option a label, or clear its points to remove the row"]
    }
    edit = builder.build_question(
        data,
        {
            "text": "Kind?",
            "type": "scale",
            "scale_labels": [
                {"point": "1", "label": "Poor"},
                {"point": "", "label": "nonsense"},
                {"point": "1", "label": "Again"},
                {"point": "two", "label": "Fair"},
                {"point": "5", "label": ""},
            ],
        },
        0,
        None,
    )
    assert edit.question["labels"] == {1: "Poor"}
    assert edit.problems == {
        "scale_labels-1-point": ["Which point of the scale is this label for?"],
        "scale_labels-2-point": ["Point 1 is labelled twice"],
        "scale_labels-3-point": ["The point must be a whole number of the scale, not “two”"],
        "scale_labels-4-label": ["Give point 5 a label, or clear the row"],
    }


def test_question_values_round_trip_through_build_question():
    data = {"sections": EXPECTED["sections"]}
    for s, section in enumerate(EXPECTED["sections"]):
        for q, question in enumerate(section["questions"]):
            values = builder.question_values(question)
            edit = builder.build_question(data, values, s, q)
            assert json.loads(json.dumps(edit.question)) == question, question["key"]


def test_error_paths_map_to_form_fields():
    edit = builder.QuestionEdit(question={}, option_rows=[2, 4], label_rows={5: 3})
    errors = [
        DefinitionError(("sections", 0, "questions", 1, "options", 1, "points"), "bad points"),
        DefinitionError(("sections", 0, "questions", 1, "labels", 5), "outside"),
        DefinitionError(("sections", 0, "questions", 1, "show_if", "question"), "unknown"),
        DefinitionError(("sections", 0, "questions", 1, "show_if", "in", 0), "not an option"),
        DefinitionError(("sections", 0, "questions", 1), "x is missing required key 'text'"),
        DefinitionError(("sections", 0, "questions", 1, "target", "min"), "above"),
        DefinitionError(("sections", 0, "questions", 2, "key"), "another question"),
        DefinitionError(("sections", 0, "questions"), "must list at least one"),
    ]
    problems = builder.question_problems(errors, 0, 1, edit)
    assert problems.fields == {
        "options-4-points": ["Bad points"],
        "scale_labels-3-point": ["Outside"],
        "show_if_question": ["Unknown"],
        "show_if_values": ["Not an option"],
        "text": ["Write the question"],
        "target_min": ["Above"],
    }
    assert problems.general == []
    located = builder.locate(
        {"sections": [{"title": "W", "questions": [{}, {"key": "k"}]}]}, errors
    )
    assert located[0].where == "Section 1, question 2 (k), options"
    assert located[0].target == ("question", 0, 1)
    assert located[-1].target == ("section", 0)


def test_move_question_across_sections_and_at_the_edges():
    data = {"sections": [{"questions": [{"key": "a"}]}, {"questions": [{"key": "b"}]}]}
    moved, s, q = builder.move_question(data, 0, 0, -1)
    assert (s, q) == (0, 0) and moved == data
    moved, s, q = builder.move_question(data, 0, 0, 1)
    assert (s, q) == (1, 0)
    assert moved["sections"] == [{"questions": []}, {"questions": [{"key": "a"}, {"key": "b"}]}]
    assert data["sections"][0]["questions"] == [{"key": "a"}]  # the input is never changed


# --- plain words, the options editor, the slug, publishing ---------------------------

#: A file key in quotes, as the file format's messages name them ('sections', 'points').
FILE_KEY = re.compile(r"&#39;[a-z_]+&#39;")


def test_builder_messages_are_plain_words_beside_their_fields(app, client, auth):
    _draft_with_section(app, client, auth)
    page = _page(client.post("/scorecards/new", data={**SETTINGS, "slug": "other", "title": ""}))
    assert "Give the scorecard a title" in page
    page = _page(client.post(V1 + "/sections/new", data={"title": ""}))
    assert re.search(r'class="form-control is-invalid"[^>]*id="title"', page)
    assert "Give the section a title" in page
    page = _page(
        client.post(
            V1 + "/sections/0/questions/new", data=_question("", "yes_no", key="a", points="lots")
        )
    )
    assert "Write the question" in page
    assert "The points must be a number, not “lots”" in page
    assert re.search(r'class="form-control is-invalid"[^>]*id="points"', page)
    assert 'value="lots"' in page  # what was typed stays
    page = _page(client.post(V1 + "/settings", data={**SETTINGS, "target": "120"}))
    assert "The pass mark must be between 0 and 100, not 120" in page
    # The problems panel of a draft speaks the same way.
    page = _page(client.get(V1))
    assert "Give the section at least one question" in page
    for shown in (page, _page(client.get(V1 + "/preview"))):
        assert not FILE_KEY.search(shown), FILE_KEY.findall(shown)


def test_options_editor_has_a_row_per_option_and_works_without_script(app, client, auth):
    _draft_with_section(app, client, auth)
    url = V1 + "/sections/0/questions/new"
    page = _page(client.get(url))
    # Empty rows to fill in (no textarea syntax); the add and remove buttons wait for the script.
    for row in range(4):
        assert f'id="options-{row}-label"' in page and f'id="options-{row}-points"' in page
    assert 'name="options"' not in page and "Label | points" not in page
    assert 'id="scale_labels-0-point"' in page and 'id="scale_labels-0-label"' in page
    assert re.search(r"<button[^>]*data-add-row[^>]*hidden", page)

    # A row with points but no label is refused beside that row; the rest is kept as typed.
    rows = _option_rows(("Fully", "10"), ("", "7"), ("Not at all", ""))
    page = _page(client.post(url, data=_question("Resolved?", "choice", key="resolved", **rows)))
    assert "Give this option a label, or clear its points to remove the row" in page
    assert re.search(r'class="form-control is-invalid"[^>]*id="options-1-label"', page)
    assert re.search(r'id="options-1-points"[^>]*value="7"', page)
    assert re.search(r'id="options-0-label"[^>]*value="Fully"', page)
    # Two options with one label: beside the second.
    rows = _option_rows(("Fully", "10"), ("Fully", "5"))
    page = _page(client.post(url, data=_question("Resolved?", "choice", key="resolved", **rows)))
    assert "Two options are called “Fully”: give each option its own label" in page
    assert re.search(r'class="form-control is-invalid"[^>]*id="options-1-label"', page)
    assert _questions(app) == []

    # Empty rows are left out; blank points are 0.
    rows = _option_rows(("Fully", "10"), ("", ""), ("Partly", "5"), ("Not at all", ""))
    _add_question(client, 0, _question("Resolved?", "choice", key="resolved", **rows))
    assert _questions(app)[0]["options"] == [
        {"label": "Fully", "points": 10},
        {"label": "Partly", "points": 5},
        {"label": "Not at all", "points": 0},
    ]
    page = _page(client.get(V1 + "/sections/0/questions/0"))
    assert re.search(r'id="options-1-label"[^>]*value="Partly"', page)
    assert re.search(r'id="options-1-points"[^>]*value="5"', page)
    assert re.search(r'id="options-2-points"[^>]*value="0"', page)
    assert 'id="options-5-label"' in page  # spare rows after the three options

    # A scale's labels are rows too: a point and its words, checked against the scale.
    rows = _label_rows(("1", "Poor"), ("7", "Great"))
    data = _question("Kind?", "scale", key="kind", scale_min="1", scale_max="5", **rows)
    page = _page(client.post(url, data=data))
    assert "Point 7 is outside the scale (1 to 5)" in page
    assert re.search(r'class="form-control is-invalid"[^>]*id="scale_labels-1-point"', page)
    rows = _label_rows(("1", "Poor"), ("5", "Great"))
    _add_question(client, 0, {**data, **rows})
    assert _questions(app)[1]["labels"] == {"1": "Poor", "5": "Great"}


def test_a_new_scorecard_starts_with_its_title_and_makes_the_slug_from_it(app, client, auth):
    _login(app, auth)
    page = _page(client.get("/scorecards/new"))
    assert page.index('id="title"') < page.index('id="slug"')
    assert "Made from the title" in page
    settings = {**SETTINGS, "slug": "", "title": "Branch visit — spring 2027"}
    response = client.post("/scorecards/new", data=settings)
    assert response.headers["Location"].endswith("/scorecards/branch-visit-spring-2027/v1")
    # The same title again gets a slug of its own; one that fails shows the slug it made.
    page = _page(client.post("/scorecards/new", data={**settings, "target": ""}))
    assert re.search(r'id="slug"[^>]*value="branch-visit-spring-2027-2"', page)
    assert "Give the pass mark, a percentage from 0 to 100" in page
    assert 'data-taken="[&#34;branch-visit-spring-2027&#34;]"' in page
    response = client.post("/scorecards/new", data=settings)
    assert response.headers["Location"].endswith("/scorecards/branch-visit-spring-2027-2/v1")
    # A slug the manager typed is kept as typed.
    response = client.post("/scorecards/new", data={**settings, "slug": "spring"})
    assert response.headers["Location"].endswith("/scorecards/spring/v1")


def test_publishing_asks_first_and_says_what_it_changes(app, client, auth):
    _draft_with_section(app, client, auth)
    _add_question(client, 0, _question("Greeted?", "yes_no", key="greeted"))
    page = _page(client.get(V1))
    first = (
        "Publishing version 1 makes it the version new visits use; after that its questions "
        "cannot be changed, only edited into a new version."
    )
    assert f'data-confirm="{first} Publish now?"' in page
    assert f'<p class="small" id="publish-note">{first}</p>' in page
    client.post(V1 + "/publish")
    with app.app_context():
        version = find_version(SLUG, 1)
        db.session.add(
            Visit(
                scorecard=version.scorecard,
                version=version,
                branch=make_branch(),
                status=VisitStatus.SUBMITTED,
                visited_at=datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
            )
        )
        db.session.commit()
    client.post(f"/scorecards/{SLUG}/draft")
    page = _page(client.get(f"/scorecards/{SLUG}/v2"))
    assert (
        "Publishing version 2 makes it the version new visits use and retires version 1; "
        "the visit already made keeps version 1 and its score."
    ) in page
    assert re.search(r'<form[^>]*/v2/publish"[^>]*data-confirm="Publishing version 2', page)


def test_every_file_format_message_is_rewritten_without_its_keys():
    broken = {
        "slug": "Bad Slug",
        "title": "x" * 250,
        "channel": "pigeon",
        "target": "ten",
        "sections": [
            {"key": "s", "title": "", "weight": 0, "target": 120, "questions": []},
            {
                "key": "s",
                "title": "Two",
                "questions": [
                    {"key": "q", "text": "Q", "type": "scale", "min": 5, "max": 3, "points": -1},
                    {"key": "q", "text": "Q", "type": "choice", "options": [{"label": "A"}]},
                    {"key": "n", "text": "N", "type": "number", "min": 10, "target": {"max": 5}},
                    {"key": "t", "text": "T", "type": "text", "points": 3, "critical": True},
                    {"key": "u", "text": "U", "type": "yes_no", "unit": "minutes"},
                    {"key": "r", "text": "R", "type": "yes_no", "show_if": {"question": "zz"}},
                    {"key": "y", "text": "Y", "type": "yes_no", "show_if": {"question": "u"}},
                    {
                        "key": "w",
                        "text": "W",
                        "type": "nps",
                        "show_if": {"question": "n", "in": ["x"]},
                    },
                    {"key": "v", "text": "", "type": "what"},
                ],
            },
        ],
    }
    _, errors = definition_from_data(broken)
    assert len(errors) > 15
    quoted_key = re.compile(r"'[a-z_]+'")
    for error in errors:
        message = builder.plain_message(error)
        assert not quoted_key.search(message), (error.message, message)
        assert not message[0].islower(), message
    words = {builder.plain_message(error) for error in errors}
    assert (
        "The slug can use only lowercase letters, digits, - and _, starting with a letter or "
        "digit (e.g. branch-visit)" in words
    )
    assert "The pass mark must be a number, not “ten”" in words
    assert "The section target must be between 0 and 100, not 120" in words
    assert "Give the question at least two options (it has 1)" in words
    assert "The unit is only for number questions: clear it for a yes/no question" in words
