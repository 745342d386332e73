"""The shopper's phone, through the test client: start, autosave, submit once, photos, access."""

from __future__ import annotations

import gc
import gzip
import hashlib
import io
import re
import threading
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from audit.assignments.service import today
from audit.extensions import db
from audit.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    Branch,
    Role,
    Scorecard,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from audit.review.service import approve, publish, return_to_shopper
from audit.shop.service import haversine_m
from tests.builders import (
    count_events,
    make_assignment,
    make_branch,
    make_region,
    make_staff,
    make_user,
    publish_card,
)
from tests.conftest import TEST_PASSWORD
from tests.images import jpeg, png
from tests.pages import visible_text
from tests.statements import recorded_statements
from tests.web.test_access import PUBLIC_ENDPOINTS

TODAY = today()
LEEDS = (53.7983, -1.5425)

CARD = {
    "slug": "shop-card",
    "title": "Shop card",
    "channel": "in_person",
    "target": 80,
    "comment_on_fail": True,
    "sections": [
        {
            "key": "first",
            "title": "First",
            "questions": [
                {"key": "greeted", "text": "Greeted?", "type": "yes_no", "points": 5},
                {
                    "key": "wait",
                    "text": "Minutes waited",
                    "type": "number",
                    "unit": "minutes",
                    "target": {"max": 5},
                    "points": 4,
                },
                {
                    "key": "empathy",
                    "text": "Empathy",
                    "type": "scale",
                    "min": 1,
                    "max": 5,
                    "points": 10,
                    "allow_na": True,
                },
            ],
        },
        {
            "key": "second",
            "title": "Second",
            "questions": [
                {
                    "key": "outcome",
                    "text": "Resolved?",
                    "type": "choice",
                    "options": [
                        {"label": "Fully", "points": 10},
                        {"label": "Partly", "points": 5},
                    ],
                },
                {
                    "key": "follow_up",
                    "text": "Follow-up offered?",
                    "type": "yes_no",
                    "show_if": {"question": "outcome", "equals": "Partly"},
                },
                {
                    "key": "poster",
                    "text": "Poster on display?",
                    "type": "yes_no",
                    "points": 0,
                    "evidence": "required",
                },
                {"key": "recommend", "text": "Recommend?", "type": "nps"},
                {"key": "summary", "text": "Summary", "type": "text", "required": True},
            ],
        },
    ],
}

COMPLETE = {
    "greeted": "yes",
    "wait": 3,
    "empathy": "na",
    "outcome": "Fully",
    "poster": "yes",
    "recommend": 9,
    "summary": "Quick and friendly.",
}


@pytest.fixture
def ids(app):
    """North (Leeds with staff, York) and South (Bristol); people of every role."""
    with app.app_context():
        north, south = make_region("North"), make_region("South")
        leeds = make_branch(north, code="LDS01", name="Leeds Briggate", lat=LEEDS[0], lng=LEEDS[1])
        york = make_branch(north, code="YRK01", name="York Coney Street")
        bristol = make_branch(south, code="BRS01", name="Bristol Broadmead")
        amira = make_staff(leeds, name="Amira Hassan")
        make_staff(leeds, name="Ava Edwards")
        bob = make_staff(bristol, name="Bob Bristol")
        card = publish_card(CARD)
        staff_user = make_user(Role.STAFF)
        amira.user = staff_user
        people = {
            "manager": make_user(Role.MANAGER),
            "north_manager": make_user(Role.MANAGER, regions=[north]),
            "south_manager": make_user(Role.MANAGER, regions=[south]),
            "shopper": make_user(Role.SHOPPER, name="Sally Shopper"),
            "other_shopper": make_user(Role.SHOPPER, name="Oscar Other"),
            "assessor": make_user(Role.ASSESSOR, regions=[north]),
            "other_assessor": make_user(Role.ASSESSOR),
            "staff": staff_user,
        }
        db.session.commit()
        out = {k: v.id for k, v in people.items()}
        out |= {f"{k}_email": v.email for k, v in people.items()}
        out |= {
            "north": north.id,
            "leeds": leeds.id,
            "york": york.id,
            "bristol": bristol.id,
            "card": card.id,
            "amira": amira.id,
            "bob": bob.id,
        }
        return out


def assign(app, ids, shopper="shopper", branch="leeds", status="accepted", **kw) -> int:
    """An assignment of the ``ids`` world, by key (an accepted one to Leeds by default)."""
    with app.app_context():
        assignment = make_assignment(
            db.session.get(Scorecard, ids["card"]),
            db.session.get(Branch, ids[branch]),
            db.session.get(User, ids[shopper]),
            start=kw.pop("start", TODAY),
            end=kw.pop("end", None),
            status=AssignmentStatus(status),
            scenario=kw.pop("scenario", "Ask about a savings account."),
        )
        db.session.commit()
        return assignment.id


