"""The person's own account page: who they are, their password, their sessions; and how a
session ages (last seen, expiry after idling)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from audit.accounts.devices import describe_device
from audit.accounts.sessions import start_session
from audit.extensions import db
from audit.models import AuditEvent, LoginAttempt, Role, User, UserSession
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
)
NEW_PASSWORD = "a brand new long passphrase"  # noqa: S105


def _person(app: Flask, role: Role = Role.SHOPPER, **fields) -> str:
    with app.app_context():
        user = make_user(role, **fields)
        db.session.commit()
        return user.email


def _device(
    app: Flask, email: str, agent: str, address: str, *, remember: bool = False
) -> FlaskClient:
    """A browser of its own (its own cookies), signed in from ``address``."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    data = {"email": email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return client


def _sessions(app: Flask, email: str) -> list[UserSession]:
    with app.app_context():
        rows = db.session.scalars(
            select(UserSession)
            .join(User, User.id == UserSession.user_id)
            .where(User.email == email)
            .order_by(UserSession.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return list(rows)


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


# --- the page -------------------------------------------------------------------------


def test_the_page_names_the_person_and_lists_each_session(app: Flask) -> None:
    email = _person(app, name="Priya Shah")
    _device(app, email, IPHONE, "198.51.100.23", remember=True)
    phone = _device(app, email, ANDROID, "203.0.113.9")
    page = phone.get("/account").get_data(as_text=True)
    assert "<h1" in page and "Your account" in page
    assert "Priya Shah" in page and email in page and "Mystery shopper" in page
    assert "Chrome on Android" in page and "203.0.113.9" in page
    assert "Safari on iPhone" in page and "198.51.100.23" in page
    assert page.count("Last seen") == 2 and page.count("Signed in from") == 2
    assert page.count("This device") == 1
    # This device comes first, and is the Android phone that asked.
    assert page.index("This device") < page.index("Safari on iPhone")
    assert page.index("Chrome on Android") < page.index("This device")
    assert "Kept signed in" in page  # the iPhone asked to be kept signed in
    assert "Sign out everywhere" in page


def test_the_menu_links_to_the_account_page(app: Flask, client: FlaskClient, auth) -> None:
    auth.login(_person(app, Role.STAFF))
    home = client.get("/account").get_data(as_text=True)
    assert 'href="/account"' in home and "Your account" in home


def test_ended_sessions_are_not_listed(app: Flask) -> None:
    email = _person(app)
    old = _device(app, email, IPHONE, "198.51.100.23")
    old.post("/logout")
    page = _device(app, email, ANDROID, "203.0.113.9").get("/account").get_data(as_text=True)
    assert "Safari on iPhone" not in page
    assert page.count("Last seen") == 1


@pytest.mark.parametrize(
    ("agent", "words"),
    [
        (ANDROID, "Chrome on Android"),
        (IPHONE, "Safari on iPhone"),
        (WINDOWS_EDGE, "Edge on Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Firefox on macOS",
        ),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_devices_are_named_as_people_say_them(agent: str | None, words: str) -> None:
    assert describe_device(agent) == words


# --- ending sessions --------------------------------------------------------------------


def test_ending_another_of_my_sessions_refuses_that_browser(app: Flask) -> None:
    email = _person(app)
    lost = _device(app, email, IPHONE, "198.51.100.23", remember=True)
    here = _device(app, email, ANDROID, "203.0.113.9")
    lost_row, here_row = _sessions(app, email)
    answer = here.post(f"/account/sessions/{lost_row.id}/end")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    assert "That session is signed out." in here.get("/account").get_data(as_text=True)
    assert not _signed_in(lost)
    assert _signed_in(here)
    lost_row, here_row = _sessions(app, email)
    assert lost_row.ended_reason == "ended_by_user" and here_row.active
    (event,) = _events(app, "user.session_ended")
    assert event.details["device"] == "Safari on iPhone"
    assert event.details["place"] == "198.51.100.23"


def test_ending_this_devices_session_signs_it_out(app: Flask) -> None:
    email = _person(app)
    here = _device(app, email, ANDROID, "203.0.113.9")
    (row,) = _sessions(app, email)
    answer = here.post(f"/account/sessions/{row.id}/end")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert not _signed_in(here)


def test_another_persons_session_is_not_found_and_stays_alive(app: Flask) -> None:
    mine = _person(app)
    theirs = _person(app, Role.MANAGER)
    victim = _device(app, theirs, IPHONE, "198.51.100.23")
    attacker = _device(app, mine, ANDROID, "203.0.113.9")
    (their_row,) = _sessions(app, theirs)
    assert attacker.post(f"/account/sessions/{their_row.id}/end").status_code == 404
    assert attacker.post("/account/sessions/999999/end").status_code == 404
    assert _signed_in(victim)
    assert _sessions(app, theirs)[0].active
    assert _events(app, "user.session_ended") == []


def test_the_session_buttons_need_a_post(app: Flask) -> None:
    here = _device(app, _person(app), ANDROID, "203.0.113.9")
    assert here.get("/account/sessions/end-all").status_code == 405
    assert _signed_in(here)


def test_sign_out_everywhere_ends_every_session_and_records_it(app: Flask) -> None:
    email = _person(app)
    other = _device(app, email, IPHONE, "198.51.100.23", remember=True)
    here = _device(app, email, ANDROID, "203.0.113.9")
    answer = here.post("/account/sessions/end-all", follow_redirects=True)
    assert "signed out on every device" in answer.get_data(as_text=True)
    assert not _signed_in(here) and not _signed_in(other)
    assert {row.ended_reason for row in _sessions(app, email)} == {"signed_out_everywhere"}
    (event,) = _events(app, "user.signed_out_everywhere")
    assert event.details["sessions_ended"] == 2


def test_the_sign_out_buttons_are_refused_when_signed_out(app: Flask, client) -> None:
    assert client.post("/account/sessions/end-all").status_code == 302
    assert client.get("/account").headers["Location"].startswith("/login")


# --- changing the password --------------------------------------------------------------


def _change(client: FlaskClient, current: str, new: str, confirm: str | None = None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def test_a_password_change_keeps_this_session_and_ends_the_others(app: Flask) -> None:
    email = _person(app)
    other = _device(app, email, IPHONE, "198.51.100.23", remember=True)
    here = _device(app, email, ANDROID, "203.0.113.9")
    answer = _change(here, TEST_PASSWORD, NEW_PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    page = here.get("/account").get_data(as_text=True)
    assert "Your password is changed. 1 other session signed out." in page
    assert _signed_in(here) and not _signed_in(other)
    other_row, here_row = _sessions(app, email)
    assert other_row.ended_reason == "password_changed" and here_row.active
    (event,) = _events(app, "user.password_changed")
    assert event.details["sessions_ended"] == 1
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": email, "password": TEST_PASSWORD}).status_code == 200
    assert fresh.post("/login", data={"email": email, "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("not my password", NEW_PASSWORD, None, "That is not your current password."),
        (TEST_PASSWORD, "short1", None, "Use at least 10 characters"),
        (TEST_PASSWORD, "password1234", None, "This password is too easy to guess."),
        (TEST_PASSWORD, NEW_PASSWORD, "something else entirely", "The two passwords differ."),
        ("", "", "", "Current password is required."),
        (TEST_PASSWORD, TEST_PASSWORD, None, "The new password is your current one"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(
    app: Flask, current: str, new: str, confirm: str | None, message: str
) -> None:
    email = _person(app)
    other = _device(app, email, IPHONE, "198.51.100.23")
    here = _device(app, email, ANDROID, "203.0.113.9")
    answer = _change(here, current, new, confirm)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert message in page and "is-invalid" in page
    assert "Chrome on Android" in page  # the rest of the page is still there
    assert _signed_in(other) and _signed_in(here)
    assert _events(app, "user.password_changed") == []
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": email, "password": TEST_PASSWORD}).status_code == 302


def test_guessing_the_current_password_is_throttled_like_sign_in(app: Flask) -> None:
    app.config["LOGIN_THROTTLE_PER_ACCOUNT"] = 3
    email = _person(app)
    here = _device(app, email, ANDROID, "203.0.113.9")
    for n in range(3):
        assert _change(here, f"guess {n}", NEW_PASSWORD).status_code == 200
    answer = _change(here, TEST_PASSWORD, NEW_PASSWORD)  # even the right one waits now
    assert answer.status_code == 429
    assert "Too many failed sign-ins" in answer.get_data(as_text=True)
    assert _events(app, "user.password_changed") == []


# --- how a session ages -----------------------------------------------------------------


def _idle(app: Flask, email: str, by: timedelta) -> None:
    """Move every live session's "last seen" back, as if the browser had been away."""
    with app.app_context():
        for row in db.session.scalars(
            select(UserSession)
            .join(User, User.id == UserSession.user_id)
            .where(User.email == email, UserSession.ended_at.is_(None))
        ):
            row.last_seen_at = datetime.now(UTC) - by
        db.session.commit()


def test_each_visit_moves_last_seen_at_most_once_a_minute(app: Flask) -> None:
    email = _person(app)
    here = _device(app, email, ANDROID, "203.0.113.9")
    _idle(app, email, timedelta(minutes=5))
    before = datetime.now(UTC)
    assert _signed_in(here)  # a GET that writes nothing else
    (row,) = _sessions(app, email)
    assert row.last_seen_at >= before - timedelta(seconds=1)
    _idle(app, email, timedelta(seconds=30))
    assert _signed_in(here)
    (row,) = _sessions(app, email)
    assert datetime.now(UTC) - row.last_seen_at >= timedelta(seconds=29)  # not rewritten yet


def test_a_session_idle_past_its_lifetime_is_refused_and_marked_expired(app: Flask) -> None:
    email = _person(app)
    here = _device(app, email, ANDROID, "203.0.113.9")
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    _idle(app, email, lifetime - timedelta(minutes=5))
    assert _signed_in(here)
    _idle(app, email, lifetime + timedelta(minutes=1))
    assert not _signed_in(here)
    (row,) = _sessions(app, email)
    assert row.ended_reason == "expired" and row.ended_at is not None
    _idle(app, email, timedelta(0))  # an ended session is not revived by a fresh "last seen"
    assert not _signed_in(here)


def test_a_remembered_session_lasts_the_remember_me_duration(app: Flask) -> None:
    email = _person(app)
    here = _device(app, email, ANDROID, "203.0.113.9", remember=True)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    remember = app.config["REMEMBER_COOKIE_DURATION"]
    assert remember > lifetime + timedelta(hours=1)
    _idle(app, email, lifetime + timedelta(hours=1))
    assert _signed_in(here)  # past the ordinary lifetime: still kept signed in
    _idle(app, email, remember + timedelta(minutes=1))
    assert not _signed_in(here)
    (row,) = _sessions(app, email)
    assert row.ended_reason == "expired"


def test_an_account_without_a_password_is_told_so_and_cannot_set_one_here(app: Flask) -> None:
    """Someone who signs in only through single sign-on has no password to change; the
    page says so and a forged POST changes nothing and counts no failed sign-in."""
    with app.app_context():
        user = make_user(Role.STAFF)
        user.password_hash = None
        start_session(user, method="sso", remember=False)
        key, email = user.session_key, user.email
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = key
    page = client.get("/account").get_data(as_text=True)
    assert "no password here" in page and 'name="current_password"' not in page
    answer = _change(client, "", NEW_PASSWORD)
    assert answer.status_code == 200
    answer = _change(client, "anything", NEW_PASSWORD)
    assert "no password here" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == email)).password_hash is None
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
