"""The review service: approve, return, edit, exclude, publish (trust signals: tests/trust/).

Visits are made through the real import path (``import_records``) with status
"submitted", so their stored scores come from the engine as on submission.
Expected scores are worked out by hand from DESIGN.md "Scoring rules" and
tests/data/rules-card.yaml (points-based, zero_visit, target 85, excellence 95):

    greeted   yes_no 5, critical        empathy  scale 1..5, 10 points, N/A allowed
    outcome   Fully 10 / Partly 5 / 0   follow_up yes_no 2, shown if outcome is not Fully,
    wait      number, max 5, 4 points             comment_on_fail
    recommend nps (unscored)            summary  text, required
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import (
    Action,
    ActionKind,
    ActionStatus,
    AnswerChange,
    AssignmentStatus,
    AuditEvent,
    Notification,
    Role,
    Visit,
    VisitStatus,
)
from audit.review import service
from audit.review.service import ReviewError, ReviewStateError
from tests.builders import (
    FULL,
    PARTLY,
    audit_events,
    event_actions,
    import_visits,
    make_assignment,
    make_staff,
    make_user,
    make_world,
)

S = VisitStatus


@pytest.fixture
def world(ctx) -> SimpleNamespace:
    return make_world()


@pytest.fixture
def visit(world) -> Visit:
    (visit,) = import_visits({"external_id": "V1"})
    assert visit.status is S.SUBMITTED
    assert visit.percent == pytest.approx(26.5 / 29 * 100)
    return visit


# --- approve, return, publish ------------------------------------------------------


def test_approve_moves_a_submitted_visit_and_records_it(world, visit):
    service.approve(visit, world.manager)
    db.session.commit()
    assert visit.status is S.APPROVED and visit.approved_at is not None
    event = audit_events(visit)[-1]
    assert event.action == "visit.approved" and event.actor_id == world.manager.id
    with pytest.raises(ReviewStateError, match="approved cannot be approved"):
        service.approve(visit, world.manager)


def test_approving_completes_the_assignment_waiting_on_the_visit(world, visit):
    day = visit.visited_at.date()
    assignment = make_assignment(
        world.card,
        world.leeds,
        world.shopper,
        start=day,
        end=day,
        status=AssignmentStatus.SUBMITTED,
    )
    visit.assignment = assignment
    db.session.commit()
    service.approve(visit, world.manager)
    db.session.commit()
    assert assignment.status is AssignmentStatus.COMPLETED


def test_return_needs_a_reason_the_shopper_reads(world, visit):
    for blank in ("", "   ", None):
        with pytest.raises(ReviewError, match="what to fix") as error:
            service.return_to_shopper(visit, world.manager, blank)
        assert error.value.field == "reason"
    assert visit.status is S.SUBMITTED and event_actions(visit) == []

    service.return_to_shopper(visit, world.manager, "  The receipt photo is unreadable.  ")
    db.session.commit()
    assert visit.status is S.RETURNED
    assert visit.return_reason == "The receipt photo is unreadable."
    event = audit_events(visit)[-1]
    assert event.action == "visit.returned"
    assert event.details["reason"] == "The receipt photo is unreadable."
    with pytest.raises(ReviewStateError):
        service.approve(visit, world.manager)  # back with the shopper until resubmitted


def test_only_a_submitted_visit_is_returned(world, visit):
    service.approve(visit, world.manager)
    with pytest.raises(ReviewStateError, match="approved cannot be returned"):
        service.return_to_shopper(visit, world.manager, "Too late")


def test_a_visit_without_a_shopper_cannot_be_returned(world):
    (visit,) = import_visits({"external_id": "NOBODY", "shopper": ""})
    with pytest.raises(ReviewStateError, match="no shopper"):
        service.return_to_shopper(visit, world.manager, "Fix it")
    assert visit.status is S.SUBMITTED


def test_publish_only_after_approval(world, visit):
    with pytest.raises(ReviewStateError, match="Only an approved visit"):
        service.publish(visit, world.manager)
    assert visit.status is S.SUBMITTED and visit.published_at is None
    service.approve(visit, world.manager)
    service.publish(visit, world.manager)
    db.session.commit()
    assert visit.status is S.PUBLISHED and visit.published_at is not None
    assert event_actions(visit) == ["visit.approved", "visit.published"]
    with pytest.raises(ReviewStateError, match="already published"):
        service.publish(visit, world.manager)


def test_publishing_tells_the_staff_named_on_the_visit_and_nobody_else(world, visit):
    served = make_staff(world.leeds, name="Amira Khan")
    served.user = make_user(Role.STAFF, name="Amira Khan")
    colleague = make_staff(world.leeds, name="Ben Cole")
    colleague.user = make_user(Role.STAFF, name="Ben Cole")
    visit.staff.append(served)
    service.approve(visit, world.manager)
    db.session.commit()
    assert db.session.scalars(select(Notification)).all() == []

    service.publish(visit, world.manager)
    db.session.commit()

    sent = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind, n.link) for n in sent] == [
        (served.user.id, "visit.published", f"/coaching/me/visits/{visit.id}")
    ]


def test_a_stale_page_cannot_undo_what_someone_else_did(world, visit):
    # Another reviewer returned the visit after this one loaded it.
    db.session.execute(
        Visit.__table__.update().where(Visit.id == visit.id).values(status="returned")
    )
    with pytest.raises(ReviewStateError, match="now returned"):
        service._guarded_update(visit, (S.SUBMITTED,), status=S.APPROVED)
    assert visit.status is S.RETURNED


# --- exclude and include -------------------------------------------------------------


def test_exclude_and_include_need_reasons_and_are_recorded(world, visit):
    with pytest.raises(ReviewError, match="left out of reporting"):
        service.exclude(visit, world.manager, " ")
    service.exclude(visit, world.manager, "Shopper knew the adviser")
    db.session.commit()
    assert visit.excluded and visit.exclusion_reason == "Shopper knew the adviser"
    assert visit.status is S.SUBMITTED  # a flag, not a status
    with pytest.raises(ReviewStateError, match="already excluded"):
        service.exclude(visit, world.manager, "Again")

    with pytest.raises(ReviewError, match="count again"):
        service.include(visit, world.manager, "")
    service.include(visit, world.manager, "Checked: they had never met")
    db.session.commit()
    assert not visit.excluded and visit.exclusion_reason == ""
    event = audit_events(visit)[-1]
    assert event.action == "visit.included"
    assert event.details == {
        "reason": "Checked: they had never met",
        "exclusion_reason": "Shopper knew the adviser",
    }
    with pytest.raises(ReviewStateError, match="not excluded"):
        service.include(visit, world.manager, "Again")
    assert event_actions(visit) == ["visit.excluded", "visit.included"]


def test_an_excluded_visit_is_not_published(world, visit):
    service.approve(visit, world.manager)
    service.exclude(visit, world.manager, "Duplicate of another visit")
    with pytest.raises(ReviewStateError, match="include it again"):
        service.publish(visit, world.manager)
    assert visit.status is S.APPROVED


def test_published_visits_can_be_excluded_returned_ones_cannot(world):
    published, returned = import_visits(
        {"external_id": "P", "status": "published"}, {"external_id": "R"}
    )
    service.exclude(published, world.manager, "Wrong branch")
    assert published.excluded
    service.return_to_shopper(returned, world.manager, "Add the receipt")
    with pytest.raises(ReviewStateError, match="returned cannot be excluded"):
        service.exclude(returned, world.manager, "No")


# --- editing answers ----------------------------------------------------------------


def test_edit_records_old_new_who_why_and_rescores_by_the_rules(world, visit):
    change = service.edit_answer(
        visit, "empathy", "2", None, world.manager, "Receipt shows a 20 minute wait"
    )
    db.session.commit()
    # empathy 2 on 1..5: 10 × (2 − 1) / 4 = 2.5; 5 + 2.5 + 10 + 4 = 21.5 of 29 -> below 85
    assert visit.earned == 21.5 and visit.possible == 29
    assert visit.percent == pytest.approx(21.5 / 29 * 100)
    assert visit.band == "below"
    assert visit.answer("empathy").value_number == 2
    assert visit.answer("empathy").earned == 2.5
    assert visit.section_scores[0].percent == pytest.approx(21.5 / 29 * 100)

    stored = db.session.scalars(select(AnswerChange)).one()
    assert stored is change
    assert (stored.question_key, stored.old_value, stored.new_value) == ("empathy", "4", "2")
    assert stored.changed_by_id == world.manager.id
    assert stored.reason == "Receipt shows a 20 minute wait"
    assert stored.source == "review"
    assert stored.percent_before == pytest.approx(26.5 / 29 * 100)
    assert stored.percent_after == pytest.approx(21.5 / 29 * 100)
    event = audit_events(visit)[-1]
    assert event.action == "visit.answer_edited" and event.actor_id == world.manager.id
    assert event.details["change_id"] == change.id
    assert (event.details["old"], event.details["new"]) == ("4", "2")


@pytest.mark.parametrize(
    ("key", "raw", "old", "new", "earned", "possible", "percent", "band", "critical"),
    [
        # empathy N/A adds nothing: 5 + 10 + 4 = 19 of 19 -> 100% exceeds
        ("empathy", "n/a", "4", "N/A", 19, 19, 100.0, "exceeds", False),
        # greeted is critical: "no" earns 0 -> zero_visit: percent 0, sums unchanged
        ("greeted", "No", "yes", "no", 21.5, 29, 0.0, "below", True),
        # wait 6 is outside max 5: 26.5 − 4 = 22.5 of 29
        ("wait", "6", "3", "6", 22.5, 29, 22.5 / 29 * 100, "below", False),
        # wait 5 is inside (inclusive): unchanged score
        ("wait", "5", "3", "5", 26.5, 29, 26.5 / 29 * 100, "meets", False),
        # unscored nps: the score does not move
        ("recommend", "3", "9", "3", 26.5, 29, 26.5 / 29 * 100, "meets", False),
        # empathy 5: 5 + 10 + 10 + 4 = 29 of 29
        ("empathy", "5", "4", "5", 29, 29, 100.0, "exceeds", False),
    ],
)
def test_edits_rescore_exactly(
    world, visit, key, raw, old, new, earned, possible, percent, band, critical
):
    change = service.edit_answer(visit, key, raw, None, world.manager, "Checked the receipt")
    assert (change.old_value, change.new_value) == (old, new)
    assert visit.earned == pytest.approx(earned) and visit.possible == possible
    assert visit.percent == pytest.approx(percent)
    assert visit.band == band and visit.critical_failed is critical
    assert change.percent_after == pytest.approx(percent)


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("empathy", "7", "7 is outside 1 to 5"),
        ("empathy", "three", "whole number"),
        ("outcome", "Mostly", "not one of the options"),
        ("greeted", "maybe", "yes or no"),
        ("greeted", "n/a", "N/A is not allowed"),
        ("wait", "soon", "Give a number"),
        ("greeted", "", "cannot be blank"),
        ("summary", "  ", "cannot be blank"),
    ],
)
def test_invalid_values_are_refused_and_nothing_changes(world, visit, key, raw, message):
    before = (visit.percent, visit.answer(key).value_text, visit.answer(key).value_number)
    with pytest.raises(ReviewError, match=message) as error:
        service.edit_answer(visit, key, raw, None, world.manager, "Because")
    assert error.value.field == "value"
    db.session.rollback()
    assert (visit.percent, visit.answer(key).value_text, visit.answer(key).value_number) == before
    assert db.session.scalars(select(AnswerChange)).all() == []
    assert event_actions(visit) == []


def test_an_edit_that_changes_nothing_is_refused(world, visit):
    with pytest.raises(ReviewError, match="Nothing changed"):
        service.edit_answer(visit, "empathy", "4", "", world.manager, "Same")
    with pytest.raises(ReviewError, match="Nothing changed"):
        service.edit_answer(visit, "outcome", "Fully", None, world.manager, "Same")


def test_an_edit_needs_a_reason(world, visit):
    with pytest.raises(ReviewError, match="why") as error:
        service.edit_answer(visit, "empathy", "2", None, world.manager, "  ")
    assert error.value.field == "reason"


def test_a_comment_only_edit_is_recorded_without_moving_the_score(world, visit):
    change = service.edit_answer(
        visit, "empathy", "4", "Listened well", world.manager, "Shopper's note was lost"
    )
    assert (change.old_value, change.new_value) == ("4", "4")
    assert (change.old_comment, change.new_comment) == ("", "Listened well")
    assert change.percent_before == change.percent_after
    assert visit.answer("empathy").comment == "Listened well"


def test_an_answer_that_changes_sides_takes_a_new_comment_with_it(world):
    """A comment written for a failed answer cannot stay beside a pass, nor a note of praise
    beside a fail: the staff portal would list the criticism under "What went well"."""
    (visit,) = import_visits(
        {
            "external_id": "C1",
            "answers": {**FULL, "greeted": "no"},
            "comments": {"greeted": "Nobody looked up.", "empathy": "Kind and patient."},
        }
    )
    with pytest.raises(ReviewError, match="now earns full points") as error:
        service.edit_answer(visit, "greeted", "yes", None, world.manager, "CCTV shows a wave")
    assert error.value.field == "comment" and "Nobody looked up." in str(error.value)
    db.session.rollback()
    visit = db.session.get(Visit, visit.id)
    change = service.edit_answer(visit, "greeted", "yes", "", world.manager, "CCTV shows a wave")
    assert (change.old_comment, change.new_comment) == ("Nobody looked up.", "")
    assert visit.answer("greeted").comment == ""
    # Empathy 4 of 5 loses points; moved to 5 of 5, the words written for a 4 are rewritten.
    with pytest.raises(ReviewError, match="now earns full points"):
        service.edit_answer(visit, "empathy", "5", None, world.manager, "Recount")
    db.session.rollback()
    visit = db.session.get(Visit, visit.id)
    rewritten = service.edit_answer(
        visit, "empathy", "5", "Kind, patient, named the next step.", world.manager, "Recount"
    )
    assert rewritten.new_comment == "Kind, patient, named the next step."


def test_an_answer_that_stays_on_its_side_keeps_its_comment(world):
    (visit,) = import_visits(
        {"external_id": "C2", "answers": PARTLY, "comments": {"outcome": "Only half answered."}}
    )
    change = service.edit_answer(visit, "outcome", "Not at all", None, world.manager, "Recheck")
    assert change.new_comment == "Only half answered."  # still a failure: the words still fit


def test_comment_on_fail_holds_for_reviewer_edits(world):
    (visit,) = import_visits({"external_id": "P1", "answers": PARTLY})
    assert visit.percent == pytest.approx(23.5 / 31 * 100)
    with pytest.raises(ReviewError, match="Add a comment") as error:
        service.edit_answer(visit, "follow_up", "no", None, world.manager, "Not offered")
    assert error.value.field == "comment"
    service.edit_answer(visit, "follow_up", "no", "Never offered", world.manager, "Recording")
    # 23.5 − 2 = 21.5 of 31
    assert visit.percent == pytest.approx(21.5 / 31 * 100)


def test_an_edit_that_shows_an_unanswered_question_blocks_approval_until_answered(world, visit):
    service.edit_answer(visit, "outcome", "Partly", None, world.manager, "Only partly resolved")
    # follow_up now shows, unanswered: 0 of 2. 5 + 7.5 + 5 + 0 + 4 = 21.5 of 31
    assert visit.percent == pytest.approx(21.5 / 31 * 100)
    assert [p.key for p in service.open_problems(visit)] == ["follow_up"]
    with pytest.raises(ReviewError, match="Offered follow-up"):
        service.approve(visit, world.manager)
    service.edit_answer(visit, "follow_up", "yes", None, world.manager, "Receipt shows it")
    assert visit.percent == pytest.approx(23.5 / 31 * 100)
    service.approve(visit, world.manager)
    assert visit.status is S.APPROVED


def test_approved_visits_can_be_edited_published_and_returned_ones_cannot(world):
    approved, published, returned = import_visits(
        {"external_id": "A", "status": "approved"},
        {"external_id": "P", "status": "published"},
        {"external_id": "R"},
    )
    service.edit_answer(approved, "wait", "6", None, world.manager, "Timed on the receipt")
    assert approved.percent == pytest.approx(22.5 / 29 * 100)
    with pytest.raises(ReviewStateError, match="appeal"):
        service.edit_answer(published, "wait", "6", None, world.manager, "Late")
    service.return_to_shopper(returned, world.manager, "Add the receipt")
    with pytest.raises(ReviewStateError, match="returned cannot be edited"):
        service.edit_answer(returned, "wait", "6", None, world.manager, "No")
    assert published.percent == pytest.approx(26.5 / 29 * 100)


def test_an_edit_that_fails_a_critical_item_on_an_approved_visit_proposes_an_action(world):
    (approved,) = import_visits({"external_id": "A", "status": "approved"})
    assert db.session.scalars(select(Action)).all() == []

    service.edit_answer(
        approved, "greeted", "no", "Nobody looked up", world.manager, "The receipt shows 4 min"
    )
    db.session.commit()

    (action,) = db.session.scalars(select(Action)).all()
    assert (action.kind, action.status, action.question_key, action.visit_id) == (
        ActionKind.CRITICAL,
        ActionStatus.PROPOSED,
        "greeted",
        approved.id,
    )
    # Editing again proposes nothing new: the finding is already proposed.
    service.edit_answer(approved, "wait", "6", None, world.manager, "Timed on the receipt")
    assert len(db.session.scalars(select(Action)).all()) == 1


def test_an_unknown_question_is_refused(world, visit):
    with pytest.raises(ReviewError, match="not a question"):
        service.edit_answer(visit, "nope", "yes", None, world.manager, "Why")


def test_display_values():
    from audit.scorecards.scoring import NA

    assert [service.display_value(v) for v in ("yes", 4, 3.5, 4.0, "Partly", NA, None)] == [
        "yes",
        "4",
        "3.5",
        "4",
        "Partly",
        "N/A",
        "",
    ]


# --- history and the queue ---------------------------------------------------------


def test_history_holds_every_action_in_time_order(world, visit):
    service.edit_answer(visit, "empathy", "2", None, world.manager, "Checked")
    service.exclude(visit, world.manager, "Mystery")
    service.include(visit, world.manager, "Solved")
    service.approve(visit, world.manager)
    service.publish(visit, world.manager)
    db.session.commit()
    entries = service.history(visit)
    assert [e.change.question_key if e.change else e.event.action for e in entries] == [
        "empathy",  # the edit, once (its AuditEvent is not shown twice)
        "visit.excluded",
        "visit.included",
        "visit.approved",
        "visit.published",
    ]
    assert [e.at for e in entries] == sorted(e.at for e in entries)


def test_queue_is_oldest_first_and_scoped(world):
    import_visits(
        {"external_id": "NEW", "visited_at": "2026-05-20T09:00:00"},
        {"external_id": "OLD", "visited_at": "2026-05-02T09:00:00"},
        {"external_id": "MID", "visited_at": "2026-05-10T09:00:00"},
        {"external_id": "SOUTH", "branch": "BRS01", "visited_at": "2026-05-01T09:00:00"},
        {"external_id": "DONE", "status": "approved", "visited_at": "2026-04-01T09:00:00"},
    )
    order = lambda user, status="submitted": [  # noqa: E731
        v.external_id for v in db.session.scalars(service.queue_query(user, status)).unique()
    ]
    assert order(world.manager) == ["SOUTH", "OLD", "MID", "NEW"]
    assert order(world.north_manager) == ["OLD", "MID", "NEW"]
    assert order(world.manager, "approved") == ["DONE"]
    counts = service.queue_counts(world.north_manager)
    assert counts == {"submitted": 3, "returned": 0, "approved": 1, "published": 0, "excluded": 0}


# --- the comment library -------------------------------------------------------------


def test_comment_library_add_deactivate_and_use(world):
    used = service.add_comment("return", "  Add a photo of the receipt.  ", world.manager)
    general = service.add_comment("general", "Thank you.", world.manager)
    service.add_comment("exclude", "Shopper knew the staff member.", world.manager)
    with pytest.raises(ReviewError, match="Write the comment"):
        service.add_comment("return", " ", world.manager)
    with pytest.raises(ReviewError, match="Unknown category"):
        service.add_comment("nonsense", "Text", world.manager)
    db.session.commit()
    labels = [c.label for c in service.comment_choices("return")]
    assert labels[1:] == ["Add a photo of the receipt.", "Thank you."]
    assert service.library_text(used.id, "return") == "Add a photo of the receipt."
    assert service.library_text(general.id, "edit") == "Thank you."

    service.set_comment_active(used, False, world.manager)
    db.session.commit()
    assert [c.label for c in service.comment_choices("return")][1:] == ["Thank you."]
    assert service.library_text(used.id, "return") is None
    added = select(AuditEvent.action).where(AuditEvent.subject_type == "reviewer_comments")
    assert sorted(db.session.scalars(added)) == [
        "reviewer_comment.added",
        "reviewer_comment.added",
        "reviewer_comment.added",
        "reviewer_comment.deactivated",
    ]
