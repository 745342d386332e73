"""An invitation in Chromium: an administrator invites through the page, the mail arrives
at the local SMTP server, the link opens on the person's own phone (a fresh browser),
they choose a password and land signed in; the used link then fails."""

from __future__ import annotations

import re

from audit.extensions import db
from audit.models import Role
from audit.tasks import wait_for_tasks
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False}
LINK = re.compile(r"https?://\S+/invite/[A-Za-z0-9_-]+")
NEW_PASSWORD = "violet canyon ledger 42"  # noqa: S105


def test_invite_through_the_page_then_join_from_the_mailed_link(
    live_server, new_phone, smtp_server
):
    live_server.app.config.update(smtp_server.config(), APP_URL=live_server.url)
    with live_server.app.app_context():
        admin = make_user(Role.ADMIN, name="Ada Admin")
        db.session.commit()
        admin_email = admin.email

    office = new_phone(**DESKTOP).new_page()
    live_server.login(office, admin_email, TEST_PASSWORD)
    office.goto(f"{live_server.url}/admin/users")
    office.get_by_role("link", name="Invite people").first.click()
    office.get_by_label("Full name").fill("Nia Newton")
    office.get_by_label("Email").fill("nia@example.org")
    office.get_by_label("Role").select_option("shopper")
    office.get_by_role("button", name="Send invitation").click()
    office.wait_for_load_state()
    assert "/invitations" in office.url
    assert office.get_by_text("The invitation mail is on the way", exact=False).is_visible()
    assert office.get_by_role("cell", name="nia@example.org").is_visible()

    wait_for_tasks()  # the mail is a task of the in-process queue, after the answer
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["nia@example.org"]
    link = LINK.search(message.get_content()).group(0)

    phone = new_phone().new_page()  # the invited person's own phone: nobody signed in
    phone.goto(link)
    assert phone.get_by_role("heading", name="Welcome to Service Audit, Nia Newton").is_visible()
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Repeat the new password").fill(NEW_PASSWORD + "x")
    phone.get_by_role("button", name="Choose password and sign in").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("The two passwords differ.").is_visible()
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Choose password and sign in").click()
    phone.wait_for_load_state()
    assert "/invite/" not in phone.url and "/login" not in phone.url
    assert phone.locator("#account-menu").get_attribute("title") == "Nia Newton · Mystery shopper"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width

    other = new_phone().new_page()
    answer = other.goto(link)
    assert answer.status == 410
    assert other.get_by_text("already been used").is_visible()

    office.goto(f"{live_server.url}/admin/users?status=invited")
    assert office.get_by_text("Nia Newton").count() == 0
