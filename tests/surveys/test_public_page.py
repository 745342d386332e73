"""The public survey page: a customer's answers stored as one visit of the survey card,
and the abuse a page without sign-in must turn away (issue 17, points 1 and 2)."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import (
    Answer,
    Scorecard,
    SurveyContact,
    SurveyResponse,
    Visit,
    VisitStatus,
)
from audit.scorecards.scoring import score_visit
from audit.scorecards.store import definition_of
from audit.settings import set_setting
from audit.surveys.links import survey_path
from tests.builders import count_events, publish_report_cards
from tests.surveys.helpers import HAPPY, make_survey_world, page_stamp, posted

#: What a phone on a slow connection may download for the page (issue 17: 30 KB).
PAGE_BUDGET = 30 * 1024


@pytest.fixture
def world(app):
    return make_survey_world(app)


def visit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Visit))


def send(client, app, path, **fields):
    return client.post(path, data=posted(app, path, **fields))


def test_a_response_through_the_page_stores_one_visit_of_the_survey_card(app, client, world):
    page = client.get(world.path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "How did we do at Harbour Lane?" in html
    assert 'name="q-recommend" value="10"' in html and 'name="q-csat" value="5"' in html

    answer = send(client, app, world.path, contact="y", email="Customer@Example.org ")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(world.path + "/thanks")
    assert "Harbour Lane" in client.get(answer.headers["Location"]).get_data(as_text=True)

    with app.app_context():
        visit = db.session.scalars(select(Visit)).one()
        assert visit.scorecard.slug == "customer-survey"
        assert visit.scorecard.channel == "survey"
        assert visit.branch.code == "HRB01"
        assert visit.visitor is None and visit.staff == []
        assert visit.status is VisitStatus.APPROVED
        values = {a.question_key: a.value_number or a.value_text for a in visit.answers}
        assert values == {
            "csat": 5,
            "ease": 6,
            "needs_met": "Yes, fully",
            "recommend": 9,
            "comment": "Quick and friendly, thank you.",
        }
        # Scored by the one scoring engine, as any visit.
        expected = score_visit(
            definition_of(visit.version),
            {"csat": 5, "ease": 6, "needs_met": "Yes, fully", "recommend": 9, "comment": "x"},
        )
        assert (visit.earned, visit.possible, visit.percent) == (
            expected.earned,
            expected.possible,
            expected.percent,
        )
        assert [s.section_key for s in visit.section_scores] == ["ratings", "comments"]
        # The e-mail lives apart from the answers, normalised.
        contact = db.session.scalars(select(SurveyContact)).one()
        assert (contact.visit_id, contact.email) == (visit.id, "customer@example.org")
        assert not any("example.org" in (a.value_text or "") for a in visit.answers)
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
        assert count_events("visit.survey_received", visit.id) == 1


def test_the_response_is_in_visits_export(app, client, runner, world):
    assert send(client, app, world.path).status_code == 303
    result = runner.invoke(args=["visits", "export", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [(r["branch"], r["scorecard"], r["status"]) for r in records] == [
        ("HRB01", "customer-survey", "approved")
    ]


def test_a_staff_members_link_names_them_on_the_visit(app, client, world):
    with app.app_context():
        path = survey_path(world.branch(), world.staff())
    assert "served by Ana Silva" in client.get(path).get_data(as_text=True)
    assert send(client, app, path).status_code == 303
    with app.app_context():
        visit = db.session.scalars(select(Visit)).one()
        assert [s.code for s in visit.staff] == ["ST0001"]


def test_missing_and_bad_answers_are_named_and_what_was_typed_is_kept(app, client, world):
    answer = send(
        client,
        app,
        world.path,
        **{"q-csat": None, "q-ease": "9", "q-comment": "<script>alert(1)</script>"},
        contact="y",
        email="not an address",
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Answer this question" in html
    assert "9 is outside 1 to 7" in html
    assert "This e-mail address looks wrong" in html
    # Kept, and escaped: the comment comes back as text, never as markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html
    assert "<script>alert" not in html
    assert 'name="q-recommend" value="9" checked' in html
    assert 'value="not an address"' in html
    with app.app_context():
        assert visit_count() == 0


def test_an_email_without_the_box_ticked_is_refused_not_kept_silently(app, client, world):
    answer = send(client, app, world.path, email="someone@example.org")
    assert answer.status_code == 422
    assert "Tick the box if we may contact you" in answer.get_data(as_text=True)


def test_a_comment_beyond_the_limit_is_refused(app, client, world):
    answer = send(client, app, world.path, **{"q-comment": "x" * 2001})
    assert answer.status_code == 422
    assert "Please keep this to 2000 characters (it has 2001)." in answer.get_data(as_text=True)
    with app.app_context():
        assert visit_count() == 0


def test_the_per_device_limit_answers_429_past_the_setting_and_stores_nothing(app, client, world):
    with app.app_context():
        set_setting("survey_responses_per_device", 2, None)
        db.session.commit()
    client.get(world.path)  # the phone gets its device cookie
    assert client.get_cookie("survey_device", path="/survey/") is not None
    for _ in range(2):
        assert send(client, app, world.path).status_code == 303
    refused = send(client, app, world.path)
    assert refused.status_code == 429
    assert "already have your answers" in refused.get_data(as_text=True)
    assert client.get(world.path).status_code == 429  # no form to fill in for nothing
    with app.app_context():
        assert visit_count() == 2
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 2
    # Another phone (its own cookie) on the same network still may.
    other = app.test_client()
    assert send(other, app, world.path).status_code == 303


def test_the_per_address_limit_counts_phones_together(app, world):
    with app.app_context():
        set_setting("survey_responses_per_address", 2, None)
        db.session.commit()
    answers = [send(app.test_client(), app, world.path).status_code for _ in range(3)]
    assert answers == [303, 303, 429]
    # Another address is not held back.
    other = app.test_client().post(
        world.path,
        data=posted(app, world.path),
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 303
    with app.app_context():
        assert visit_count() == 3


def altered(path: str) -> list[str]:
    """The link with one character of its payload, or of its signature, changed."""
    token = path.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    flip = {"A": "B"}
    changed_payload = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    changed_signature = signature[:-1] + flip.get(signature[-1], "A")
    return [
        path.replace(token, f"{changed_payload}.{signature}"),
        path.replace(token, f"{payload}.{changed_signature}"),
        path.replace(token, payload),
        path + "x",
    ]


def test_an_altered_token_answers_404_and_stores_nothing(app, client, world):
    for path in altered(world.path):
        assert client.get(path).status_code == 404, path
        assert send(client, app, path).status_code == 404, path
    with app.app_context():
        assert visit_count() == 0


def test_a_deactivated_branch_answers_404(app, client, world):
    with app.app_context():
        world.branch().active = False
        db.session.commit()
    assert client.get(world.path).status_code == 404
    assert send(client, app, world.path).status_code == 404
    with app.app_context():
        assert visit_count() == 0


def test_a_link_to_a_card_that_is_not_a_survey_answers_404(app, client, world):
    with app.app_context():
        publish_report_cards()
        db.session.commit()
        card = db.session.scalars(select(Scorecard).where(Scorecard.slug == "branch-visit")).one()
        path = survey_path(world.branch(), scorecard=card)
    assert client.get(path).status_code == 404


def test_the_honeypot_stores_nothing_and_tells_the_robot_nothing(app, client, world):
    answer = send(client, app, world.path, website="http://spam.example")
    assert answer.status_code == 303
    with app.app_context():
        assert visit_count() == 0


def test_a_form_sent_faster_than_anyone_reads_it_is_shown_again(app, client, world):
    answer = send(client, app, world.path, seconds_ago=1)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "That was very quick" in html
    assert 'name="q-csat" value="5" checked' in html
    with app.app_context():
        assert visit_count() == 0


def test_a_forged_or_borrowed_start_time_is_refused(app, client, world):
    assert send(client, app, world.path, stamp="forged").status_code == 400
    with app.app_context():
        other = survey_path(world.branch(), world.staff())
    borrowed = posted(app, other)["stamp"]  # a stamp served for another link
    assert send(client, app, world.path, stamp=borrowed).status_code == 400
    with app.app_context():
        assert visit_count() == 0


def test_the_page_needs_no_session_and_no_csrf_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(world.path)
    assert "session" not in page.headers.get("Set-Cookie", "")
    assert "csrf_token" not in page.get_data(as_text=True)
    data = posted(app, world.path)
    data["stamp"] = page_stamp(client, world.path)
    # The page's own stamp is only seconds old: shown again, not refused for CSRF.
    assert client.post(world.path, data=data).status_code == 422
    assert send(client, app, world.path).status_code == 303


def test_the_page_is_under_30_kb_compressed(app, client, world):
    headers = {"Accept-Encoding": "gzip"}
    page = client.get(world.path, headers=headers)
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.get_data()).decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    total = len(page.get_data())
    for asset in assets:
        with client.get(asset, headers=headers) as response:
            assert response.status_code == 200
            body = response.get_data()
            if response.headers.get("Content-Encoding") != "gzip":
                body = gzip.compress(body)
            total += len(body)
    assert total < PAGE_BUDGET, total
    # Nothing from anywhere else.
    assert "http://" not in html and "https://" not in html


def test_every_answer_stored_is_one_answer_row_per_question(app, client, world):
    assert send(client, app, world.path, **{"q-comment": ""}).status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(Answer.question_key).order_by(Answer.position)).all()
        assert rows == ["csat", "ease", "needs_met", "recommend", "comment"]
        assert set(HAPPY) == {f"q-{key}" for key in rows}


def test_a_detractor_who_left_an_email_is_stored_and_handed_to_the_follow_up(app, client, world):
    answer = send(
        client, app, world.path, **{"q-recommend": "3"}, contact="y", email="upset@example.org"
    )
    assert answer.status_code == 303
    with app.app_context():
        visit = db.session.scalars(select(Visit)).one()
        assert visit.answer("recommend").value_number == 3
        assert db.session.scalars(select(SurveyContact.email)).all() == ["upset@example.org"]
