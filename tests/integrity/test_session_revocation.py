"""Ended sessions stay ended, tried as an attacker would: against a served app over real
HTTP, with the session cookie and the remember-me cookie copied by hand.

Someone who once copied a person's cookies (a shared computer, a stolen laptop, a proxy
log) replays them on their own. After sign-out, an administrator's password reset, the
person's password change, "sign out everywhere" and deactivation, both copies must be
refused: the replay is sent to the sign-in page and sees nothing of the account. Two app
objects over one database stand in for two workers: what one ends, the other refuses at
the next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from audit.extensions import db
from audit.models import Role, User, UserSession
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD, make_app
from tests.served import serve

#: A page every signed-in person may open and that names them.
PRIVATE = "/account"
NEW_PASSWORD = "a brand new long passphrase"  # noqa: S105


@dataclass(frozen=True)
class Stolen:
    """The two cookies of one signed-in browser, as copied by an attacker."""

    session: str
    remember: str | None


def sign_in(url: str, email: str, *, remember: bool = True) -> tuple[requests.Session, Stolen]:
    """A real browser signs in; returns it and a copy of the cookies it was given."""
    browser = requests.Session()
    data = {"email": email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = browser.post(f"{url}/login", data=data, allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    assert response.headers["Location"] == "/"
    cookies = response.cookies
    stolen = Stolen(session=cookies["session"], remember=cookies.get("remember_token"))
    if remember:
        assert stolen.remember, "no remember-me cookie was set"
    return browser, stolen


def replay(url: str, **cookies: str) -> requests.Response:
    """The attacker's request: a fresh client carrying only the copied cookie(s)."""
    return requests.get(f"{url}{PRIVATE}", cookies=cookies, allow_redirects=False, timeout=30)


def accepted(response: requests.Response, email: str) -> bool:
    return response.status_code == 200 and email in response.text


def refused(response: requests.Response, email: str) -> bool:
    return (
        response.status_code == 302
        and response.headers["Location"].startswith("/login")
        and email not in response.text
    )


def assert_both_work(url: str, stolen: Stolen, email: str) -> None:
    """Before the event: each copied cookie on its own opens the account (so a refusal
    after it is the event's doing, not a broken copy)."""
    assert accepted(replay(url, session=stolen.session), email)
    assert stolen.remember is not None
    assert accepted(replay(url, remember_token=stolen.remember), email)


def assert_both_refused(url: str, stolen: Stolen, email: str) -> None:
    by_session = replay(url, session=stolen.session)
    assert refused(by_session, email), f"old session cookie answered {by_session.status_code}"
    assert stolen.remember is not None
    by_remember = replay(url, remember_token=stolen.remember)
    assert refused(by_remember, email), f"old remember-me cookie answered {by_remember.status_code}"
    together = replay(url, session=stolen.session, remember_token=stolen.remember)
    assert refused(together, email)


@dataclass
class Site:
    app: Flask
    url: str
    email: str
    admin_email: str

    def user_id(self) -> int:
        with self.app.app_context():
            return db.session.scalar(select(User.id).where(User.email == self.email))

    def live_sessions(self) -> int:
        with self.app.app_context():
            return len(
                db.session.scalars(
                    select(UserSession).where(
                        UserSession.user_id == self.user_id(), UserSession.ended_at.is_(None)
                    )
                ).all()
            )

    def ended_reasons(self) -> set[str | None]:
        with self.app.app_context():
            return set(
                db.session.scalars(
                    select(UserSession.ended_reason).where(
                        UserSession.user_id == self.user_id(),
                        UserSession.ended_at.is_not(None),
                    )
                )
            )


@pytest.fixture
def site(app: Flask) -> Iterator[Site]:
    with app.app_context():
        person = make_user(Role.SHOPPER)
        admin = make_user(Role.ADMIN)
        db.session.commit()
        emails = person.email, admin.email
    with serve(app) as server:
        yield Site(app, server.url, *emails)


def test_sign_out_refuses_the_old_session_and_remember_me_cookies(site: Site) -> None:
    browser, stolen = sign_in(site.url, site.email)
    assert_both_work(site.url, stolen, site.email)
    signed_out = browser.post(f"{site.url}/logout", allow_redirects=False)
    assert signed_out.status_code == 302
    assert_both_refused(site.url, stolen, site.email)
    assert site.ended_reasons() == {"signed_out"}


def test_an_administrators_password_reset_refuses_every_old_cookie(site: Site) -> None:
    _, stolen = sign_in(site.url, site.email)
    _, on_phone = sign_in(site.url, site.email)
    assert_both_work(site.url, stolen, site.email)
    admin, _ = sign_in(site.url, site.admin_email, remember=False)
    reset = admin.post(
        f"{site.url}/admin/users/{site.user_id()}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        allow_redirects=False,
    )
    assert reset.status_code == 302, reset.text[:300]
    assert_both_refused(site.url, stolen, site.email)
    assert_both_refused(site.url, on_phone, site.email)
    assert site.live_sessions() == 0
    assert site.ended_reasons() == {"password_reset"}