def start(client, assignment_id, **position) -> int:
    data = {"share_location": "y", **position} if position else {}
    response = client.post(f"/shop/assignments/{assignment_id}/start", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/shop/visits/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


@pytest.fixture
def visit_id(app, client, auth, ids) -> int:
    """A draft started by the shopper (signed in) from an accepted assignment."""
    assignment_id = assign(app, ids)
    auth.login(ids["shopper_email"])
    return start(client, assignment_id)


def details(ids) -> dict:
    now = datetime.now(UTC)
    return {
        "started_at": (now - timedelta(minutes=30)).isoformat(),
        "ended_at": (now - timedelta(minutes=10)).isoformat(),
        "staff_ids": [ids["amira"]],
    }


def photo_file(data: bytes = b"", name: str = "photo.jpg"):
    return (io.BytesIO(data or jpeg()), name)


def upload(client, visit_id, data=b"", name="photo.jpg", **fields):
    return client.post(
        f"/shop/visits/{visit_id}/attachments",
        data={"file": photo_file(data, name), **fields},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )


def fill_complete(client, ids, visit_id):
    response = client.post(
        f"/shop/visits/{visit_id}/draft", json={"answers": COMPLETE, **details(ids)}
    )
    assert response.status_code == 200 and response.json["problems"] == []
    assert upload(client, visit_id, question_key="poster").status_code == 201


def visit_row(app, visit_id) -> Visit:
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        db.session.expunge(visit)
        return visit


# --- home and start ----------------------------------------------------------------


def test_home_lists_open_assignments_due_soon_first_and_never_a_score(app, client, auth, ids):
    later = assign(app, ids, branch="york", status="offered", end=TODAY + timedelta(9))
    sooner = assign(app, ids, status="accepted", end=TODAY + timedelta(2))
    assign(app, ids, shopper="other_shopper", branch="bristol")
    with app.app_context():
        sent = Visit(
            scorecard_id=ids["card"],
            version=db.session.get(Scorecard, ids["card"]).latest_published,
            branch_id=ids["bristol"],
            visitor_id=ids["shopper"],
            status=VisitStatus.APPROVED,
            visited_at=datetime.now(UTC),
            submitted_at=datetime.now(UTC),
            percent=73.25,
            band="below",
        )
        db.session.add(sent)
        db.session.commit()
    auth.login(ids["shopper_email"])
    page = client.get("/shop/").get_data(as_text=True)
    assert page.index("Leeds Briggate") < page.index("York Coney Street")
    assert f"/shop/assignments/{sooner}/start" in page  # accepted: start it
    assert f"/assignments/{later}/accept" in page  # offered: accept, or details to decline
    assert f"/assignments/{later}/offer" in page
    assert "Bristol Broadmead" in page and "Reviewed" in page  # the sent visit: status only
    text = visible_text(page)  # the markup holds a random CSRF token
    assert "73" not in text and "below" not in text and "%" not in text
    assert "73.25" not in page and "below" not in page


def _home_statements(app, client) -> int:
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as statements:
        assert client.get("/shop/").status_code == 200
    return len(statements)


def test_the_home_page_reads_the_same_few_statements_however_many_assignments(
    app, client, auth, ids
):
    """Whether each assignment's visit was started is read with the assignments (it was one
    query per assignment: the load benchmark's shoppers have ten)."""
    auth.login(ids["shopper_email"])
    start(client, assign(app, ids))
    assign(app, ids, branch="york")
    few = _home_statements(app, client)
    for _ in range(4):
        start(client, assign(app, ids))
        assign(app, ids, branch="york", status="offered")
    assert _home_statements(app, client) == few


def test_a_shopper_starts_an_accepted_assignment_with_their_position(app, client, auth, ids):
    assignment_id = assign(app, ids)
    auth.login(ids["shopper_email"])
    lat, lng = LEEDS[0] + 0.001, LEEDS[1]  # about 111 m north
    visit_id = start(client, assignment_id, lat=str(lat), lng=str(lng), accuracy="15")
    visit = visit_row(app, visit_id)
    assert visit.status is VisitStatus.DRAFT and visit.assignment_id == assignment_id
    assert visit.started_at is not None and visit.visitor_id == ids["shopper"]
    assert (visit.start_lat, visit.start_lng, visit.start_accuracy_m) == (lat, lng, 15)
    assert visit.distance_m == round(haversine_m(lat, lng, *LEEDS)) == 111
    assert count_events("visit.started", visit_id, app=app) == 1
    # Starting again (a double tap, or coming back later) opens the same visit.
    assert start(client, assignment_id) == visit_id
    assert count_events("visit.started", app=app) == 1
    page = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert "about 111 m from the branch" in page and "Ask about a savings account." in page


def test_no_position_unless_shared(app, client, auth, ids):
    assignment_id = assign(app, ids)
    auth.login(ids["shopper_email"])
    response = client.post(f"/shop/assignments/{assignment_id}/start", data={"lat": "53.7"})
    visit = visit_row(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert visit.start_lat is None and visit.distance_m is None


def test_an_offer_must_be_accepted_before_the_visit_starts(app, client, auth, ids):
    assignment_id = assign(app, ids, status="offered")
    auth.login(ids["shopper_email"])
    response = client.post(f"/shop/assignments/{assignment_id}/start", follow_redirects=True)
    assert "Accept this assignment before you start the visit." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_haversine_distance():
    assert haversine_m(0, 0, 0, 0) == 0
    assert round(haversine_m(51.5007, -0.1246, 48.8584, 2.2945) / 1000) == 341  # London–Paris


# --- autosave --------------------------------------------------------------------------


def test_draft_round_trip_keeps_valid_values_and_reports_the_rest(app, client, ids, visit_id):
    sent = {
        "answers": {"greeted": "no", "wait": "abc", "empathy": 9, "outcome": "Fully", "nope": 1},
        "comments": {"greeted": "  Nobody looked up.  "},
        "staff_description": "Tall, grey jumper",
        **details(ids),
    }
    response = client.post(f"/shop/visits/{visit_id}/draft", json=sent)
    assert response.status_code == 200
    problems = {p["key"]: p["message"] for p in response.json["problems"]}
    assert problems == {
        "wait": "Give a number, not 'abc'",
        "empathy": "9 is outside 1 to 5",
        "nope": "This question is not on the form",
    }
    assert response.json["saved_at"]
    missing = {m["key"] for m in response.json["missing"]}
    assert {"wait", "empathy", "poster", "summary"} <= missing
    assert "greeted" not in missing and "@staff" not in missing

    state = client.get(f"/shop/visits/{visit_id}/draft").json
    assert state["answers"] == {"greeted": "no", "outcome": "Fully"}
    assert state["comments"] == {"greeted": "Nobody looked up."}
    assert state["staff_ids"] == [ids["amira"]]
    assert state["staff_description"] == "Tall, grey jumper"
    assert state["started_at"].endswith("Z") and state["csrf_token"]

    # Partial saves touch only what they carry; a fixed value replaces nothing else.
    response = client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"wait": "4"}})
    assert response.json["problems"] == []
    state = client.get(f"/shop/visits/{visit_id}/draft").json
    assert state["answers"] == {"greeted": "no", "outcome": "Fully", "wait": 4}
    assert state["staff_ids"] == [ids["amira"]]
    # Blank clears an answer; N/A only where allowed.
    response = client.post(
        f"/shop/visits/{visit_id}/draft", json={"answers": {"wait": "", "empathy": "na"}}
    )
    assert response.json["problems"] == []
    assert client.get(f"/shop/visits/{visit_id}/draft").json["answers"]["empathy"] == "na"
    response = client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"greeted": "na"}})
    assert response.json["problems"][0]["key"] == "greeted"


