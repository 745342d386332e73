"""The scorecard builder in a phone's browser: the slug follows the title, the options editor
adds and removes rows, and publishing asks first, saying what it changes."""

from __future__ import annotations

import re

from audit.extensions import db
from audit.models import Role, VersionStatus
from audit.scorecards.store import find_version
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD


def test_build_a_choice_question_and_publish_on_a_phone(live_server, new_phone):
    with live_server.app.app_context():
        email = make_user(Role.MANAGER).email
        db.session.commit()
    page = new_phone(viewport={"width": 360, "height": 740}).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    live_server.login(page, email, TEST_PASSWORD)

    # The title comes first; the slug is made from it as it is typed, until edited by hand.
    page.goto(f"{live_server.url}/scorecards/new")
    assert page.evaluate("document.activeElement.id") == "title"
    page.fill("#title", "Café visit — spring")
    assert page.input_value("#slug") == "cafe-visit-spring"
    page.fill("#slug", "cafe")
    page.fill("#title", "Café visit")
    assert page.input_value("#slug") == "cafe"
    page.fill("#target", "80")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/scorecards/cafe/v1$"))

    page.goto(f"{live_server.url}/scorecards/cafe/v1/sections/new")
    page.fill("#title", "Welcome")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/questions/new$"))

    # One row per option; "Add an option" adds a row, × removes one.
    page.select_option("#type", "choice")
    page.fill("#text", "Was your question resolved?")
    editor = page.locator("[data-types=choice] [data-option-editor]")
    rows = editor.locator("[data-option-row]")
    assert rows.count() == 4
    for row, (label, points) in enumerate(
        [("Fully", "10"), ("Mostly", "7"), ("Partly", "5"), ("Not at all", "0")]
    ):
        page.fill(f"#options-{row}-label", label)
        page.fill(f"#options-{row}-points", points)
    editor.get_by_role("button", name="Add an option").click()
    assert rows.count() == 5
    assert page.evaluate("document.activeElement.id") == "options-4-label"
    page.fill("#options-4-label", "Not asked")
    editor.get_by_role("button", name="Remove option 2").click()
    assert rows.count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#question-form button[type=submit] >> text=Add question")
    page.wait_for_url(re.compile(r"/scorecards/cafe/v1(#.*)?$"))
    with live_server.app.app_context():
        question = find_version("cafe", 1).definition["sections"][0]["questions"][0]
    assert [(o["label"], o.get("points", 0)) for o in question["options"]] == [
        ("Fully", 10),
        ("Partly", 5),
        ("Not at all", 0),
        ("Not asked", 0),
    ]

    # Publishing asks, in words, what it changes; "Cancel" changes nothing.
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:  # noqa: ANN001
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="Publish version 1").click()
    assert asked and asked[0].startswith("Publishing version 1 makes it the version new visits use")
    with live_server.app.app_context():
        assert find_version("cafe", 1).status is VersionStatus.DRAFT
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="Publish version 1").click()
    page.wait_for_load_state()
    assert "is published" in page.inner_text("main")
    with live_server.app.app_context():
        assert find_version("cafe", 1).status is VersionStatus.PUBLISHED
    assert problems == []
