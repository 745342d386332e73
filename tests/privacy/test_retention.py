"""``retention apply`` and the daily ``retention`` job, on both databases and both storage
backends: what is older than the settings goes from the database and from the storage,
what is younger stays, scores do not move, a dry run changes nothing, and a second run
(or one at 0 days) finds nothing to do."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import (
    Action,
    ActionKind,
    ActionUpdate,
    Answer,
    Appeal,
    Attachment,
    AuditEvent,
    CoachingNote,
    LoginAttempt,
    Notification,
    StaffMember,
    SurveyContact,
    SurveyResponse,
    User,
    Visit,
    record_event,
)
from audit.privacy.retention import REMOVED, apply_retention
from audit.settings import set_setting
from audit.storage import storage
from tests.builders import (
    attach_photo,
    import_visits,
    make_event,
    make_note,
    make_staff,
    make_user,
    make_world,
)
from tests.privacy.helpers import store_pair

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=800)  # past every period set below
RECENT = NOW - timedelta(days=10)


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def build(app: Flask) -> SimpleNamespace:
    """An old and a recent visit with comments, photos, an action-update photo, appeal
    evidence (the appeal's reason recorded in its event), a coaching note; people who
    left long ago and lately; sign-in records."""
    with app.app_context():
        for key in ("photo", "comment", "personal"):
            set_setting(f"retention_{key}_days", 365, None)
        world = make_world()
        old, new = import_visits(
            {
                "external_id": "OLD",
                "status": "approved",
                "visited_at": _at(OLD),
                "answers": {
                    "greeted": "yes",
                    "empathy": 4,
                    "outcome": "Fully",
                    "wait": 3,
                    "recommend": 9,
                    "summary": "OLD-SUMMARY",
                },
                "comments": {"empathy": "OLD-COMMENT"},
            },
            {
                "external_id": "NEW",
                "status": "approved",
                "visited_at": _at(RECENT),
                "comments": {"empathy": "NEW-COMMENT"},
            },
        )
        old.staff_description = "OLD-DESCRIPTION"
        files = {}
        for visit in (old, new):
            photo = attach_photo(visit, None, storage(), "door.jpg", world.shopper)
            files[visit.external_id] = [photo.stored_name, photo.thumb_name]
        member = make_staff(world.leeds, code="KEEP1", name="Kept Adviser")
        note = make_note(member, world.manager, "OLD-NOTE")
        note.created_at = OLD
        action = Action(branch=world.leeds, kind=ActionKind.MANUAL, title="Fix the door")
        db.session.add(action)
        db.session.flush()
        for when in (OLD, RECENT):
            name, thumb = store_pair()
            update = ActionUpdate(
                action=action,
                note=f"note {when:%Y}",
                photo_name=name,
                thumb_name=thumb,
                created_at=when,
            )
            db.session.add(update)
            files[f"update-{when:%Y}"] = [name, thumb]
        evidence, evidence_thumb = store_pair()
        appeal = Appeal(
            visit=old,
            question_key="empathy",
            reason="OLD-APPEAL",
            evidence_name=evidence,
            evidence_thumb_name=evidence_thumb,
            created_at=OLD,
        )
        db.session.add(appeal)
        db.session.flush()
        record_event(
            world.manager, "appeal.raised", appeal, question="empathy", reason="OLD-APPEAL"
        )
        files["evidence"] = [evidence, evidence_thumb]
        gone = make_user("shopper", email="gone@example.org", name="Gone Longago", active=False)
        make_event(None, "user.deactivated", gone, OLD)
        lately = make_user("shopper", email="lately@example.org", name="Left Lately", active=False)
        make_event(None, "user.deactivated", lately, RECENT)
        left = make_staff(world.leeds, code="LEFT1", name="Staff Leftlong", active=False)
        make_event(None, "staff.deactivated", left, OLD)
        db.session.add_all(
            [
                LoginAttempt(email="x@example.org", address="10.0.0.1", at=OLD),
                LoginAttempt(email="y@example.org", address="10.0.0.2", at=RECENT),
                Notification(user=world.manager, kind="x", message="old", created_at=OLD),
                Notification(user=world.manager, kind="x", message="new", created_at=RECENT),
            ]
        )
        for visit, when, email in ((old, OLD, "old@customer.test"), (new, RECENT, "new@x.test")):
            db.session.add(
                SurveyContact(visit=visit, branch_id=visit.branch_id, email=email, created_at=when)
            )
            keys = {"device_key": "d" * 64, "address_key": "a" * 64}
            db.session.add(
                SurveyResponse(visit=visit, branch_id=visit.branch_id, created_at=when, **keys)
            )
        db.session.commit()
        return SimpleNamespace(
            files=files,
            percents={v.external_id: v.percent for v in (old, new)},
            ids={"gone": gone.id, "lately": lately.id, "left": left.id},
        )


def state(app: Flask) -> dict:
    """What a retention run may change, read back from the database and the storage."""
    with app.app_context():
        store = storage()
        visits = {v.external_id: v for v in db.session.scalars(select(Visit))}
        answers = {
            (a.visit.external_id, a.question_key): (a.comment, a.value_text)
            for a in db.session.scalars(select(Answer))
        }
        result = {
            "attachments": sorted(db.session.scalars(select(Attachment.visit_id)).all()),
            "percents": {k: v.percent for k, v in visits.items()},
            "old_comment": answers[("OLD", "empathy")][0],
            "old_summary": answers[("OLD", "summary")][1],
            "old_wait": answers[("OLD", "wait")],
            "new_comment": answers[("NEW", "empathy")][0],
            "old_description": visits["OLD"].staff_description,
            "note": db.session.scalar(select(CoachingNote.body)),
            "appeal": db.session.execute(select(Appeal.reason, Appeal.evidence_name)).one(),
            "appeal_event": db.session.scalar(
                select(AuditEvent.details).where(AuditEvent.action == "appeal.raised")
            ),
            "updates": db.session.execute(
                select(ActionUpdate.note, ActionUpdate.photo_name).order_by(ActionUpdate.id)
            ).all(),
            "names": dict(db.session.execute(select(User.email, User.name)).all()),
            "staff": dict(db.session.execute(select(StaffMember.id, StaffMember.name)).all()),
            "attempts": db.session.scalars(select(LoginAttempt.email)).all(),
            "notifications": db.session.scalars(select(Notification.message)).all(),
            "contacts": db.session.scalars(select(SurveyContact.email)).all(),
            "limit_keys": db.session.scalars(select(SurveyResponse.created_at)).all(),
            "stored": set(store.keys()),
        }
        db.session.remove()
        return result


def test_expired_data_goes_from_database_and_storage_and_the_rest_stays(
    app: Flask, backend: str, runner
):
    built = build(app)
    before = state(app)
    every_file = {key for keys in built.files.values() for key in keys}
    assert every_file <= before["stored"]

    dry = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "visit photos and receipts: 1 would be removed (dry run)" in dry.output
    assert "people who left, erased: 2 would be removed (dry run)" in dry.output
    assert state(app) == before

    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    after = state(app)

    gone = {*built.files["OLD"], *built.files[f"update-{OLD:%Y}"], *built.files["evidence"]}
    kept = every_file - gone
    assert not gone & after["stored"], "expired files are still in the storage"
    assert kept <= after["stored"]
    with app.app_context():
        new_visit = db.session.scalar(select(Visit.id).where(Visit.external_id == "NEW"))
    assert after["attachments"] == [new_visit]
    assert after["updates"] == [("", None), (f"note {RECENT:%Y}", before["updates"][1][1])]
    assert after["appeal"] == (REMOVED, None)
    # The audit trail keeps what its events recorded (docs/privacy.md says why).
    assert after["appeal_event"] == {"question": "empathy", "reason": "OLD-APPEAL"}
    # Free text of the old visit and the old note goes; scores, values and the new stay.
    assert after["old_comment"] == "" and after["old_description"] == ""
    assert after["old_summary"] == REMOVED
    assert after["old_wait"] == before["old_wait"]
    assert after["note"] == REMOVED
    assert after["new_comment"] == "NEW-COMMENT"
    assert after["percents"] == before["percents"] == built.percents
    # People who left long ago are erased; those who left lately are not.
    assert "gone@example.org" not in after["names"]
    assert f"erased-{built.ids['gone']}@erased.invalid" in after["names"]
    assert after["names"]["lately@example.org"] == "Left Lately"
    assert after["staff"][built.ids["left"]] == f"Erased staff member #{built.ids['left']}"
    assert after["attempts"] == ["y@example.org"]
    assert after["notifications"] == ["new"]
    assert after["contacts"] == ["new@x.test"] and len(after["limit_keys"]) == 1

    again = runner.invoke(args=["retention", "apply"])
    assert again.exit_code == 0, again.output
    assert " 1 removed" not in again.output and state(app) == after


def test_the_daily_job_applies_the_settings(app: Flask, runner):
    built = build(app)
    result = runner.invoke(args=["jobs", "run", "retention"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("retention: 1 visit photos and receipts")
    assert not set(built.files["OLD"]) & state(app)["stored"]


def test_a_period_of_zero_keeps_forever(app: Flask, runner):
    built = build(app)
    with app.app_context():
        for key in ("photo", "comment", "personal"):
            set_setting(f"retention_{key}_days", 0, None)
        db.session.commit()
    before = state(app)
    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert "photo: kept forever (retention_photo_days is 0)" in result.output
    assert state(app) == before
    assert set(built.files["OLD"]) <= before["stored"]


@pytest.mark.parametrize("batch", [1])
def test_small_batches_reach_everything(app: Flask, batch: int):
    build(app)
    with app.app_context():
        run = apply_retention(storage(), batch=batch)
        assert run.counts["visit photos and receipts"] == 1
        assert run.counts["free texts"] >= 5
        again = apply_retention(storage(), batch=batch)
        assert again.total == 0, again.counts


def test_two_runs_at_once_share_the_work(app: Flask):
    """The daily job and an operator's command at the same moment: between them
    everything expired goes once, and neither fails."""
    built = build(app)
    failures: list[BaseException] = []
    runs = []

    def run() -> None:
        with app.app_context():
            try:
                runs.append(apply_retention(storage(), batch=1))
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    assert sum(r.counts["visit photos and receipts"] for r in runs) == 1
    assert sum(r.counts["people who left, erased"] for r in runs) >= 2
    after = state(app)
    assert not set(built.files["OLD"]) & after["stored"]
    assert after["old_comment"] == "" and after["notifications"] == ["new"]
    with app.app_context():
        erased = (
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(["user.erased", "staff.erased"]))
        )
        assert db.session.scalar(erased) == 2  # each person once, whoever got there first
