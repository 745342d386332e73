"""On a phone (360 and 390 px): a message beside a field goes once the field is changed,
"Still to do" lands on the control that needs attention, buttons hold their text in the
middle, and small links are thumb-sized."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from audit.extensions import db
from audit.models import Role, StaffMember, Visit
from audit.shop.service import DraftData, save_draft
from tests.builders import (
    import_visits,
    make_branch,
    make_region,
    make_staff,
    make_user,
    make_world,
    publish_card,
    started_draft,
)
from tests.conftest import TEST_PASSWORD

WIDTHS = (360, 390)
RED = "rgb(132, 32, 41)"  # the comment rule's red (static/css/visit_form.css)

CARD = {
    "slug": "todo-card",
    "title": "Phone call",
    "channel": "phone",
    "target": 80,
    "comment_on_fail": True,
    "sections": [
        {
            "key": "call",
            "title": "The call",
            "questions": [
                {"key": "greeted", "text": "Greeted by name?", "type": "yes_no", "points": 5},
                {
                    "key": "receipt",
                    "text": "Confirmation sent?",
                    "type": "yes_no",
                    "points": 5,
                    "evidence": "required",
                },
                {"key": "clear", "text": "Explained clearly?", "type": "yes_no", "points": 5},
            ],
        }
    ],
}


def phone(new_phone, width: int):  # noqa: ANN001, ANN201
    page = new_phone(viewport={"width": width, "height": 740}).new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


@pytest.fixture
def draft(live_server) -> SimpleNamespace:  # noqa: ANN001
    """A shopper's draft: "greeted" falls short without a comment, "receipt" has no photo,
    "clear" is unanswered."""
    with live_server.app.app_context():
        leeds = make_branch(make_region("North"), code="LDS01", name="Leeds Briggate")
        shopper = make_user(Role.SHOPPER, name="Sally Shopper")
        visit = started_draft(publish_card(CARD), leeds, shopper)
        db.session.flush()
        now = datetime.now(UTC)
        data = DraftData(
            answers={"greeted": "no", "receipt": "yes"},
            staff_description="Ben, on the phone",
            started_at=(now - timedelta(minutes=20)).isoformat(),
            ended_at=(now - timedelta(minutes=5)).isoformat(),
        )
        assert save_draft(visit, data, shopper) == []
        db.session.commit()
        return SimpleNamespace(email=shopper.email, visit_id=visit.id)


def to_send_step(page) -> None:  # noqa: ANN001
    while page.locator("[data-next]").is_visible():
        page.locator("[data-next]").tap()
    page.locator("[data-missing-list] li").first.wait_for()


def focused_id(page) -> str:  # noqa: ANN001
    return page.evaluate("() => document.activeElement && document.activeElement.id")


@pytest.mark.parametrize("width", WIDTHS)
def test_still_to_do_lands_on_the_comment_the_photo_or_the_answer(
    live_server, new_phone, draft, width
):
    page = phone(new_phone, width)
    live_server.login(page, draft.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/shop/visits/{draft.visit_id}")
    to_send_step(page)
    items = page.locator("[data-missing-list] a")
    assert items.count() == 3, page.locator("[data-missing-list]").inner_text()

    page.locator("[data-missing-list] a", has_text="comment").tap()
    assert focused_id(page) == "answer-greeted-comment"
    assert page.locator("#answer-greeted-comment").is_visible()

    to_send_step(page)
    page.locator("[data-missing-list] a", has_text="photo").tap()
    photo = page.evaluate(
        "() => document.activeElement.type + ' ' +"
        " (document.activeElement.closest('[data-question]') || {}).dataset.question"
    )
    assert photo == "file receipt", photo

    to_send_step(page)
    page.locator("[data-missing-list] a", has_text="Explained clearly?").tap()
    assert focused_id(page) == "answer-clear-yes"
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_comment_rule_turns_to_a_quiet_hint_once_a_comment_is_typed(
    live_server, new_phone, draft, width
):
    page = phone(new_phone, width)
    live_server.login(page, draft.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/shop/visits/{draft.visit_id}")
    why = page.locator("#answer-greeted-comment-why")
    comment = page.locator("#answer-greeted-comment")
    while not why.is_visible() and page.locator("[data-next]").is_visible():
        page.locator("[data-next]").tap()  # to the step with the question
    assert why.is_visible()
    assert why.evaluate("el => getComputedStyle(el).color") == RED
    assert comment.evaluate("el => getComputedStyle(el).borderTopColor") == RED
    comment.fill("Nobody said my name.")
    page.wait_for_timeout(300)  # the border's colour change is animated
    assert why.evaluate("el => getComputedStyle(el).color") != RED
    assert comment.evaluate("el => getComputedStyle(el).borderTopColor") != RED
    assert why.evaluate("el => getComputedStyle(el).fontWeight") == "400"
    # Emptied again: the rule is unmet, and red again.
    comment.fill("")
    page.wait_for_timeout(300)
    assert why.evaluate("el => getComputedStyle(el).color") == RED
    assert page.errors == []


@pytest.fixture
def office(live_server) -> SimpleNamespace:  # noqa: ANN001
    """The rules card and people (make_world); a submitted and an approved Leeds visit,
    the approved one serving Amira Hassan."""
    with live_server.app.app_context():
        world = make_world()
        waiting, approved = import_visits(
            {"external_id": "WAIT", "visited_at": "2026-05-02T09:00:00"},
            {"external_id": "DONE", "status": "approved", "visited_at": "2026-05-04T09:00:00"},
        )
        amira: StaffMember = make_staff(world.leeds, name="Amira Hassan")
        db.session.get(Visit, approved.id).staff.append(amira)
        db.session.commit()
        return SimpleNamespace(
            manager=world.manager.email, waiting=waiting.id, approved=approved.id
        )


@pytest.mark.parametrize("width", WIDTHS)
def test_a_server_form_message_goes_once_its_field_is_changed(
    live_server, new_phone, office, width
):
    page = phone(new_phone, width)
    live_server.login(page, office.manager, TEST_PASSWORD)
    page.goto(f"{live_server.url}/assignments/new")
    with page.expect_navigation():
        page.locator("form[action$='/assignments/new'] button[type=submit]").first.tap()
    scorecard = page.locator("#scorecard")
    assert "is-invalid" in scorecard.get_attribute("class")
    messages = page.locator(".invalid-feedback:visible")
    before = messages.count()
    assert before >= 2, before  # the scorecard and at least one other field
    scorecard_message = scorecard.locator("xpath=following-sibling::div[@class='invalid-feedback']")
    assert scorecard_message.count() == 1

    scorecard.select_option(index=1)
    assert "is-invalid" not in scorecard.get_attribute("class")
    assert scorecard_message.count() == 0
    assert page.locator(".invalid-feedback:visible").count() == before - 1  # the others stay
    assert page.locator(".is-invalid").count() >= 1
    assert page.errors == []


TEXT_GAPS = """(el) => {
    const box = el.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect();
    return [text.top - box.top, box.bottom - text.bottom, box.height];
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_buttons_hold_their_text_in_the_middle_and_small_links_are_thumb_sized(
    live_server, new_phone, office, width
):
    page = phone(new_phone, width)
    live_server.login(page, office.manager, TEST_PASSWORD)
    page.goto(f"{live_server.url}/review/")
    library = page.get_by_role("link", name="Comment library")
    above, below, height = library.evaluate(TEXT_GAPS)
    assert height >= 44 and abs(above - below) <= 2, (above, below, height)

    page.goto(f"{live_server.url}/review/visits/{office.waiting}")
    summary = page.locator("summary", has_text="Edit as reviewer").first
    assert summary.bounding_box()["height"] >= 44
    for crumb in page.locator(".breadcrumb-item a").all():
        box = crumb.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box

    page.goto(f"{live_server.url}/review/visits/{office.approved}")
    for link in page.locator("#coaching-links a").all():
        assert link.bounding_box()["height"] >= 44, link.inner_text()
    assert page.locator("#coaching-links a", has_text="Write coaching note").count() == 1

    page.goto(f"{live_server.url}/reports/branches/LDS01")
    visits = page.locator("details[data-fold-narrow]", has=page.locator("#visits-h"))
    page.wait_for_function("() => !document.querySelector('#visits-h').closest('details').open")
    visits.locator("summary").tap()  # folded on a phone: opened as the user would
    pdfs = visits.locator("td a", has_text="PDF")  # each visit's own report
    assert pdfs.count() >= 1
    for link in pdfs.all():
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_thanks_shows_right_after_sending_and_not_when_the_visit_is_opened_again(
    live_server, new_phone, width
):
    card = {**CARD, "slug": "thanks-card", "sections": [dict(CARD["sections"][0])]}
    card["sections"][0]["questions"] = [CARD["sections"][0]["questions"][0]]
    with live_server.app.app_context():
        leeds = make_branch(make_region("North"), code="LDS01", name="Leeds Briggate")
        shopper = make_user(Role.SHOPPER, name="Sally Shopper")
        visit = started_draft(publish_card(card), leeds, shopper)
        db.session.flush()
        now = datetime.now(UTC)
        data = DraftData(
            answers={"greeted": "yes"},
            staff_description="Ben, on the phone",
            started_at=(now - timedelta(minutes=20)).isoformat(),
            ended_at=(now - timedelta(minutes=5)).isoformat(),
        )
        assert save_draft(visit, data, shopper) == []
        db.session.commit()
        email, visit_id = shopper.email, visit.id
    page = phone(new_phone, width)
    live_server.login(page, email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/shop/visits/{visit_id}")
    while page.locator("[data-next]").is_visible():
        page.locator("[data-next]").tap()
    page.locator("#submit-button").tap()
    page.locator("[data-sent]").wait_for()
    assert "Thank you, your report has been sent." in page.locator("main").inner_text()
    assert "Sent · waiting for review" in page.locator("[data-sent]").inner_text()
    page.reload()
    page.locator("[data-sent]").wait_for()
    assert "Thank you" not in page.locator("main").inner_text()
    assert "Sent · waiting for review" in page.locator("[data-sent]").inner_text()
    assert page.errors == []
