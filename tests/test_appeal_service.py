"""Appeals: who may raise and decide them, the window, uphold and amend (re-scored, recorded)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.appeals import service
from audit.appeals.service import AppealError
from audit.coaching.portal import answer_lines
from audit.coaching.recognition import positive_comments
from audit.extensions import db
from audit.models import (
    Action,
    AnswerChange,
    AppealStatus,
    AuditEvent,
    Notification,
    Role,
    Visit,
)
from audit.review import service as review
from audit.settings import set_setting
from tests.builders import (
    audit_events,
    import_visits,
    make_appeal_world,
    make_user,
    publish_reviewed,
)


@pytest.fixture
def world(ctx):
    return make_appeal_world()


@pytest.fixture
def visit(world) -> Visit:
    """Submitted, approved and published through review by Rita: 26.5 of 29 points."""
    (visit,) = import_visits({"external_id": "V1", "staff": "ADV1"})
    return publish_reviewed(visit, world.reviewer)


# --- raising ------------------------------------------------------------------------------


def test_named_staff_member_raises_an_appeal_and_reviewers_are_told(world, visit):
    appeal = service.raise_appeal(
        visit, "empathy", world.adviser_user, "I did acknowledge it", requested_value="5"
    )
    db.session.commit()
    assert appeal.status is AppealStatus.OPEN and appeal.raised_by_id == world.adviser_user.id
    (event,) = audit_events("appeals", appeal.id)
    assert event.action == "appeal.raised" and event.actor_id == world.adviser_user.id
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "appeal.raised"))
    )
    assert told == {world.north_manager.id}  # the manager responsible for the North region


def test_manager_in_scope_may_appeal_but_not_outside(world, visit):
    south = make_user(Role.MANAGER, regions=[world.south])
    with pytest.raises(AppealError):
        service.raise_appeal(visit, "empathy", south, "Wrong")
    assert service.raise_appeal(visit, "empathy", world.north_manager, "Wrong")


def test_other_staff_and_shoppers_may_not_appeal(world, visit):
    for user in (world.colleague_user, world.shopper, make_user(Role.ASSESSOR)):
        with pytest.raises(AppealError):
            service.raise_appeal(visit, "empathy", user, "Wrong")


def test_only_published_visits_within_the_window(world, visit):
    (approved,) = import_visits({"external_id": "V2", "staff": "ADV1", "status": "approved"})
    with pytest.raises(AppealError, match="published"):
        service.raise_appeal(approved, "empathy", world.adviser_user, "Wrong")
    late = visit.published_at + timedelta(days=14, minutes=1)
    with pytest.raises(AppealError, match="window closed"):
        service.raise_appeal(visit, "empathy", world.adviser_user, "Wrong", now=late)
    on_time = visit.published_at + timedelta(days=13, hours=23)
    assert service.raise_appeal(visit, "empathy", world.adviser_user, "Wrong", now=on_time)


def test_window_follows_the_setting(world, visit):
    set_setting("appeal_window_days", 0, world.manager)
    later = datetime.now(UTC) + timedelta(minutes=5)
    with pytest.raises(AppealError, match="window closed"):
        service.raise_appeal(visit, "empathy", world.adviser_user, "Wrong", now=later)


def test_reason_and_a_real_answer_are_required(world, visit):
    with pytest.raises(AppealError):
        service.raise_appeal(visit, "empathy", world.adviser_user, "  ")
    with pytest.raises(AppealError):
        service.raise_appeal(visit, "nonsense", world.adviser_user, "Wrong")
    with pytest.raises(AppealError):  # follow_up is hidden when the outcome is Fully
        service.raise_appeal(visit, "follow_up", world.adviser_user, "Wrong")


def test_one_open_appeal_per_answer_and_no_repeats(world, visit):
    first = service.raise_appeal(visit, "empathy", world.adviser_user, "Wrong")
    with pytest.raises(AppealError, match="open appeal"):
        service.raise_appeal(visit, "empathy", world.north_manager, "Wrong too")
    service.uphold(first, world.manager, "It stands")
    with pytest.raises(AppealError, match="already appealed"):
        service.raise_appeal(visit, "empathy", world.adviser_user, "Again")


def test_nobody_appeals_their_own_review_decision(world, visit):
    with pytest.raises(AppealError, match="own review decision"):
        service.raise_appeal(visit, "empathy", world.reviewer, "I was wrong")


# --- deciding ------------------------------------------------------------------------------


@pytest.fixture
def appeal(world, visit):
    appeal = service.raise_appeal(visit, "empathy", world.adviser_user, "I did acknowledge it")
    db.session.commit()
    return appeal


def test_uphold_changes_no_number_and_records_the_reason(world, visit, appeal):
    before = (visit.percent, visit.earned, visit.band, visit.answer("empathy").value_number)
    service.uphold(appeal, world.north_manager, "The shopper's comment is specific")
    db.session.commit()
    db.session.refresh(visit)
    assert (visit.percent, visit.earned, visit.band, visit.answer("empathy").value_number) == before
    assert appeal.status is AppealStatus.UPHELD
    assert appeal.decided_by_id == world.north_manager.id and appeal.decided_at is not None
    assert appeal.decision_note == "The shopper's comment is specific"
    assert appeal.answer_change_id is None
    assert db.session.scalars(select(AnswerChange)).all() == []
    assert audit_events("appeals", appeal.id)[-1].action == "appeal.upheld"
    note = db.session.scalars(
        select(Notification).where(Notification.kind == "appeal.decided")
    ).one()
    assert note.user_id == world.adviser_user.id and "upheld" in note.message


def test_amend_rescores_and_records_the_change(world, visit, appeal):
    assert visit.percent == pytest.approx(26.5 / 29 * 100)
    change = service.amend(appeal, world.north_manager, "5", None, "Video shows empathy")
    db.session.commit()
    db.session.refresh(visit)
    # empathy 4 -> 5: 7.5 -> 10 points, 29 of 29.
    assert visit.percent == pytest.approx(100.0) and visit.band == "exceeds"
    assert visit.answer("empathy").value_number == 5
    assert appeal.status is AppealStatus.AMENDED and appeal.answer_change_id == change.id
    assert (change.old_value, change.new_value) == ("4", "5")
    assert change.source == "appeal" and change.reason == "Video shows empathy"
    assert change.changed_by_id == world.north_manager.id and change.changed_at is not None
    assert change.percent_before == pytest.approx(26.5 / 29 * 100)
    assert change.percent_after == pytest.approx(100.0)
    visit_event = audit_events("visits", visit.id)[-1]
    assert visit_event.action == "visit.answer_amended"
    assert visit_event.details["change_id"] == change.id
    assert visit_event.actor_id == world.north_manager.id
    assert audit_events("appeals", appeal.id)[-1].action == "appeal.amended"
    # The outcome is shown on the visit.
    (view,) = service.appeals_for_visit(visit.id)
    assert view.change == change and view.question_text == "Empathy"


def test_a_comment_rewritten_on_appeal_is_never_called_the_shoppers(world, visit, appeal):
    visit.answer("greeted").comment = "Greeted me at the door."  # the shopper's own words
    service.amend(appeal, world.north_manager, "5", "Patient and warm on the video.", "Video")
    db.session.commit()
    lines = {line.key: line for line in answer_lines(visit)}
    assert lines["empathy"].comment == "Patient and warm on the video."
    assert lines["empathy"].comment_by == "Comment written on appeal"
    assert lines["greeted"].comment_by == "Shopper's comment"
    # Kudos quote the shopper's praise only.
    assert positive_comments(visit) == "“Greeted me at the door.”"


def test_amending_to_a_critical_fail_proposes_an_action(world, visit):
    appeal = service.raise_appeal(visit, "greeted", world.north_manager, "Nobody greeted")
    change = service.amend(appeal, world.manager, "no", None, "CCTV: no greeting")
    db.session.commit()
    assert change.percent_after == 0 and visit.critical_failed
    (action,) = db.session.scalars(select(Action)).all()
    assert action.question_key == "greeted" and action.visit_id == visit.id


def test_amend_checks_the_value_and_that_something_changes(world, visit, appeal):
    with pytest.raises(AppealError):
        service.amend(appeal, world.north_manager, "9", None, "Out of range")
    with pytest.raises(AppealError, match="Nothing changed"):
        service.amend(appeal, world.north_manager, "4", None, "Same")
    with pytest.raises(AppealError):
        service.amend(appeal, world.north_manager, "5", None, " ")
    # A refused amendment leaves the appeal open, even before the caller rolls back.
    assert appeal.status is AppealStatus.OPEN and appeal.decided_at is None


def test_nobody_decides_their_own_appeal(world, visit):
    appeal = service.raise_appeal(visit, "empathy", world.north_manager, "Wrong")
    assert service.why_not_decide(appeal, world.north_manager)
    with pytest.raises(AppealError, match="raised this appeal"):
        service.uphold(appeal, world.north_manager, "ok")


def test_nobody_decides_an_appeal_against_their_own_review_decision(world, visit, appeal):
    # Rita approved and published the visit.
    with pytest.raises(AppealError, match="approved, published or changed"):
        service.amend(appeal, world.reviewer, "5", None, "Fine by me")
    # Someone who edited this answer in review cannot decide it either, but another can.
    (other,) = import_visits({"external_id": "V3", "staff": "ADV1"})
    review.edit_answer(other, "empathy", "3", None, world.north_manager, "Comment says 3")
    review.approve(other, world.manager)
    review.publish(other, world.manager)
    second = service.raise_appeal(other, "empathy", world.adviser_user, "It was a 4")
    assert "changed" in service.why_not_decide(second, world.north_manager)
    assert "approved" in service.why_not_decide(second, world.manager)
    admin = make_user(Role.ADMIN)
    assert service.why_not_decide(second, admin) is None
    # Editing another answer of the visit is not a decision on this one.
    assert not service.own_decision(other, "outcome", world.north_manager)


def test_staff_and_managers_out_of_scope_do_not_decide(world, visit, appeal):
    south = make_user(Role.MANAGER, regions=[world.south])
    for user in (world.adviser_user, world.colleague_user, south):
        assert service.why_not_decide(appeal, user)
        with pytest.raises(AppealError):
            service.uphold(appeal, user, "no")


def test_a_decided_appeal_is_not_decided_again(world, visit, appeal):
    service.uphold(appeal, world.north_manager, "It stands")
    with pytest.raises(AppealError):
        service.amend(appeal, world.manager, "5", None, "Changed my mind")


def test_withdraw_only_by_the_appellant(world, visit, appeal):
    with pytest.raises(AppealError):
        service.withdraw(appeal, world.colleague_user)
    service.withdraw(appeal, world.adviser_user)
    assert appeal.status is AppealStatus.WITHDRAWN


def test_staff_see_only_their_own_appeals(world, visit, appeal):
    service.raise_appeal(visit, "outcome", world.north_manager, "Resolved fully")
    assert len(service.appeals_for_visit(visit.id)) == 2
    assert [v.appeal for v in service.appeals_for_visit(visit.id, world.adviser_user)] == [appeal]
    assert service.appeals_for_visit(visit.id, world.colleague_user) == []
    mine = db.session.scalars(service.list_query(world.adviser_user, "all")).all()
    assert mine == [appeal]
    south = make_user(Role.MANAGER, regions=[world.south])
    assert db.session.scalars(service.list_query(south, "all")).all() == []
    assert len(db.session.scalars(service.list_query(world.north_manager, "open")).all()) == 2


def test_every_number_change_has_a_reason_author_and_time(world, visit, appeal):
    """Actions and appeals never change a number without a recorded reason, author and time."""
    before = visit.percent
    service.amend(appeal, world.north_manager, "5", "Calm and kind", "Video shows empathy")
    second = service.raise_appeal(visit, "wait", world.adviser_user, "Queue was short")
    service.uphold(second, world.north_manager, "Timed by the shopper")
    db.session.commit()
    assert visit.percent != before
    changes = db.session.scalars(select(AnswerChange)).all()
    assert len(changes) == 1
    for change in changes:
        assert change.reason.strip() and change.changed_by_id and change.changed_at
        assert change.percent_before is not None and change.percent_after is not None
    for decided in (appeal, second):
        assert decided.decision_note.strip() and decided.decided_by_id and decided.decided_at
    score_events = [
        e
        for e in db.session.scalars(select(AuditEvent))
        if e.subject_type == "visits" and "percent_after" in (e.details or {})
    ]
    for event in score_events:
        assert event.actor_id and event.at and event.details.get("reason")
