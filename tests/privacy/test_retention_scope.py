"""What ``retention_comment_days`` and ``retention_photo_days`` reach beyond the texts
of visits and notes: webhook deliveries made before the cut-off (their bodies copy the
records), exclusion reasons, actions', assignments' and calibration texts, calibration
case photos; the audit trail keeps what its events recorded; and every column of
people's words is either removed or kept for a stated reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from audit.appeals import service as appeals
from audit.assignments import service as assignments
from audit.calibration import service as calibration
from audit.extensions import db
from audit.models import (
    Action,
    ActionStatus,
    Appeal,
    AuditEvent,
    CalibrationAssignment,
    CalibrationCase,
    CalibrationPhoto,
    CalibrationResponse,
    Visit,
    WebhookDelivery,
    WebhookEndpoint,
)
from audit.privacy.free_text import free_text
from audit.privacy.retention import KEPT, REMOVED, apply_retention, comment_columns
from audit.review import service as review
from audit.settings import set_setting
from audit.storage import storage
from audit.tasks import wait_for_tasks
from audit.webhooks.emitting import new_delivery
from audit.webhooks.payloads import record_data
from tests.builders import (
    import_visits,
    make_action,
    make_assignment,
    make_world,
)
from tests.privacy.helpers import store_pair

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=800)
RECENT = NOW - timedelta(days=10)

#: The same words in an old and a young record: only the old record's copies go.
WAITING = "Kept us waiting at the counter for ages"
SUMMARY = "Friendly adviser, but the queue was long"


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _details(subject: Any, action: str) -> dict[str, Any]:
    query = select(AuditEvent.details).where(
        AuditEvent.subject_type == subject.__tablename__,
        AuditEvent.subject_id == subject.id,
        AuditEvent.action == action,
    )
    return db.session.scalars(query).one()


def _deliver(event: str, record: Any) -> int:
    """A delivery of ``event`` about ``record`` as ``emit`` makes one (not sent)."""
    endpoint = db.session.scalar(select(WebhookEndpoint))
    if endpoint is None:
        endpoint = WebhookEndpoint(url="https://hooks.example.org/audit", events=[], secret="s")
        db.session.add(endpoint)
    delivery = new_delivery(endpoint, event, record_data(record))
    db.session.flush()
    return delivery.id


def _only(setting: str) -> None:
    """A year for ``retention_<setting>_days``, forever for the other two."""
    for key in ("photo", "comment", "personal"):
        set_setting(f"retention_{key}_days", 365 if key == setting else 0, None)


def _old_and_young(young_status: str) -> tuple[Any, Visit, Visit]:
    """Comments kept a year, a world, and a visit from before the cut-off (approved) and
    one from after it."""
    _only("comment")
    world = make_world()
    old, young = import_visits(
        {"external_id": "OLD", "status": "approved", "visited_at": _at(OLD)},
        {"external_id": "YOUNG", "status": young_status, "visited_at": _at(RECENT)},
    )
    return world, old, young


def test_old_webhook_deliveries_go_and_the_audit_trail_keeps_its_record(app: Flask):
    with app.app_context():
        world, old, young = _old_and_young("published")
        review.edit_answer(old, "summary", SUMMARY, None, world.manager, "The shopper's typo")
        review.publish(old, world.manager)
        old_appeal = appeals.raise_appeal(old, "summary", world.north_manager, WAITING)
        young_appeal = appeals.raise_appeal(young, "summary", world.north_manager, WAITING)
        sent = {
            "old": _deliver("appeal.raised", old_appeal),
            "young": _deliver("appeal.raised", young_appeal),
        }
        db.session.get(WebhookDelivery, sent["old"]).created_at = OLD
        db.session.commit()
        wait_for_tasks()  # the trust checks an edit queues: settled, not racing the run
        trail = db.session.execute(select(AuditEvent.id, AuditEvent.details)).all()

        run = apply_retention(storage())

        # The visit's own texts go; the delivery made before the cut-off goes whole.
        db.session.expire_all()
        assert db.session.get(Appeal, old_appeal.id).reason == REMOVED
        assert db.session.get(WebhookDelivery, sent["old"]) is None
        assert WAITING in db.session.get(WebhookDelivery, sent["young"]).body
        assert run.counts["webhook deliveries"] == 1
        # The audit trail is the record of who did what: every event as it was.
        assert db.session.execute(select(AuditEvent.id, AuditEvent.details)).all() == trail
        assert _details(old_appeal, "appeal.raised")["reason"] == WAITING

        again = apply_retention(storage())
        assert again.total == 0, again.counts


def test_an_old_visits_exclusion_reason_goes(app: Flask):
    with app.app_context():
        world, old, young = _old_and_young("approved")
        for visit in (old, young):
            review.exclude(visit, world.manager, WAITING)
        db.session.commit()

        apply_retention(storage())

        db.session.expire_all()
        assert db.session.get(Visit, old.id).exclusion_reason == REMOVED
        assert db.session.get(Visit, young.id).exclusion_reason == WAITING


def test_action_descriptions_and_dismissal_reasons_go_and_titles_stay(app: Flask):
    with app.app_context():
        _only("comment")
        world = make_world()
        (old_visit,) = import_visits(
            {"external_id": "OLD", "status": "approved", "visited_at": _at(OLD)}
        )
        manual = make_action(world.leeds, "Fix the door", by=world.manager, description="Mind it")
        proposal = make_action(
            world.leeds, "Old proposal", ActionStatus.DISMISSED, by=world.manager
        )
        for action in (manual, proposal):
            action.created_at = OLD
        # Made lately, from an old visit: its description quotes the visit's comment.
        quoting = make_action(
            world.leeds, "Critical item failed", by=world.manager, visit=old_visit,
            description=f"Comment: {WAITING}",
        )  # fmt: skip
        young = make_action(world.leeds, "Paint the wall", by=world.manager, description="Blue")
        db.session.commit()

        apply_retention(storage())

        texts = {
            action.id: (action.title, action.description, action.dismiss_reason)
            for action in db.session.scalars(select(Action))
        }
        # The title stays: it names the action wherever it is managed.
        assert texts == {
            manual.id: ("Fix the door", "", ""),
            proposal.id: ("Old proposal", "", REMOVED),
            quoting.id: ("Critical item failed", "", ""),
            young.id: ("Paint the wall", "Blue", ""),
        }


def test_assignment_scenarios_and_reasons_go(app: Flask):
    with app.app_context():
        _only("comment")
        world = make_world()
        offered = {}
        for when in (OLD, RECENT):
            assignment = make_assignment(
                world.card, world.leeds, world.shopper, scenario="Ask about a mortgage"
            )
            assignments.decline(assignment, world.shopper, "I am away that week")
            assignment.created_at = when
            offered[when] = assignment
        db.session.commit()

        apply_retention(storage())

        db.session.expire_all()
        texts = {row.id: (row.scenario, row.decline_reason) for row in offered.values()}
        assert texts == {
            offered[OLD].id: ("", ""),
            offered[RECENT].id: ("Ask about a mortgage", "I am away that week"),
        }


def test_raters_comments_on_calibration_cases_go(app: Flask):
    with app.app_context():
        _only("comment")
        world = make_world()
        case = calibration.create_case(world.manager, world.card, "Saturday rush", "You queue…")
        rated = {}
        for rater, when in ((world.shopper, OLD), (world.manager, RECENT)):
            response = CalibrationResponse(question_key="empathy", value_number=3, comment="Mean")
            assignment = CalibrationAssignment(case=case, rater=rater, assigned_at=when)
            assignment.responses.append(response)
            db.session.add(assignment)
            db.session.flush()
            rated[when] = response.id
        db.session.commit()

        apply_retention(storage())

        stored = select(CalibrationResponse.id, CalibrationResponse.comment)
        assert dict(db.session.execute(stored).all()) == {rated[OLD]: "", rated[RECENT]: "Mean"}
        # The case itself is the exercise: kept (KEPT says why).
        case_texts = select(CalibrationCase.title, CalibrationCase.scenario)
        assert db.session.execute(case_texts).one() == ("Saturday rush", "You queue…")


def test_calibration_case_photos_go_with_their_files(app: Flask, backend: str):
    with app.app_context():
        _only("photo")
        world = make_world()
        case = calibration.create_case(world.manager, world.card, "Saturday rush", "You queue…")
        files = {}
        for when in (OLD, RECENT):
            name, thumb = store_pair()
            case.photos.append(
                CalibrationPhoto(stored_name=name, thumb_name=thumb, created_at=when)
            )
            files[when] = {name, thumb}
        db.session.commit()

        run = apply_retention(storage())

        stored = set(storage().keys())
        assert not files[OLD] & stored and files[RECENT] <= stored
        kept = db.session.scalars(select(CalibrationPhoto.stored_name)).all()
        assert set(kept) < files[RECENT]
        assert run.counts["calibration case photos"] == 1
        assert apply_retention(storage()).total == 0


def test_every_column_of_peoples_words_is_removed_or_kept_on_purpose():
    words = {
        f"{table.name}.{column.name}" for table, columns, _ in free_text() for column in columns
    }
    removed = comment_columns()
    assert sorted(words - removed - KEPT.keys()) == []
    assert not removed & KEPT.keys()
    # Nothing is kept or removed that erasure does not know as people's words either.
    assert KEPT.keys() <= words and removed <= words
