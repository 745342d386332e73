"""A shopper whose browser asks for Spanish: the sign-in page, the home page and the visit
form of a scorecard with Spanish texts are in Spanish; a colleague sends the same answers
in English, and the manager, in English, sees both visits with the same answers and in
the same figures."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from audit.assignments.service import today
from audit.extensions import db
from audit.models import Answer, AssignmentStatus, Role, User, Visit, VisitStatus
from audit.reporting.filters import ReportFilter
from audit.reporting.questions import question_results
from audit.review.service import approve, publish
from tests.builders import make_assignment, make_shop_world, make_user
from tests.conftest import TEST_PASSWORD
from tests.languages.cards import BILINGUAL_CARD
from tests.languages.catalogues import ensure_compiled

SPANISH = {"locale": "es-ES", "extra_http_headers": {"Accept-Language": "es-ES,es;q=0.9"}}
ENGLISH = {"locale": "en-GB", "extra_http_headers": {"Accept-Language": "en-GB,en;q=0.9"}}


def seed(app) -> dict:
    with app.app_context():
        world = make_shop_world(BILINGUAL_CARD)
        colleague = make_user(Role.SHOPPER)
        manager = make_user(Role.MANAGER, name="Mia Manager")
        for shopper in (world.shopper, colleague):
            make_assignment(
                world.card,
                world.branch,
                shopper,
                start=today(),
                end=today() + timedelta(days=7),
                status=AssignmentStatus.OFFERED,
            )
        db.session.commit()
        return {
            "spanish": world.shopper.email,
            "english": colleague.email,
            "manager": manager.email,
            "staff": world.staff.name,
        }


def minutes_ago(page, minutes: int) -> str:  # noqa: ANN001
    return page.evaluate(
        """(minutes) => new Date(Date.now() - minutes * 60000).toISOString().slice(0, 16)""",
        minutes,
    )


def send_visit(live_server, page, email: str, staff: str, words: dict) -> int:  # noqa: ANN001
    """Accept the offer, start, answer greeted yes, outcome "Partly", empathy 4, send."""
    live_server.login(page, email, TEST_PASSWORD)
    assert page.url.endswith("/shop/")
    page.get_by_role("heading", name=words["home"]).wait_for()
    page.get_by_role("button", name=words["accept"]).tap()
    page.get_by_role("button", name=words["start"]).tap()
    page.wait_for_url(re.compile(r"/shop/visits/\d+$"))
    visit_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_role("heading", name=words["about"]).wait_for()
    page.locator("#started_at").fill(minutes_ago(page, 25))
    page.locator("#ended_at").fill(minutes_ago(page, 1))
    page.locator("label[for^='staff-']", has_text=staff).tap()
    page.locator("[data-next]").tap()
    section = page.locator("section[data-section=welcome]")
    section.get_by_role("heading", name=words["section"]).wait_for()
    assert words["greeted"] in section.inner_text()
    page.locator('label[for="answer-greeted-yes"]').tap()
    assert page.locator('label[for="answer-greeted-yes"]').inner_text() == words["yes"]
    page.locator('fieldset[data-question="outcome"] label.btn', has_text=words["partly"]).tap()
    page.locator('label[for="answer-empathy-4"]').tap()
    assert page.locator('input[name="answer-outcome"]:checked').get_attribute("value") == "Partly"
    page.locator("[data-next]").tap()
    page.locator("#submit-button").click()
    page.locator("[data-sent]").wait_for()
    return visit_id


def test_a_spanish_shopper_and_an_english_manager_share_one_set_of_figures(
    live_server, new_phone, browser
):
    ensure_compiled()
    app = live_server.app
    people = seed(app)

    # Spanish, from the sign-in page on.
    phone = new_phone(**SPANISH)
    page = phone.new_page()
    page.goto(f"{live_server.url}/login")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("heading", name="Inicie sesión en Service Audit").wait_for()
    assert page.get_by_label("Contraseña").count() == 1
    assert page.get_by_role("button", name="Iniciar sesión").count() == 1
    spanish_visit = send_visit(
        live_server,
        page,
        people["spanish"],
        people["staff"],
        {
            "home": "Mis visitas",
            "accept": "Aceptar",
            "start": "Empezar la visita",
            "about": "Sobre la visita",
            "section": "Bienvenida",
            "greeted": "¿Le saludaron?",
            "yes": "Sí",
            "partly": "En parte",
        },
    )

    # The same answers from a colleague whose browser asks for English.
    english_visit = send_visit(
        live_server,
        new_phone(**ENGLISH).new_page(),
        people["english"],
        people["staff"],
        {
            "home": "My visits",
            "accept": "Accept",
            "start": "Start the visit",
            "about": "About the visit",
            "section": "Welcome",
            "greeted": "Were you greeted?",
            "yes": "Yes",
            "partly": "Partly",
        },
    )

    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == people["manager"]))
        for visit_id in (spanish_visit, english_visit):
            visit = db.session.get(Visit, visit_id)
            assert visit.status is VisitStatus.SUBMITTED
            approve(visit, manager)
            publish(visit, manager)
        db.session.commit()
        answers = {
            visit_id: {
                a.question_key: (a.value_text, a.value_number, a.earned)
                for a in db.session.scalars(select(Answer).where(Answer.visit_id == visit_id))
            }
            for visit_id in (spanish_visit, english_visit)
        }
        assert answers[spanish_visit] == answers[english_visit]
        figures = {
            r.question.key: (r.n, r.passed)
            for r in question_results(ReportFilter(scorecard=BILINGUAL_CARD["slug"]))
        }
        assert figures == {"greeted": (2, 2), "outcome": (2, 0), "empathy": (2, 0)}

    # The manager reads both visits in English: the same answers, the same score.
    desk = browser.new_context(**ENGLISH)
    try:
        page = desk.new_page()
        live_server.login(page, people["manager"], TEST_PASSWORD)
        shown = []
        for visit_id in (spanish_visit, english_visit):
            page.goto(f"{live_server.url}/review/visits/{visit_id}")
            text = page.locator("main").inner_text()
            assert "Was your question resolved?" in text and "Partly" in text
            assert "¿Se resolvió" not in text and "En parte" not in text
            shown.append(re.findall(r"\d+(?:\.\d)?%", text)[:1])
        assert shown[0] == shown[1] == [shown[0][0]] and shown[0][0].startswith("70")
    finally:
        desk.close()
