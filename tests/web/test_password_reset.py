"""A forgotten password: the mail (caught by a real SMTP server), the link, the new password,
and every old session gone; links that are reused, expired, replaced or altered are
refused; an unknown address gets the same answer and no mail."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AccountLink, AuditEvent, Role, User, UserSession
from audit.tasks import wait_for_tasks
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD, unavailable

#: A page for anyone signed in that names them (in the menu); signed out, it sends to /login.
PRIVATE = "/notifications/"
NEW_PASSWORD = "violet harbour trumpet"  # noqa: S105
NAME = "Amira Hassan"
EMAIL = "amira.hassan@example.org"
SENT = "Check your e-mail"


def _account(app: Flask, email: str = EMAIL, **kwargs: object) -> int:
    with app.app_context():
        user = make_user(Role.SHOPPER, email, name=NAME, **kwargs)
        db.session.commit()
        return user.id


def _signed_in(app: Flask, email: str = EMAIL, *, remember: bool = False) -> FlaskClient:
    """A browser of its own, signed in with the old password."""
    browser = app.test_client()
    data = {"email": email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 302
    assert _is_in(browser)
    return browser


def _is_in(browser: FlaskClient) -> bool:
    response = browser.get(PRIVATE)
    return response.status_code == 200 and NAME in response.get_data(as_text=True)


def _ask(browser: FlaskClient, email: str):
    response = browser.post("/forgot", data={"email": email})
    wait_for_tasks()  # the mail is sent by a background task (the in-process pool here)
    return response


def _links(smtp_server) -> list[str]:
    """The reset links of every mail caught so far, as full addresses."""
    found = []
    for _, message in smtp_server.inbox.messages:
        body = message.get_body(("plain",)).get_content()
        found += re.findall(r"https?://\S+/reset/\S+", body)
    return found


def _path(link: str) -> str:
    return urlsplit(link).path


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_sign_in_page_offers_the_forgotten_password_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot"' in page and "Forgot your password?" in page
    form = client.get("/forgot").get_data(as_text=True)
    assert 'name="email"' in form and 'autocomplete="username"' in form


def test_forgotten_password_by_mail_ends_every_old_session(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    user_id = _account(app)
    old = _signed_in(app)
    remembered = _signed_in(app, remember=True)
    copied_remember_me = app.test_client()  # only the remember-me cookie, copied elsewhere
    token = remembered.get_cookie("remember_token")
    assert token is not None
    copied_remember_me.set_cookie("remember_token", token.value)
    assert _is_in(copied_remember_me)

    person = app.test_client()
    answer = _ask(person, EMAIL.upper())
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    recipients, message = smtp_server.inbox.only()
    assert recipients == [EMAIL]
    assert message["Subject"] == "[Service Audit] Reset your password"
    body = message.get_body(("plain",)).get_content()
    assert f"Hello {NAME}" in body and "within 60 minutes" in body
    [link] = _links(smtp_server)
    assert link.startswith("http://localhost/reset/")

    page = person.get(_path(link))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert EMAIL in page.get_data(as_text=True) and 'autocomplete="new-password"' in page.get_data(
        as_text=True
    )
    done = person.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert _is_in(person)  # signed in afresh with the new password

    for browser in (old, remembered, copied_remember_me):
        gone = browser.get(PRIVATE)
        assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    with app.app_context():
        sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id))
        reasons = sorted((s.ended_reason or "live") for s in sessions)
        assert reasons == ["live", "password_reset", "password_reset"]
        assert db.session.get(User, user_id).check_password(NEW_PASSWORD)
    assert (
        app.test_client()
        .post("/login", data={"email": EMAIL, "password": TEST_PASSWORD})
        .status_code
        == 200
    )  # the old password is refused
    [asked] = _events(app, "user.reset_requested")
    assert asked.subject_id == user_id and asked.details["requested_from"] == "127.0.0.1"
    [reset] = _events(app, "user.password_reset_done")
    assert reset.actor_id == user_id and reset.details["sessions_ended"] == 2


def _unknown_free(page: str, email: str) -> str:
    return page.replace(email, "ADDRESS")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    _account(app)
    known = _ask(app.test_client(), EMAIL)
    unknown = _ask(app.test_client(), "nobody.here@example.org")
    assert known.status_code == unknown.status_code == 200
    assert _unknown_free(known.get_data(as_text=True), EMAIL) == _unknown_free(
        unknown.get_data(as_text=True), "nobody.here@example.org"
    )
    assert len(smtp_server.inbox.messages) == 1  # the known one only
    assert [r for r, _ in smtp_server.inbox.messages] == [[EMAIL]]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountLink)) == 1


def test_no_mail_for_a_deactivated_account_or_a_pending_invitation(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    _account(app, "gone@example.org", active=False)
    invited = _account(app, "invited@example.org")
    with app.app_context():
        db.session.get(User, invited).joined_at = None
        db.session.commit()
    for email in ("gone@example.org", "invited@example.org"):
        answer = _ask(app.test_client(), email)
        assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    assert smtp_server.inbox.messages == []
    assert _events(app, "user.reset_requested") == []


def test_a_link_works_once(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    user_id = _account(app)
    _ask(app.test_client(), EMAIL)
    [link] = _links(smtp_server)
    first = app.test_client()
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert first.post(_path(link), data=data).status_code == 302
    again = app.test_client().post(_path(link), data={**data, "password": "another long phrase"})
    page = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "This link cannot be used" in page and "already been used" in page
    assert NAME not in page and EMAIL not in page
    with app.app_context():
        assert db.session.get(User, user_id).check_password(NEW_PASSWORD)
    assert app.test_client().get(_path(link)).status_code == 400


def test_an_expired_link_is_refused(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    _account(app)
    _ask(app.test_client(), EMAIL)
    [link] = _links(smtp_server)
    assert app.test_client().get(_path(link)).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=61)):
        late = app.test_client().post(
            _path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
    assert late.status_code == 400
    assert "expired" in late.get_data(as_text=True)
    assert "Ask for a new link" in late.get_data(as_text=True)


def test_an_altered_or_replaced_link_is_refused(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    _account(app)
    _ask(app.test_client(), EMAIL)
    _ask(app.test_client(), EMAIL)
    first, newest = _links(smtp_server)
    altered = _path(newest)[:-1] + ("A" if not newest.endswith("A") else "B")
    for path, words in ((altered, "is not valid"), (_path(first), "replaced or withdrawn")):
        answer = app.test_client().get(path)
        assert answer.status_code == 400
        assert words in answer.get_data(as_text=True)
        assert EMAIL not in answer.get_data(as_text=True)
    assert app.test_client().get("/reset/").status_code == 404
    assert app.test_client().get(_path(newest)).status_code == 200


def test_a_weak_new_password_is_explained_and_the_link_still_works(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    _account(app)
    _ask(app.test_client(), EMAIL)
    [link] = _links(smtp_server)
    person = app.test_client()
    for weak, words in (
        ("amira.hassan1", "name or e-mail address"),
        ("password", "at least 10 characters"),
        ("qwertyuiop123", "too easy to guess"),
    ):
        answer = person.post(_path(link), data={"password": weak, "confirm": weak})
        assert answer.status_code == 200
        assert words in answer.get_data(as_text=True)
    differ = person.post(_path(link), data={"password": NEW_PASSWORD, "confirm": "other"})
    assert "The two passwords differ." in differ.get_data(as_text=True)
    ok = person.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ok.status_code == 302


def test_someone_else_signed_in_on_the_browser_is_signed_out_first(app: Flask, smtp_server):
    app.config.update(smtp_server.config())
    _account(app)
    with app.app_context():
        other = make_user(Role.MANAGER, "colleague@example.org")
        db.session.commit()
        other_id = other.id
    shared = app.test_client()
    login = {"email": "colleague@example.org", "password": TEST_PASSWORD}
    assert shared.post("/login", data=login).status_code == 302
    _ask(app.test_client(), EMAIL)
    [link] = _links(smtp_server)
    shared.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert _is_in(shared)
    with app.app_context():
        ended = db.session.scalars(
            select(UserSession.ended_reason).where(UserSession.user_id == other_id)
        ).all()
    assert ended == ["signed_out"]


def test_requests_are_throttled_without_telling_which_addresses_exist(app: Flask, smtp_server):
    app.config.update(smtp_server.config(), LOGIN_THROTTLE_PER_ADDRESS=8)
    _account(app)
    pages = [_ask(app.test_client(), EMAIL) for _ in range(4)]
    assert [p.status_code for p in pages] == [200] * 4
    assert len({p.get_data(as_text=True) for p in pages}) == 1
    assert len(smtp_server.inbox.messages) == 3  # a few links per address per window, no more
    for _ in range(4):
        _ask(app.test_client(), "nobody.here@example.org")
    known = _ask(app.test_client(), EMAIL)
    unknown = _ask(app.test_client(), "nobody.here@example.org")
    assert known.status_code == unknown.status_code == 429
    assert _unknown_free(known.get_data(as_text=True), EMAIL) == _unknown_free(
        unknown.get_data(as_text=True), "nobody.here@example.org"
    )
    assert "Too many password reset requests from this network" in known.get_data(as_text=True)
    # Reset requests are not failed sign-ins: the account and the network still sign in.
    assert _signed_in(app)


def test_the_link_starts_with_app_url_when_it_is_set(app: Flask, smtp_server):
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.org/")
    _account(app)
    app.test_client().post("/forgot", data={"email": EMAIL}, base_url="http://evil.example")
    wait_for_tasks()
    [link] = _links(smtp_server)
    assert link.startswith("https://audit.example.org/reset/")


def test_without_mail_set_up_the_answer_is_the_same(app: Flask, caplog):
    _account(app)
    answer = _ask(app.test_client(), EMAIL)
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    assert "was not sent" in caplog.text


def test_with_redis_the_mail_goes_out_from_the_worker(app: Flask, smtp_server):
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    url = "redis://127.0.0.1:6379/0"
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError as error:
        unavailable(f"Redis is not answering at {url} ({error})")
    suffix = uuid.uuid4().hex[:8]
    app.config.update(
        smtp_server.config(),
        REDIS_URL=url,
        TASK_QUEUE=f"test-reset-{suffix}",
        REPORT_QUEUE=f"test-reset-reports-{suffix}",
    )
    _account(app)
    queue = Queue(app.config["TASK_QUEUE"], connection=Redis.from_url(url))
    try:
        assert _ask(app.test_client(), EMAIL).status_code == 200
        assert queue.count == 1 and smtp_server.inbox.messages == []
        result = app.test_cli_runner().invoke(args=["report", "worker", "--burst"])
        assert result.exit_code == 0, result.output
    finally:
        queue.delete(delete_jobs=True)
    [link] = _links(smtp_server)
    assert link.startswith("http://localhost/reset/")
    assert app.test_client().get(_path(link)).status_code == 200
