"""Action pages: lists and filters, accept / edit / dismiss / assign, owners' updates, photos,
scope and the CLI."""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from audit.actions import proposals
from audit.extensions import db
from audit.models import Action, ActionStatus, ActionUpdate, AuditEvent, Role
from tests.builders import FULL, event_actions, import_visits, make_staff, make_user, make_world
from tests.images import jpeg

FAILED = {**FULL, "greeted": "no"}
SLOW = {**FULL, "empathy": 5, "wait": 9}


@pytest.fixture
def ids(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        world = make_world()
        (visit,) = import_visits({"external_id": "V1", "answers": FAILED, "status": "approved"})
        (action,) = proposals.propose_for_visit(visit)
        member = make_staff(world.leeds, name="Olive Owner")
        member.user = make_user(Role.STAFF)
        other = make_staff(world.leeds)
        other.user = make_user(Role.STAFF)
        south = make_user(Role.MANAGER, regions=[world.south])
        db.session.commit()
        return SimpleNamespace(
            action=action.id,
            visit=visit.id,
            leeds=world.leeds.id,
            member=member.id,
            manager=world.manager.email,
            north=world.north_manager.email,
            north_id=world.north_manager.id,
            south=south.email,
            owner=member.user.email,
            other_staff=other.user.email,
        )


def action_row(app, action_id: int) -> Action:
    with app.app_context():
        action = db.session.get(Action, action_id)
        db.session.expunge(action)
        return action


def due(days: int = 14) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def accept(client, ids, **fields):
    data = {
        "accept-title": "Greet every customer",
        "accept-description": "Brief the team",
        "accept-owner": f"s:{ids.member}",
        "accept-due_on": due(),
        "accept-priority": "high",
    }
    data.update(fields)
    return client.post(f"/actions/{ids.action}/accept", data=data)


def test_manager_lists_proposals_and_accepts_with_an_owner(app, client, auth, ids):
    auth.login(ids.north)
    page = client.get("/actions/?status=proposed").get_data(as_text=True)
    assert "Critical item failed: Greeted?" in page
    detail = client.get(f"/actions/{ids.action}")
    assert detail.status_code == 200 and "Olive Owner" in detail.get_data(as_text=True)
    response = accept(client, ids)
    assert response.status_code == 302
    action = action_row(app, ids.action)
    assert action.status is ActionStatus.OPEN and action.owner_staff_id == ids.member
    assert action.title == "Greet every customer" and action.due_on.isoformat() == due()
    assert event_actions("actions", ids.action, app=app)[-1] == "action.accepted"
    listed = client.get(f"/actions/?branch={ids.leeds}&owner=s:{ids.member}")
    assert "Greet every customer" in listed.get_data(as_text=True)


def test_accept_refuses_an_owner_outside_the_list(app, client, auth, ids):
    auth.login(ids.north)
    response = accept(client, ids, **{"accept-owner": "u:99999"})
    assert response.status_code == 422
    assert action_row(app, ids.action).status is ActionStatus.PROPOSED


def test_dismiss_needs_a_reason(app, client, auth, ids):
    auth.login(ids.north)
    response = client.post(f"/actions/{ids.action}/dismiss", data={"dismiss-reason": ""})
    assert response.status_code == 422
    assert action_row(app, ids.action).status is ActionStatus.PROPOSED
    response = client.post(
        f"/actions/{ids.action}/dismiss", data={"dismiss-reason": "Shopper came before opening"}
    )
    assert response.status_code == 302
    action = action_row(app, ids.action)
    assert action.status is ActionStatus.DISMISSED
    assert action.dismiss_reason == "Shopper came before opening"
    assert event_actions("actions", ids.action, app=app)[-1] == "action.dismissed"


def test_edit_changes_the_plan_and_records_it(app, client, auth, ids):
    auth.login(ids.north)
    accept(client, ids)
    assert client.get(f"/actions/{ids.action}/edit").status_code == 200
    response = client.post(
        f"/actions/{ids.action}/edit",
        data={
            "title": "Greet every customer",
            "description": "Brief the team",
            "owner": f"u:{ids.north_id}",
            "due_on": due(21),
            "priority": "low",
        },
    )
    assert response.status_code == 302
    action = action_row(app, ids.action)
    assert action.owner_user_id == ids.north_id and action.owner_staff_id is None
    assert action.priority.value == "low"
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "action.edited")
        ).one()
        assert set(event.details["changes"]) == {"owner", "due_on", "priority"}


def test_regional_manager_gets_403_outside_their_scope(app, client, auth, ids):
    auth.login(ids.south)
    assert client.get(f"/actions/{ids.action}").status_code == 403
    assert accept(client, ids).status_code == 403
    assert (
        client.post(f"/actions/{ids.action}/dismiss", data={"dismiss-reason": "x"}).status_code
        == 403
    )
    assert client.get(f"/actions/{ids.action}/edit").status_code == 403
    listed = client.get("/actions/?status=all").get_data(as_text=True)
    assert "Greeted?" not in listed
    assert action_row(app, ids.action).status is ActionStatus.PROPOSED


