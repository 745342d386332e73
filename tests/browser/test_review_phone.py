"""Reviewing on a phone (360 and 390 px wide) and a desktop: the decisions stay within
reach while the answers scroll past, the queue fits the screen as cards, and an edit the
server refuses opens at its message."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.builders import import_visits, make_world
from tests.conftest import TEST_PASSWORD

WIDTHS = (360, 390)
FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"
#: No box inside the page scrolls sideways either (a wide table in a scrolling wrapper).
NOTHING_SCROLLS_SIDEWAYS = """() => Array.from(document.querySelectorAll("main *")).every((el) =>
    !["auto", "scroll"].includes(getComputedStyle(el).overflowX)
    || el.scrollWidth <= el.clientWidth)"""


@pytest.fixture
def review(live_server) -> SimpleNamespace:  # noqa: ANN001
    """Four visits waiting for review at Leeds and Bristol; a head-office manager."""
    with live_server.app.app_context():
        world = make_world()
        visits = import_visits(
            {"external_id": "OLD", "visited_at": "2026-05-02T09:00:00"},
            {"external_id": "MID", "visited_at": "2026-05-10T09:00:00"},
            {"external_id": "NEW", "visited_at": "2026-05-20T09:00:00"},
            {"external_id": "SOUTH", "branch": "BRS01", "visited_at": "2026-05-06T09:00:00"},
        )
        return SimpleNamespace(manager=world.manager.email, visit_id=visits[0].id)


def phone_page(new_phone, live_server, review, width: int):  # noqa: ANN001, ANN201
    page = new_phone(viewport={"width": width, "height": 740}).new_page()
    live_server.login(page, review.manager, TEST_PASSWORD)
    return page


IN_VIEW = """(el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0
        && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
}"""


def in_view(page, selector: str) -> bool:  # noqa: ANN001
    """The element is shown and wholly inside the visible part of the window."""
    return page.eval_on_selector(selector, IN_VIEW)


def comes_into_view(page, selector: str) -> bool:  # noqa: ANN001
    """The element is wholly in the window once a smooth scroll has had time to end."""
    handle = page.wait_for_function(
        f"() => ({IN_VIEW})(document.querySelector({selector!r}))", timeout=3000
    )
    return bool(handle.json_value())


@pytest.mark.parametrize("width", WIDTHS)
def test_the_queue_is_a_list_of_cards_that_fits_a_phone(new_phone, live_server, review, width):
    page = phone_page(new_phone, live_server, review, width)
    page.goto(f"{live_server.url}/review/")
    assert page.evaluate(FITS) and page.evaluate(NOTHING_SCROLLS_SIDEWAYS)
    cards = page.locator("main tbody tr")
    assert cards.count() == 4
    for index in range(4):
        box = cards.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # Each card says what it is without the table's header row, and opens its visit.
    first = cards.first
    score = first.locator("td").nth(5)
    assert score.inner_text() == "91.4%"
    label = score.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert label == '"Score"'
    box = score.bounding_box()  # the score, not the link: the whole card is a target
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/review/visits/{review.visit_id}")


@pytest.mark.parametrize("width", WIDTHS)
def test_approve_is_in_reach_without_scrolling_on_a_phone(new_phone, live_server, review, width):
    page = phone_page(new_phone, live_server, review, width)
    page.goto(f"{live_server.url}/review/visits/{review.visit_id}")
    approve = "main button:has-text('Approve')"
    assert in_view(page, approve)
    assert page.evaluate(FITS)
    # Half way down the answers it is still there, and so are Return and Exclude.
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight / 2)")
    assert in_view(page, approve)
    assert in_view(page, "main a:has-text('Return')")
    assert in_view(page, "main a:has-text('Exclude')")
    # Return opens its form with the cursor in the reason box, above the bar.
    page.click("main a:has-text('Return')")
    assert page.evaluate("document.activeElement.id") == "return-reason"
    assert comes_into_view(page, "#return-reason")
    # Approving from the bar: Publish takes its place.
    page.goto(f"{live_server.url}/review/visits/{review.visit_id}")
    page.click(approve)
    page.wait_for_load_state()
    assert "Visit approved" in page.inner_text("main")
    assert in_view(page, "main button:has-text('Publish to staff')")
    assert page.evaluate(FITS)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_refused_edit_opens_at_its_message(new_phone, live_server, review, width):
    page = phone_page(new_phone, live_server, review, width)
    page.goto(f"{live_server.url}/review/visits/{review.visit_id}")
    page.click("#answer-wait summary")
    page.fill("#q-wait-value", "about ten")
    page.fill("#q-wait-reason", "Timed on the receipt")
    page.click("#answer-wait button[type=submit]")
    page.wait_for_load_state()
    message = "#answer-wait .invalid-feedback"
    assert page.inner_text(message).strip()
    assert in_view(page, message)
    assert page.evaluate("document.activeElement.id") == "q-wait-value"
    assert page.evaluate(FITS)


def test_the_decisions_stay_beside_the_answers_on_a_desktop(browser, live_server, review):  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        live_server.login(page, review.manager, TEST_PASSWORD)
        page.goto(f"{live_server.url}/review/visits/{review.visit_id}")
        page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
        assert in_view(page, "main button:has-text('Approve')")
        assert page.locator("#return summary").is_visible()
        assert not page.locator("main a:has-text('Return')").is_visible()
    finally:
        context.close()
