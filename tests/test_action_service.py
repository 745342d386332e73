"""Corrective actions: proposals (critical, recurring, idempotent), decisions, updates, lists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from audit.actions import proposals, service
from audit.actions.service import ActionError, Plan
from audit.extensions import db
from audit.models import (
    Action,
    ActionKind,
    ActionPriority,
    ActionStatus,
    Notification,
    Role,
)
from audit.review import service as review
from tests.builders import (
    FULL,
    audit_events,
    event_actions,
    import_visits,
    make_staff,
    make_user,
    make_world,
)

FAILED = {**FULL, "greeted": "no"}  # the critical question
SLOW = {**FULL, "empathy": 5, "wait": 9}  # over the 5-minute target: not critical
A = ActionStatus


@pytest.fixture
def world(ctx):
    return make_world()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_approving_a_visit_with_a_failed_critical_item_proposes_an_action(world):
    (visit,) = import_visits({"external_id": "V1", "answers": FAILED})
    review.approve(visit, world.manager)
    db.session.commit()
    (action,) = db.session.scalars(select(Action)).all()
    assert action.kind is ActionKind.CRITICAL and action.status is A.PROPOSED
    assert action.branch_id == world.leeds.id and action.visit_id == visit.id
    assert action.question_key == "greeted" and action.priority is ActionPriority.HIGH
    assert action.source_key == f"critical:{visit.id}:greeted"
    assert "Greeted?" in action.title
    (event,) = audit_events(action)
    assert event.action == "action.proposed" and event.actor_id == world.manager.id
    # The North manager is responsible for Leeds and is told; the head-office manager is not.
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {world.north_manager.id}


def test_a_visit_without_a_critical_fail_proposes_nothing(world):
    (visit,) = import_visits({"external_id": "V1", "answers": SLOW})
    review.approve(visit, world.manager)
    db.session.commit()
    assert count(Action) == 0


def test_proposals_are_idempotent(world):
    (visit,) = import_visits({"external_id": "V1", "answers": FAILED, "status": "approved"})
    assert len(proposals.propose_for_visit(visit)) == 1
    assert proposals.propose_for_visit(visit) == []
    assert proposals.propose_all(date(2026, 5, 1), date(2026, 5, 31)) == (0, 0)
    db.session.commit()
    assert count(Action) == 1


def test_submitted_or_excluded_visits_propose_nothing(world):
    submitted, excluded = import_visits(
        {"external_id": "V1", "answers": FAILED},
        {"external_id": "V2", "answers": FAILED, "status": "approved"},
    )
    review.exclude(excluded, world.manager, "test visit")
    assert proposals.propose_for_visit(submitted) == []
    assert proposals.propose_for_visit(excluded) == []


def test_recurring_failures_propose_once_per_branch_and_question(world):
    import_visits(
        *[
            {
                "external_id": f"L{i}",
                "answers": SLOW,
                "status": "approved",
                "visited_at": f"2026-05-{10 + i}T10:00:00",
            }
            for i in range(3)
        ],
        {"external_id": "B1", "branch": "BRS01", "answers": SLOW, "status": "approved"},
    )
    critical, recurring = proposals.propose_all(date(2026, 5, 1), date(2026, 5, 31))
    db.session.commit()
    assert (critical, recurring) == (0, 1)
    (action,) = db.session.scalars(select(Action)).all()
    assert action.kind is ActionKind.RECURRING and action.branch_id == world.leeds.id
    assert action.question_key == "wait" and "3 of 3 visits" in action.description
    # Again, and over an overlapping period: the active proposal stands for both.
    assert proposals.propose_all(date(2026, 5, 1), date(2026, 5, 31)) == (0, 0)
    assert proposals.propose_all(date(2026, 4, 15), date(2026, 6, 15)) == (0, 0)
    # Below the threshold (a setting) nothing is proposed.
    assert proposals.propose_recurring(date(2026, 5, 1), date(2026, 5, 31), min_visits=4) == []


def test_recurring_threshold_follows_the_setting(world):
    from audit.settings import set_setting

    import_visits(
        *[{"external_id": f"L{i}", "answers": SLOW, "status": "approved"} for i in range(2)]
    )
    assert proposals.propose_recurring(date(2026, 5, 1), date(2026, 5, 31)) == []
    set_setting("recurring_failure_visits", 2, world.manager)
    assert len(proposals.propose_recurring(date(2026, 5, 1), date(2026, 5, 31))) == 1


@pytest.fixture
def proposal(world):
    (visit,) = import_visits({"external_id": "V1", "answers": FAILED, "status": "approved"})
    (action,) = proposals.propose_for_visit(visit)
    db.session.commit()
    return action


def plan(**fields) -> Plan:
    values = {
        "title": "Greet every customer",
        "description": "Brief the team",
        "priority": ActionPriority.HIGH,
        "due_on": date.today() + timedelta(days=14),
        "owner": None,
    }
    values.update(fields)
    return Plan(**values)


def test_accept_opens_assigns_and_notifies_the_owner(world, proposal):
    member = make_staff(world.leeds)
    member.user = make_user(Role.STAFF)
    service.accept(proposal, world.north_manager, plan(owner=f"s:{member.id}"))
    db.session.commit()
    assert proposal.status is A.OPEN and proposal.owner_staff_id == member.id
    assert proposal.decided_by_id == world.north_manager.id and proposal.decided_at is not None
    event = audit_events(proposal)[-1]
    assert event.action == "action.accepted" and event.actor_id == world.north_manager.id
    assert event.details["changes"]["owner"] == [None, f"s:{member.id}"]
    note = db.session.scalars(
        select(Notification).where(Notification.kind == "action.assigned")
    ).one()
    assert note.user_id == member.user.id and note.link == f"/actions/{proposal.id}"


def test_owner_must_be_a_manager_in_scope_or_staff_of_the_branch(world, proposal):
    other_branch_staff = make_staff(world.bristol)
    south_manager = make_user(Role.MANAGER, regions=[world.south])
    for bad in (f"s:{other_branch_staff.id}", f"u:{south_manager.id}", "u:99999", "x:1"):
        with pytest.raises(ActionError):
            service.accept(proposal, world.manager, plan(owner=bad))
    service.accept(proposal, world.manager, plan(owner=f"u:{world.north_manager.id}"))
    assert proposal.owner_user is world.north_manager


def test_dismiss_needs_a_reason_and_is_recorded(world, proposal):
    with pytest.raises(ActionError):
        service.dismiss(proposal, world.manager, "  ")
    service.dismiss(proposal, world.manager, "Shopper arrived before opening")
    db.session.commit()
    assert proposal.status is A.DISMISSED
    assert proposal.dismiss_reason == "Shopper arrived before opening"
    event = audit_events(proposal)[-1]
    assert event.action == "action.dismissed" and event.details["reason"].startswith("Shopper")
    with pytest.raises(ActionError):
        service.accept(proposal, world.manager, plan())


def test_edit_records_what_changed(world, proposal):
    service.accept(proposal, world.manager, plan())
    changes = service.edit(proposal, world.manager, plan(priority=ActionPriority.LOW))
    assert changes == {"priority": ["high", "low"]}
    assert audit_events(proposal)[-1].details["changes"] == changes
    with pytest.raises(ActionError, match="Nothing changed"):
        service.edit(proposal, world.manager, plan(priority=ActionPriority.LOW))


def test_owner_updates_status_and_the_deciders_hear_of_it(world, proposal):
    member = make_staff(world.leeds)
    staff_user = make_user(Role.STAFF)
    member.user = staff_user
    service.accept(proposal, world.north_manager, plan(owner=f"s:{member.id}"))
    db.session.commit()
    assert service.may_update(proposal, staff_user)
    update = service.post_update(proposal, staff_user, A.IN_PROGRESS, "Briefed the team")
    assert update.status_from is A.OPEN and update.status_to is A.IN_PROGRESS
    service.post_update(proposal, staff_user, A.DONE, "Checked a week of greetings")
    db.session.commit()
    assert proposal.status is A.DONE and proposal.closed_at is not None
    assert event_actions(proposal)[-2:] == ["action.updated", "action.updated"]
    assert audit_events(proposal)[-1].details["status_to"] == "done"
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "action.updated")
    ).all()
    assert set(told) == {world.north_manager.id}
    with pytest.raises(ActionError):
        service.post_update(proposal, staff_user, A.DONE, "")


def test_other_staff_may_not_update(world, proposal):
    member = make_staff(world.leeds)
    service.accept(proposal, world.manager, plan(owner=f"s:{member.id}"))
    stranger = make_user(Role.STAFF)
    make_staff(world.leeds).user = stranger
    assert not service.may_see(proposal, stranger)
    assert not service.may_update(proposal, stranger)
    with pytest.raises(ActionError):
        service.post_update(proposal, stranger, A.DONE, "done")


def test_proposals_take_no_updates(world, proposal):
    with pytest.raises(ActionError):
        service.post_update(proposal, world.manager, A.DONE, "done")


def test_overdue_lists_and_reminders(world, proposal):
    member = make_staff(world.leeds)
    member.user = make_user(Role.STAFF)
    service.accept(proposal, world.manager, plan(owner=f"s:{member.id}"))
    proposal.due_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert service.is_overdue(proposal)
    listed = db.session.scalars(service.list_query(world.manager, status="overdue")).all()
    assert listed == [proposal]
    assert db.session.scalars(service.list_query(world.manager, status="done")).all() == []
    assert service.overdue_count(world.north_manager) == 1
    south = make_user(Role.MANAGER, regions=[world.south])
    assert service.overdue_count(south) == 0
    assert db.session.scalars(service.list_query(south, status="all")).all() == []
    assert service.remind_overdue() == 1
    db.session.commit()
    note = db.session.scalars(
        select(Notification).where(Notification.kind == "action.overdue")
    ).one()
    assert note.user_id == member.user.id
    assert audit_events(proposal)[-1].action == "action.reminded"


def test_branch_actions_split_open_and_closed(world, proposal):
    open_, closed = service.branch_actions(world.leeds.id)
    assert open_ == [] and closed == []  # a proposal is not yet the branch's work
    service.accept(proposal, world.manager, plan())
    assert service.branch_actions(world.leeds.id) == ([proposal], [])
    service.post_update(proposal, world.manager, A.DONE, "Fixed")
    assert service.branch_actions(world.leeds.id) == ([], [proposal])
    assert service.branch_actions(world.bristol.id) == ([], [])


def test_without_a_regional_manager_head_office_managers_are_told(world):
    (visit,) = import_visits(
        {"external_id": "B1", "branch": "BRS01", "answers": FAILED, "status": "approved"}
    )
    proposals.propose_for_visit(visit)
    db.session.commit()
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {world.manager.id}  # nobody is scoped to the South region


def test_action_changes_leave_scores_alone_and_are_recorded_with_author_and_time(world, proposal):
    """Actions never change a number; every change names who, when and (where asked) why."""
    visit = proposal.visit
    figures = (visit.percent, visit.earned, visit.band, visit.critical_failed)
    service.accept(proposal, world.manager, plan())
    service.edit(proposal, world.manager, plan(priority=ActionPriority.LOW))
    service.post_update(proposal, world.manager, A.DONE, "Fixed")
    (other,) = import_visits({"external_id": "V2", "answers": FAILED, "status": "approved"})
    (second,) = proposals.propose_for_visit(other)
    service.dismiss(second, world.manager, "Duplicate of the first")
    db.session.commit()
    db.session.refresh(visit)
    assert (visit.percent, visit.earned, visit.band, visit.critical_failed) == figures
    for action in (proposal, second):
        for event in audit_events(action):
            assert event.at is not None
            if event.action != "action.proposed":  # proposed by the system
                assert event.actor_id == world.manager.id
    assert audit_events(second)[-1].details["reason"] == "Duplicate of the first"
    assert proposal.updates[-1].note == "Fixed" and proposal.updates[-1].author_id
