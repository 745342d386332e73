"""Which language a page is in: the person's setting, else Accept-Language among the
shipped languages, else AUDIT_DEFAULT_LANGUAGE."""

from __future__ import annotations

from audit.extensions import db
from audit.models import Role, User
from tests.builders import make_user

SPANISH_LOGIN = "Inicie sesión en Service Audit"
ENGLISH_LOGIN = "Sign in to Service Audit"


def login_page(client, accept: str | None = None) -> str:
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get("/login", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_browser_language_is_used_when_shipped(client):
    page = login_page(client, "es-ES,es;q=0.9,en;q=0.5")
    assert SPANISH_LOGIN in page and '<html lang="es">' in page
    assert "Saltar al contenido" in page and "Correo electrónico" in page
    page = login_page(client, "fr-FR,en;q=0.5")
    assert ENGLISH_LOGIN in page and '<html lang="en">' in page


def test_the_installation_default_when_the_browser_asks_for_nothing_shipped(app, client):
    app.config["AUDIT_DEFAULT_LANGUAGE"] = "es"
    assert SPANISH_LOGIN in login_page(client, "fr-FR,de;q=0.5")
    assert SPANISH_LOGIN in login_page(client)
    assert ENGLISH_LOGIN in login_page(client, "en-GB")


def test_the_persons_own_setting_wins_over_the_browser(app, client, auth):
    with app.app_context():
        user = make_user(Role.SHOPPER)
        user.language = "en"
        db.session.commit()
        email = user.email
    auth.login(email)
    page = client.get("/shop/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "My visits" in page and "Mis visitas" not in page


def test_the_account_page_sets_the_language(app, client, auth):
    with app.app_context():
        email = make_user(Role.SHOPPER).email
        db.session.commit()
    auth.login(email)
    headers = {"Accept-Language": "en"}
    response = client.post(
        "/account/language", data={"language": "es"}, headers=headers, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Su idioma se ha guardado." in page and '<html lang="es">' in page
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.email == email)) == "es"
    # Back to "as my browser asks": the browser's English again.
    client.post("/account/language", data={"language": ""}, headers=headers)
    assert "My visits" in client.get("/shop/", headers=headers).get_data(as_text=True)
    # A language that is not shipped is refused and changes nothing.
    response = client.post("/account/language", data={"language": "fr"}, headers=headers)
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.email == email)) is None


def test_a_mail_in_another_language_mid_request_and_the_page_after_it(app):
    """The catalogue is looked up once per request and locale (audit.languages.
    RequestDomain): a string in force_locale's language and the strings after it, in
    Python and in a template, are each in their own language."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext

    template = "{{ _('Skip to content') }}"
    with app.test_request_context("/login", headers={"Accept-Language": "es"}):
        assert gettext("Skip to content") == "Saltar al contenido"
        assert render_template_string(template) == "Saltar al contenido"
        with force_locale("en"):
            assert gettext("Skip to content") == "Skip to content"
            assert render_template_string(template) == "Skip to content"
        assert gettext("Skip to content") == "Saltar al contenido"
        assert render_template_string(template) == "Saltar al contenido"
    with app.test_request_context("/login", headers={"Accept-Language": "en"}):
        assert render_template_string(template) == "Skip to content"
