"""The appeal form: only the answers that lost points, by section, and "what it should
have been" in the question's own terms, checked by the server."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from audit.appeals import service
from audit.appeals.service import AppealError
from audit.extensions import db
from audit.models import Appeal, Role, Visit
from tests.builders import (
    import_visits,
    make_branch,
    make_region,
    make_staff_login,
    make_staff_visit_world,
    make_user,
    publish_card,
    publish_reviewed,
)

SLUG = "appeal-card"
CARD = {
    "slug": SLUG,
    "title": "Appeal card",
    "channel": "in_person",
    "target": 80,
    "sections": [
        {
            "key": "welcome",
            "title": "Welcome",
            "questions": [
                {"key": "greeted", "text": "Were you greeted?", "type": "yes_no", "points": 5},
                {
                    "key": "wait",
                    "text": "Minutes waited",
                    "type": "number",
                    "unit": "minutes",
                    "target": {"max": 5},
                    "points": 4,
                },
            ],
        },
        {
            "key": "advice",
            "title": "Advice",
            "questions": [
                {
                    "key": "empathy",
                    "text": "Empathy",
                    "type": "scale",
                    "min": 1,
                    "max": 5,
                    "labels": {1: "Not at all", 5: "Completely"},
                    "points": 10,
                },
                {
                    "key": "outcome",
                    "text": "Resolved?",
                    "type": "choice",
                    "options": [
                        {"label": "Fully", "points": 10},
                        {"label": "Partly", "points": 5},
                        {"label": "Not at all", "points": 0},
                    ],
                },
                {"key": "thanked", "text": "Were you thanked?", "type": "yes_no"},
                {"key": "summary", "text": "Summary", "type": "text"},
            ],
        },
    ],
}
#: greeted earns its points; wait, empathy, outcome and thanked lose some.
ANSWERS = {
    "greeted": "yes",
    "wait": 8,
    "empathy": 3,
    "outcome": "Partly",
    "thanked": "no",
    "summary": "Fine",
}


@pytest.fixture
def w(app):
    with app.app_context():
        return make_staff_visit_world(CARD, ANSWERS)


@pytest.fixture
def form_url(w, auth):
    auth.login(w.staff)
    return f"/appeals/visits/{w.visit}/new"


def _appeals(app) -> list[Appeal]:
    with app.app_context():
        appeals = db.session.scalars(select(Appeal)).all()
        db.session.expunge_all()
        return appeals


def _radios(page: str, name: str) -> list[str]:
    return re.findall(rf'type="radio" name="{re.escape(name)}" id="[^"]*" value="([^"]*)"', page)


def _checked(page: str, name: str) -> list[str]:
    return re.findall(
        rf'type="radio" name="{re.escape(name)}" id="[^"]*" value="([^"]*)" checked', page
    )


def test_only_answers_that_lost_points_are_offered_by_section(client, form_url):
    page = client.get(form_url).get_data(as_text=True)
    assert _radios(page, "question_key") == ["wait", "empathy", "outcome", "thanked"]
    legends = re.findall(r'<legend class="h6 mb-2">([^<]+)</legend>', page)
    assert legends == ["Welcome", "Advice"]
    assert page.index("Minutes waited") < page.index("Advice") < page.index("Empathy")
    assert "<select" not in page  # no cut-off dropdown
    # "What it should have been" in each question's own terms, the answer given left out.
    assert _radios(page, "requested-thanked") == ["", "yes"]
    assert _radios(page, "requested-empathy") == ["", "1", "2", "4", "5"]
    assert "5 – Completely" in unescape(page)
    assert _radios(page, "requested-outcome") == ["", "Fully", "Not at all"]
    assert re.search(r'name="requested-wait" id="requested-wait-value"', page)
    assert "in minutes" in page


def test_a_valid_requested_answer_is_kept_as_the_reviewer_takes_it(app, client, form_url):
    for key, value in (("outcome", "Fully"), ("empathy", "5"), ("wait", " 2 "), ("thanked", "yes")):
        response = client.post(
            form_url,
            data={"question_key": key, "reason": "Not what happened", f"requested-{key}": value},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    requested = {a.question_key: a.requested_value for a in _appeals(app)}
    assert requested == {"outcome": "Fully", "empathy": "5", "wait": "2", "thanked": "yes"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("thanked", "maybe", "Choose one of the answers offered for this question."),
        ("empathy", "9", "9 is outside 1 to 5."),
        ("outcome", "Mostly", "Choose one of the answers offered for this question."),
        ("outcome", "Partly", "That is the answer as it was given"),
        ("wait", "soon", "Give a number"),
    ],
)
def test_a_requested_answer_the_question_cannot_take_is_refused_beside_it(
    app, client, form_url, key, value, message
):
    reason = "The shopper arrived at closing time."
    response = client.post(
        form_url, data={"question_key": key, "reason": reason, f"requested-{key}": value}
    )
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert re.search(rf'id="requested-{key}-error">{re.escape(message)}', page), page
    assert _checked(page, "question_key") == [key]  # what was chosen and typed is kept
    assert reason in page
    if key == "wait":
        assert re.search(r'class="form-control is-invalid"[^>]*value="soon"', page)
    assert _appeals(app) == []


def test_the_form_keeps_the_chosen_answers_when_the_reason_is_missing(app, client, form_url):
    response = client.post(
        form_url, data={"question_key": "empathy", "reason": " ", "requested-empathy": "5"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Say why the answer is wrong." in page
    assert _checked(page, "question_key") == ["empathy"]
    assert _checked(page, "requested-empathy") == ["5"]
    assert _appeals(app) == []


def test_an_answer_with_full_points_is_not_taken_by_the_form(app, client, form_url):
    response = client.post(form_url, data={"question_key": "greeted", "reason": "Wrong"})
    assert response.status_code == 422
    assert "only answers that lost points can be appealed" in response.get_data(as_text=True)
    response = client.post(form_url, data={"reason": "Wrong"})
    assert response.status_code == 422
    assert "Choose the answer you dispute." in response.get_data(as_text=True)
    assert _appeals(app) == []


def test_a_visit_without_lost_points_has_nothing_to_appeal(app, client, auth):
    with app.app_context():
        branch = make_branch(make_region(), code="LDS01")
        make_user(Role.SHOPPER, email="shopper@example.org")
        adviser = make_staff_login(branch, "ADV1")
        publish_card(CARD)
        full = {**ANSWERS, "wait": 2, "empathy": 5, "outcome": "Fully", "thanked": "yes"}
        (visit,) = import_visits(
            {"external_id": "F1", "scorecard": SLUG, "staff": "ADV1", "answers": full}
        )
        publish_reviewed(visit, make_user(Role.MANAGER))
        visit_id, email = visit.id, adviser.user.email
    auth.login(email)
    page = client.get(f"/appeals/visits/{visit_id}/new").get_data(as_text=True)
    assert "nothing to appeal" in page and 'name="question_key"' not in page


def test_the_service_checks_the_requested_answer_against_the_question(app, w):
    with app.app_context():
        visit = db.session.get(Visit, w.visit)
        (member,) = visit.staff
        with pytest.raises(AppealError) as refused:
            service.raise_appeal(visit, "empathy", member.user, "Was kind", "7")
        assert refused.value.field == "requested_value"
        appeal = service.raise_appeal(visit, "empathy", member.user, "Was kind", " 4 ")
        assert appeal.requested_value == "4"
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1
