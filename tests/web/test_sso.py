"""Single sign-on against a real OpenID provider (oidc-provider under Node, on 127.0.0.1).

The app runs in the Flask test client (``http://localhost``); the person's browser at the
provider is a ``requests`` session that walks the provider's own pages. The app itself
talks to the provider for real: discovery, the code exchange with PKCE, the signing keys,
userinfo.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from audit.accounts import sso_client
from audit.accounts.sso import SsoRefused, identity_from_claims
from audit.extensions import db
from audit.models import AuditEvent, Role, User, UserSession
from audit.settings import set_role_set
from tests.builders import make_user
from tests.mail_server import free_port
from tests.oidc_provider import (
    OidcProvider,
    OidcProviders,
    follow_until,
    sign_in_at_provider,
    sign_out_at_provider,
)

APP = "http://localhost"
CALLBACK = APP + "/login/sso/callback"


@pytest.fixture(scope="module")
def shared_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """One provider for the module (starting Node takes a second or two): every test's
    browser is a new ``requests`` session and every test sets its own accounts."""
    providers = OidcProviders(tmp_path_factory.mktemp("oidc"))
    try:
        yield providers.start([CALLBACK], [APP + "/login"])
    finally:
        providers.stop()


@pytest.fixture
def provider(app: Flask, shared_provider: OidcProvider) -> OidcProvider:
    """The provider, knowing no account yet; the app pointed at it."""
    shared_provider.set_accounts()
    app.config.update(shared_provider.config())
    return shared_provider


def _user(app: Flask, role: Role = Role.MANAGER, *, invited: bool = False, **kwargs) -> int:
    with app.app_context():
        user = make_user(role, **kwargs)
        if invited:
            user.joined_at = None
            user.password_hash = None
        db.session.commit()
        return user.id


def _sso(client: FlaskClient, login: str, *, path: str = "/login/sso"):
    """Start at the app, sign in as ``login`` at the provider, come back: the app's answer."""
    start = client.get(path)
    assert start.status_code == 302, start.data
    landed = sign_in_at_provider(requests.Session(), start.headers["Location"], login, APP)
    assert landed.startswith(CALLBACK), landed
    return client.get(landed)


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/")
    return not (response.status_code == 302 and response.headers["Location"].startswith("/login"))


def _shown(client: FlaskClient, response) -> str:  # noqa: ANN001
    """The sign-in page a refusal redirects to, with its message."""
    assert response.status_code == 302, response.data
    assert response.headers["Location"] == "/login"
    return client.get("/login").get_data(as_text=True)


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _count_users(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


# --- signing in -----------------------------------------------------------------------


def test_an_existing_user_signs_in_through_sso(app, client, provider):
    user_id = _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "Maria@Example.org", "sub": "maria-at-idp"})
    start = client.get("/login/sso")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert start.headers["Location"].startswith(provider.issuer + "/auth?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"]
    assert query["redirect_uri"] == [CALLBACK]
    landed = sign_in_at_provider(
        requests.Session(), start.headers["Location"], "Maria@Example.org", APP
    )
    response = client.get(landed)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert _signed_in(client)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.sso_subject == "maria-at-idp"
        sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id))
        assert [s.method for s in sessions] == ["sso"]
    [event] = _events(app, "user.sso_signed_in")
    assert event.subject_id == user_id and event.details["first"] is True
    assert [e.details["method"] for e in _events(app, "user.signed_in")] == ["sso"]
    assert _events(app, "user.invitation_accepted") == []


def test_the_page_asked_for_before_signing_in_is_where_sso_lands(app, client, provider):
    _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "maria@example.org"})
    response = _sso(client, "maria@example.org", path="/login/sso?next=/org/branches")
    assert response.headers["Location"] == "/org/branches"
    offsite = _sso(app.test_client(), "maria@example.org", path="/login/sso?next=//evil.example")
    assert offsite.headers["Location"] == "/"


