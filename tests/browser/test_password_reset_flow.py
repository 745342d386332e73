"""A forgotten password in Chromium: from the sign-in page to the mail (caught by the local
SMTP server), the link on the person's phone, a new password and signed in there; the
session still open on the old laptop is gone, and the used link fails."""

from __future__ import annotations

import re

from audit.extensions import db
from audit.models import Role
from audit.tasks import wait_for_tasks
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False}
LINK = re.compile(r"https?://\S+/reset/[A-Za-z0-9_-]+")
NEW_PASSWORD = "saffron lantern quarry 7"  # noqa: S105
PRIVATE = "/notifications/"
AMIRA = "Amira Hassan · Mystery shopper"  # the account menu's title


def test_forgotten_password_mail_new_password_and_the_old_session_is_gone(
    live_server, new_phone, smtp_server
):
    live_server.app.config.update(smtp_server.config())
    with live_server.app.app_context():
        make_user(Role.SHOPPER, "amira.hassan@example.org", name="Amira Hassan")
        db.session.commit()

    laptop = new_phone(**DESKTOP).new_page()  # signed in days ago, still open
    live_server.login(laptop, "amira.hassan@example.org", TEST_PASSWORD)
    laptop.goto(f"{live_server.url}{PRIVATE}")
    assert laptop.locator("#account-menu").get_attribute("title") == AMIRA

    phone = new_phone().new_page()
    phone.goto(f"{live_server.url}/login")
    phone.get_by_role("link", name="Forgot your password?").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", name="Forgotten password").is_visible()
    phone.get_by_label("Email").fill("amira.hassan@example.org")
    phone.get_by_role("button", name="Send me a link").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", name="Check your e-mail").is_visible()

    wait_for_tasks()  # the mail goes out from a background task
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["amira.hassan@example.org"]
    link = LINK.search(message.get_body(("plain",)).get_content()).group(0)
    assert link.startswith(live_server.url)

    phone.goto(link)
    assert phone.get_by_role("heading", name="Choose a new password").is_visible()
    phone.get_by_label("New password", exact=True).fill("amira.hassan1")
    phone.get_by_label("Repeat the new password").fill("amira.hassan1")
    phone.get_by_role("button", name="Set password and sign in").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("made of your name or e-mail address").is_visible()
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Set password and sign in").click()
    phone.wait_for_load_state()
    assert "/reset/" not in phone.url and "/login" not in phone.url
    assert phone.get_by_text("New password set.").is_visible()
    assert phone.locator("#account-menu").get_attribute("title") == AMIRA
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width

    laptop.goto(f"{live_server.url}{PRIVATE}")  # the old browser's session has ended
    assert "/login" in laptop.url
    assert laptop.locator("#account-menu").count() == 0

    other = new_phone().new_page()
    answer = other.goto(link)
    assert answer is not None and answer.status == 400
    assert other.get_by_role("heading", name="This link cannot be used").is_visible()
    assert other.get_by_text("already been used").is_visible()

    live_server.login(laptop, "amira.hassan@example.org", NEW_PASSWORD)
    assert laptop.locator("#account-menu").count() == 1