def test_a_number_no_visit_could_measure_is_refused_and_not_stored(app, client, ids, visit_id):
    response = client.post(
        f"/shop/visits/{visit_id}/draft", json={"answers": {"wait": 1e308, "greeted": "yes"}}
    )
    assert response.status_code == 200
    problems = {p["key"]: p["message"] for p in response.json["problems"]}
    assert "beyond what a measurement can be" in problems["wait"]
    visit = visit_row(app, visit_id)
    with app.app_context():
        stored = {a.question_key: a.value_number for a in db.session.get(Visit, visit.id).answers}
    assert "wait" not in stored or stored["wait"] is None


def test_draft_checks_times_and_staff(app, client, ids, visit_id):
    now = datetime.now(UTC)
    response = client.post(
        f"/shop/visits/{visit_id}/draft",
        json={
            "started_at": (now - timedelta(minutes=5)).isoformat(),
            "ended_at": (now - timedelta(minutes=20)).isoformat(),
            "staff_ids": [ids["bob"]],
        },
    )
    problems = {p["key"]: p["message"] for p in response.json["problems"]}
    assert problems == {
        "@ended": "The visit cannot end before it started",
        "@staff": "Choose people who work at this branch",
    }
    response = client.post(
        f"/shop/visits/{visit_id}/draft",
        json={"ended_at": (now + timedelta(hours=2)).isoformat(), "started_at": "yesterday"},
    )
    assert {p["key"] for p in response.json["problems"]} == {"@started", "@ended"}
    state = client.get(f"/shop/visits/{visit_id}/draft").json
    assert state["ended_at"] is None and state["staff_ids"] == []


@pytest.mark.parametrize(
    "payload",
    [[1, 2], {"answers": ["yes"]}, {"answers": {"greeted": {"x": 1}}}, {"staff_ids": "1"}],
)
def test_malformed_drafts_are_400(client, visit_id, payload):
    response = client.post(f"/shop/visits/{visit_id}/draft", json=payload)
    assert response.status_code == 400 and response.json["error"] == "bad_request"


# --- submitting --------------------------------------------------------------------------


def test_submit_says_what_is_missing(app, client, ids, visit_id):
    client.post(
        f"/shop/visits/{visit_id}/draft",
        json={"answers": {"greeted": "no", "outcome": "Partly"}},
    )
    response = client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": "t" * 32})
    assert response.status_code == 422
    missing = {(m["key"], m["message"]) for m in response.json["missing"]}
    assert ("greeted", "Add a comment: this answer earns less than full points") in missing
    assert ("outcome", "Add a comment: this answer earns less than full points") in missing
    assert ("follow_up", "Answer this question") in missing  # shown by outcome = Partly
    assert ("poster", "Add a photo") in missing
    assert ("summary", "Answer this question") in missing
    assert ("@ended", "Say when your visit ended") in missing
    assert ("@staff", "Say who served you: choose them from the list or describe them") in missing
    visit = visit_row(app, visit_id)
    assert visit.status is VisitStatus.DRAFT and visit.client_token is None
    assert count_events("visit.submitted", app=app) == 0


