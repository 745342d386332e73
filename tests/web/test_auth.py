from __future__ import annotations

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import LoginAttempt, Role, User
from tests.builders import count_events, make_user


def _user(app, role=Role.MANAGER, **kwargs) -> str:
    with app.app_context():
        user = make_user(role, **kwargs)
        db.session.commit()
        return user.email


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="email"' in response.data
    assert b'name="password"' in response.data


def test_login_page_says_what_the_product_is_and_fills_in_well(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Mystery shopping and service-standards audits" in page
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert "Demo logins" not in page  # no demo accounts here


def test_login_page_lists_the_demo_logins_while_they_exist(app, client):
    with app.app_context():
        make_user(Role.MANAGER, email="manager@demo.test")
        make_user(Role.STAFF, email="staff@demo.test")
        make_user(Role.SHOPPER, email="shopper@demo.test", active=False)
        db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    assert "Demo logins" in page
    assert "manager@demo.test" in page and "head-office manager, all regions" in page
    assert "staff@demo.test" in page
    assert "shopper@demo.test" not in page  # deactivated: cannot sign in
    assert "admin@demo.test" not in page  # not loaded


def test_missing_fields_are_named(client):
    page = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Email is required." in page
    assert "Password is required." in page
    assert "This field is required." not in page


def test_login_and_logout(app, client, auth):
    email = _user(app)
    response = auth.login(email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/org/branches").status_code == 200
    signed_out = auth.logout()
    assert signed_out.status_code == 302
    assert signed_out.headers["Clear-Site-Data"] == '"cache"'  # offline copies of pages go too
    assert client.get("/org/branches").status_code == 302
    with app.app_context():
        assert count_events("user.signed_in") == 1 and count_events("user.signed_out") == 1


def test_errors_answer_json_only_to_clients_that_prefer_it(app, client):
    as_html = client.get("/no-such-page", headers={"Accept": "*/*"})
    assert as_html.status_code == 404 and as_html.mimetype == "text/html"
    as_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.json["error"] == "Not Found"


def test_email_is_case_insensitive(app, auth):
    email = _user(app, email="Mixed.Case@Example.org")
    assert auth.login(email.upper()).status_code == 302


def test_wrong_password_is_refused_with_a_message(app, auth):
    email = _user(app)
    response = auth.login(email, "not the password")
    assert response.status_code == 200
    assert b"do not match an account" in response.data
    assert b'value="' + email.encode() + b'"' in response.data  # what was typed is kept


def test_inactive_user_cannot_log_in(app, auth, client):
    email = _user(app, active=False)
    response = auth.login(email)
    assert response.status_code == 200
    assert b"deactivated" in response.data
    assert client.get("/org/branches").status_code == 302


def test_deactivated_user_loses_an_open_session(app, client, auth):
    email = _user(app)
    auth.login(email)
    assert client.get("/org/branches").status_code == 200
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).active = False
        db.session.commit()
    assert client.get("/org/branches").status_code == 302


def test_next_is_followed_only_when_relative(app, auth):
    email = _user(app)
    response = auth.login(email, query_string={"next": "/org/staff"})
    assert response.headers["Location"] == "/org/staff"


def test_next_to_another_site_is_ignored(app, client, auth):
    email = _user(app)
    for target in (
        "https://elsewhere.example/x",
        "//elsewhere.example",
        "/\\elsewhere.example",
        "javascript:alert(1)",
    ):
        response = auth.login(email, query_string={"next": target})
        assert response.headers["Location"] == "/", target
        auth.logout()


def test_five_wrong_passwords_throttle_the_account(app, auth):
    email = _user(app)
    for _ in range(5):
        assert auth.login(email, "wrong").status_code == 200
    response = auth.login(email)  # even the right password waits now
    assert response.status_code == 429
    assert b"Too many failed sign-ins for this account" in response.data


def test_throttle_is_per_account(app, auth):
    email = _user(app)
    other = _user(app)
    for _ in range(5):
        auth.login(email, "wrong")
    assert auth.login(other).status_code == 302


def test_many_failures_from_one_address_throttle_it(app, client):
    email = _user(app)
    app.config["LOGIN_THROTTLE_PER_ADDRESS"] = 3
    for n in range(3):
        client.post("/login", data={"email": f"nobody{n}@example.org", "password": "x"})
    response = client.post("/login", data={"email": email, "password": "correct horse battery"})
    assert response.status_code == 429
    assert b"from this network" in response.data


def test_successful_login_clears_failures(app, auth):
    email = _user(app)
    for _ in range(3):
        auth.login(email, "wrong")
    assert auth.login(email).status_code == 302
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email)
        )
    assert count == 0


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_pages(app, client, auth):
    email = _user(app, role=Role.ADMIN)
    auth.login(email)
    for url in ("/login", "/admin/users", "/org/branches", "/org/import"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>" not in body
        assert "onclick=" not in body
        assert "https://cdn" not in body


def test_session_cookie_flags(app, client):
    email = _user(app)
    response = client.post("/login", data={"email": email, "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_configured(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    email = _user(app)
    response = client.post("/login", data={"email": email, "password": "correct horse battery"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_posts_without_csrf_token_are_refused(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    email = _user(app)
    response = client.post("/login", data={"email": email, "password": "correct horse battery"})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"email": email, "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 302


def test_error_pages(app, client, auth):
    email = _user(app, role=Role.SHOPPER)
    auth.login(email)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert b"You do not have access" in response.data
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert client.get("/api/nothing", headers={"Accept": "application/json"}).json["error"]


def test_500_rolls_back_the_session(app, client):
    from audit.access import public

    @app.route("/boom")
    @public
    def boom():
        db.session.add(
            User(email="half@example.org", name="Half", role=Role.STAFF, password_hash="x")
        )
        db.session.flush()
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "half@example.org")) is None
