"""Closing the loop: a detractor who left an e-mail opens a ``customer_follow_up`` action for
the branch manager, due in two working days; a manager may share a customer's comment with
the staff member it names, who then sees it on their portal (issue 17, point 5)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from audit.accounts.api_tokens import create_token
from audit.extensions import db
from audit.models import (
    Action,
    ActionKind,
    ActionPriority,
    ActionStatus,
    Notification,
    Role,
    Scorecard,
    SharedSurveyComment,
    StaffMember,
    SurveyContact,
    User,
    Visit,
    VisitStatus,
)
from audit.reporting.customer_voice import shared_with
from audit.surveys.follow_up import add_working_days, open_follow_up
from audit.surveys.links import survey_path
from audit.surveys.sharing import SharingError, share_comment
from tests.builders import count_events, make_region, make_staff_login, make_user
from tests.surveys.helpers import make_survey_world, posted
from tests.surveys.voice_data import add_response

FRIDAY = datetime(2026, 12, 4, 10, tzinfo=UTC)


@pytest.fixture
def world(app):
    world = make_survey_world(app)
    with app.app_context():
        region = world.branch().region
        world.manager_id = make_user(Role.MANAGER, "north@example.org", regions=[region]).id
        world.other_id = make_user(
            Role.MANAGER, "south@example.org", regions=[make_region("South")]
        ).id
        db.session.commit()
    return world


def send(client, app, path, **fields):
    answer = client.post(path, data=posted(app, path, **fields))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer


def actions() -> list[Action]:
    return list(db.session.scalars(select(Action).order_by(Action.id)))


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 12, 4), date(2026, 12, 8)),  # Friday -> Tuesday
        (date(2026, 12, 5), date(2026, 12, 8)),  # Saturday -> Tuesday
        (date(2026, 12, 6), date(2026, 12, 8)),  # Sunday -> Tuesday
        (date(2026, 12, 7), date(2026, 12, 9)),  # Monday -> Wednesday
        (date(2026, 12, 9), date(2026, 12, 11)),  # Wednesday -> Friday
    ],
)
def test_two_working_days(start: date, due: date) -> None:
    assert add_working_days(start, 2) == due


def test_a_detractor_with_an_email_opens_a_follow_up_for_the_branch_manager(app, client, world):
    with time_machine.travel(FRIDAY, tick=True):
        send(
            client,
            app,
            world.path,
            **{"q-recommend": "3", "q-comment": "Nobody helped me."},
            contact="y",
            email="upset@example.org",
        )
    with app.app_context():
        [action] = actions()
        visit = db.session.scalars(select(Visit)).one()
        assert action.kind is ActionKind.CUSTOMER_FOLLOW_UP
        assert action.status is ActionStatus.OPEN
        assert action.priority is ActionPriority.HIGH
        assert action.branch_id == world.branch_id
        assert action.visit_id == visit.id
        assert action.owner_user_id == world.manager_id
        assert action.due_on == date(2026, 12, 8)
        assert "3/10" in action.title
        assert "Nobody helped me." in action.description
        assert "upset@example.org" not in action.description + action.title
        told = db.session.scalars(select(Notification.user_id)).all()
        assert told == [world.manager_id]
        assert count_events("action.created", action.id) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"q-recommend": "3"},  # a detractor who left no e-mail
        {"q-recommend": "7", "contact": "y", "email": "fine@example.org"},  # a passive
        {"q-recommend": "10", "contact": "y", "email": "happy@example.org"},  # a promoter
        {"q-recommend": "", "contact": "y", "email": "skip@example.org"},  # skipped NPS
    ],
)
def test_no_follow_up_without_a_detractor_who_left_an_email(app, client, world, fields):
    send(client, app, world.path, **fields)
    with app.app_context():
        assert db.session.scalars(select(Visit)).one()
        assert actions() == []


def test_a_response_opens_at_most_one_follow_up(app, world):
    with app.app_context():
        card = db.session.get(Scorecard, world.card_id)
        visit = add_response(card, world.branch(), FRIDAY, nps=0)
        db.session.add(SurveyContact(visit=visit, branch=visit.branch, email="a@example.org"))
        first = open_follow_up(visit)
        assert first is not None
        assert open_follow_up(visit) is None
        assert len(actions()) == 1


def test_the_follow_up_is_on_the_managers_action_list(app, client, world, auth):
    send(client, app, world.path, **{"q-recommend": "1"}, contact="y", email="x@example.org")
    auth.login("north@example.org")
    page = client.get("/actions/?status=active").get_data(as_text=True)
    assert "Contact a customer who scored 1/10" in page


def test_only_the_branchs_managers_read_the_customers_email(app, client, world, auth):
    send(client, app, world.path, **{"q-recommend": "2"}, contact="y", email="cust@example.org")
    with app.app_context():
        (action,) = actions()
        action_id, visit_id = action.id, action.visit_id
    auth.login("north@example.org")
    for path in (f"/actions/{action_id}", f"/review/visits/{visit_id}"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="mailto:cust@example.org"' in page, path
    auth.logout()
    auth.login("south@example.org")
    for path in (f"/actions/{action_id}", f"/review/visits/{visit_id}"):
        answer = client.get(path)
        assert "cust@example.org" not in answer.get_data(as_text=True), path


# --- sharing a comment with the staff member named ---------------------------------------


def staff_link(app, world) -> tuple[str, str]:
    """The staff member's own survey link, after giving them a login; and that login."""
    with app.app_context():
        member = db.session.get(StaffMember, world.staff_id)
        login = make_user(Role.STAFF, "ana@example.org", name="Ana Silva")
        member.user = login
        db.session.commit()
        path = survey_path(member.branch, member)
    return path, "ana@example.org"


