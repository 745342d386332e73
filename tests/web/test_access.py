"""Every route declares its roles; anonymous users and other roles are kept out."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from audit import create_app
from audit.access import ALL_ROLES
from audit.extensions import db
from audit.models import Role
from tests.builders import make_branch, make_staff, make_user

#: Endpoints anyone may reach without signing in.
PUBLIC_ENDPOINTS = {
    "static",
    "bootstrap.static",
    "auth.login",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invitation",
    "reports.unsubscribe",  # the signed link of a scheduled report's mail
    "surveys.answer",  # the customer survey: a signed link per branch, no account
    "surveys.send",
    "surveys.thanks",
    "auth.two_factor_code",  # between the password and the code; never a session
    "auth.two_factor_enrol",
    "auth.sso_start",  # single sign-on (404 when it is not set up)
    "auth.sso_callback",
    "ops.healthz",  # probes; /metrics checks its own access
    "ops.readyz",
    "ops.metrics",
    "api.openapi",  # the API's description; its views answer 401 without a token
    "api.docs",
}


def endpoints_without_roles(app: Flask) -> list[str]:
    """Endpoints other than the public ones whose view declares no roles."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "allowed_roles", None):
            missing.append(rule.endpoint)
    return sorted(missing)


def concrete_urls(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every protected rule, with ids filled in as 1."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.rule.startswith("/api/"):
            continue  # the API answers 401/403 to tokens, not sessions: tests/api
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((rule.endpoint, method, url))
    return urls


def test_every_endpoint_declares_roles(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": tmp_path}
    )
    assert endpoints_without_roles(app) == []


def test_the_check_catches_a_forgotten_route(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": tmp_path}
    )

    @app.route("/forgotten")
    def forgotten():
        return "anyone can read this"

    assert endpoints_without_roles(app) == ["forgotten"]


def _seed() -> None:
    branch = make_branch()
    make_staff(branch)
    db.session.commit()


def test_anonymous_users_are_sent_to_login(app, client):
    with app.app_context():
        _seed()
    urls = concrete_urls(app)
    assert len(urls) > 10
    for endpoint, method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.headers["Location"].startswith("/login"), (endpoint, url)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_roles_outside_a_view_get_403(app, client, auth, role):
    with app.app_context():
        _seed()
        user = make_user(role)
        db.session.commit()
        email = user.email
    auth.login(email)
    checked = 0
    for endpoint, method, url in concrete_urls(app):
        allowed = app.view_functions[endpoint].allowed_roles
        if role in allowed:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 403, (role, endpoint, method, url, response.status_code)
        checked += 1
    assert checked > 0


def test_admin_passes_every_role_check(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        assert Role.ADMIN in app.view_functions[rule.endpoint].allowed_roles
    assert frozenset(Role) == ALL_ROLES
