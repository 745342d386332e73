"""The people's pages in Spanish: the public survey page follows the customer's browser
(it has no account), its refusals too, and a staff member's own setting gives the staff
portal's words and the role and status names kept in Python."""

from __future__ import annotations

from audit.extensions import db
from audit.models import Role
from tests.builders import make_user
from tests.surveys.helpers import make_survey_world, posted

SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


def test_the_survey_page_and_its_refusals_speak_the_customers_language(app, client):
    world = make_survey_world(app)
    page = client.get(world.path, headers=SPANISH).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "¿Qué tal lo hicimos en Harbour Lane?" in page and "Enviar mis respuestas" in page
    assert "(opcional)" in page and "How did we do" not in page
    sent = posted(app, world.path, **{"q-csat": None}, contact="y", email="")
    refused = client.post(world.path, data=sent, headers=SPANISH)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Indique su dirección de correo electrónico para que podamos responderle." in html
    assert "Responda a esta pregunta" in html  # the scoring engine's words, translated


def test_a_staff_member_reads_their_portal_in_their_own_language(app, client, auth):
    with app.app_context():
        user = make_user(Role.STAFF, name="Ana Silva")
        user.language = "es"
        db.session.commit()
        email = user.email
    auth.login(email)
    home = client.get("/coaching/me", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Su cuenta aún no está vinculada a una ficha de empleado" in home
    account = client.get("/account").get_data(as_text=True)
    assert "Quién es usted" in account and "Empleado" in account  # Role.label, lazily
    assert "Who you are" not in account