def test_submit_is_idempotent_by_token(app, client, ids, visit_id):
    fill_complete(client, ids, visit_id)
    token = "a1b2c3d4" * 4
    first = client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": token})
    assert first.status_code == 200 and first.json["already"] is False
    again = client.post(
        f"/shop/visits/{visit_id}/submit", json={"client_token": token, "draft": {}}
    )
    assert again.status_code == 200 and again.json["already"] is True
    assert again.json["redirect"] == f"/shop/visits/{visit_id}"
    assert count_events("visit.submitted", visit_id, app=app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == 1
        visit = db.session.get(Visit, visit_id)
        assert visit.status is VisitStatus.SUBMITTED and visit.client_token == token
        assert visit.percent == 100 and visit.scored_at is not None  # stored, never shown
        assert visit.assignment.status is AssignmentStatus.SUBMITTED
        assert len(visit.answers) == len(CARD["sections"][0]["questions"]) + 5
    # A different token on a sent visit changes nothing.
    other = client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": "z" * 32})
    assert other.status_code == 409
    # Drafts arriving late (an offline tab) are refused, not applied.
    late = client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"greeted": "no"}})
    assert late.status_code == 409 and late.json["error"] == "not_editable"
    page = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert "your report has been sent" in page and "%" not in page


def test_two_sends_at_the_same_moment_make_one_submission(app, client, auth, ids, visit_id):
    fill_complete(client, ids, visit_id)
    token = "9" * 32
    clients = [app.test_client() for _ in range(3)]
    for other in clients:
        other.post("/login", data={"email": ids["shopper_email"], "password": TEST_PASSWORD})
    barrier = threading.Barrier(len(clients))
    results: list[tuple[int, bool]] = []

    def send(other) -> None:  # noqa: ANN001
        barrier.wait()
        response = other.post(f"/shop/visits/{visit_id}/submit", json={"client_token": token})
        results.append((response.status_code, response.json.get("already")))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [(200, False), (200, True), (200, True)]
    assert count_events("visit.submitted", visit_id, app=app) == 1
    assert count_events("assignment.submitted", app=app) == 1


def test_submit_with_the_final_draft_in_one_request(app, client, ids, visit_id):
    fill_complete(client, ids, visit_id)
    response = client.post(
        f"/shop/visits/{visit_id}/submit",
        json={"client_token": "b" * 32, "draft": {"answers": {"wait": "ten"}}},
    )
    assert response.status_code == 422 and response.json["problems"][0]["key"] == "wait"
    response = client.post(
        f"/shop/visits/{visit_id}/submit",
        json={
            "client_token": "b" * 32,
            "draft": {"answers": {"wait": 7}, "comments": {"wait": "Long queue"}},
        },
    )
    assert response.status_code == 200
    assert visit_row(app, visit_id).percent < 100


def test_submit_needs_a_token(client, ids, visit_id):
    fill_complete(client, ids, visit_id)
    for body in ({}, {"client_token": "short"}, {"client_token": "<script>" * 4}):
        assert client.post(f"/shop/visits/{visit_id}/submit", json=body).status_code == 400


def test_a_returned_visit_shows_the_reason_and_is_sent_again(app, client, ids, visit_id):
    fill_complete(client, ids, visit_id)
    first = "c" * 32
    assert (
        client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": first}).status_code
        == 200
    )
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        return_to_shopper(visit, db.session.get(User, ids["manager"]), "Say more about the wait.")
        db.session.commit()
    home = client.get("/shop/").get_data(as_text=True)
    assert "Returned to you" in home and "Say more about the wait." in home
    page = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert "Say more about the wait." in page and f'data-used-token="{first}"' in page
    # Editable again; the old token belongs to the first submission.
    saved = client.post(
        f"/shop/visits/{visit_id}/draft", json={"comments": {"wait": "Three people queuing."}}
    )
    assert saved.status_code == 200
    stale = client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": first})
    assert stale.status_code == 409
    second = "d" * 32
    response = client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": second})
    assert response.status_code == 200 and response.json["already"] is False
    assert client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": second}).json[
        "already"
    ]
    assert count_events("visit.resubmitted", visit_id, app=app) == 1
    assert count_events("visit.submitted", visit_id, app=app) == 1
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.status is VisitStatus.SUBMITTED and visit.client_token == second
        assert visit.answer("wait").comment == "Three people queuing."
        manager = db.session.get(User, ids["manager"])
        approve(visit, manager)
        publish(visit, manager)
        db.session.commit()
    assert "Reviewed" in client.get("/shop/").get_data(as_text=True)


