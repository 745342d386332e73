"""Coaching service: notes and their life, reminders, kudos, top performers, staff figures.

Visits come through the real import path, scored by the engine; the rules card
(tests/data/rules-card.yaml) has target 85 and excellence 95:

    FULL        26.5 of 29 = 91.4% (meets); empathy 4 of 5 loses 2.5 points
    EXCELLENT   29 of 29 = 100% (exceeds)
    PARTLY      23.5 of 31 = 75.8% (below); empathy and outcome lose points
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from audit.coaching import portal, recognition, service
from audit.coaching.recognition import RecognitionError
from audit.coaching.service import CoachingError, NoteFilter
from audit.extensions import db
from audit.models import CoachingNote, Kudos, Notification, Visit
from tests.builders import (
    EXCELLENT,
    FULL,
    event_log,
    import_visits,
    make_coaching_world,
    make_staff,
)


@pytest.fixture
def world(ctx) -> SimpleNamespace:
    return make_coaching_world()


def inbox(user) -> list[tuple[str, str]]:
    return list(
        db.session.execute(
            select(Notification.kind, Notification.link)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        ).tuples()
    )


# --- plain words from a visit -------------------------------------------------------


def test_visit_feedback_sorts_answers_into_strengths_and_things_to_work_on(world):
    feedback = portal.visit_feedback(world.a_low)
    assert [a.question for a in feedback.strengths] == [
        "Greeted?",
        "Offered follow-up?",
        "Minutes waited",
    ]
    assert [a.question for a in feedback.to_work_on] == ["Empathy", "Resolved?"]
    empathy = feedback.to_work_on[0]
    assert empathy.comment == "Looked at the screen, not at me"
    assert empathy.points_label == "7.5 of 10 points"
    assert [title for title, _ in feedback.sections] == ["Service"]


def test_prefill_lists_only_the_answers_that_lost_points_with_comments(world):
    text = service.prefill_note(world.a_low)
    assert text.startswith("From the visit on 04 May 2026, standards missed:\n\nService\n")
    assert (
        "- No standard written for this question. Answer: 4 (7.5 of 10 points). "
        'Shopper\'s comment: "Looked at the screen, not at me"' in text
    )
    assert "- No standard written for this question. Answer: Partly (5 of 10 points)." in text
    assert "Greeted?" not in text and "Warm hello" not in text
    assert service.prefill_note(world.a_top) == ""


# --- the life of a note -----------------------------------------------------------------


def test_note_acknowledge_reply_close_with_events_and_notifications(world):
    note = service.create_note(
        world.north_manager,
        world.alice,
        "Look up from the screen.",
        goal="Eye contact in every greeting",
        follow_up_on=date.today() + timedelta(days=7),
        visit=world.a_low,
    )
    db.session.commit()
    link = f"/coaching/notes/{note.id}"
    assert inbox(world.alice_user) == [("coaching.note", link)]

    service.acknowledge(note, world.alice_user)
    db.session.commit()
    assert note.acknowledged_at is not None
    with pytest.raises(CoachingError, match="already acknowledged"):
        service.acknowledge(note, world.alice_user)
    with pytest.raises(CoachingError, match="Only the staff member"):
        service.acknowledge(note, world.bob_user)

    service.reply(note, world.alice_user, "Will do.")
    service.reply(note, world.north_manager, "Thanks, Alice.")
    db.session.commit()
    assert inbox(world.north_manager) == [
        ("coaching.acknowledged", link),
        ("coaching.reply", link),
    ]
    assert inbox(world.alice_user)[-1] == ("coaching.reply", link)

    with pytest.raises(CoachingError, match="Only a manager"):
        service.close(note, world.alice_user)
    service.close(note, world.north_manager, "Much better on the next visit.")
    db.session.commit()
    assert not note.is_open and note.closing_note == "Much better on the next visit."
    with pytest.raises(CoachingError, match="closed"):
        service.reply(note, world.alice_user, "One more thing")
    assert event_log("coaching_notes", note.id) == [
        ("coaching_note.created", world.north_manager.id),
        ("coaching_note.acknowledged", world.alice_user.id),
        ("coaching_note.replied", world.alice_user.id),
        ("coaching_note.replied", world.north_manager.id),
        ("coaching_note.closed", world.north_manager.id),
    ]
    assert inbox(world.alice_user)[-1] == ("coaching.closed", link)


def test_a_note_needs_text_a_future_follow_up_and_a_visit_naming_the_staff_member(world):
    with pytest.raises(CoachingError, match="Write the note"):
        service.create_note(world.manager, world.alice, "   ")
    with pytest.raises(CoachingError, match="past"):
        service.create_note(
            world.manager, world.alice, "x", follow_up_on=date.today() - timedelta(days=1)
        )
    with pytest.raises(CoachingError, match="not named"):
        service.create_note(world.manager, world.bob, "x", visit=world.a_low)
    draft_like = world.a_wait
    draft_like.excluded = True
    with pytest.raises(CoachingError, match="approved or published"):
        service.create_note(world.manager, world.alice, "x", visit=draft_like)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CoachingNote)) == 0


def test_open_notes_for_lists_open_notes_of_one_staff_member_oldest_first(world):
    first = service.create_note(world.manager, world.alice, "first")
    second = service.create_note(world.manager, world.alice, "second")
    closed = service.create_note(world.manager, world.alice, "closed")
    service.create_note(world.manager, world.bob, "for Bob")
    service.close(closed, world.manager)
    db.session.commit()
    assert [n.id for n in service.open_notes_for(world.alice.id)] == [first.id, second.id]


def test_overview_filters_and_counts_respect_the_managers_regions(world):
    today = date.today()
    due = service.create_note(world.manager, world.alice, "due", follow_up_on=today)
    acked = service.create_note(world.manager, world.bob, "acked")
    service.acknowledge(acked, world.bob_user)
    south = service.create_note(world.manager, world.carol, "south")
    done = service.create_note(world.manager, world.alice, "done")
    service.close(done, world.manager)
    db.session.commit()

    def ids(viewer, status, **kw):
        return {n.id for n in db.session.scalars(service.notes_query(viewer, status, **kw))}

    assert ids(world.manager, NoteFilter.OPEN) == {due.id, acked.id, south.id}
    assert ids(world.manager, NoteFilter.UNACKNOWLEDGED) == {due.id, south.id}
    assert ids(world.manager, NoteFilter.DUE) == {due.id}
    assert ids(world.manager, NoteFilter.CLOSED) == {done.id}
    assert ids(world.north_manager, NoteFilter.ALL) == {due.id, acked.id, done.id}
    assert ids(world.manager, NoteFilter.OPEN, branch_id=world.bristol.id) == {south.id}
    counts = service.note_counts(world.north_manager)
    assert counts == {
        NoteFilter.OPEN: 2,
        NoteFilter.UNACKNOWLEDGED: 1,
        NoteFilter.DUE: 1,
        NoteFilter.CLOSED: 1,
        NoteFilter.ALL: 3,
    }


def test_reminders_tell_the_author_once_a_day_about_due_follow_ups(world):
    today = date.today()
    due = service.create_note(world.north_manager, world.alice, "due", follow_up_on=today)
    service.create_note(world.north_manager, world.bob, "later", follow_up_on=today + timedelta(1))
    closed = service.create_note(world.north_manager, world.bob, "closed", follow_up_on=today)
    service.close(closed, world.north_manager)
    db.session.commit()
    assert service.remind_due_follow_ups() == 1
    db.session.commit()
    assert service.remind_due_follow_ups() == 0  # idempotent within the day
    db.session.commit()
    reminders = [k for k in inbox(world.north_manager) if k[0] == "coaching.follow_up_due"]
    assert reminders == [("coaching.follow_up_due", f"/coaching/notes/{due.id}")]
    # A reminder from yesterday does not stop today's.
    db.session.execute(
        Notification.__table__.update().values(created_at=datetime.now(UTC) - timedelta(days=1))
    )
    db.session.commit()
    assert service.remind_due_follow_ups() == 1


def test_remind_command_runs_and_commits(app, world):
    service.create_note(world.manager, world.alice, "due", follow_up_on=date.today())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["coaching", "remind"])
    assert result.exit_code == 0, result.output
    assert "1 follow-up reminder sent." in result.output
    result = app.test_cli_runner().invoke(args=["coaching", "remind"])
    assert "0 follow-up reminders sent." in result.output


# --- recognition ------------------------------------------------------------------------


def test_kudos_only_for_excellent_visits_quoting_positive_comments(world):
    assert recognition.kudos_allowed(world.a_top)
    assert not recognition.kudos_allowed(world.a_low)
    assert recognition.positive_comments(world.a_top) == "“Truly listened to my worries”"
    assert recognition.positive_comments(world.a_low) == "“Warm hello at the door”"
    with pytest.raises(RecognitionError, match="excellence"):
        recognition.send_kudos(world.manager, world.alice, world.a_low, "Well done")
    with pytest.raises(RecognitionError, match="not named"):
        recognition.send_kudos(world.manager, world.bob, world.a_top, "Well done")
    kudos = recognition.send_kudos(world.manager, world.alice, world.a_top, "Well done", "“Yes”")
    db.session.commit()
    assert event_log("kudos", kudos.id) == [("kudos.sent", world.manager.id)]
    assert inbox(world.alice_user) == [("coaching.kudos", "/coaching/me#kudos")]
    assert [k.id for k in recognition.kudos_for(world.alice)] == [kudos.id]
    assert recognition.kudos_for(world.bob) == []
    assert db.session.scalar(select(func.count()).select_from(Kudos)) == 1


def test_top_performers_rank_published_visits_and_honour_the_opt_out(world):
    dan = make_staff(world.leeds, code="DAN", name="Dan Dale")
    db.session.commit()
    import_visits(
        *(
            {
                "external_id": f"D{i}",
                "status": "published",
                "staff": "DAN",
                "visited_at": f"2026-05-1{i}T09:00:00",
                "answers": FULL,
            }
            for i in range(3)
        ),
        {
            "external_id": "B_TWO",
            "status": "published",
            "staff": "BOB",
            "visited_at": "2026-05-21T09:00:00",
            "answers": EXCELLENT,
        },
    )
    period = (date(2026, 5, 1), date(2026, 5, 31))
    # Alice has 2 published visits (the approved one does not count): below the minimum of 3.
    top = recognition.top_performers(world.leeds.id, *period)
    assert [(t.name, t.visits) for t in top] == [("Dan Dale", 3)]
    assert top[0].mean == pytest.approx(26.5 / 29 * 100)
    top = recognition.top_performers(world.leeds.id, *period, min_visits=2)
    assert [t.name for t in top] == ["Dan Dale", "Alice Adams", "Bob Brown"]  # 91.4, tie by name
    assert recognition.top_performers(world.leeds.id, *period, limit=1, min_visits=2)[0].name == (
        "Dan Dale"
    )
    assert recognition.set_hidden_from_recognition(dan, True, dan.user)
    assert not recognition.set_hidden_from_recognition(dan, True, dan.user)
    db.session.commit()
    top = recognition.top_performers(world.leeds.id, *period, min_visits=2)
    assert [t.name for t in top] == ["Alice Adams", "Bob Brown"]
    assert event_log("staff_members", dan.id) == [("staff_member.recognition_visibility", None)]
    assert recognition.top_performers(world.leeds.id, date(2026, 6, 1), date(2026, 6, 30)) == []


# --- staff figures: published visits only ---------------------------------------------


def test_staff_figures_rest_on_published_visits_only(world):
    trend = portal.staff_trend(world.alice, date(2026, 4, 1), date(2026, 6, 30))
    # From her first month with a published visit to the end of the period.
    assert [(p.month, p.figure.n) for p in trend] == [
        ("2026-05", 2),
        ("2026-06", 0),
    ]
    assert trend[0].figure.mean == pytest.approx((23.5 / 31 + 1) / 2 * 100)

    (section,) = portal.section_comparison(world.alice, date(2026, 5, 1), date(2026, 5, 31))
    assert section.section == "Service" and section.scorecard == "Rules card"
    assert section.mine.n == 2 and section.branch.n == 3 and section.company.n == 4
    assert section.mine.value == pytest.approx((23.5 / 31 + 1) / 2 * 100)
    assert portal.section_comparison(world.alice, date(2026, 6, 1), None) == []

    summary = portal.branch_summary(world.leeds.id, date(2026, 5, 1), date(2026, 5, 31))
    assert summary.branch.n == 3 and summary.company.n == 4
    assert summary.branch.mean == pytest.approx((23.5 / 31 * 2 + 1) / 3 * 100)

    visits = portal.published_visits(world.alice)
    assert [fb.visit.external_id for fb in visits] == ["A_TOP", "A_LOW"]
    assert all(
        v.status.value == "published"
        for v in db.session.scalars(
            select(Visit).where(Visit.id.in_([fb.visit.id for fb in visits]))
        )
    )
