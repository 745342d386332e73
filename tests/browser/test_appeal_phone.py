"""The appeal form on a phone: the answers that lost points as a radio list by section that
fits the screen, and "what it should have been" as the chosen question's own control."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.builders import make_staff_visit_world
from tests.conftest import TEST_PASSWORD

LONG = (
    "When you asked about the advertised offer, was it confirmed on exactly the advertised "
    "terms, without conditions added at the desk?"
)
CARD = {
    "slug": "phone-appeal",
    "title": "Branch visit",
    "channel": "in_person",
    "target": 80,
    "sections": [
        {
            "key": "welcome",
            "title": "Arrival and welcome",
            "questions": [
                {"key": "greeted", "text": "Were you greeted?", "type": "yes_no", "points": 5},
                {"key": "offer", "text": LONG, "type": "yes_no", "points": 5},
            ],
        },
        {
            "key": "advice",
            "title": "Advice, knowledge and offers",
            "questions": [
                {
                    "key": "empathy",
                    "text": "How well did the adviser recognise your situation?",
                    "type": "scale",
                    "min": 1,
                    "max": 5,
                    "labels": {1: "Not at all", 5: "Completely"},
                    "points": 10,
                },
                {
                    "key": "outcome",
                    "text": "Was your enquiry dealt with by the end of the visit?",
                    "type": "choice",
                    "options": [
                        {"label": "Fully", "points": 10},
                        {"label": "Partly", "points": 5},
                        {"label": "Not at all", "points": 0},
                    ],
                },
            ],
        },
    ],
}
ANSWERS = {"greeted": "yes", "offer": "no", "empathy": 2, "outcome": "Partly"}
COMMENTS = {
    "offer": "The poster offered 5%; the adviser said only 4% was available to new customers.",
    "empathy": "Looked at the screen, not at me.",
}


def seed(app) -> tuple[int, str]:  # noqa: ANN001
    with app.app_context():
        world = make_staff_visit_world(CARD, ANSWERS, COMMENTS, adviser="Amira Hassan")
        return world.visit, world.staff


@pytest.mark.parametrize("width", [360, 390])
def test_appeal_form_reads_whole_on_a_phone(live_server, new_phone, tmp_path: Path, width: int):
    visit_id, email = seed(live_server.app)
    page = new_phone(viewport={"width": width, "height": 800}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    live_server.login(page, email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/appeals/visits/{visit_id}/new")

    # Nothing scrolls sideways; there is no dropdown to cut the answers off.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("select").count() == 0
    # Only the answers that lost points, under their sections, each label whole on screen.
    legends = page.locator("fieldset.appeal-section > legend")
    assert legends.all_inner_texts() == ["Arrival and welcome", "Advice, knowledge and offers"]
    radios = page.locator("input[name=question_key]")
    assert [radios.nth(i).get_attribute("value") for i in range(radios.count())] == [
        "offer",
        "empathy",
        "outcome",
    ]
    for key in ("offer", "empathy", "outcome"):
        box = page.locator(f"label[for=answer-{key}]").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["height"] >= 44  # a tap target
    offer = page.locator("label[for=answer-offer]").inner_text()
    assert LONG in " ".join(offer.split())  # the whole question, not cut off
    assert "Answer given: No" in offer and "0 of 5 points" in offer and "only 4%" in offer

    # "What it should have been" appears for the chosen answer only, in its own terms.
    assert not page.locator("#requested-outcome").is_visible()
    page.locator("label[for=answer-outcome]").tap()
    requested = page.locator("#requested-outcome")
    assert requested.is_visible() and not page.locator("#requested-offer").is_visible()
    assert requested.get_by_role("radio").all() != []
    labels = [" ".join(t.split()) for t in requested.locator("label").all_inner_texts()]
    assert labels == ["Leave it to the reviewer", "Fully (10 pts)", "Not at all (0 pts)"]
    page.screenshot(path=str(tmp_path / f"appeal-{width}.png"), full_page=True)

    # Sent without a reason: the form comes back with the choices kept.
    requested.get_by_label("Fully (10 pts)").tap()
    page.get_by_role("button", name="Send appeal").tap()
    page.locator(".invalid-feedback", has_text="Say why the answer is wrong.").wait_for()
    assert page.locator("#answer-outcome").is_checked()
    assert page.locator("#requested-outcome").get_by_label("Fully (10 pts)").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_label("Why it is wrong").fill("The adviser booked the follow-up there and then.")
    page.get_by_role("button", name="Send appeal").tap()
    page.wait_for_url(re.compile(r"/appeals/\d+$"))
    assert "Appeal sent" in page.locator(".alert").first.inner_text()
    assert re.search(r"Should be\s+Fully", page.locator("dl").inner_text())
    assert errors == []
