"""The shopper rating against a hand computation, its minimum evidence, its cost in queries,
and the minimum rating enforced by the assignment service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.assignments import service as assignments
from audit.extensions import db
from audit.models import (
    Assignment,
    AuditEvent,
    Role,
    SignalKind,
    SignalLevel,
    User,
    VisitSignal,
    VisitStatus,
)
from audit.settings import set_setting
from audit.trust import rating as rating_module
from audit.trust.rating import MinRatingError, rating_of, set_min_rating, shopper_ratings
from tests.builders import (
    TODAY,
    make_answer_change,
    make_assignment,
    make_event,
    make_user,
    make_visit,
    make_world,
)
from tests.statements import recorded_statements

V = VisitStatus
DAY = TODAY - timedelta(days=20)
VISITED = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC).replace(hour=11)


def _visit(world, shopper, status, *, sent_after=timedelta(hours=1), **kw):
    """A visit on DAY, 11:00-11:30, first sent ``sent_after`` its end (with the event)."""
    visit = make_visit(
        world.card,
        world.bristol,
        shopper,
        DAY,
        status=status,
        started_at=VISITED,
        ended_at=VISITED + timedelta(minutes=30),
        submitted_at=VISITED + timedelta(minutes=30) + sent_after,
        **kw,
    )
    make_event(shopper, "visit.submitted", visit, visit.submitted_at)
    return visit


def _signal(visit, kind: SignalKind, level: SignalLevel = SignalLevel.WARN) -> None:
    db.session.add(VisitSignal(visit=visit, kind=kind, level=level, detail="planted"))


@pytest.fixture
def story(app):
    """Sally's six sent visits, each planted with one outcome (see the test for the sums)."""
    with app.app_context():
        world = make_world()
        sally, reviewer = world.shopper, world.manager
        v1 = _visit(world, sally, V.APPROVED)
        _signal(v1, SignalKind.PHOTO_REUSE, SignalLevel.HIGH)
        # Sent back after its first sending (on time), sent again five days later.
        v2 = _visit(world, sally, V.APPROVED, sent_after=timedelta(hours=2))
        make_event(reviewer, "visit.returned", v2, VISITED + timedelta(days=1))
        v2.submitted_at = VISITED + timedelta(days=5)
        make_event(sally, "visit.resubmitted", v2, v2.submitted_at)
        # An answer changed in review; sent 60 h after the visit (late).
        v3 = _visit(world, sally, V.PUBLISHED, sent_after=timedelta(hours=60))
        make_answer_change(v3, "greeted", "yes", "no", by=reviewer, reason="x", at=VISITED)
        # Sent an hour after the visit, but after its assignment's window had ended (late);
        # an answer changed on appeal is the staff's doing, not the shopper's.
        late = make_assignment(
            world.card, world.bristol, sally, start=DAY - timedelta(days=8), end=DAY - timedelta(1)
        )
        v4 = _visit(world, sally, V.APPROVED, assignment=late)
        make_answer_change(
            v4, "greeted", "yes", "no", by=reviewer, reason="x", at=VISITED, source="appeal"
        )
        # Returned now (the status says so without the event) and a trust signal.
        v5 = _visit(world, sally, V.RETURNED)
        _signal(v5, SignalKind.TOO_SHORT)
        # Waiting for review; its late_submission signal is counted by timeliness only.
        v6 = _visit(world, sally, V.SUBMITTED)
        _signal(v6, SignalKind.LATE_SUBMISSION)
        # Not counted: a draft, a visit of over a year ago, another shopper's returned visit.
        make_visit(world.card, world.bristol, sally, DAY, status=V.DRAFT)
        _visit(world, sally, V.RETURNED).visited_at = VISITED - timedelta(days=400)
        other = make_user(Role.SHOPPER, name="Oscar Other")
        _visit(world, other, V.RETURNED)
        db.session.commit()
        yield world, other


def test_components_match_a_hand_computation(app, story, monkeypatch):
    world, other = story
    monkeypatch.setattr(rating_module, "rater_accuracy", lambda ids: {world.shopper.id: (0.75, 4)})
    rating = rating_of(world.shopper)
    assert (rating.sent, rating.reviewed, rating.needed) == (6, 5, 5)
    values = {c.key: c.value for c in rating.components}
    assert values == pytest.approx(
        {
            "not_returned": 1 - 2 / 5,  # v2 (by its event), v5 (by its status)
            "not_edited": 1 - 1 / 5,  # v3; the appeal on v4 is not a reviewer's edit
            "on_time": 4 / 6,  # v3 sent after 60 h, v4 after its window: late
            "no_signals": 1 - 2 / 6,  # v1, v5; v6's late_submission is not counted here
            "calibration": 0.75,
        }
    )
    # 25 × 0.6 + 25 × 0.8 + 15 × 4/6 + 15 × 4/6 + 20 × 0.75 = 15 + 20 + 10 + 10 + 15
    assert rating.exact == pytest.approx(70)
    assert rating.value == 70 and rating.describe() == "70 / 100"
    assert sum(c.weight for c in rating.components) == pytest.approx(1)
    assert [c.evidence for c in rating.components][0] == "2 of 5 reviewed visits sent back"
    assert rating.left_out == ()
    # Oscar: one reviewed visit, sent back; not yet rated.
    assert rating_of(other).value is None and rating_of(other).reviewed == 1