def test_a_password_change_refuses_the_other_sessions_and_keeps_this_one(site: Site) -> None:
    _, stolen = sign_in(site.url, site.email)
    browser, mine = sign_in(site.url, site.email, remember=False)
    assert_both_work(site.url, stolen, site.email)
    changed = browser.post(
        f"{site.url}/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
        allow_redirects=False,
    )
    assert changed.status_code == 302, changed.text[:300]
    assert_both_refused(site.url, stolen, site.email)
    assert accepted(browser.get(f"{site.url}{PRIVATE}", allow_redirects=False), site.email)
    assert accepted(replay(site.url, session=mine.session), site.email)  # this one stays
    assert site.live_sessions() == 1
    assert site.ended_reasons() == {"password_changed"}


def test_sign_out_everywhere_refuses_every_copy_this_browsers_too(site: Site) -> None:
    _, elsewhere = sign_in(site.url, site.email)
    browser, here = sign_in(site.url, site.email)
    assert_both_work(site.url, elsewhere, site.email)
    answer = browser.post(f"{site.url}/account/sessions/end-all", allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")
    assert_both_refused(site.url, elsewhere, site.email)
    assert_both_refused(site.url, here, site.email)
    assert refused(browser.get(f"{site.url}{PRIVATE}", allow_redirects=False), site.email)
    assert site.live_sessions() == 0
    assert site.ended_reasons() == {"signed_out_everywhere"}


def test_ending_one_session_from_the_account_page_refuses_its_cookies(site: Site) -> None:
    _, lost_phone = sign_in(site.url, site.email)
    browser, here = sign_in(site.url, site.email)
    with site.app.app_context():
        lost_id = db.session.scalar(
            select(UserSession.id)
            .where(UserSession.user_id == site.user_id())
            .order_by(UserSession.id)
        )
    ended = browser.post(f"{site.url}/account/sessions/{lost_id}/end", allow_redirects=False)
    assert ended.status_code == 302 and ended.headers["Location"] == PRIVATE
    assert_both_refused(site.url, lost_phone, site.email)
    assert_both_work(site.url, here, site.email)


def test_deactivation_refuses_old_cookies_even_after_reactivation(site: Site) -> None:
    _, stolen = sign_in(site.url, site.email)
    assert_both_work(site.url, stolen, site.email)
    admin, _ = sign_in(site.url, site.admin_email, remember=False)
    toggle = f"{site.url}/admin/users/{site.user_id()}/active"
    assert admin.post(toggle, allow_redirects=False).status_code == 302  # deactivated
    assert_both_refused(site.url, stolen, site.email)
    assert admin.post(toggle, allow_redirects=False).status_code == 302  # reactivated
    assert_both_refused(site.url, stolen, site.email)  # the old sessions stay ended
    assert site.ended_reasons() == {"deactivated"}


# --- two workers over one database ------------------------------------------------------


@pytest.fixture
def second_worker(app: Flask, tmp_path: Path) -> Iterator[str]:
    """Another app object (another gunicorn worker) on the same database, served on its
    own port; nothing is shared with the first but the database."""
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "worker2")
    assert other is not app
    try:
        with serve(other) as server:
            yield server.url
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_session_ended_on_one_worker_is_refused_by_the_other_at_once(
    site: Site, second_worker: str
) -> None:
    browser, stolen = sign_in(site.url, site.email)
    assert_both_work(second_worker, stolen, site.email)  # the other worker knows it
    assert browser.post(f"{site.url}/logout", allow_redirects=False).status_code == 302
    assert_both_refused(second_worker, stolen, site.email)


def test_sign_out_everywhere_on_the_second_worker_ends_sessions_started_on_the_first(
    site: Site, second_worker: str
) -> None:
    _, first = sign_in(site.url, site.email)
    browser, second = sign_in(second_worker, site.email)
    assert_both_work(site.url, first, site.email)
    assert_both_work(site.url, second, site.email)  # a cookie of one worker works on both
    browser.post(f"{second_worker}/account/sessions/end-all", allow_redirects=False)
    for url in (site.url, second_worker):
        assert_both_refused(url, first, site.email)
        assert_both_refused(url, second, site.email)


def test_a_password_reset_on_one_worker_is_refused_by_the_other(
    site: Site, second_worker: str
) -> None:
    _, stolen = sign_in(second_worker, site.email)
    assert_both_work(second_worker, stolen, site.email)
    admin, _ = sign_in(site.url, site.admin_email, remember=False)
    admin.post(
        f"{site.url}/admin/users/{site.user_id()}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        allow_redirects=False,
    )
    assert_both_refused(second_worker, stolen, site.email)