def test_a_second_sign_in_with_the_same_subject_is_let_in(app, client, provider):
    _user(app, Role.SHOPPER, email="sam@example.org")
    provider.set_accounts({"email": "sam@example.org", "sub": "sam-1"})
    assert _sso(client, "sam@example.org").status_code == 302
    other_browser = app.test_client()
    assert _sso(other_browser, "sam@example.org").headers["Location"] == "/"
    assert _signed_in(other_browser)
    firsts = [e.details["first"] for e in _events(app, "user.sso_signed_in")]
    assert firsts == [True, False]


def test_an_invited_user_accepts_through_sso(app, client, provider):
    user_id = _user(app, Role.STAFF, email="sid@example.org", invited=True)
    provider.set_accounts({"email": "sid@example.org", "sub": "sid-at-idp"})
    response = _sso(client, "sid@example.org")
    assert response.headers["Location"] == "/"
    assert _signed_in(client)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.joined_at is not None and not user.invitation_pending
        assert user.password_hash is None  # SSO chose no password for them
        assert user.role == Role.STAFF and user.sso_subject == "sid-at-idp"
    [accepted] = _events(app, "user.invitation_accepted")
    assert accepted.subject_id == user_id and accepted.details == {"method": "sso"}


# --- refusals -------------------------------------------------------------------------


def test_an_unknown_address_is_refused_and_no_account_is_made(app, client, provider):
    _user(app, Role.MANAGER, email="maria@example.org")
    before = _count_users(app)
    provider.set_accounts({"email": "stranger@example.org"})
    page = _shown(client, _sso(client, "stranger@example.org"))
    assert "There is no account for stranger@example.org here." in page
    assert "ask an administrator or your manager to invite you" in page
    assert not _signed_in(client)
    assert _count_users(app) == before
    assert _events(app, "user.sso_signed_in") == [] and _events(app, "user.signed_in") == []


def test_an_unverified_address_is_refused(app, client, provider):
    user_id = _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "maria@example.org", "email_verified": False})
    page = _shown(client, _sso(client, "maria@example.org"))
    assert "has not verified your e-mail address maria@example.org" in page
    assert not _signed_in(client)
    with app.app_context():
        assert db.session.get(User, user_id).sso_subject is None


def test_an_address_the_provider_does_not_share_is_refused(app, client, provider):
    _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"login": "maria", "email": None})
    page = _shown(client, _sso(client, "maria"))
    assert "did not share your e-mail address" in page
    assert not _signed_in(client)


def test_a_deactivated_account_is_refused(app, client, provider):
    _user(app, Role.MANAGER, email="maria@example.org", active=False)
    provider.set_accounts({"email": "maria@example.org"})
    page = _shown(client, _sso(client, "maria@example.org"))
    assert "This account has been deactivated." in page
    assert not _signed_in(client)


def test_nobody_becomes_an_administrator_through_sso(app, client, provider):
    user_id = _user(app, Role.ADMIN, email="ada@example.org", invited=True)
    provider.set_accounts({"email": "ada@example.org"})
    page = _shown(client, _sso(client, "ada@example.org"))
    assert "accepted only through the link in the invitation e-mail" in page
    assert not _signed_in(client)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.invitation_pending and user.sso_subject is None


def test_a_different_subject_for_a_linked_account_is_refused(app, client, provider):
    user_id = _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "maria@example.org", "sub": "maria-original"})
    assert _sso(client, "maria@example.org").headers["Location"] == "/"
    # The address is given to someone else at the provider (a new subject).
    provider.set_accounts({"email": "maria@example.org", "sub": "maria-impostor"})
    other_browser = app.test_client()
    page = _shown(other_browser, _sso(other_browser, "maria@example.org"))
    assert "is not the one linked to the account maria@example.org" in page
    assert not _signed_in(other_browser)
    with app.app_context():
        assert db.session.get(User, user_id).sso_subject == "maria-original"


def test_a_subject_linked_to_another_account_is_refused(app, client, provider):
    _user(app, Role.MANAGER, email="maria@example.org")
    _user(app, Role.MANAGER, email="maria.new@example.org")
    provider.set_accounts({"email": "maria@example.org", "sub": "maria"})
    assert _sso(client, "maria@example.org").headers["Location"] == "/"
    provider.set_accounts({"email": "maria.new@example.org", "sub": "maria"})
    other_browser = app.test_client()
    page = _shown(other_browser, _sso(other_browser, "maria.new@example.org"))
    assert "is not the one linked to the account maria.new@example.org" in page