def test_the_plain_form_saves_and_sends_without_javascript(app, client, ids, visit_id):
    form = {
        "answer-greeted": "yes",
        "answer-wait": "2",
        "answer-empathy": "4",
        "answer-empathy-comment": "Warm but rushed.",
        "answer-outcome": "Fully",
        "answer-poster": "no",
        "answer-recommend": "8",
        "answer-summary": "Fine visit.",
        "started_at": "2024-05-06T10:00",
        "ended_at": "2024-05-06T10:20",
        "staff_description": "Young man at the desk",
        "action": "save",
    }
    response = client.post(f"/shop/visits/{visit_id}", data=form)
    assert response.status_code == 302
    state = client.get(f"/shop/visits/{visit_id}/draft").json
    assert state["answers"]["empathy"] == 4 and state["started_at"] == "2024-05-06T10:00:00Z"
    assert state["comments"] == {"empathy": "Warm but rushed."}
    # Sending without the required photo shows what is missing and keeps the answers.
    response = client.post(
        f"/shop/visits/{visit_id}", data={**form, "action": "submit", "client_token": "e" * 32}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Add a photo" in page and "Fine visit." in page
    response = client.post(
        f"/shop/visits/{visit_id}",
        data={
            **form,
            "action": "submit",
            "client_token": "e" * 32,
            "answer-poster-photo": photo_file(),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    visit = visit_row(app, visit_id)
    assert visit.status is VisitStatus.SUBMITTED and visit.staff_description.startswith("Young")


# --- assessors -------------------------------------------------------------------------


def test_assessor_starts_an_unannounced_audit_in_scope(app, client, auth, ids):
    auth.login(ids["assessor_email"])
    page = client.get("/shop/audits/new").get_data(as_text=True)
    assert "Leeds Briggate" in page and "Bristol Broadmead" not in page
    response = client.post(
        "/shop/audits/new",
        data={"branch": ids["leeds"], "scorecard": ids["card"], "share_location": ""},
    )
    assert response.status_code == 302
    visit_id = int(response.headers["Location"].rsplit("/", 1)[1])
    visit = visit_row(app, visit_id)
    assert visit.assignment_id is None and visit.visitor_id == ids["assessor"]
    assert client.get(f"/shop/visits/{visit_id}").status_code == 200
    assert "Leeds Briggate" in client.get("/shop/").get_data(as_text=True)


def test_assessor_cannot_audit_outside_their_scope(app, client, auth, ids):
    auth.login(ids["assessor_email"])
    response = client.post(
        "/shop/audits/new", data={"branch": ids["bristol"], "scorecard": ids["card"]}
    )
    assert response.status_code == 403
    assert client.get(f"/shop/audits/new?branch={ids['bristol']}").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_shoppers_cannot_start_audits(client, auth, ids):
    auth.login(ids["shopper_email"])
    assert client.get("/shop/audits/new").status_code == 403
    assert (
        client.post(
            "/shop/audits/new", data={"branch": ids["leeds"], "scorecard": ids["card"]}
        ).status_code
        == 403
    )


# --- who may reach what ----------------------------------------------------------------


def shop_urls(visit_id, attachment_id, assignment_id):
    return [
        ("GET", f"/shop/visits/{visit_id}"),
        ("POST", f"/shop/visits/{visit_id}"),
        ("GET", f"/shop/visits/{visit_id}/draft"),
        ("POST", f"/shop/visits/{visit_id}/draft"),
        ("POST", f"/shop/visits/{visit_id}/submit"),
        ("POST", f"/shop/visits/{visit_id}/attachments"),
        ("GET", f"/shop/attachments/{attachment_id}"),
        ("GET", f"/shop/attachments/{attachment_id}/thumb"),
        ("POST", f"/shop/attachments/{attachment_id}/delete"),
        ("POST", f"/shop/assignments/{assignment_id}/start"),
    ]


@pytest.fixture
def shared(app, client, auth, ids):
    """The shopper's draft with a photo; returns (visit, attachment, assignment) ids."""
    assignment_id = assign(app, ids)
    auth.login(ids["shopper_email"])
    visit_id = start(client, assignment_id)
    client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"greeted": "yes"}})
    attachment_id = upload(client, visit_id, question_key="poster").json["id"]
    auth.logout()
    return visit_id, attachment_id, assignment_id


@pytest.mark.parametrize("who", ["other_shopper", "other_assessor"])
def test_another_visitor_gets_404_for_everything_of_a_shoppers_visit(
    app, client, auth, ids, shared, who
):
    auth.login(ids[f"{who}_email"])
    for method, url in shop_urls(*shared):
        response = client.open(url, method=method, json={} if method == "POST" else None)
        assert response.status_code == 404, (who, method, url, response.status_code)
    # Nothing was changed by the attempts.
    visit = visit_row(app, shared[0])
    assert visit.status is VisitStatus.DRAFT
    with app.app_context():
        assert db.session.get(Attachment, shared[1]) is not None
        assert db.session.get(Visit, shared[0]).answer("greeted").value_text == "yes"


