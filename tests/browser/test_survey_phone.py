"""A customer answers the survey card on a 360 px phone, with JavaScript off and on: the
page fits the screen, every rating is tapped through its visible label, and the answers
arrive as one visit of the survey card with the contact e-mail kept apart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import SurveyContact, Visit
from audit.surveys.links import survey_path
from tests.builders import make_branch, make_region, make_staff
from tests.surveys.helpers import survey_card

WIDTH = 360


@pytest.fixture
def link(live_server) -> str:
    app = live_server.app
    app.config["SURVEY_MIN_FILL_SECONDS"] = 1
    with app.app_context():
        survey_card()
        branch = make_branch(make_region("North"), "HRB01", "Harbour Lane")
        staff = make_staff(branch, "ST0001", name="Ana Silva")
        db.session.commit()
        return live_server.url + survey_path(branch, staff)


def tap_rating(page, name: str, value: str) -> None:  # noqa: ANN001
    page.locator("label", has=page.locator(f"input[name='{name}'][value='{value}']")).click()


@pytest.mark.parametrize("javascript", [False, True], ids=["no-javascript", "javascript"])
def test_a_customer_answers_on_a_small_phone(live_server, new_phone, link, javascript):
    context = new_phone(viewport={"width": WIDTH, "height": 740}, java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(link)
    assert page.locator("h1").inner_text() == "How did we do at Harbour Lane?"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

    # Each of the eleven NPS boxes is wide enough to tap (at least 24 px).
    boxes = page.locator("input[name='q-recommend'] + span")
    assert boxes.count() == 11
    assert min(boxes.nth(i).bounding_box()["width"] for i in range(11)) >= 24

    tap_rating(page, "q-csat", "4")
    tap_rating(page, "q-ease", "6")
    page.get_by_text("Yes, fully").click()
    tap_rating(page, "q-recommend", "10")
    page.fill("#q-comment", "Ana sorted my card in minutes.")
    email = page.locator("#email")
    if javascript:
        assert not email.is_visible()  # folded away until the customer wants a reply
    page.locator("#contact").check()
    assert email.is_visible()
    email.fill("me@example.org")
    page.wait_for_timeout(1100)  # a person takes longer than the minimum fill time
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "Thank you"
    assert "Harbour Lane" in page.locator("main").inner_text()
    assert errors == []
    with live_server.app.app_context():
        visit = db.session.scalars(select(Visit)).one()
        values = {a.question_key: a.value_number or a.value_text for a in visit.answers}
        assert values["recommend"] == 10 and values["csat"] == 4 and values["ease"] == 6
        assert values["comment"] == "Ana sorted my card in minutes."
        assert [s.name for s in visit.staff] == ["Ana Silva"]
        assert db.session.scalars(select(SurveyContact.email)).all() == ["me@example.org"]