def test_without_calibration_the_other_weights_are_scaled_up(app, story):
    world, _ = story
    rating = rating_of(world.shopper)  # the real calibration results: none for Sally
    assert [c.key for c in rating.components] == [
        "not_returned",
        "not_edited",
        "on_time",
        "no_signals",
    ]
    assert rating.left_out == ("Agreement in calibration",)
    assert {c.key: c.weight for c in rating.components} == pytest.approx(
        {"not_returned": 25 / 80, "not_edited": 25 / 80, "on_time": 15 / 80, "no_signals": 15 / 80}
    )
    # (15 + 20 + 10 + 10) / 80 × 100 = 68.75
    assert rating.exact == pytest.approx(68.75) and rating.value == 69


def test_nobody_is_rated_before_enough_visits_are_reviewed(app, story):
    world, _ = story
    set_setting("shopper_rating_min_visits", 6, None)
    rating = rating_of(world.shopper)
    assert not rating.rated and rating.value is None and rating.exact is None
    assert rating.describe() == "not yet rated (5 of 6 reviewed visits)"
    assert rating.components  # shown "so far"
    assert not rating.meets(0) and rating.meets(None)
    set_setting("shopper_rating_min_visits", 5, None)
    assert rating_of(world.shopper).rated
    fresh = rating_of(make_user(Role.SHOPPER))
    assert (fresh.sent, fresh.reviewed, fresh.components) == (0, 0, ())
    assert fresh.value is None


def test_every_shopper_is_rated_with_the_same_number_of_queries(app, story):
    world, _ = story

    def statements(run) -> int:
        with recorded_statements(db.engine) as seen:
            run()
        return len(seen)

    for _ in range(6):
        make_user(Role.SHOPPER)
    db.session.commit()
    ids = list(db.session.scalars(select(User.id).where(User.role == Role.SHOPPER)))
    assert len(ids) == 8
    one = statements(lambda: shopper_ratings(ids[:1]))
    everyone = statements(lambda: shopper_ratings())
    assert everyone <= one + 1  # + the query for who is a shopper
    assert set(shopper_ratings()) == set(ids)
    assert rating_of(world.shopper).value == 69


# --- the minimum, in the assignment service ------------------------------------------


def _offer(world, shopper, **kw):
    return assignments.create_assignments(
        world.card,
        [world.leeds],
        shopper,
        TODAY,
        TODAY + timedelta(days=7),
        "Ask about a savings account.",
        world.manager,
        **kw,
    )


def test_the_service_refuses_a_shopper_below_the_minimum(app, story):
    world, _ = story
    set_setting("shopper_lockout_days", 0, None)  # Leeds is offered twice below
    card, sally = world.card, world.shopper
    with pytest.raises(MinRatingError):
        set_min_rating(card, 101, world.manager)
    set_min_rating(card, 70, world.manager)
    db.session.commit()
    # 68.75 rounds to 69, below 70.
    with pytest.raises(assignments.RatingTooLow) as refused:
        _offer(world, sally)
    assert str(refused.value) == (
        "Sally Shopper's rating is 69, below the 70 this scorecard asks for."
    )
    assert refused.value.field == "shopper"
    with pytest.raises(assignments.RatingTooLow) as refused:
        _offer(world, sally, override_rating=True, rating_override_reason="  ")
    assert refused.value.reason_missing
    newcomer = make_user(Role.SHOPPER, name="Nina New")
    with pytest.raises(assignments.RatingTooLow, match=r"Nina New is not yet rated \(0 of 5"):
        _offer(world, newcomer)
    assert (
        db.session.scalar(select(Assignment.id).where(Assignment.branch_id == world.leeds.id))
        is None
    )

    (offered,) = _offer(
        world, sally, override_rating=True, rating_override_reason="Only one who speaks Welsh"
    )
    assert offered.rating_overridden and offered.rating_override_reason.startswith("Only")
    db.session.commit()
    overridden = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assignment.rating_overridden")
    )
    assert overridden.subject_id == offered.id
    assert overridden.details == {
        "reason": "Only one who speaks Welsh",
        "rating": 69,
        "min_rating": 70,
    }
    # At the minimum (or with none) no override is needed.
    set_min_rating(card, 69, world.manager)
    (plain,) = _offer(world, sally, now=TODAY)
    assert not plain.rating_overridden


def test_calibration_results_come_from_the_calibration_cases(app, story):
    from tests.calibration.conftest import REFERENCE, answer, make_case

    world, other = story
    case = make_case(world.manager, world.card, [world.shopper, other])
    why = {"follow_up": "Not offered."}  # the card wants a comment on a lost point
    answer(case, world.shopper, {k: v for k, v in REFERENCE.items() if k != "summary"}, why)
    answer(case, other, {**REFERENCE, "recommend": 2}, why)
    ratings = shopper_ratings([world.shopper.id, other.id])
    sally = {c.key: c for c in ratings[world.shopper.id].components}["calibration"]
    assert sally.value == pytest.approx(1.0) and sally.weight == pytest.approx(0.2)
    assert sally.evidence == "100% of answers matched the reference in 1 calibration case"
    # 15 + 20 + 10 + 10 + 20 × 1.0
    assert ratings[world.shopper.id].value == 75
    oscar = {c.key: c for c in ratings[other.id].components}["calibration"]
    assert 0 < oscar.value < 1
