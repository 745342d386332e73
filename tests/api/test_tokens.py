"""API tokens: made by the CLI and the account page, shown once, stored hashed, refused
when revoked, expired or their account deactivated, narrowed by their scopes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from audit.accounts.api_tokens import authenticate, create_token, revoke_token
from audit.extensions import db
from audit.models import ApiToken, User
from tests.builders import count_events


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def test_cli_prints_the_token_alone_on_its_last_line(app, runner, api, world):
    email = world.users["regional"]
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            "--user",
            email,
            "--scope",
            "branches:read",
            "--expires-days",
            "7",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.rstrip("\n").splitlines()[-1]
    assert secret.startswith("sat_") and " " not in secret
    assert api("GET", "/branches", secret).status_code == 200
    assert api("GET", "/staff", secret).status_code == 403  # outside its scope
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "Command line"))
        assert row.scopes == ["branches:read"]
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str(row.__dict__)  # only the digest is kept
        assert row.expires_at.date() == (datetime.now(UTC) + timedelta(days=7)).date()
        assert count_events("user.api_token_created") == len(world.tokens) + 1


def test_cli_refuses_an_unknown_scope_and_an_unknown_user(runner, world):
    result = runner.invoke(
        args=["tokens", "create", "--user", world.users["admin"], "--scope", "x:y"]
    )
    assert result.exit_code != 0 and "Unknown scope x:y" in result.output
    result = runner.invoke(args=["tokens", "create", "--user", "nobody@example.org"])
    assert result.exit_code != 0 and "No account" in result.output


def test_cli_lists_and_revokes(app, runner, api, world):
    email = world.users["admin"]
    listing = runner.invoke(args=["tokens", "list", "--user", email])
    token_id = int(listing.output.split("\t", 1)[0])
    assert "admin token" in listing.output and "live" in listing.output
    assert runner.invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 0
    answer = api("GET", "/regions", world.tokens["admin"])
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert runner.invoke(args=["tokens", "list", "--user", email]).output == ""
    with app.app_context():
        assert count_events("user.api_token_revoked") == 1


def test_revoked_expired_and_deactivated_tokens_are_refused(app, api, world):
    with app.app_context():
        admin = _user(world.users["admin"])
        revoked = create_token(admin, "old")
        expired = create_token(admin, "short", expires_days=1)
        expired.row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        revoke_token(revoked.row, admin)
        _user(world.users["national"]).active = False
        db.session.commit()
        assert authenticate(revoked.secret) is None
        assert authenticate(expired.secret) is None
        assert authenticate(world.tokens["admin"]) is not None
    for secret in (revoked.secret, expired.secret, world.tokens["national"], "sat_guess", ""):
        answer = api("GET", "/regions", secret)
        assert answer.status_code == 401, secret
        assert answer.content_type == "application/problem+json"
    assert api("GET", "/regions", world.tokens["admin"]).status_code == 200


def test_a_session_cookie_is_not_a_token(app, client, auth, api, world):
    auth.login(world.users["admin"])
    assert client.get("/api/v1/regions").status_code == 401


def test_last_use_is_recorded(app, api, world):
    assert api("GET", "/regions", world.tokens["national"]).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "national token"))
        assert row.last_used_at is not None


def test_scopes_narrow_and_never_widen(app, api, world):
    with app.app_context():
        read_only = create_token(_user(world.users["national"]), "ro", ["branches:read"]).secret
        writer = create_token(_user(world.users["national"]), "rw", ["staff:write"]).secret
        shopper = create_token(_user(world.users["shopper"]), "sh", ["branches:write"]).secret
        db.session.commit()
    body = {"code": "NEW-1", "name": "New", "region_id": world.regions["North"]}
    assert api("GET", "/branches", read_only).status_code == 200
    refused = api("POST", "/branches", read_only, json=body)
    assert refused.status_code == 403 and "branches:write" in refused.get_json()["detail"]
    assert api("GET", "/regions", read_only).status_code == 403
    assert api("GET", "/staff", writer).status_code == 200  # write includes read
    assert api("GET", "/branches", writer).status_code == 403
    # a scope is no right the role lacks: a shopper never manages branches
    assert api("GET", "/branches", shopper).status_code == 403
    assert api("POST", "/branches", shopper, json=body).status_code == 403


def test_the_account_page_makes_shows_once_and_revokes(app, client, auth, api, world):
    auth.login(world.users["regional"])
    page = client.get("/account")
    assert page.status_code == 200 and "API tokens" in page.text and "regional token" in page.text
    made = client.post(
        "/account/api-tokens",
        data={"name": "HR sync", "scopes": ["staff:write"], "expires_days": "30"},
    )
    assert made.status_code == 200
    secret = made.text.split('id="api-token-secret"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert api("GET", "/staff", secret).status_code == 200
    again = client.get("/account")
    assert "HR sync" in again.text and secret not in again.text  # shown once
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "HR sync"))
        token_id = row.id
    assert client.post(f"/account/api-tokens/{token_id}/revoke").status_code == 302
    assert api("GET", "/staff", secret).status_code == 401


def test_the_account_page_keeps_a_bad_form_and_guards_other_peoples_tokens(
    app, client, auth, world
):
    auth.login(world.users["regional"])
    answer = client.post("/account/api-tokens", data={"name": "", "expires_days": "0"})
    assert answer.status_code == 422
    assert "Token name is required" in answer.text
    with app.app_context():
        other = db.session.scalar(select(ApiToken).where(ApiToken.name == "admin token")).id
    assert client.post(f"/account/api-tokens/{other}/revoke").status_code == 404