def test_a_manager_shares_a_comment_and_the_staff_member_sees_it(app, client, world, auth):
    path, staff_email = staff_link(app, world)
    send(client, app, path, **{"q-comment": "Ana sorted it out <fast>", "q-recommend": "9"})
    with app.app_context():
        visit_id = db.session.scalars(select(Visit.id)).one()

    auth.login(staff_email)
    assert "Ana sorted it out" not in client.get("/coaching/me").get_data(as_text=True)
    auth.logout()

    auth.login("south@example.org")  # another region's manager
    refused = client.post(f"/reports/customer-voice/responses/{visit_id}/share")
    assert refused.status_code == 403
    auth.logout()

    auth.login("north@example.org")
    branch_page = client.get("/reports/branches/HRB01?period=all").get_data(as_text=True)
    assert "Share with Ana Silva" in branch_page
    shared = client.post(
        f"/reports/customer-voice/responses/{visit_id}/share",
        data={"csrf_token": "", "next": "/reports/branches/HRB01?period=all"},
    )
    assert shared.status_code == 302
    assert shared.headers["Location"].endswith("/reports/branches/HRB01?period=all")
    assert "Shared with Ana Silva" in client.get("/reports/branches/HRB01?period=all").get_data(
        as_text=True
    )
    auth.logout()

    auth.login(staff_email)
    portal = client.get("/coaching/me").get_data(as_text=True)
    assert "What customers said about you" in portal
    assert "Ana sorted it out &lt;fast&gt;" in portal
    assert (
        "@example.org"
        not in portal.split("What customers said about you")[1].split("</section>")[0]
    )
    auth.logout()

    auth.login("north@example.org")
    client.post(f"/reports/customer-voice/responses/{visit_id}/unshare", data={"next": "/"})
    auth.logout()
    auth.login(staff_email)
    assert "Ana sorted it out" not in client.get("/coaching/me").get_data(as_text=True)


def test_a_published_response_still_reaches_staff_only_through_sharing(app, client, world, auth):
    """Even a survey card typed in and published like a visit stays off the staff
    member's own pages: a customer's words reach them only as a shared comment."""
    path, staff_email = staff_link(app, world)
    send(client, app, path, **{"q-comment": "Unshared words from a customer", "q-recommend": "9"})
    with app.app_context():
        visit = db.session.scalars(select(Visit)).one()
        visit.status = VisitStatus.PUBLISHED
        visit.published_at = visit.submitted_at
        db.session.commit()
        visit_id = visit.id
    auth.login(staff_email)
    assert "Unshared words" not in client.get("/coaching/me").get_data(as_text=True)
    assert client.get(f"/coaching/me/visits/{visit_id}").status_code == 404


def test_sharing_needs_a_named_staff_member_and_a_comment(app, world):
    with app.app_context():
        card = db.session.get(Scorecard, world.card_id)
        manager = db.session.get(User, world.manager_id)
        member = make_staff_login(world.branch(), name="Ben Bright")
        nameless = add_response(card, world.branch(), FRIDAY, nps=5, comment="Slow")
        silent = add_response(card, world.branch(), FRIDAY, nps=5, staff=[member])
        with pytest.raises(SharingError, match="names no staff member"):
            share_comment(nameless, manager)
        with pytest.raises(SharingError, match="no comment"):
            share_comment(silent, manager)
        good = add_response(
            card, world.branch(), FRIDAY, nps=5, comment="Ben was kind", staff=[member]
        )
        share_comment(good, manager)
        with pytest.raises(SharingError, match="already shared"):
            share_comment(good, manager)
        db.session.commit()
        assert [c.comment for c in shared_with(member.id)] == ["Ben was kind"]
        assert db.session.get(SharedSurveyComment, good.id).shared_by_id == manager.id
        assert count_events("survey.comment_shared", good.id) == 1


def test_the_follow_up_reads_over_the_api(app, client, world):
    send(client, app, world.path, **{"q-recommend": "0"}, contact="y", email="x@example.org")
    with app.app_context():
        secret = create_token(db.session.get(User, world.manager_id), "t").secret
        db.session.commit()
    answer = client.get("/api/v1/actions", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    [item] = answer.get_json()["items"]
    assert item["kind"] == "customer_follow_up" and item["status"] == "open"
    assert "x@example.org" not in answer.get_data(as_text=True)