@pytest.mark.parametrize("who", ["manager", "staff"])
def test_managers_and_staff_cannot_use_the_shoppers_pages(client, auth, ids, shared, who):
    auth.login(ids[f"{who}_email"])
    for method, url in shop_urls(*shared):
        if url.startswith("/shop/attachments/") and method == "GET":
            continue  # photos: the visit guard decides (below)
        response = client.open(url, method=method)
        assert response.status_code == 403, (who, method, url, response.status_code)
    assert client.get("/shop/").status_code == 403


#: Areas a shopper never uses: scores, reports, reviews, staff and organisation data.
CLOSED_TO_SHOPPERS = (
    "reports",
    "review",
    "coaching",
    "org",
    "scorecards",
    "admin",
    "appeals",
    "actions",
)
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def dummy_url(rule) -> str:
    """A concrete URL for a rule: every argument filled in to fit its converter."""

    def fill(match: re.Match) -> str:
        converter = match.group("converter") or "default"
        if converter == "any":
            return match.group("args").split(",")[0].strip().strip("'\"")
        if converter == "uuid":
            return "00000000-0000-0000-0000-000000000001"
        if converter == "float":
            return "1.0"
        return "1"

    return ARGUMENT.sub(fill, rule.rule)


def test_dummy_urls_fit_their_converters():
    from werkzeug.routing import Map, Rule

    rules = Map(
        [
            Rule("/a/<int:id>/<code>", endpoint="a"),
            Rule("/b/<any(pdf, csv):fmt>/<uuid:job>", endpoint="b"),
            Rule("/c/<path:rest>.<float:x>", endpoint="c"),
        ]
    )
    adapter = rules.bind("localhost")
    for rule in rules.iter_rules():
        assert adapter.match(dummy_url(rule))[0] == rule.endpoint


def test_shoppers_get_403_for_scores_reports_and_staff_data(app, client, auth, ids, shared):
    visit_id = shared[0]
    auth.login(ids["shopper_email"])
    for url in (
        "/review/",
        f"/review/visits/{visit_id}",
        "/org/staff",
        f"/org/staff/{ids['amira']}",
        "/org/branches",
        "/assignments/",
        "/scorecards/",
        "/coaching/me",
    ):
        assert client.get(url).status_code == 403, url
    # Every route of those areas, whatever is added to them later (the reports blueprint
    # grows its dashboards): walked from the url_map, every method.
    checked: set[str] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in CLOSED_TO_SHOPPERS:
            continue
        if rule.endpoint in PUBLIC_ENDPOINTS:  # open to anyone, e.g. a report mail's link
            continue
        url = dummy_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 403, (rule.endpoint, method, url, response.status_code)
        checked.add(rule.endpoint.split(".")[0])
    assert {"reports", "review", "org", "scorecards"} <= checked
    assert client.get(f"/reports/visits/{visit_id}.pdf").status_code == 403  # their own visit


