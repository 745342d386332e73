"""Two-factor sign-in: enrolment, codes at sign-in, recovery codes, the compulsory roles,
an administrator's reset, and a pending sign-in that opens nothing."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask, render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from audit.accounts.two_factor import (
    TwoFactorError,
    check_code,
    confirm_enrolment,
    enrolment_for,
)
from audit.extensions import db
from audit.models import RecoveryCode, Role, Setting, User, UserSession
from audit.settings import SPECS, get_role_set, set_role_set
from tests.builders import count_events, event_log, make_user
from tests.conftest import TEST_PASSWORD

SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')
CODES = re.compile(r"<li class=\"col py-1\">([a-z2-9-]+)</li>")


def _user(app: Flask, role: Role = Role.MANAGER) -> tuple[int, str]:
    with app.app_context():
        user = make_user(role)
        db.session.commit()
        return user.id, user.email


def _enrolled(app: Flask, role: Role = Role.MANAGER) -> tuple[int, str, str, list[str]]:
    """A user with two-factor sign-in on since an hour ago: (id, email, secret, codes)."""
    with app.app_context():
        user = make_user(role)
        secret = enrolment_for(user).secret
        codes = confirm_enrolment(user, pyotp.TOTP(secret).now())
        user.totp_enabled_at = datetime.now(UTC) - timedelta(hours=1)
        user.totp_last_step = None  # the enrolment's code was an hour ago
        db.session.commit()
        return user.id, user.email, secret, codes


def _methods(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(UserSession.method)
                .where(UserSession.user_id == user_id)
                .order_by(UserSession.id)
            )
        )


def _signed_in(client) -> bool:
    return client.get("/org/branches").status_code == 200


def test_enrolment_shows_a_local_qr_code_and_needs_a_right_code(app, client, auth):
    user_id, email = _user(app)
    auth.login(email)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "QR code for your authenticator app" in page
    assert "chart.googleapis" not in page and "api.qrserver" not in page  # drawn here
    secret = SECRET.search(page).group(1).replace(" ", "")
    assert client.get("/account/two-factor").get_data(as_text=True).count(secret[:4]) >= 1
    with app.app_context():
        assert db.session.get(User, user_id).totp_secret == secret  # same key after a reload
        assert not db.session.get(User, user_id).two_factor_enabled

    wrong = client.post("/account/two-factor/enrol", data={"code": "000000"})
    assert wrong.status_code == 400
    assert "That code does not match" in wrong.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, user_id).two_factor_enabled

    shown = client.post("/account/two-factor/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert shown.status_code == 200
    codes = CODES.findall(shown.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.two_factor_enabled
        stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
        assert len(stored) == 10 and not stored & set(codes)  # digests, never the codes
    assert ("user.two_factor_enabled", user_id) in event_log("users", user_id, app=app)
    status = client.get("/account/two-factor").get_data(as_text=True)
    assert 'id="recovery-left">10<' in status and "totp-secret" not in status


def test_sign_in_asks_for_the_code_and_a_code_works_once(app, client, auth):
    user_id, email, secret, _ = _enrolled(app)
    response = client.post(
        "/login?next=/org/staff", data={"email": email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert not _signed_in(client)

    code = pyotp.TOTP(secret).now()
    done = client.post("/login/code", data={"code": code})
    assert done.status_code == 302 and done.headers["Location"] == "/org/staff"
    assert _signed_in(client)
    assert _methods(app, user_id) == ["password+totp"]

    auth.logout()
    auth.login(email)
    again = client.post("/login/code", data={"code": code})
    assert "already been used" in again.get_data(as_text=True)
    assert not _signed_in(client)


def test_the_previous_code_still_counts_older_and_future_ones_do_not(app):
    _, email, secret, _ = _enrolled(app)
    totp = pyotp.TOTP(secret)
    while time.time() % 30 > 28:  # not at a step's edge: "previous" must stay previous
        time.sleep(0.2)
    now = time.time()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        for refused in (totp.at(now - 60), totp.at(now + 30)):
            with pytest.raises(TwoFactorError):
                check_code(user, refused)
        assert check_code(user, totp.at(now - 30)) == "totp"


def test_a_recovery_code_signs_in_once(app, client, auth):
    user_id, email, _, codes = _enrolled(app)
    auth.login(email)
    response = client.post("/login/code", data={"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    assert _signed_in(client)
    assert _methods(app, user_id) == ["password+recovery"]
    assert count_events("user.recovery_code_used", user_id, app=app) == 1

    auth.logout()
    auth.login(email)
    reused = client.post("/login/code", data={"code": codes[3]})
    assert "wrong or has already been used" in reused.get_data(as_text=True)
    assert not _signed_in(client)
    with app.app_context():
        left = db.session.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_(None))
        )
    assert left == 9


def test_wrong_codes_are_refused_then_throttled(app, client, auth):
    _, email, secret, _ = _enrolled(app)
    auth.login(email)
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    first = client.post("/login/code", data={"code": wrong})
    assert first.status_code == 200
    assert "That code is wrong" in first.get_data(as_text=True)
    assert not _signed_in(client)
    for _ in range(4):
        client.post("/login/code", data={"code": "not-a-code"})
    blocked = client.post("/login/code", data={"code": right})
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.get_data(
        as_text=True
    )
    assert not _signed_in(client)


def test_a_pending_sign_in_opens_no_page(app, client, auth):
    _, email, _, _ = _enrolled(app)
    auth.login(email)
    with client.session_transaction() as session:
        assert session["pending_sign_in"]["step"] == "code"
        assert "_user_id" not in session
    opened = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        public = getattr(view, "allowed_roles", ()) is None or rule.endpoint in _STATIC
        if "GET" not in rule.methods or rule.arguments or public:
            continue
        response = client.get(rule.rule)
        if response.status_code < 300 or (
            response.status_code in (301, 302, 303)
            and not response.headers["Location"].startswith("/login")
        ):
            opened.append((rule.rule, response.status_code))
    assert opened == []


#: Views that declare themselves public (the sign-in pages, health checks) are left out.
_STATIC = {"static", "bootstrap.static"}


def test_a_pending_sign_in_expires_after_five_minutes(app, client, auth):
    _, email, secret, _ = _enrolled(app)
    auth.login(email)
    with client.session_transaction() as session:
        session["pending_sign_in"] = {**session["pending_sign_in"], "at": 0}
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not _signed_in(client)


def test_the_compulsory_roles_are_set_on_the_settings_page(app, client, auth):
    admin_id, admin_email = _user(app, Role.ADMIN)
    auth.login(admin_email)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Two-factor sign-in required for" in page and 'value="manager"' in page
    data = {spec.key: spec.default for spec in SPECS}
    data |= {"main_scorecard": "", "two_factor_roles": ["manager", "admin"]}
    assert client.post("/admin/settings", data=data).status_code == 302
    with app.app_context():
        assert get_role_set("two_factor_roles") == {Role.MANAGER, Role.ADMIN}
        assert get_role_set("sso_only_roles") == frozenset()
        assert db.session.get(Setting, "two_factor_roles").value == ["admin", "manager"]
    assert count_events("setting.changed", admin_id, app=app) == 1
    again = client.get("/admin/settings").get_data(as_text=True)
    assert re.search(r'value="manager"[^>]*checked|checked[^>]*value="manager"', again)


def test_a_compulsory_role_enrols_before_signing_in(app, client, auth):
    user_id, email = _user(app, Role.MANAGER)
    with app.app_context():
        set_role_set("two_factor_roles", {Role.MANAGER}, None)
        db.session.commit()
    response = client.post(
        "/login?next=/org/staff", data={"email": email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "Your role requires" in page
    assert not _signed_in(client)
    secret = SECRET.search(page).group(1).replace(" ", "")
    refused = client.post("/login/enrol", data={"code": "123 456"})
    assert "That code does not match" in refused.get_data(as_text=True)
    assert not _signed_in(client)

    shown = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    text = shown.get_data(as_text=True)
    assert len(CODES.findall(text)) == 10 and 'href="/org/staff"' in text
    assert _signed_in(client)
    assert _methods(app, user_id) == ["password+totp"]
    assert count_events("user.two_factor_enabled", user_id, app=app) == 1


def test_other_roles_sign_in_with_the_password_alone(app, client, auth):
    user_id, email = _user(app, Role.SHOPPER)
    with app.app_context():
        set_role_set("two_factor_roles", {Role.MANAGER}, None)
        db.session.commit()
    assert auth.login(email).headers["Location"] == "/"
    assert _methods(app, user_id) == ["password"]


def test_an_admin_resets_a_lost_device(app, auth):
    user_id, email, secret, _ = _enrolled(app)
    admin_id, admin_email = _user(app, Role.ADMIN)
    person, admin = app.test_client(), app.test_client()
    person.post("/login", data={"email": email, "password": TEST_PASSWORD})
    person.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert _signed_in(person)

    admin.post("/login", data={"email": admin_email, "password": TEST_PASSWORD})
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Reset two-factor sign-in" in page
    response = admin.post(f"/admin/users/{user_id}/two-factor/reset")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{user_id}"

    assert not _signed_in(person)  # every session of theirs ended
    assert ("user.two_factor_reset", admin_id) in event_log("users", user_id, app=app)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.totp_secret is None and not user.two_factor_enabled
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    # they sign in with the password alone now
    fresh = person.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert fresh.headers["Location"] == "/"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SHOPPER])
def test_only_an_admin_may_reset(app, client, auth, role):
    user_id, _, _, _ = _enrolled(app)
    _, email = _user(app, role)
    auth.login(email)
    assert client.post(f"/admin/users/{user_id}/two-factor/reset").status_code == 403
    with app.app_context():
        assert db.session.get(User, user_id).two_factor_enabled


def test_turning_off_needs_the_password_or_a_code(app, client, auth):
    user_id, email, _, codes = _enrolled(app)
    auth.login(email)
    client.post("/login/code", data={"code": codes[0]})
    refused = client.post("/account/two-factor/disable", data={"disable-proof": "guess"})
    assert refused.status_code == 400
    assert "not your password or a current code" in refused.get_data(as_text=True)
    new = client.post("/account/two-factor/recovery-codes", data={"codes-proof": TEST_PASSWORD})
    fresh = CODES.findall(new.get_data(as_text=True))
    assert len(fresh) == 10 and codes[1] not in fresh
    off = client.post("/account/two-factor/disable", data={"disable-proof": fresh[0]})
    assert off.status_code == 302
    with app.app_context():
        assert not db.session.get(User, user_id).two_factor_enabled
    actions = [action for action, _ in event_log("users", user_id, app=app)]
    assert actions[-2:] == ["user.recovery_codes_regenerated", "user.two_factor_disabled"]


def test_the_account_card_links_to_the_page(app, client, auth):
    _, email = _user(app)
    auth.login(email)
    with app.test_request_context():
        login_user(db.session.scalar(select(User).where(User.email == email)))
        card = render_template_string('{% include "account/_two_factor_card.html" %}')
    assert "/account/two-factor" in card and "Off" in card