def test_cancelling_at_the_provider_comes_back_with_a_message(app, client, provider):
    _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "maria@example.org"})
    http = requests.Session()
    start = client.get("/login/sso")
    page = http.get(start.headers["Location"], timeout=10)  # the provider's sign-in page
    aborted = http.get(page.url.rstrip("/") + "/abort", allow_redirects=False, timeout=10)
    landed = follow_until(http, aborted, APP)
    assert isinstance(landed, str) and landed.startswith(CALLBACK)
    assert parse_qs(urlsplit(landed).query)["error"] == ["access_denied"]
    shown = _shown(client, client.get(landed))
    assert "The sign-in at Test Identity was cancelled." in shown
    assert not _signed_in(client)


def test_a_callback_cannot_be_replayed_or_carried_to_another_browser(app, client, provider):
    _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "maria@example.org"})
    start = client.get("/login/sso")
    landed = sign_in_at_provider(
        requests.Session(), start.headers["Location"], "maria@example.org", APP
    )
    # Another browser (no state in its session) is refused the code.
    thief = app.test_client()
    page = _shown(thief, thief.get(landed))
    assert "started in another tab or has expired" in page
    assert not _signed_in(thief)
    assert client.get(landed).headers["Location"] == "/"
    client.post("/logout")
    # The same answer again (its state is used up) is refused.
    assert "started in another tab or has expired" in _shown(client, client.get(landed))
    assert not _signed_in(client)


def test_a_provider_that_cannot_be_reached_is_said_so(app, client):
    app.config.update(
        OIDC_ISSUER=f"http://127.0.0.1:{free_port()}",
        OIDC_CLIENT_ID="service-audit",
        OIDC_PROVIDER_NAME="Test Identity",
    )
    page = _shown(client, client.get("/login/sso"))
    assert "Test Identity cannot be reached just now." in page


# --- the sign-in page and SSO-only roles ----------------------------------------------


def test_the_button_shows_only_when_sso_is_configured(app, client, provider):
    page = client.get("/login?next=/org/branches").get_data(as_text=True)
    assert "Sign in with Test Identity" in page
    assert 'href="/login/sso?next=/org/branches"' in page
    # Signing out (a form) may lead to the provider's sign-out page, and only there.
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer};" in policy
    app.config.update(OIDC_ISSUER=None)
    off = client.get("/login")
    assert "Sign in with" not in off.get_data(as_text=True)
    assert "form-action 'self';" in off.headers["Content-Security-Policy"]
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


def test_an_sso_only_role_cannot_sign_in_with_a_password(app, client, auth, provider):
    staff = "sid@example.org"
    _user(app, Role.STAFF, email=staff)
    _user(app, Role.MANAGER, email="maria@example.org")
    with app.app_context():
        set_role_set("sso_only_roles", {Role.STAFF}, None)
        db.session.commit()
    response = auth.login(staff)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "People in your role sign in through Test Identity" in page
    assert "use the “Sign in with Test Identity” button above" in page
    assert not _signed_in(client)
    # A wrong password still gets the usual answer, not the SSO one.
    wrong = auth.login(staff, password="not the password").get_data(as_text=True)
    assert "That email and password do not match an account." in wrong
    assert "People in your role" not in wrong
    # Other roles still use their password; the SSO-only role uses the button.
    assert auth.login("maria@example.org").headers["Location"] == "/"
    auth.logout()
    provider.set_accounts({"email": staff})
    assert _sso(client, staff).headers["Location"] == "/"
    assert _signed_in(client)


def test_sso_only_roles_do_not_lock_anyone_out_while_sso_is_off(app, client, auth):
    _user(app, Role.STAFF, email="sid@example.org")
    with app.app_context():
        set_role_set("sso_only_roles", {Role.STAFF}, None)
        db.session.commit()
    assert auth.login("sid@example.org").headers["Location"] == "/"


