"""Single sign-on in Chromium on a phone: the "Sign in with …" button, the local OpenID
provider's own sign-in page (oidc-provider under Node), back signed in; then signing out
goes through the provider's sign-out page and back to the sign-in page."""

from __future__ import annotations

from urllib.parse import urlsplit

from audit.extensions import db
from audit.models import Role, User, UserSession
from tests.builders import make_user
from tests.oidc_provider import oidc_provider  # noqa: F401  (the fixture)


def _stay_on_this_machine(context, allowed: set[str]) -> None:  # noqa: ANN001
    """Refuse any request to another host: the provider's pages and the app load nothing
    from outside (a test must never reach the internet)."""

    def check(route) -> None:  # noqa: ANN001
        if urlsplit(route.request.url).netloc in allowed:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", check)


def test_sign_in_with_the_button_at_the_local_provider(new_phone, live_server, oidc_provider):  # noqa: F811
    app, url = live_server.app, live_server.url
    provider = oidc_provider.start([f"{url}/login/sso/callback"], [f"{url}/login"])
    app.config.update(provider.config())
    with app.app_context():
        user = make_user(Role.MANAGER, email="maria@example.org", name="Maria Lopez")
        db.session.commit()
        user_id = user.id
    provider.set_accounts({"email": "maria@example.org", "sub": "maria-at-idp"})

    context = new_phone()
    _stay_on_this_machine(context, {urlsplit(url).netloc, urlsplit(provider.issuer).netloc})
    page = context.new_page()
    page.goto(f"{url}/login?next=/org/branches")
    page.get_by_role("link", name="Sign in with Test Identity").click()

    # The provider's own sign-in page.
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.fill("input[name=login]", "maria@example.org")
    page.fill("input[name=password]", "whatever the provider asks")
    page.get_by_role("button", name="Sign-in").click()

    page.wait_for_url(f"{url}/org/branches")
    assert page.locator("#account-menu").get_attribute("title").startswith("Maria Lopez")
    with app.app_context():
        assert db.session.get(User, user_id).sso_subject == "maria-at-idp"
        [row] = db.session.query(UserSession).filter_by(user_id=user_id).all()
        assert row.method == "sso" and row.ended_at is None

    # Signing out: the provider asks to confirm, then sends the browser back to sign-in.
    page.set_viewport_size({"width": 1920, "height": 800})  # the menu opens out on a desktop
    page.goto(f"{url}/org/branches")
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider.issuer}/session/end**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{url}/login**")
    assert page.get_by_text("You are signed out.").is_visible()
    with app.app_context():
        assert db.session.get(UserSession, row.id).ended_at is not None
