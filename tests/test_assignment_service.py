"""Assignments without a browser: creating in bulk, the lockout, status changes, overdue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from audit.assignments import service
from audit.assignments.service import (
    AssignmentStateError,
    AssignmentValidationError,
    Filters,
    LockoutConflict,
)
from audit.extensions import db
from audit.models import (
    Assignment,
    AuditEvent,
    Role,
    VisitStatus,
)
from audit.scorecards.store import new_scorecard
from audit.settings import set_setting
from tests.builders import (
    TODAY,
    S,
    make_assignment,
    make_assignment_world,
    make_user,
    make_visit,
)


@pytest.fixture
def world(ctx):
    return vars(make_assignment_world())


def create(world, branches, *, start=None, end=None, shopper=None, actor=None, **kw):
    start = start or TODAY + timedelta(days=1)
    return service.create_assignments(
        world["card"],
        branches,
        shopper or world["shopper"],
        start,
        end or start + timedelta(days=14),
        kw.pop("scenario", "Ask about a savings account."),
        actor or world["manager"],
        **kw,
    )


# --- creating ----------------------------------------------------------------


def test_bulk_create_makes_one_offer_per_branch(world):
    branches = [world["leeds"], world["york"], world["hull"], world["york"]]
    created = create(world, branches)
    db.session.commit()
    assert len(created) == 3
    assert {a.branch.code for a in created} == {"LDS01", "YRK01", "HUL01"}
    assert all(a.status is S.OFFERED and not a.lockout_overridden for a in created)
    assert all(a.created_by == world["manager"] for a in created)
    assert all(a.scenario == "Ask about a savings account." for a in created)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "assignment.created")
    ).all()
    assert sorted(e.subject_id for e in events) == sorted(a.id for a in created)


def test_region_selection_expands_to_active_branches_in_scope(world):
    world["hull"].active = False
    chosen = service.expand_selection(
        world["north_manager"], [world["bristol"].id], [world["north"].id, world["south"].id]
    )
    assert {b.code for b in chosen} == {"LDS01", "YRK01"}


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (TODAY + timedelta(days=5), TODAY + timedelta(days=4), "window_end"),
        (TODAY - timedelta(days=10), TODAY - timedelta(days=1), "window_end"),
        (None, TODAY + timedelta(days=4), "window_start"),
    ],
)
def test_window_is_validated(world, start, end, field):
    with pytest.raises(AssignmentValidationError) as caught:
        service.create_assignments(
            world["card"], [world["leeds"]], world["shopper"], start, end, "", world["manager"]
        )
    assert field in [name for name, _ in caught.value.problems]


def test_a_window_ending_today_is_fine(world):
    assert len(create(world, [world["leeds"]], start=TODAY - timedelta(days=3), end=TODAY)) == 1


def test_shopper_scorecard_and_scope_are_validated(world):
    draft = new_scorecard(
        {"slug": "draft-only", "title": "Draft only", "channel": "in_person"}, None
    ).scorecard
    staff = make_user(Role.STAFF)
    gone = make_user(Role.SHOPPER, active=False)
    start = TODAY + timedelta(days=1)
    for kwargs, field in [
        ({"scorecard": draft}, "scorecard"),
        ({"shopper": staff}, "shopper"),
        ({"shopper": gone}, "shopper"),
        ({"branches": [world["bristol"]], "actor": world["north_manager"]}, "branches"),
        ({"branches": []}, "branches"),
    ]:
        args = {
            "scorecard": world["card"],
            "branches": [world["leeds"]],
            "shopper": world["shopper"],
            "actor": world["manager"],
        } | kwargs
        with pytest.raises(AssignmentValidationError) as caught:
            service.create_assignments(
                args["scorecard"],
                args["branches"],
                args["shopper"],
                start,
                start,
                "",
                args["actor"],
            )
        assert field in [name for name, _ in caught.value.problems], kwargs
    assert db.session.scalar(select(Assignment.id)) is None


def test_a_scoped_assessor_is_only_sent_inside_their_regions(world):
    assessor = make_user(Role.ASSESSOR, regions=[world["north"]])
    with pytest.raises(AssignmentValidationError, match="Bristol"):
        create(world, [world["bristol"]], shopper=assessor)
    assert len(create(world, [world["leeds"]], shopper=assessor)) == 1


# --- the lockout -------------------------------------------------------------


def test_lockout_blocks_a_branch_assigned_30_days_ago(world):
    start = TODAY + timedelta(days=1)
    make_assignment(
        world["card"], world["leeds"], world["shopper"], start=start - timedelta(days=30)
    )
    db.session.commit()
    with pytest.raises(LockoutConflict) as caught:
        create(world, [world["leeds"], world["york"]], start=start)
    conflict = caught.value
    assert conflict.days == 90
    assert [(hit.branch.code, hit.last_date) for hit in conflict.conflicts] == [
        ("LDS01", start - timedelta(days=30))
    ]
    assert (
        db.session.scalar(select(Assignment).where(Assignment.branch_id == world["york"].id))
        is None
    )


def test_lockout_blocks_a_branch_visited_30_days_ago(world):
    start = TODAY + timedelta(days=1)
    make_visit(world["card"], world["york"], world["shopper"], start - timedelta(days=30))
    with pytest.raises(LockoutConflict) as caught:
        create(world, [world["york"]], start=start)
    assert [(h.branch.code, h.last_date) for h in caught.value.conflicts] == [
        ("YRK01", start - timedelta(days=30))
    ]


def test_what_does_not_count_towards_the_lockout(world):
    start = TODAY + timedelta(days=1)
    long_ago = start - timedelta(days=100)
    recent = start - timedelta(days=30)
    card, shopper = world["card"], world["shopper"]
    make_assignment(card, world["leeds"], shopper, start=long_ago)  # outside 90 days
    make_assignment(card, world["york"], shopper, start=recent, status=S.CANCELLED)
    make_assignment(card, world["hull"], shopper, start=recent, status=S.DECLINED)
    make_visit(card, world["york"], shopper, recent, status=VisitStatus.DRAFT)
    make_assignment(card, world["hull"], world["other_shopper"], start=recent)  # someone else
    make_visit(card, world["leeds"], world["other_shopper"], recent)
    assert len(create(world, [world["leeds"], world["york"], world["hull"]], start=start)) == 3


def test_lockout_counts_an_upcoming_assignment_too(world):
    start = TODAY + timedelta(days=1)
    make_assignment(world["card"], world["leeds"], world["shopper"], start=start + timedelta(60))
    with pytest.raises(LockoutConflict):
        create(world, [world["leeds"]], start=start)


def test_override_with_a_reason_goes_through_and_is_recorded(world):
    start = TODAY + timedelta(days=1)
    make_visit(world["card"], world["leeds"], world["shopper"], start - timedelta(days=30))
    with pytest.raises(LockoutConflict) as caught:
        create(world, [world["leeds"]], start=start, override_lockout=True, override_reason="  ")
    assert caught.value.reason_missing
    created = create(
        world,
        [world["leeds"], world["york"]],
        start=start,
        override_lockout=True,
        override_reason="Only shopper who speaks Welsh",
    )
    db.session.commit()
    by_code = {a.branch.code: a for a in created}
    assert by_code["LDS01"].lockout_overridden
    assert by_code["LDS01"].override_reason == "Only shopper who speaks Welsh"
    assert not by_code["YRK01"].lockout_overridden and by_code["YRK01"].override_reason == ""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assignment.lockout_overridden")
    )
    assert event.subject_id == by_code["LDS01"].id
    assert event.actor == world["manager"]
    assert event.details["reason"] == "Only shopper who speaks Welsh"
    assert event.details["last_date"] == (start - timedelta(days=30)).isoformat()


def test_lockout_setting_0_switches_it_off(world):
    start = TODAY + timedelta(days=1)
    make_assignment(world["card"], world["leeds"], world["shopper"], start=start - timedelta(3))
    set_setting("shopper_lockout_days", 0, world["manager"])
    assert len(create(world, [world["leeds"]], start=start)) == 1


def test_lockout_follows_the_setting(world):
    start = TODAY + timedelta(days=1)
    make_assignment(world["card"], world["leeds"], world["shopper"], start=start - timedelta(30))
    set_setting("shopper_lockout_days", 30, world["manager"])
    assert len(create(world, [world["leeds"]], start=start)) == 1
    set_setting("shopper_lockout_days", 31, world["manager"])
    with pytest.raises(LockoutConflict):
        create(world, [world["york"], world["leeds"]], start=start)


# --- status changes ----------------------------------------------------------


def test_accept_and_decline_by_the_shopper(world):
    a, b = create(world, [world["leeds"], world["york"]])
    service.accept(a, world["shopper"])
    service.decline(b, world["shopper"], "  On holiday  ")
    db.session.commit()
    assert a.status is S.ACCEPTED and a.responded_at is not None
    assert b.status is S.DECLINED and b.decline_reason == "On holiday"
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["assignment.accepted", "assignment.declined"]
    with pytest.raises(AssignmentStateError):
        service.accept(b, world["shopper"])


def test_another_shopper_cannot_accept_or_decline(world):
    (a,) = create(world, [world["leeds"]])
    with pytest.raises(AssignmentStateError):
        service.accept(a, world["other_shopper"])
    with pytest.raises(AssignmentStateError):
        service.decline(a, world["other_shopper"], "")
    assert a.status is S.OFFERED


def test_an_accepted_assignment_can_be_handed_back_until_a_visit_exists(world):
    a, b = create(world, [world["leeds"], world["york"]])
    service.accept(a, world["shopper"])
    service.accept(b, world["shopper"])
    service.decline(a, world["shopper"], "")
    make_visit(
        world["card"], world["york"], world["shopper"], TODAY, VisitStatus.DRAFT, assignment=b
    )
    with pytest.raises(AssignmentStateError, match="visit has been started"):
        service.decline(b, world["shopper"], "")
    assert a.status is S.DECLINED and b.status is S.ACCEPTED


def test_cancel_needs_a_reason_and_an_open_assignment(world):
    a, b = create(world, [world["leeds"], world["york"]])
    with pytest.raises(AssignmentValidationError):
        service.cancel(a, world["manager"], "   ")
    assert a.status is S.OFFERED
    service.cancel(a, world["manager"], "Branch closed for refit")
    assert a.status is S.CANCELLED and a.cancel_reason == "Branch closed for refit"
    assert a.cancelled_at is not None
    service.mark_submitted(b)
    with pytest.raises(AssignmentStateError, match="submitted"):
        service.cancel(b, world["manager"], "Too late")
    service.mark_completed(b, world["manager"])
    with pytest.raises(AssignmentStateError, match="completed"):
        service.cancel(b, world["manager"], "Too late")


def test_a_stale_object_cannot_win_a_race(world):
    (a,) = create(world, [world["leeds"]])
    db.session.commit()
    assert a.status is S.OFFERED  # loaded now; then someone else cancels it meanwhile
    db.session.execute(Assignment.__table__.update().values(status=S.CANCELLED.value))
    with pytest.raises(AssignmentStateError, match="now cancelled"):
        service.accept(a, world["shopper"])
    assert a.status is S.CANCELLED


def test_submitted_and_completed_for_the_visit_flow(world):
    a, b = create(world, [world["leeds"], world["york"]])
    service.cancel(b, world["manager"], "Not needed")
    with pytest.raises(AssignmentStateError):
        service.mark_submitted(b)
    with pytest.raises(AssignmentStateError):
        service.mark_completed(a)
    service.mark_submitted(a)
    service.mark_submitted(a)  # a returned visit submitted again
    service.mark_completed(a)
    assert a.status is S.COMPLETED


# --- overdue -----------------------------------------------------------------


def test_mark_overdue_touches_only_open_assignments_past_their_window(world):
    card, shopper = world["card"], world["shopper"]
    past = TODAY - timedelta(days=20)
    offered = make_assignment(card, world["leeds"], shopper, start=past, end=TODAY - timedelta(1))
    accepted = make_assignment(card, world["york"], shopper, start=past, status=S.ACCEPTED)
    running = make_assignment(card, world["hull"], shopper, start=past, end=TODAY)
    submitted = make_assignment(card, world["bristol"], shopper, start=past, status=S.SUBMITTED)
    cancelled = make_assignment(card, world["bristol"], shopper, start=past, status=S.CANCELLED)
    # The visit is in but the visit flow has not moved the assignment on yet.
    raced = make_assignment(card, world["hull"], shopper, start=past, status=S.ACCEPTED)
    make_visit(card, world["hull"], shopper, past, VisitStatus.SUBMITTED, assignment=raced)
    # Only a draft: still overdue.
    drafted = make_assignment(card, world["leeds"], shopper, start=past, status=S.ACCEPTED)
    make_visit(card, world["leeds"], shopper, past, VisitStatus.DRAFT, assignment=drafted)
    db.session.commit()

    assert service.mark_overdue() == 3
    db.session.commit()
    assert offered.status is S.OVERDUE and accepted.status is S.OVERDUE
    assert drafted.status is S.OVERDUE
    assert running.status is S.OFFERED
    assert submitted.status is S.SUBMITTED and cancelled.status is S.CANCELLED
    assert raced.status is S.ACCEPTED
    events = db.session.scalars(
        select(AuditEvent.subject_id).where(AuditEvent.action == "assignment.overdue")
    ).all()
    assert sorted(events) == sorted([offered.id, accepted.id, drafted.id])
    assert service.mark_overdue() == 0
    # A late submission still counts.
    service.mark_submitted(offered)
    assert offered.status is S.SUBMITTED


def test_the_mark_overdue_command(world, runner):
    card, shopper = world["card"], world["shopper"]
    late = make_assignment(card, world["leeds"], shopper, start=TODAY - timedelta(days=9))
    later = make_assignment(card, world["york"], shopper, start=TODAY, status=S.ACCEPTED)
    db.session.commit()
    late_id, later_id = late.id, later.id

    result = runner.invoke(args=["assignments", "mark-overdue"])
    assert result.exit_code == 0, result.output
    assert result.output == "Marked 1 assignment overdue.\n"
    db.session.expire_all()
    assert db.session.get(Assignment, late_id).status is S.OVERDUE
    assert db.session.get(Assignment, later_id).status is S.ACCEPTED

    ahead = (TODAY + timedelta(days=30)).isoformat()
    result = runner.invoke(args=["assignments", "mark-overdue", "--as-of", ahead])
    assert result.output == "Marked 1 assignment overdue.\n"
    result = runner.invoke(args=["assignments", "mark-overdue"])
    assert result.output == "Marked 0 assignments overdue.\n"
    db.session.expire_all()
    assert db.session.get(Assignment, later_id).status is S.OVERDUE
    assert runner.invoke(args=["assignments", "mark-overdue", "--as-of", "soon"]).exit_code == 2


def test_assignments_for_shopper_are_open_ones_due_soonest_first(world):
    card, shopper = world["card"], world["shopper"]
    later = make_assignment(card, world["leeds"], shopper, end=TODAY + timedelta(days=20))
    sooner = make_assignment(
        card, world["york"], shopper, end=TODAY + timedelta(days=3), status=S.ACCEPTED
    )
    make_assignment(card, world["hull"], shopper, status=S.CANCELLED)
    make_assignment(card, world["hull"], world["other_shopper"])
    assert service.assignments_for_shopper(shopper) == [sooner, later]


def test_filters(world):
    card, shopper, other = world["card"], world["shopper"], world["other_shopper"]
    jan = make_assignment(
        card, world["leeds"], shopper, start=date(2030, 1, 1), end=date(2030, 1, 10)
    )
    feb = make_assignment(
        card, world["york"], other, start=date(2030, 2, 1), end=date(2030, 2, 10), status=S.ACCEPTED
    )
    south = make_assignment(
        card,
        world["bristol"],
        shopper,
        start=date(2030, 3, 1),
        end=date(2030, 3, 10),
        status=S.CANCELLED,
    )

    def ids(actor=world["manager"], **kw):
        return [a.id for a in db.session.scalars(service.filtered_query(actor, Filters(**kw)))]

    assert ids() == [south.id, feb.id, jan.id]
    assert ids(world["north_manager"]) == [feb.id, jan.id]
    assert ids(status="accepted") == [feb.id]
    assert ids(status="open") == [feb.id, jan.id]
    assert ids(branch=world["leeds"].id) == [jan.id]
    assert ids(shopper=shopper.id) == [south.id, jan.id]
    assert ids(window_from=date(2030, 1, 10), window_to=date(2030, 2, 1)) == [feb.id, jan.id]
    assert ids(window_from=date(2030, 1, 11)) == [south.id, feb.id]
    assert ids(window_to=date(2030, 1, 31)) == [jan.id]