# --- signing out ----------------------------------------------------------------------


def test_signing_out_ends_the_local_session_and_the_providers(app, client, provider):
    user_id = _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "maria@example.org"})
    http = requests.Session()  # the browser: signed in at the provider too
    start = client.get("/login/sso")
    client.get(sign_in_at_provider(http, start.headers["Location"], "maria@example.org", APP))
    old_cookie = client.get_cookie("session")
    assert _signed_in(client)

    response = client.post("/logout")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(provider.issuer + "/session/end?")
    query = parse_qs(urlsplit(location).query)
    assert query["post_logout_redirect_uri"] == [APP + "/login"]
    assert query["id_token_hint"][0].count(".") == 2  # the ID token of this sign-in
    with app.app_context():
        [row] = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id))
        assert row.ended_at is not None and row.ended_reason == "signed_out"
    assert not _signed_in(client)

    # At the provider: confirm, and come back to the sign-in page.
    back = sign_out_at_provider(http, location, APP)
    assert back.startswith(APP + "/login")
    assert "You are signed out." in client.get(back).get_data(as_text=True)

    # The old session cookie is refused.
    thief = app.test_client()
    thief.set_cookie("session", old_cookie.value)
    assert not _signed_in(thief)
    # The provider forgot the person: a new SSO sign-in asks who they are again.
    again = http.get(client.get("/login/sso").headers["Location"], timeout=10)
    assert 'name="login"' in again.text


def test_a_password_session_signs_out_locally_only(app, client, auth, provider):
    _user(app, Role.MANAGER, email="maria@example.org")
    auth.login("maria@example.org")
    response = auth.logout()
    assert response.headers["Location"] == "/login"
    assert not _signed_in(client)


def test_a_long_id_token_is_not_kept_and_sign_out_names_the_client(
    app, client, provider, monkeypatch
):
    monkeypatch.setattr(sso_client, "ID_TOKEN_KEPT_UP_TO", 10)
    _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "maria@example.org"})
    http = requests.Session()
    start = client.get("/login/sso")
    client.get(sign_in_at_provider(http, start.headers["Location"], "maria@example.org", APP))
    location = client.post("/logout").headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert "id_token_hint" not in query and query["client_id"] == [provider.client_id]
    assert sign_out_at_provider(http, location, APP).startswith(APP + "/login")


# --- what the provider's claims say ---------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "email", "verified"),
    [
        (
            {"sub": "s", "email": " Maria@Example.ORG ", "email_verified": True},
            "maria@example.org",
            True,
        ),
        ({"sub": "s", "email": "m@example.org", "email_verified": "true"}, "m@example.org", True),
        ({"sub": "s", "email": "m@example.org", "email_verified": "false"}, "m@example.org", False),
        ({"sub": "s", "email": "m@example.org", "email_verified": 1}, "m@example.org", False),
        ({"sub": "s", "email": "m@example.org"}, "m@example.org", False),
        ({"sub": "s", "email": ""}, None, False),
    ],
)
def test_only_a_verified_address_counts(ctx, claims, email, verified):
    identity = identity_from_claims(claims)
    assert (identity.subject, identity.email, identity.email_verified) == ("s", email, verified)


def test_claims_without_a_subject_are_refused(ctx):
    with pytest.raises(SsoRefused, match="did not say who you are"):
        identity_from_claims({"email": "m@example.org", "email_verified": True})


def test_starting_again_and_again_keeps_one_sign_in_under_way(app, client, provider):
    _user(app, Role.MANAGER, email="maria@example.org")
    provider.set_accounts({"email": "maria@example.org"})
    starts = [client.get("/login/sso").headers["Location"] for _ in range(8)]
    assert len(client.get_cookie("session").value) < 1500  # one state kept, not eight
    http = requests.Session()
    first = sign_in_at_provider(http, starts[0], "maria@example.org", APP)
    assert "started in another tab" in _shown(client, client.get(first))
    last = sign_in_at_provider(http, starts[-1], "maria@example.org", APP)
    assert client.get(last).headers["Location"] == "/"