def test_a_shopper_sees_nothing_of_another_shoppers_assignment(app, client, auth, ids):
    assignment_id = assign(app, ids, shopper="other_shopper", status="offered")
    auth.login(ids["shopper_email"])
    assert client.get(f"/assignments/{assignment_id}/offer").status_code == 404
    assert client.post(f"/assignments/{assignment_id}/accept").status_code == 404
    assert client.post(f"/assignments/{assignment_id}/decline").status_code == 404
    assert client.post(f"/shop/assignments/{assignment_id}/start").status_code == 404
    assert f"/assignments/{assignment_id}/" not in client.get("/shop/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assignment, assignment_id).status is AssignmentStatus.OFFERED


def test_photos_are_served_only_to_those_who_may_see_the_visit(app, client, auth, ids, shared):
    visit_id, attachment_id, _ = shared
    url = f"/shop/attachments/{attachment_id}"
    auth.login(ids["shopper_email"])
    with client.get(url) as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"].startswith("private")
        assert reopen(response.data).getexif() == {}
    auth.logout()
    auth.login(ids["north_manager_email"])
    with client.get(url) as response:
        assert response.status_code == 200  # Leeds is in North
    auth.logout()
    auth.login(ids["south_manager_email"])
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(ids["staff_email"])
    assert client.get(url).status_code == 404  # a draft is nobody's feedback
    auth.logout()
    client.get("/")
    assert client.get(url).status_code == 302  # anonymous: sign in first


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- uploads -------------------------------------------------------------------------------


def test_a_photo_is_stored_clean_with_its_capture_time(app, client, ids, visit_id):
    response = upload(client, visit_id, question_key="poster")
    assert response.status_code == 201
    body = response.json
    assert body["question_key"] == "poster" and body["kind"] == "photo"
    assert body["captured_at"] == "2024-05-06T09:11:12Z"
    with app.app_context():
        attachment = db.session.get(Attachment, body["id"])
        stored = reopen((Path(app.config["UPLOAD_FOLDER"]) / attachment.stored_name).read_bytes())
        assert attachment.stored_name.startswith(f"{datetime.now(UTC):%Y/%m}/")
        assert attachment.content_type == "image/jpeg" and attachment.uploaded_by_id
        assert attachment.original_name == "photo.jpg"
    exif = stored.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and len(exif) == 0
    with client.get(body["thumb_url"]) as thumb:
        assert thumb.status_code == 200 and max(reopen(thumb.data).size) == 320
    # The same photo sent again (a retry) is the same attachment.
    again = upload(client, visit_id, question_key="poster")
    assert again.status_code == 200 and again.json["id"] == body["id"]
    assert count_events("visit.attachment_added", app=app) == 1


def test_png_receipts_and_visit_photos(app, client, visit_id):
    receipt = upload(client, visit_id, png(), "receipt.png", kind="receipt")
    assert receipt.status_code == 201 and receipt.json["question_key"] is None
    assert receipt.json["kind"] == "receipt" and receipt.json["captured_at"] is None
    hinted = upload(
        client, visit_id, jpeg(exif=False), "resized.jpg", captured_at="2024-05-06T11:00:00+01:00"
    )
    assert hinted.json["captured_at"] == "2024-05-06T10:00:00Z"
    assert upload(client, visit_id, question_key="greeted").status_code == 400  # no photos there
    assert upload(client, visit_id, kind="selfie").status_code == 400


REFUSALS = [
    (b"I am a text file that says it is a photo.\n" * 40, "holiday.jpg", "not a photo"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg", "SVG"),
    (b"<html><script>alert(document.cookie)</script></html>", "page.jpg", "HTML"),
]


@pytest.mark.parametrize(("data", "name", "words"), REFUSALS)
def test_non_photos_are_refused_and_the_answers_stay(app, client, ids, visit_id, data, name, words):
    client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"greeted": "yes", "wait": 2}})
    response = upload(client, visit_id, data, name, question_key="poster")
    assert response.status_code == 400
    assert response.json["error"] == "refused" and words in response.json["message"]
    assert client.get(f"/shop/visits/{visit_id}/draft").json["answers"] == {
        "greeted": "yes",
        "wait": 2,
    }
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_files_over_the_limits_are_refused_in_plain_words(app, client, ids, visit_id):
    client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"summary": "Kept."}})
    app.config["MAX_PHOTO_MB"] = 1
    big = jpeg() + b"\x00" * (1024 * 1024)
    response = upload(client, visit_id, big, question_key="poster")
    assert response.status_code == 413
    assert "photos can be at most 1 MB" in response.json["message"]
    # Bigger than the whole request may be: the app's 413, in JSON, said plainly.
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        response = upload(client, visit_id, big + b"\x00" * (2 << 20), question_key="poster")
        assert response.status_code == 413
        message = response.json["message"]
        # The test client's request body (a temporary file) is left to the garbage collector.
        del response
        gc.collect()
    assert message == "This file is too large to upload: the limit is 2 MB."
    assert client.get(f"/shop/visits/{visit_id}/draft").json["answers"] == {"summary": "Kept."}


