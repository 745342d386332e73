"""The shopper's pages around the form: a sent visit read back, the assignment's own
start button, and the comment rule the form applies as the shopper taps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import Role, User, Visit, VisitStatus
from audit.review.service import approve, publish
from audit.scorecards.scoring import submission_problems
from audit.scorecards.store import definition_of
from audit.shop import reading
from audit.shop.service import DraftData, save_draft, submit
from audit.visits.answer_changes import change_answer
from tests.builders import (
    S,
    definition_of_data,
    make_assignment,
    make_branch,
    make_region,
    make_staff,
    make_user,
    publish_card,
)

CARD = {
    "slug": "sent-card",
    "title": "Sent card",
    "channel": "in_person",
    "target": 80,
    "comment_on_fail": True,
    "sections": [
        {
            "key": "first",
            "title": "First impressions",
            "questions": [
                {"key": "greeted", "text": "Greeted at the door?", "type": "yes_no", "points": 5},
                {
                    "key": "wait",
                    "text": "Minutes waited",
                    "type": "number",
                    "unit": "minutes",
                    "target": {"min": 1, "max": 5},
                    "points": 4,
                },
                {
                    "key": "empathy",
                    "text": "Empathy",
                    "type": "scale",
                    "min": 1,
                    "max": 5,
                    "labels": {"5": "Wonderful"},
                    "points": 10,
                    "allow_na": True,
                },
            ],
        },
        {
            "key": "second",
            "title": "The outcome",
            "questions": [
                {
                    "key": "outcome",
                    "text": "Resolved?",
                    "type": "choice",
                    "options": [
                        {"label": "Fully", "points": 10},
                        {"label": "Also fully", "points": 10},
                        {"label": "Partly", "points": 5},
                    ],
                },
                {
                    "key": "follow_up",
                    "text": "Follow-up offered?",
                    "type": "yes_no",
                    "show_if": {"question": "outcome", "equals": "Partly"},
                },
                {"key": "recommend", "text": "Recommend?", "type": "nps"},
                {"key": "summary", "text": "Summary", "type": "text", "required": True},
            ],
        },
    ],
}

ANSWERS = {
    "greeted": "no",
    "wait": 3,
    "empathy": 5,
    "outcome": "Fully",
    "recommend": 9,
    "summary": "Quick and friendly.\nThe adviser knew the rates.",
}


# --- the comment rule, as the page reads it ------------------------------------------


@pytest.mark.parametrize(
    ("key", "full", "short", "not_short"),
    [
        ("greeted", {"values": ["yes"]}, ["no"], ["yes", "na", None, "maybe"]),
        ("wait", {"min": 1, "max": 5}, [0, "7", 5.5], [1, "3", 5, None]),
        ("empathy", {"values": [5]}, [1, "4"], [5, "5", "na"]),
        ("outcome", {"values": ["Fully", "Also fully"]}, ["Partly"], ["Fully", "Also fully"]),
        ("recommend", None, [], [0, 10]),  # NPS earns no points: never a comment
        ("summary", None, [], ["anything"]),
    ],
)
def test_the_page_is_told_which_answers_earn_full_points(key, full, short, not_short):
    definition = definition_of_data(CARD)
    question = definition.question(key)
    assert reading.full_marks(question) == full
    for value in short:
        assert reading.falls_short(question, value), value
    for value in not_short:
        assert not reading.falls_short(question, value), value


def test_falls_short_agrees_with_the_servers_comment_rule():
    """For every answer of every question, the page asks for a comment exactly when the
    server would refuse the visit for the missing comment."""
    definition = definition_of_data(CARD)
    candidates = {
        "greeted": ["yes", "no"],
        "wait": [0, 1, 3, 5, 6],
        "empathy": ["na", 1, 2, 3, 4, 5],
        "outcome": ["Fully", "Also fully", "Partly"],
    }
    for key, values in candidates.items():
        question = definition.question(key)
        for value in values:
            answers = {**ANSWERS, "follow_up": "yes", key: value}
            problems = submission_problems(definition, answers, {})
            asked = any(p.key == key and "comment" in p.message for p in problems)
            assert reading.falls_short(question, value) == asked, (key, value)


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def world(app):
    """A shopper with an accepted assignment at Leeds (a card with comment_on_fail)."""
    with app.app_context():
        north = make_region("North")
        leeds = make_branch(north, code="LDS01", name="Leeds Briggate")
        amira = make_staff(leeds, name="Amira Hassan")
        card = publish_card(CARD)
        shopper = make_user(Role.SHOPPER, name="Sally Shopper")
        manager = make_user(Role.MANAGER)
        assignment = make_assignment(card, leeds, shopper, status=S.ACCEPTED)
        db.session.commit()
        return {
            "assignment": assignment.id,
            "shopper": shopper.email,
            "shopper_id": shopper.id,
            "manager_id": manager.id,
            "amira": amira.id,
        }


def started(client, world) -> int:  # noqa: ANN001
    response = client.post(f"/shop/assignments/{world['assignment']}/start")
    return int(re.fullmatch(r"/shop/visits/(\d+)", response.headers["Location"]).group(1))


def sent_visit(app, client, world) -> int:  # noqa: ANN001
    """The shopper starts, fills in and sends the visit (a short greeting, commented)."""
    visit_id = started(client, world)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        now = datetime.now(UTC)
        data = DraftData(
            answers=dict(ANSWERS),
            comments={"greeted": "Nobody looked up for two minutes."},
            staff_ids=[world["amira"]],
            staff_description="Second desk",
            started_at=(now - timedelta(minutes=30)).isoformat(),
            ended_at=(now - timedelta(minutes=5)).isoformat(),
        )
        assert save_draft(visit, data, visit.visitor) == []
        submit(visit, "s" * 32, visit.visitor)
        db.session.commit()
        assert visit.status is VisitStatus.SUBMITTED
    return visit_id


def test_a_sent_visit_reads_back_every_answer_as_sent_and_never_a_score(app, client, auth, world):
    auth.login(world["shopper"])
    visit_id = sent_visit(app, client, world)
    # A reviewer then changes the greeting: the shopper still reads what they sent.
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        change_answer(
            visit,
            definition_of(visit.version).question("greeted"),
            "yes",
            "",
            reason="CCTV shows a wave at the door",
            source="review",
            user=db.session.get(User, world["manager_id"]),
        )
        db.session.commit()
        percent = visit.percent

    home = client.get("/shop/").get_data(as_text=True)
    assert f'href="/shop/visits/{visit_id}"' in home  # a sent visit opens from home

    response = client.get(f"/shop/visits/{visit_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    answers = page[page.index("data-answers") :]
    for text in (
        "First impressions",
        "Greeted at the door?",
        "Nobody looked up for two minutes.",
        "3 minutes",
        "5 of 5 (Wonderful)",
        "Fully",
        "9 of 10",
        "Quick and friendly.\nThe adviser knew the rates.",
        "Amira Hassan; Second desk",
    ):
        assert text in page, text
    assert re.search(r"Greeted at the door\?</dt>\s*<dd[^>]*>No</dd>", answers)
    assert "Follow-up offered?" not in page  # hidden by its show_if: never seen
    assert "CCTV" not in page
    # Read only, and no score.
    assert not re.search(r"<(input|textarea|select)(?![^>]*type=\"hidden\")", answers)
    assert f"{percent:.1f}" not in page and "%" not in answers
    assert "points" not in answers.lower() and "score" not in answers.lower()


def test_the_assignment_page_starts_and_then_continues_the_visit(app, client, auth, world):
    auth.login(world["shopper"])
    offer = f"/assignments/{world['assignment']}/offer"
    page = client.get(offer).get_data(as_text=True)
    start = f'action="/shop/assignments/{world["assignment"]}/start"'
    assert start in page and "Start the visit" in page and "Hand it back" in page
    visit_id = started(client, world)
    page = client.get(offer).get_data(as_text=True)
    assert start not in page and "Hand it back" not in page
    assert f'href="/shop/visits/{visit_id}">Continue the visit' in page


def test_a_short_answer_renders_its_comment_box_required_with_the_reason(app, client, auth, world):
    auth.login(world["shopper"])
    visit_id = started(client, world)
    client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"greeted": "no"}})
    page = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    box = re.search(r'<textarea[^>]*id="answer-greeted-comment"[^>]*>', page).group(0)
    assert 'aria-required="true"' in box and 'aria-describedby="answer-greeted-comment-why"' in box
    why = re.search(r'<p[^>]*id="answer-greeted-comment-why"[^>]*>([^<]*)</p>', page)
    assert "hidden" not in why.group(0) and "less than full points" in why.group(1)
    # A full answer: optional, the reason kept for the script but hidden.
    wait = re.search(r'<textarea[^>]*id="answer-wait-comment"[^>]*>', page).group(0)
    assert "aria-required" not in wait
    assert re.search(r'<p[^>]*id="answer-wait-comment-why"[^>]*hidden', page)
    assert "data-full='{&#34;values&#34;: [&#34;yes&#34;]}'" in page or (
        'data-full=\'{"values": ["yes"]}\'' in page
    )
    with app.app_context():
        assert db.session.scalar(select(Visit.status).where(Visit.id == visit_id)) is (
            VisitStatus.DRAFT
        )


def test_the_thanks_comes_once_after_sending_then_the_page_says_where_the_visit_is(
    app, client, auth, world
):
    auth.login(world["shopper"])
    visit_id = started(client, world)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        now = datetime.now(UTC)
        data = DraftData(
            answers=dict(ANSWERS),
            comments={"greeted": "Nobody looked up for two minutes."},
            staff_ids=[world["amira"]],
            started_at=(now - timedelta(minutes=30)).isoformat(),
            ended_at=(now - timedelta(minutes=5)).isoformat(),
        )
        assert save_draft(visit, data, visit.visitor) == []
        db.session.commit()
    sent = client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": "t" * 32})
    assert sent.status_code == 200 and sent.json["already"] is False

    def status_box(page: str) -> str:
        box = re.search(r"<div[^>]*data-sent[^>]*>(.*?)</div>", page, re.S).group(1)
        return " ".join(re.sub(r"<[^>]+>", " ", box).split())

    first = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert "Thank you, your report has been sent." in first
    assert "Sent · waiting for review" in status_box(first)
    again = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert "Thank you" not in again
    assert "Sent · waiting for review" in status_box(again)
    # The same token again (a double tap) does not thank twice.
    client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": "t" * 32})
    assert "Thank you" not in client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)

    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        manager = db.session.get(User, world["manager_id"])
        approve(visit, manager)
        db.session.commit()
    approved = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert status_box(approved) == "Status: Reviewed" and "Thank you" not in approved
    with app.app_context():
        publish(db.session.get(Visit, visit_id), db.session.get(User, world["manager_id"]))
        db.session.commit()
    published = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert status_box(published) == "Status: Reviewed" and "Thank you" not in published
    home = client.get("/shop/").get_data(as_text=True)
    sent_list = home[home.index("data-sent-visits") :]
    assert "Reviewed" in sent_list and "Accepted" not in sent_list
