"""The demo's activity: assignments, actions, coaching, kudos, appeals and notifications.

The demo is loaded once per database for the whole module (it takes seconds); the
tests only read it, except the one that checks that it is not loaded twice and the one
that computes its trust signals again (finding the same).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from audit.actions import service as actions
from audit.assignments.service import assignments_for_shopper
from audit.demo.load import DEMO_PASSWORD, DemoRefused, load_demo
from audit.demo.planted import HONEST_PHOTOS, PLANTED_SIGNALS
from audit.demo.profiles import WEAK_BRANCH
from audit.demo.story import ACTIVITY_COUNTS, UNREAD_LEFT
from audit.extensions import db
from audit.models import (
    Action,
    ActionKind,
    ActionStatus,
    ActionUpdate,
    AnswerChange,
    Appeal,
    AppealStatus,
    Assignment,
    AssignmentStatus,
    Attachment,
    AuditEvent,
    Branch,
    CoachingNote,
    Kudos,
    Notification,
    Region,
    SignalKind,
    User,
    Visit,
    VisitSignal,
    VisitStatus,
)
from audit.notifications.service import is_internal_link, unread_count
from audit.review.service import queue_counts
from audit.scorecards.scoring import score_visit
from audit.scorecards.store import definition_of
from audit.tasks import wait_for_tasks
from audit.trust.service import compute_visit_signals
from audit.visits.scores import answer_values
from tests.builders import event_actions
from tests.conftest import (
    DATABASES,
    database_url,
    leave_empty_database,
    make_app,
    start_on_empty_database,
)


@pytest.fixture(scope="module", params=DATABASES)
def demo_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    kind = request.param
    tmp: Path = tmp_path_factory.mktemp(f"demo-{kind}")
    app = make_app(database_url(kind, tmp), tmp)
    with app.app_context():
        start_on_empty_database(kind, tmp_path_factory, tmp)
        app.config["DEMO_COUNTS"] = load_demo()
        db.session.commit()
        wait_for_tasks()  # an amended appeal's visit has its signals computed again
    yield app
    with app.app_context():
        leave_empty_database(kind)


@pytest.fixture
def demo(demo_app: Flask) -> Iterator[Flask]:
    with demo_app.app_context():
        yield demo_app
        db.session.rollback()


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.data[:500]
    return client


def test_the_counts_say_what_was_made(demo):
    counts = demo.config["DEMO_COUNTS"]
    for key, model in (
        ("assignments", Assignment),
        ("actions", Action),
        ("kudos", Kudos),
        ("appeals", Appeal),
        ("coaching notes", CoachingNote),
    ):
        assert counts[key] == db.session.scalar(select(func.count()).select_from(model)) > 0
    assert set(ACTIVITY_COUNTS) <= set(counts)
    assert counts["notifications"] == db.session.scalar(
        select(func.count()).select_from(Notification)
    )


def test_the_shopper_has_offered_accepted_and_overdue_assignments(demo):
    shopper = _user("shopper@demo.test")
    today = datetime.now(UTC).date()
    mine = assignments_for_shopper(shopper)
    by_status = {s: [a for a in mine if a.status is s] for s in AssignmentStatus}
    assert by_status[AssignmentStatus.OFFERED]
    (accepted,) = by_status[AssignmentStatus.ACCEPTED]
    assert accepted.window_start <= today <= accepted.window_end <= today + timedelta(days=7)
    (overdue,) = by_status[AssignmentStatus.OVERDUE]
    assert overdue.window_end < today
    assert event_actions(overdue)[0] == "assignment.created"
    assert {"assignment.accepted", "assignment.overdue"} <= set(event_actions(overdue))
    assert "assignment.accepted" in event_actions(accepted)
    for assignment in mine:
        assert assignment.created_by is not None and assignment.created_by.role.value == "manager"
        if assignment.lockout_overridden:
            assert assignment.override_reason
    returned = db.session.scalars(
        select(Visit).where(Visit.status == VisitStatus.RETURNED, Visit.visitor_id == shopper.id)
    ).all()
    assert returned and all(v.return_reason for v in returned)


def test_the_review_queue_still_has_submitted_visits(demo):
    counts = queue_counts(_user("manager@demo.test"))
    assert counts["submitted"] > 0 and counts["approved"] > 0


def test_actions_cover_their_whole_life(demo):
    today = datetime.now(UTC).date()
    all_actions = db.session.scalars(select(Action)).all()
    statuses = {a.status for a in all_actions}
    assert {
        ActionStatus.PROPOSED,
        ActionStatus.OPEN,
        ActionStatus.IN_PROGRESS,
        ActionStatus.DONE,
        ActionStatus.DISMISSED,
    } <= statuses
    assert {a.kind.value for a in all_actions} >= {"critical", "recurring"}
    for action in all_actions:
        events = event_actions(action)
        assert events[0] in ("action.proposed", "action.created"), events
        if action.status is ActionStatus.DISMISSED:
            assert action.dismiss_reason and "action.dismissed" in events
        if action.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE):
            assert action.due_on and action.priority and actions.owner_name(action)
            # A proposal is opened by accepting it; a manager's own action or a customer's
            # follow-up opens as it is made.
            if events[0] == "action.proposed":
                assert action.decided_by is not None and "action.accepted" in events
        if action.status is ActionStatus.DONE:
            assert action.closed_at is not None
    assert any(actions.is_overdue(a, today) for a in all_actions)
    assert {a.priority.value for a in all_actions if a.status is not ActionStatus.PROPOSED} >= {
        "high",
        "medium",
        "low",
    }
    updates = db.session.scalars(select(ActionUpdate)).all()
    assert any(u.note and u.status_to is ActionStatus.IN_PROGRESS for u in updates)
    assert any(u.status_to is ActionStatus.DONE for u in updates)
    # Overdue owners were reminded.
    reminded = db.session.scalars(select(Notification).where(Notification.kind == "action.overdue"))
    assert reminded.first() is not None


def test_the_regional_manager_sees_the_north_actions_only(demo):
    north = _user("north@demo.test")
    region = db.session.scalars(select(Region).where(Region.name == "North")).one()
    seen = db.session.scalars(actions.list_query(north, status="all")).unique().all()
    assert seen and all(a.branch.region_id == region.id for a in seen)
    active = db.session.scalars(actions.list_query(north, status="active")).unique().all()
    assert active
    hers = _user("staff@demo.test")
    assert db.session.scalars(actions.list_query(hers, status="all")).unique().all()


def test_the_staff_member_has_notes_kudos_and_an_appeal(demo):
    user = _user("staff@demo.test")
    member = user.staff_member
    notes = db.session.scalars(
        select(CoachingNote).where(CoachingNote.staff_member_id == member.id)
    ).all()
    assert len(notes) == 2
    acknowledged = [n for n in notes if n.acknowledged_at is not None]
    waiting = [n for n in notes if n.acknowledged_at is None]
    assert len(acknowledged) == len(waiting) == 1
    (note,) = acknowledged
    assert note.created_at < note.acknowledged_at
    assert any(r.author_id == user.id for r in note.replies)
    assert {"coaching_note.acknowledged", "coaching_note.replied"} <= set(event_actions(note))
    kudos = db.session.scalars(select(Kudos).where(Kudos.staff_member_id == member.id)).all()
    assert kudos and all(k.visit is not None and member in k.visit.staff for k in kudos)
    assert db.session.scalars(select(Appeal).where(Appeal.raised_by_id == user.id)).first()
    published = select(func.count()).where(
        Visit.status == VisitStatus.PUBLISHED, Visit.staff.contains(member)
    )
    assert db.session.scalar(published) > 0


def test_the_staff_pages_show_her_notes_and_nobody_elses(demo):
    user = _user("staff@demo.test")
    member = user.staff_member
    others = db.session.scalars(
        select(CoachingNote).where(CoachingNote.staff_member_id != member.id)
    ).all()
    mine = db.session.scalars(
        select(CoachingNote).where(CoachingNote.staff_member_id == member.id)
    ).all()
    assert others and mine
    client = _login(demo, "staff@demo.test")
    page = client.get("/coaching/me")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for note in mine:
        assert f"/coaching/notes/{note.id}" in html
    for note in others:
        assert f'/coaching/notes/{note.id}"' not in html
        assert escape(note.goal) not in html and escape(note.body[:60]) not in html
        assert client.get(f"/coaching/notes/{note.id}").status_code in (403, 404)
    for note in mine:
        shown = client.get(f"/coaching/notes/{note.id}")
        assert shown.status_code == 200
        assert escape(note.goal) in shown.get_data(as_text=True)


def test_appeals_open_amended_and_upheld_with_their_records(demo):
    appeals = db.session.scalars(select(Appeal).order_by(Appeal.id)).all()
    assert {a.status for a in appeals} >= {
        AppealStatus.OPEN,
        AppealStatus.AMENDED,
        AppealStatus.UPHELD,
    }
    for appeal in appeals:
        assert appeal.visit.status is VisitStatus.PUBLISHED
        assert appeal.created_at > appeal.visit.published_at
        assert "appeal.raised" in event_actions(appeal)
        if appeal.status is AppealStatus.OPEN:
            assert appeal.decided_by_id is None
            continue
        assert appeal.decided_by_id not in (None, appeal.raised_by_id)
        assert appeal.decision_note and appeal.decided_at > appeal.created_at
        publishers = db.session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.subject_type == "visits",
                AuditEvent.subject_id == appeal.visit_id,
                AuditEvent.action.in_(("visit.approved", "visit.published")),
            )
        ).all()
        assert appeal.decided_by_id not in publishers
    amended = [a for a in appeals if a.status is AppealStatus.AMENDED]
    changes = db.session.scalars(select(AnswerChange).where(AnswerChange.source == "appeal")).all()
    assert len(changes) == len(amended)
    for appeal in amended:
        change = db.session.get(AnswerChange, appeal.answer_change_id)
        assert change is not None and change.visit_id == appeal.visit_id
        assert change.question_key == appeal.question_key
        assert change.reason and change.changed_by_id == appeal.decided_by_id
        assert change.changed_at is not None and change.old_value != change.new_value
        assert change.percent_after == appeal.visit.percent
        # The amended visit was published by someone else through review.
        publisher = db.session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.subject_type == "visits",
                AuditEvent.subject_id == appeal.visit_id,
                AuditEvent.action == "visit.published",
            )
        ).first()
        assert publisher is not None and publisher != appeal.decided_by_id
        # Scores stay what the engine computes from the stored answers.
        visit = appeal.visit
        score = score_visit(definition_of(visit.version), answer_values(visit))
        assert (visit.percent, visit.critical_failed) == (score.percent, score.critical_failed)


def test_a_few_unread_notifications_and_consistent_times(demo):
    now = datetime.now(UTC)
    for email, left in UNREAD_LEFT.items():
        user = _user(email)
        assert 0 < unread_count(user) <= left, email
    for notification in db.session.scalars(select(Notification)):
        assert is_internal_link(notification.link)
        assert notification.created_at <= now
        if notification.read_at is not None:
            assert notification.created_at <= notification.read_at <= now
    late = select(func.count()).where(AuditEvent.at > now)
    assert db.session.scalar(late) == 0
    # Nothing the demo wrote is stamped later than the story's "now".
    for model, column in (
        (Action, Action.created_at),
        (Appeal, Appeal.created_at),
        (CoachingNote, CoachingNote.created_at),
        (Kudos, Kudos.created_at),
        (Assignment, Assignment.created_at),
    ):
        assert db.session.scalar(select(func.max(column)).select_from(model)) <= now


PAGES = {
    "manager@demo.test": ["/review/", "/actions/", "/actions/?status=all", "/appeals/?status=all"],
    "north@demo.test": ["/actions/", "/appeals/", "/coaching/", "/notifications/"],
    "staff@demo.test": ["/coaching/me", "/actions/", "/appeals/?status=all", "/notifications/"],
    "shopper@demo.test": ["/shop/"],
}


@pytest.mark.parametrize("email", sorted(PAGES))
def test_the_demo_logins_pages_show_the_activity(demo, email):
    client = _login(demo, email)
    for path in PAGES[email]:
        assert client.get(path).status_code == 200, path
    user = _user(email)
    home = client.get(PAGES[email][0]).get_data(as_text=True)
    if email == "shopper@demo.test":
        for assignment in assignments_for_shopper(user):
            assert str(escape(assignment.branch.name)) in home
    if email == "staff@demo.test":
        sent = select(Kudos).where(Kudos.staff_member_id == user.staff_member.id)
        for kudos in db.session.scalars(sent):
            assert str(escape(kudos.message)) in home
    for action in db.session.scalars(select(Action)):
        if actions.may_see(action, user):
            assert client.get(f"/actions/{action.id}").status_code == 200
    for appeal in db.session.scalars(select(Appeal)):
        if email.startswith(("manager", "north")) or appeal.raised_by == user:
            assert client.get(f"/appeals/{appeal.id}").status_code == 200


def test_the_demo_still_refuses_a_database_with_data(demo):
    before = db.session.scalar(select(func.count()).select_from(Action))
    with pytest.raises(DemoRefused):
        load_demo()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Action)) == before


def test_the_customer_voice_panels_are_not_empty(demo):
    """Months of customer responses, follow-ups for detractors who left an e-mail, and
    comments shared with Amira Hassan, on the pages that show them."""
    from audit.reporting import ReportFilter
    from audit.reporting.customer_voice import voice_trend

    months = [m for m in voice_trend(ReportFilter()) if m.figures.nps_n]
    assert len(months) >= 4
    follow_ups = db.session.scalars(
        select(Action).where(Action.kind == ActionKind.CUSTOMER_FOLLOW_UP)
    ).all()
    assert follow_ups
    for action in follow_ups:
        assert action.visit is not None and action.owner_user is not None
        assert action.status in (ActionStatus.OPEN, ActionStatus.DONE)
        assert (action.closed_at is not None) == (action.status is ActionStatus.DONE)
    manager = _login(demo, "manager@demo.test")
    company = manager.get("/reports/customer-voice?period=all").get_data(as_text=True)
    assert "r = " in company and "No customer responses" not in company
    branch = manager.get("/reports/branches/LDS01?period=all").get_data(as_text=True)
    assert 'data-figure="nps">+' in branch or 'data-figure="nps">-' in branch


def test_the_staff_member_sees_the_comments_shared_with_her(demo):
    portal = _login(demo, "staff@demo.test").get("/coaching/me").get_data(as_text=True)
    assert "What customers said about you" in portal


def test_the_planted_cases_are_the_demo_s_only_trust_signals(demo):
    """One reused photo, one copied summary, one impossible trip and one visit while the
    branch was closed: their signals are stored with the demo and shown, and every other
    visit raises none. Computing them again finds exactly the same, for the planted visits
    and a spread of honest ones (the whole demo, ``trust compute``, takes about a minute:
    too long for every test run; on SQLite only, as the texts and times do not depend on
    the database and tests/trust check the signals on both)."""
    signals = db.session.scalars(select(VisitSignal).order_by(VisitSignal.id)).all()
    assert Counter(s.kind for s in signals) == PLANTED_SIGNALS
    by_kind = {kind: [s for s in signals if s.kind is kind] for kind in PLANTED_SIGNALS}
    for kind in (SignalKind.DUPLICATE_TEXT, SignalKind.IMPOSSIBLE_TRAVEL):
        first, second = by_kind[kind]  # the two visits name each other
        assert first.evidence["other_visit_id"] == second.visit_id
        assert second.evidence["other_visit_id"] == first.visit_id
    (copied, _) = by_kind[SignalKind.DUPLICATE_TEXT]
    assert copied.evidence["similarity"] == 1.0
    (reuse,) = by_kind[SignalKind.PHOTO_REUSE]
    reused, original = db.session.get(Visit, reuse.visit_id), reuse.evidence["other_visit_id"]
    assert db.session.get(Visit, original).visitor_id != reused.visitor_id
    assert reused.visited_at - db.session.get(Visit, original).visited_at > timedelta(days=14)
    (closed,) = by_kind[SignalKind.OUTSIDE_HOURS]
    assert "when the branch is closed (Sat: 09:00-13:00)" in closed.detail
    photos = db.session.scalar(select(func.count()).select_from(Attachment))
    assert photos == HONEST_PHOTOS + 1

    manager = _login(demo, "manager@demo.test")
    for signal in signals:
        page = manager.get(f"/review/visits/{signal.visit_id}").get_data(as_text=True)
        assert f'data-kind="{signal.kind.value}"' in page[page.index("Trust signals") :]
    listed = manager.get("/trust/signals?period=all").get_data(as_text=True)
    assert listed.count("<tr data-kind=") == len(signals)

    runner = demo.test_cli_runner()
    report = json.loads(runner.invoke(args=["trust", "report", "--format", "json"]).output)
    reported = {(v["id"], s["kind"]) for v in report["visits"] for s in v["signals"]}
    assert reported == {(s.visit_id, s.kind.value) for s in signals}  # all published
    if db.engine.dialect.name != "sqlite":
        return
    stored = {(s.visit_id, s.kind, s.detail) for s in signals}
    sent = db.session.scalars(
        select(Visit.id).where(Visit.submitted_at.is_not(None)).order_by(Visit.id)
    ).all()
    again_for = {s.visit_id for s in signals} | set(sent[:: max(1, len(sent) // 40)])
    compute_visit_signals(sorted(again_for))
    db.session.expire_all()
    again = {(s.visit_id, s.kind, s.detail) for s in db.session.scalars(select(VisitSignal))}
    assert again == stored


#: Days on which chance once left the demo without its story: its shopper had no visit
#: in review to send back, head office no visit of Amira's to amend on appeal, Amira no
#: excellent visit to be thanked for, or the weak branch no broken promise.
STORY_DAYS = ("2026-12-01", "2026-12-05", "2026-12-08", "2026-12-10", "2026-12-11")


@pytest.mark.parametrize("day", STORY_DAYS)
def test_the_story_is_there_whatever_the_day(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, day: str
):
    """The demo depends on the day it is loaded: the story does not (SQLite is enough,
    the generator asks nothing of the database)."""
    app = make_app(database_url("sqlite", tmp_path), tmp_path)
    start_on_empty_database("sqlite", tmp_path_factory, tmp_path)
    with app.app_context():
        load_demo(today=date.fromisoformat(day))
        db.session.commit()
        wait_for_tasks()
        shopper = _user("shopper@demo.test")
        returned = select(Visit).where(
            Visit.status == VisitStatus.RETURNED, Visit.visitor_id == shopper.id
        )
        assert len(db.session.scalars(returned).all()) == 2
        appeals = db.session.scalars(select(Appeal)).all()
        assert {a.status for a in appeals} >= {
            AppealStatus.OPEN,
            AppealStatus.AMENDED,
            AppealStatus.UPHELD,
        }
        (amended,) = [a for a in appeals if a.status is AppealStatus.AMENDED]
        published_by = select(AuditEvent.actor_id).where(
            AuditEvent.subject_type == "visits",
            AuditEvent.subject_id == amended.visit_id,
            AuditEvent.action == "visit.published",
        )
        assert db.session.scalars(published_by).all() == [_user("north@demo.test").id]
        breach = (
            select(Visit.id)
            .join(Visit.branch)
            .where(Branch.code == WEAK_BRANCH, Visit.critical_failed.is_(True), Visit.percent == 0)
        )
        assert db.session.scalars(breach).first() is not None
        amira = _user("staff@demo.test").staff_member
        thanked = select(Kudos).where(Kudos.staff_member_id == amira.id)
        assert [amira in k.visit.staff for k in db.session.scalars(thanked)] == [True]
        db.engine.dispose()
