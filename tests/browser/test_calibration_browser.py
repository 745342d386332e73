"""A calibration exercise end to end in Chromium: a manager writes a case with a photo and
reference answers, asks three raters, publishes; each rater scores it on a phone and sees
where they differed and why; the manager reads the agreement."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from audit.extensions import db
from audit.models import CalibrationAssignment, CalibrationCase, Role
from tests.builders import make_user, published_card
from tests.conftest import TEST_PASSWORD
from tests.images import jpeg

WHY_OUTCOME = "Half of it was solved, and the adviser said what was left."

#: What each rater taps: (greeted, empathy, outcome, follow-up or None, wait, recommend).
RATERS = {
    "ann": ("yes", 4, "Partly", "no", 3, 8),  # the reference exactly
    "bob": ("yes", 3, "Fully", None, 3, 7),  # Fully hides the follow-up question
    "cat": ("yes", 4, "Partly", "yes", 6, 8),
}
OUTCOME = {"Fully": 1, "Partly": 2, "Not at all": 3}  # the option's place on the card


@pytest.fixture
def people(live_server) -> SimpleNamespace:  # noqa: ANN001
    with live_server.app.app_context():
        published_card()
        found = SimpleNamespace(
            manager=make_user(Role.MANAGER, name="Mia Manager").email,
            ann=make_user(Role.SHOPPER, name="Ann Rater").email,
            bob=make_user(Role.SHOPPER, name="Bob Rater").email,
            cat=make_user(Role.ASSESSOR, name="Cat Assessor").email,
        )
        db.session.commit()
        return found


def tap_answers(page, greeted, empathy, outcome, follow_up, wait, recommend) -> None:  # noqa: ANN001
    """Answer the rules card with its own widgets, as on a visit."""
    page.click("label[for='answer-greeted-" + greeted + "']")
    page.click(f"label[for='answer-empathy-{empathy}']")
    page.click(f"label[for='answer-outcome-{OUTCOME[outcome]}']")
    follow = page.locator("#answer-follow_up-question")
    if follow_up is None:
        assert follow.is_hidden()  # its show_if is not met
    else:
        assert follow.is_visible()
        page.click(f"label[for='answer-follow_up-{follow_up}']")
        if follow_up == "no":  # below full points: the card asks why
            page.fill("#answer-follow_up-comment", "No follow-up offered.")
    page.fill("#answer-wait", str(wait))
    page.click(f"label[for='answer-recommend-{recommend}']")
    page.fill("#answer-summary", "Friendly but slow at the counter.")


def test_a_calibration_exercise_with_three_raters(live_server, new_phone, people, tmp_path):
    url = live_server.url
    desk = new_phone(viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False)
    manager = desk.new_page()
    live_server.login(manager, people.manager, TEST_PASSWORD)

    # 1. The manager writes the case.
    manager.goto(f"{url}/calibration/")
    manager.click("text=New case")
    manager.select_option("#scorecard", label="Rules card")
    manager.fill("#title", "Saturday rush")
    manager.fill("#scenario", "You queue for six minutes; the adviser sorts out half your problem.")
    manager.fill("#transcript", "Adviser: Sorry for the wait!")
    manager.click("text=Save the draft")
    manager.wait_for_url("**/reference")

    # 2. Reference answers with the scorecard's widgets, and why.
    tap_answers(manager, "yes", 4, "Partly", "no", 3, 8)
    manager.fill("#explain-outcome", WHY_OUTCOME)
    manager.click("#save-reference")
    manager.wait_for_url(re.compile(r".*/calibration/\d+$"))
    assert "Reference answers saved." in manager.content()

    # 3. A photo, three raters, publish.
    photo = tmp_path / "counter.jpg"
    photo.write_bytes(jpeg((800, 600)))
    manager.set_input_files("#photo", str(photo))
    manager.click("button:has-text('Upload')")
    assert "Photo added." in manager.content()
    for name in ("Ann Rater", "Bob Rater", "Cat Assessor"):
        manager.check(f"label:has-text('{name}')")
    manager.click("text=Ask them to score it")
    assert "3 raters asked to score this case." in manager.content()
    manager.click("button:has-text('Publish')")
    assert manager.inner_text("#case-status") == "Published"

    # 4. Each rater scores it on a phone and sees where they differed, and why.
    for key, answers in RATERS.items():
        phone = new_phone().new_page()
        live_server.login(phone, getattr(people, key), TEST_PASSWORD)
        phone.goto(f"{url}/shop/")
        phone.click("a:has-text('Saturday rush')")
        phone.wait_for_url("**/calibration/answer/*")
        phone.wait_for_load_state()
        assert "You queue for six minutes" in phone.content()
        assert phone.locator(".calibration-photos img").count() == 1
        assert WHY_OUTCOME not in phone.content()  # not before they have answered
        assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
        tap_answers(phone, *answers)
        phone.click("#send-answers")
        phone.wait_for_selector("#feedback-summary")
        summary = phone.inner_text("#feedback-summary")
        if key == "ann":
            assert summary == "You gave the reference answer to 6 of 6 questions."
            assert "Every answer matched the reference" in phone.content()
        elif key == "bob":
            assert summary == "You gave the reference answer to 2 of 6 questions."
            differences = phone.inner_text("#differences")
            assert "Your answer: Fully" in differences and "Reference: Partly" in differences
            assert WHY_OUTCOME in differences
        else:
            assert summary == "You gave the reference answer to 4 of 6 questions."
        phone.goto(f"{url}/shop/")
        assert "Calibration cases to score" not in phone.content()  # done
        phone.click("#calibration-link")  # the way back to their feedback
        assert (
            phone.locator("a:has-text('Saturday rush')")
            .inner_text()
            .endswith("Sent · see where you differed")
        )
        phone.context.close()

    # 5. The manager reads the agreement.
    manager.goto(f"{url}/calibration/")
    manager.click("text=Agreement")
    assert manager.inner_text("#sent-count") == "3 of 3 raters have sent their answers."

    def figure(key: str, which: str) -> str:
        return manager.inner_text(f"#agreement tr[data-question='{key}'] [data-figure='{which}']")

    assert figure("greeted", "percent") == "100%"
    assert figure("outcome", "percent") == "33%"  # Partly, Fully, Partly: one pair of three
    assert figure("outcome", "matched") == "2 of 3"
    assert figure("wait", "matched") == "2 of 3"
    assert "nominal 0.33" in manager.inner_text("main")
    bob = manager.inner_text("[data-rater] >> nth=1")
    assert "Bob Rater · 2 of 6 match" in bob
    with live_server.app.app_context():
        case = db.session.scalars(db.select(CalibrationCase)).one()
        assert case.status.value == "published"
        sent = db.session.scalars(
            db.select(CalibrationAssignment).where(CalibrationAssignment.submitted_at.is_not(None))
        ).all()
        assert len(sent) == 3