def test_photos_can_be_removed_while_the_visit_is_a_draft(app, client, ids, visit_id):
    body = upload(client, visit_id, question_key="poster").json
    with app.app_context():
        name = db.session.get(Attachment, body["id"]).stored_name
    path = Path(app.config["UPLOAD_FOLDER"]) / name
    assert path.exists()
    response = client.post(body["delete_url"], headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert not path.exists()
    assert client.get(body["url"]).status_code == 404
    assert count_events("visit.attachment_deleted", app=app) == 1


def test_photos_are_frozen_once_sent(app, client, ids, visit_id):
    fill_complete(client, ids, visit_id)
    body = client.get(f"/shop/visits/{visit_id}/draft").json
    assert body["status"] == "draft"
    client.post(f"/shop/visits/{visit_id}/submit", json={"client_token": "f" * 32})
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    assert upload(client, visit_id, png(), "late.png").status_code == 409
    response = client.post(
        f"/shop/attachments/{attachment_id}/delete", headers={"Accept": "application/json"}
    )
    assert response.status_code == 409


# --- the form page -----------------------------------------------------------------------


def test_the_form_page_has_every_part_and_no_inline_script(client, ids, visit_id):
    client.post(
        f"/shop/visits/{visit_id}/draft",
        json={"answers": {"outcome": "Fully", "greeted": "no"}, "comments": {"greeted": "Slow"}},
    )
    page = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert page.count('class="visit-section"') == 4  # details, two sections, send
    assert 'data-question="follow_up"' in page and re.search(
        r'id="answer-follow_up-question"[^>]*\bhidden\b', page.replace("\n", " ")
    )
    assert 'value="Fully" autocomplete="off" checked' in page
    assert ">Slow</textarea>" in page
    assert 'inputmode="decimal"' in page  # a numeric keyboard for numbers
    assert "Amira Hassan" in page and "Bob Bristol" not in page  # this branch's staff only
    assert "bootstrap.min.js" not in page and "<script>" not in page and " onclick=" not in page
    assert "js/visit_form.js" in page and "js/photo_resize.js" in page


def test_pages_are_gzipped_for_browsers_that_accept_it(client, visit_id):
    plain = client.get(f"/shop/visits/{visit_id}")
    zipped = client.get(f"/shop/visits/{visit_id}", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) < len(plain.data) / 3
    assert b"visit-form" in gzip.decompress(zipped.data)
    for _ in range(2):  # compressed once, then from memory
        with client.get("/static/css/visit_form.css", headers={"Accept-Encoding": "gzip"}) as css:
            assert css.headers["Content-Encoding"] == "gzip"
            assert css.headers["ETag"].startswith('W/"')
            assert b".visit-nav" in gzip.decompress(css.data)
            etag = css.headers["ETag"]
    with client.get(
        "/static/css/visit_form.css", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    ) as cached:
        assert cached.status_code == 304
    with client.get(
        "/static/css/visit_form.css", headers={"Accept-Encoding": "gzip;q=0"}
    ) as refused:
        assert "Content-Encoding" not in refused.headers


def test_staff_choices_are_the_branchs_active_staff(app, client, ids, visit_id):
    with app.app_context():
        member = db.session.get(StaffMember, ids["amira"])
        member.active = False
        db.session.commit()
    page = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert "Amira Hassan" not in page and "Ava Edwards" in page


# --- signed out mid-form, offline copies ----------------------------------------------------


def test_a_signed_out_phone_gets_401_json_and_comes_back_to_its_form(client, auth, ids, visit_id):
    form = f"/shop/visits/{visit_id}"
    client.post(f"{form}/draft", json={"answers": {"greeted": "yes"}})
    auth.logout()
    json_calls = [
        client.post(f"{form}/draft", json={"answers": {"greeted": "no"}}),
        client.post(f"{form}/submit", json={"client_token": "a" * 32}),
        client.get(f"{form}/draft", headers={"Accept": "application/json"}),
        upload(client, visit_id, question_key="poster"),
    ]
    for response in json_calls:
        assert response.status_code == 401, response.request.path
        assert response.json["error"] == "signed_out"
        assert "answers are kept" in response.json["message"]
        assert response.json["login_url"] == "/login"
    # A person's browser still gets the sign-in page, which leads back to the form.
    page = client.get(form)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    back = auth.login(ids["shopper_email"], query_string={"next": form})
    assert back.status_code == 302 and back.headers["Location"] == form
    assert client.get(f"{form}/draft").json["answers"] == {"greeted": "yes"}  # nothing lost


def test_the_service_worker_covers_the_shop_and_assets_are_versioned(app, client, visit_id):
    with client.get("/shop/sw.js") as worker:
        assert worker.status_code == 200 and worker.mimetype == "text/javascript"
        assert worker.headers["Cache-Control"] == "no-cache"
        assert b'addEventListener("fetch"' in worker.data
    assert "worker-src 'self'" in worker.headers["Content-Security-Policy"]
    page = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert '<meta name="service-worker" content="/shop/sw.js">' in page
    script = (Path(app.static_folder) / "js" / "visit_form.js").read_bytes()
    version = hashlib.sha256(script).hexdigest()[:12]
    assert f'src="/static/js/visit_form.js?v={version}"' in page
    assert re.search(r'href="/static/css/visit_form.css\?v=[0-9a-f]{12}"', page)
    assert re.search(r'data-saved-at="[^"]*"', page)
    assert "sw.js" in client.get("/shop/").get_data(as_text=True)


def test_versioned_urls_follow_the_file(app, tmp_path):
    from audit.shop.assets import versioned_static

    app.static_folder = str(tmp_path)
    (tmp_path / "a.js").write_text("one")
    with app.test_request_context():
        first = versioned_static("a.js")
        (tmp_path / "a.js").write_text("two!")
        second = versioned_static("a.js")
        assert first != second and first.startswith("/static/a.js?v=")
        assert versioned_static("missing.js") == "/static/missing.js"


def test_a_saved_draft_stamps_the_page_with_the_servers_time(client, visit_id):
    saved = client.post(f"/shop/visits/{visit_id}/draft", json={"answers": {"greeted": "yes"}})
    stamp = saved.json["saved_at"]
    assert stamp.endswith("Z")
    page = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert f'data-saved-at="{stamp}"' in page


def test_the_form_asks_in_the_words_of_the_cards_channel(app, client, auth, ids):
    with app.app_context():
        phone = publish_card(
            {**CARD, "slug": "phone-card", "title": "Phone card", "channel": "phone"}
        )
        db.session.commit()
        ids = {**ids, "card": phone.id}
    auth.login(ids["shopper_email"])
    assignment_id = assign(app, ids)
    offer = client.get(f"/assignments/{assignment_id}/offer").get_data(as_text=True)
    assert "By phone: no need to go to the branch." in offer and "map" not in offer
    page = client.get(f"/shop/visits/{start(client, assignment_id)}").get_data(as_text=True)
    assert "The call started at" in page and "The call ended at" in page
    assert "Who took your call?" in page
    assert "You arrived at" not in page and "Who served you?" not in page


def test_an_unannounced_audit_offers_the_in_person_questionnaires_only(app, client, auth, ids):
    with app.app_context():
        publish_card({**CARD, "slug": "chat-card", "title": "Chat card", "channel": "chat"})
        db.session.commit()
    auth.login(ids["assessor_email"])
    page = client.get("/shop/audits/new").get_data(as_text=True)
    assert "Shop card" in page and "Chat card" not in page
