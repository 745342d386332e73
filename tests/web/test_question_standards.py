"""A question's standard, from the builder to what staff read: their visit feedback, the
coaching note written from a visit, and the coaching report."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from audit.coaching import service as coaching
from audit.documents.staff import staff_html
from audit.extensions import db
from audit.models import Role, Visit
from audit.reporting.filters import ReportFilter
from audit.scorecards.store import find_version, new_scorecard
from tests.builders import (
    make_staff_visit_world,
    make_user,
)
from tests.pages import section

SLUG = "standards-card"
GREET = "Greet every customer within 60 seconds."
EMPATHY = "Recognise how the customer feels, and say so."
RESOLVE = "Resolve the enquiry before the customer leaves."
NONE = "No standard written for this question"

CARD = {
    "slug": SLUG,
    "title": "Standards card",
    "channel": "in_person",
    "target": 80,
    "sections": [
        {
            "key": "welcome",
            "title": "Welcome",
            "questions": [
                {
                    "key": "greeted",
                    "text": "Were you greeted within a minute?",
                    "type": "yes_no",
                    "points": 5,
                    "standard": GREET,
                },
                {
                    "key": "wait",
                    "text": "Minutes waited",
                    "type": "number",
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
                    "text": "How well did the adviser acknowledge your situation?",
                    "type": "scale",
                    "min": 1,
                    "max": 5,
                    "points": 10,
                    "standard": EMPATHY,
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
                    "standard": RESOLVE,
                },
            ],
        },
    ],
}
ANSWERS = {"greeted": "yes", "wait": 8, "empathy": 3, "outcome": "Fully"}
COMMENTS = {
    "wait": "Queued for eight minutes",
    "empathy": "Looked at the screen, not at me",
    "outcome": "Sorted it in one go",
}


@pytest.fixture
def w(app):
    with app.app_context():
        return make_staff_visit_world(CARD, ANSWERS, COMMENTS)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_staff_feedback_shows_standards_met_and_missed_by_section(client, auth, w):
    auth.login(w.staff)
    html = _page(client, f"/coaching/me/visits/{w.visit}")
    missed_html = section(html, "standards-missed", "appeals")
    missed = _text(missed_html)
    met = _text(section(html, "standards-met", "standards-missed"))
    # Missed, by section in form order, each with the shopper's comment behind it; the
    # question without a standard says so instead of showing the shopper's question.
    assert re.search(
        rf"Welcome.*{NONE}.*Queued for eight minutes.*Advice.*{re.escape(EMPATHY)}"
        r".*Looked at the screen, not at me",
        missed,
    ), missed
    assert re.search(rf"Welcome.*{re.escape(GREET)}.*Advice.*{re.escape(RESOLVE)}", met), met
    assert "Sorted it in one go" in met
    # Each missed standard leads to the appeal form with its answer already chosen.
    assert f"/appeals/visits/{w.visit}/new?question=empathy" in missed_html
    assert "/appeals/visits/" not in section(html, "standards-met", "standards-missed")
    for question in ("Minutes waited", "acknowledge your situation", "greeted within a minute"):
        assert question not in missed and question not in met
    # The home page's summary of the visit reads the same way.
    home = _text(_page(client, "/coaching/me"))
    assert f"Standards met: {GREET}; {RESOLVE}" in home
    assert (
        f"Standards missed: {EMPATHY} (shopper: “Looked at the screen, not at me”); "
        "1 with no standard written (shopper: “Queued for eight minutes”)"
    ) in home


def test_a_coaching_note_from_the_visit_starts_from_the_standards_missed(app, client, auth, w):
    with app.app_context():
        text = coaching.prefill_note(db.session.get(Visit, w.visit))
    assert text.split("\n") == [
        "From the visit on 14 May 2026, standards missed:",
        "",
        "Welcome",
        f'- {NONE}. Answer: 8 (0 of 4 points). Shopper\'s comment: "Queued for eight minutes"',
        "",
        "Advice",
        f"- {EMPATHY} Answer: 3 (5 of 10 points). "
        'Shopper\'s comment: "Looked at the screen, not at me"',
    ]
    auth.login(w.manager)
    response = client.post(
        f"/coaching/staff/{w.staff_id}/notes/new?visit={w.visit}",
        data={"body": text, "goal": "Look up when you greet"},
    )
    assert response.status_code == 302
    note_url = response.headers["Location"]
    auth.logout()
    auth.login(w.staff)
    note = _page(client, note_url)
    standards = _text(section(note, "visit-standards", "replies"))
    assert re.search(rf"standards missed.*Welcome.*{NONE}.*Queued for eight minutes", standards)
    assert re.search(rf"standards met.*Welcome.*{re.escape(GREET)}", standards)


def test_the_coaching_report_names_standards_by_section_with_the_comments(app, w):
    with app.app_context():
        flt = ReportFilter(date(2026, 5, 1), date(2026, 5, 31), scorecard=SLUG, staff_id=w.staff_id)
        text = _text(staff_html(flt))
    met = text.split("Strengths: standards met", 1)[1].split("To work on: standards missed")[0]
    missed = text.split("To work on: standards missed", 1)[1].split("Open coaching notes")[0]
    assert re.search(rf"Welcome {re.escape(GREET)}.*Advice {re.escape(RESOLVE)}", met), met
    assert "Sorted it in one go" in met
    assert re.search(
        rf"Welcome {NONE}.*Queued for eight minutes.*Advice {re.escape(EMPATHY)} "
        r".*Looked at the screen, not at me",
        missed,
    ), missed
    assert "Minutes waited" not in missed and "acknowledge your situation" not in missed


# --- the builder ---------------------------------------------------------------------------


@pytest.fixture
def draft(app, auth):
    with app.app_context():
        manager = make_user(Role.MANAGER)
        data = {
            "slug": "shop-visit",
            "title": "Shop visit",
            "channel": "in_person",
            "target": 80,
            "sections": [{"key": "welcome", "title": "Welcome", "questions": []}],
        }
        new_scorecard(data, manager)
        db.session.commit()
        email = manager.email
    auth.login(email)
    return "/scorecards/shop-visit/v1/sections/0/questions/new"


def _question(**fields: str) -> dict[str, str]:
    data = {
        "text": "Were you greeted within 60 seconds?",
        "type": "yes_no",
        "key": "greeted",
        "evidence": "none",
        "show_if_mode": "equals",
    }
    data.update(fields)
    return data


def test_the_builder_saves_a_standard_and_shows_it_again(app, client, draft):
    form = _page(client, draft)
    assert 'name="standard"' in form and "Standard for staff" in form
    response = client.post(draft, data=_question(standard="  " + GREET + " "))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        (question,) = find_version("shop-visit", 1).definition["sections"][0]["questions"]
    assert question["standard"] == GREET
    edit = _page(client, "/scorecards/shop-visit/v1/sections/0/questions/0")
    assert GREET in edit


def test_the_builder_refuses_a_standard_too_long_beside_the_field(app, client, draft):
    typed = "Greet every customer " + "warmly " * 60
    response = client.post(draft, data=_question(standard=typed))
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert re.search(r'class="form-control is-invalid"[^>]*id="standard"', page), page
    assert "too long" in page and typed.strip() in unescape(page)  # what was typed is kept
    with app.app_context():
        assert find_version("shop-visit", 1).definition["sections"][0]["questions"] == []
