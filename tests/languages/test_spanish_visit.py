"""A visit form in the reader's language; answers given in Spanish and in English are
the same values and land in the same figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from audit.extensions import db
from audit.models import Answer, Role, User, Visit, VisitStatus
from audit.reporting.filters import ReportFilter
from audit.reporting.questions import question_results
from audit.review.service import approve, publish
from tests.builders import S, make_assignment, make_shop_world, make_user
from tests.conftest import TEST_PASSWORD
from tests.languages.cards import ANSWERS, BILINGUAL_CARD


def _signed_in(app, email: str, language: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def _start(client, assignment_id: int) -> int:
    response = client.post(f"/shop/assignments/{assignment_id}/start")
    match = re.fullmatch(r"/shop/visits/(\d+)", response.headers["Location"])
    assert match, response.get_data(as_text=True)
    return int(match.group(1))


def _send(client, visit_id: int, staff_id: int, token: str) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    form = {f"answer-{key}": value for key, value in ANSWERS.items()}
    form |= {
        "started_at": (now - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        "staff_ids": str(staff_id),
        "action": "submit",
        "client_token": token * 32,
    }
    response = client.post(f"/shop/visits/{visit_id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_spanish_and_english_shoppers_fill_in_one_scorecard(app):
    with app.app_context():
        world = make_shop_world(BILINGUAL_CARD)
        other = make_user(Role.SHOPPER)
        manager = make_user(Role.MANAGER)
        spanish_job = make_assignment(world.card, world.branch, world.shopper, status=S.ACCEPTED)
        english_job = make_assignment(world.card, world.branch, other, status=S.ACCEPTED)
        db.session.commit()
        ids = (spanish_job.id, english_job.id, world.staff.id, manager.id)
        emails = (world.shopper.email, other.email)
    spanish_job, english_job, staff_id, manager_id = ids

    spanish = _signed_in(app, emails[0], "es-ES,es;q=0.9")
    assert "Mis visitas" in spanish.get("/shop/").get_data(as_text=True)
    visit_es = _start(spanish, spanish_job)
    page = spanish.get(f"/shop/visits/{visit_es}").get_data(as_text=True)
    for words in ("Bienvenida", "¿Le saludaron?", "Cronometre desde la puerta.", "Totalmente"):
        assert words in page
    assert "En parte" in page and "Muy cercano" in page and "Sobre la visita" in page
    assert "Were you greeted?" not in page and ">Partly<" not in page
    # The option is sent by its default wording: the answer is the same in every language.
    assert 'value="Partly"' in page
    _send(spanish, visit_es, staff_id, "s")

    english = _signed_in(app, emails[1], "en-GB")
    visit_en = _start(english, english_job)
    page = english.get(f"/shop/visits/{visit_en}").get_data(as_text=True)
    assert "Were you greeted?" in page and ">Partly<" in page and "¿Le saludaron?" not in page
    _send(english, visit_en, staff_id, "e")

    with app.app_context():
        reviewer = db.session.get(User, manager_id)
        for visit_id in (visit_es, visit_en):
            visit = db.session.get(Visit, visit_id)
            assert visit.status is VisitStatus.SUBMITTED
            approve(visit, reviewer)
            publish(visit, reviewer)
        db.session.commit()
        stored = {
            visit_id: {
                a.question_key: (a.value_text, a.value_number, a.earned)
                for a in db.session.scalars(select(Answer).where(Answer.visit_id == visit_id))
            }
            for visit_id in (visit_es, visit_en)
        }
        assert stored[visit_es] == stored[visit_en]
        assert stored[visit_es]["outcome"][0] == "Partly"
        percents = db.session.scalars(
            select(Visit.percent).where(Visit.id.in_((visit_es, visit_en)))
        ).all()
        assert len(set(percents)) == 1
        results = {
            r.question.key: r for r in question_results(ReportFilter(scorecard="bilingual-visit"))
        }
        assert {key: (r.n, r.passed) for key, r in results.items()} == {
            "greeted": (2, 2),
            "outcome": (2, 0),
            "empathy": (2, 0),
        }