def test_staff_owner_updates_only_their_actions(app, client, auth, ids):
    auth.login(ids.north)
    accept(client, ids)
    auth.logout()
    auth.login(ids.other_staff)
    assert client.get(f"/actions/{ids.action}").status_code == 404
    response = client.post(
        f"/actions/{ids.action}/updates", data={"update-status": "done", "update-note": "x"}
    )
    assert response.status_code == 404
    assert "Greet every customer" not in client.get("/actions/").get_data(as_text=True)
    auth.logout()
    auth.login(ids.owner)
    assert "Greet every customer" in client.get("/actions/").get_data(as_text=True)
    page = client.get(f"/actions/{ids.action}").get_data(as_text=True)
    assert "Post an update" in page and "Accept the proposal" not in page
    response = client.post(
        f"/actions/{ids.action}/updates",
        data={
            "update-status": "in_progress",
            "update-note": "Briefed the morning team",
            "update-photo": (io.BytesIO(jpeg()), "board.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    action = action_row(app, ids.action)
    assert action.status is ActionStatus.IN_PROGRESS
    with app.app_context():
        update = db.session.scalars(select(ActionUpdate)).one()
        assert update.author.email == ids.owner and update.photo_name and update.thumb_name
        update_id = update.id
    with client.get(f"/actions/updates/{update_id}/photo") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    with client.get(f"/actions/updates/{update_id}/thumb") as thumb:
        assert thumb.status_code == 200
    assert event_actions("actions", ids.action, app=app)[-1] == "action.updated"
    # Staff cannot make manager decisions.
    assert client.get(f"/actions/{ids.action}/edit").status_code == 403
    auth.logout()
    auth.login(ids.other_staff)
    assert client.get(f"/actions/updates/{update_id}/photo").status_code == 404
    auth.logout()
    auth.login(ids.south)
    assert client.get(f"/actions/updates/{update_id}/photo").status_code == 403


def test_a_file_that_is_not_an_image_is_refused(app, client, auth, ids, tmp_path):
    auth.login(ids.north)
    accept(client, ids)
    response = client.post(
        f"/actions/{ids.action}/updates",
        data={
            "update-status": "done",
            "update-note": "Done",
            "update-photo": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "x.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "not a photo" in response.get_data(as_text=True)
    assert action_row(app, ids.action).status is ActionStatus.OPEN
    with app.app_context():
        assert db.session.scalars(select(ActionUpdate)).all() == []
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_staff_do_not_see_proposals(app, client, auth, ids):
    with app.app_context():
        action = db.session.get(Action, ids.action)
        action.owner_staff_id = ids.member  # even when named on one
        db.session.commit()
    auth.login(ids.owner)
    assert client.get(f"/actions/{ids.action}").status_code == 404


def test_overdue_actions_are_listed(app, client, auth, ids):
    auth.login(ids.north)
    accept(client, ids)
    with app.app_context():
        db.session.get(Action, ids.action).due_on = date.today() - timedelta(days=2)
        db.session.commit()
    page = client.get("/actions/?status=overdue").get_data(as_text=True)
    assert "Greet every customer" in page and "overdue" in page
    assert "1 overdue action" in client.get("/actions/").get_data(as_text=True)


def test_manual_action(app, client, auth, ids):
    auth.login(ids.north)
    assert client.get(f"/actions/new?branch={ids.leeds}").status_code == 200
    response = client.post(
        "/actions/new",
        data={
            "branch": ids.leeds,
            "title": "Fix the door bell",
            "owner": "",
            "due_on": due(),
            "priority": "medium",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalars(select(Action).where(Action.title == "Fix the door bell")).one()
        assert action.status is ActionStatus.OPEN and action.kind.value == "manual"


def test_cli_propose_is_idempotent_and_remind(app, runner, ids):
    with app.app_context():
        import_visits(
            *[
                {
                    "external_id": f"S{i}",
                    "answers": SLOW,
                    "status": "published",
                    "visited_at": f"2026-05-{10 + i}T10:00:00",
                }
                for i in range(3)
            ]
        )
    result = runner.invoke(
        args=["actions", "propose", "--from", "2026-05-01", "--to", "2026-05-31"]
    )
    assert result.exit_code == 0, result.output
    assert "Proposed 0 critical-fail and 1 recurring-issue actions." in result.output
    again = runner.invoke(args=["actions", "propose", "--from", "2026-05-01", "--to", "2026-05-31"])
    assert "Proposed 0 critical-fail and 0 recurring-issue actions." in again.output
    result = runner.invoke(args=["actions", "remind"])
    assert result.exit_code == 0 and "0 overdue" in result.output
