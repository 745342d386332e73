"""Two-factor sign-in in Chromium on a phone: set it up from the page (the key read off the
screen, as a person types it into their app), sign out, sign in with the app's code, then
with a recovery code."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp

from audit.extensions import db
from audit.models import Role, User
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD


def _sign_out(page, url: str) -> None:  # noqa: ANN001
    """Through the account menu, which opens out at desktop width."""
    size = page.viewport_size
    page.set_viewport_size({"width": 1920, "height": 800})
    page.goto(f"{url}/")
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    page.set_viewport_size(size)


def _wait_for_a_new_code(totp: pyotp.TOTP, used_at: datetime) -> None:
    """A code works once: the enrolment used this 30-second step's, so wait for the next."""
    while totp.timecode(datetime.now(UTC)) <= totp.timecode(used_at):
        time.sleep(0.5)


def test_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(new_phone, live_server):
    app, url = live_server.app, live_server.url
    with app.app_context():
        user = make_user(Role.MANAGER, name="Priya Shah")
        db.session.commit()
        user_id, email = user.id, user.email
    page = new_phone().new_page()
    live_server.login(page, email, TEST_PASSWORD)

    page.goto(f"{url}/account/two-factor")
    assert page.locator(".two-factor-qr svg").is_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.fill("#code", totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_load_state()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them — continue").click()
    assert "Recovery codes left: 10" in page.locator("main, body").first.inner_text()

    _sign_out(page, url)
    with app.app_context():
        enabled_at = db.session.get(User, user_id).totp_enabled_at
    _wait_for_a_new_code(totp, enabled_at)
    live_server.login(page, email, TEST_PASSWORD)
    page.wait_for_url("**/login/code")
    assert page.get_by_role("heading", name="Enter your code").is_visible()
    page.fill("#code", totp.now())
    page.get_by_role("button", name="Confirm sign-in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url
    assert page.locator("#account-menu").count() == 1  # signed in

    _sign_out(page, url)
    live_server.login(page, email, TEST_PASSWORD)
    page.wait_for_url("**/login/code")
    page.fill("#code", codes[0])
    page.get_by_role("button", name="Confirm sign-in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url
    assert "recovery code; 9 left" in page.content()
