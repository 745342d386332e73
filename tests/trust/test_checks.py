"""The checks a visit answers on its own (constructed visits, no database): too_short,
far_from_branch, photo_time, late_submission and outside_hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from audit.models import Attachment, Branch, Role, Scorecard, SignalKind, User, Visit
from audit.trust.checks import Finding, visit_findings

K = SignalKind


START = datetime(2026, 5, 14, 10, 0, tzinfo=UTC)


def constructed(
    *,
    minutes: float | None = 30,
    channel: str = "in_person",
    visitor: bool = True,
    submitted_after: timedelta | None = timedelta(hours=2),
    photos: tuple[datetime | None, ...] = (),
    **fields,
) -> Visit:
    visit = Visit(
        scorecard=Scorecard(slug="card", title="Card", channel=channel),
        branch=fields.pop("branch", Branch(code="B", name="B", lat=None, lng=None)),
        visitor=User(email="s@example.org", name="S", role=Role.SHOPPER) if visitor else None,
        visited_at=START,
        started_at=START if minutes is not None else None,
        ended_at=START + timedelta(minutes=minutes) if minutes is not None else None,
        **fields,
    )
    end = visit.ended_at or START
    visit.submitted_at = end + submitted_after if submitted_after is not None else None
    visit.attachments = [
        Attachment(id=n + 1, original_name=f"photo{n + 1}.jpg", captured_at=taken)
        for n, taken in enumerate(photos)
    ]
    return visit


def by_kind(visit: Visit) -> dict[str, list[Finding]]:
    signals: dict[str, list[Finding]] = {}
    for signal in visit_findings(visit):
        signals.setdefault(signal.kind, []).append(signal)
    return signals


@pytest.mark.parametrize(
    ("minutes", "channel", "visitor", "level", "text"),
    [
        (30, "in_person", True, "ok", "Visit lasted 30 min."),
        (5, "in_person", True, "ok", "Visit lasted 5 min."),
        (4, "in_person", True, "warn", "under 5 min"),
        (180, "in_person", True, "ok", "Visit lasted 3 h."),
        (181, "in_person", True, "warn", "over 3 h"),
        (3, "phone", True, "ok", "Visit lasted 3 min."),  # a short call is fine
        (300, "email", True, "ok", "Visit lasted 5 h."),
        (2, "in_person", False, "ok", "Visit lasted 2 min."),  # a survey typed in by staff
        (-10, "in_person", True, "warn", "ends before it starts"),
    ],
)
def test_too_short_signal(minutes, channel, visitor, level, text):
    (signal,) = by_kind(constructed(minutes=minutes, channel=channel, visitor=visitor))["too_short"]
    assert signal.level == level and text in signal.detail


def test_no_times_no_duration_signal():
    assert "too_short" not in by_kind(constructed(minutes=None))


def test_far_from_branch_signal():
    near = constructed(start_lat=53.7965, start_lng=-1.5426, distance_m=120.0)
    far = constructed(start_lat=53.8, start_lng=-1.5, distance_m=620.0, start_accuracy_m=15.0)
    edge = constructed(start_lat=53.8, start_lng=-1.5, distance_m=500.0)
    assert by_kind(near)["far_from_branch"] == [
        Finding(K.FAR_FROM_BRANCH, "ok", "Started 120 m from the branch.")
    ]
    (signal,) = by_kind(far)["far_from_branch"]
    assert signal.warn and "620 m" in signal.detail and "accurate to 15 m" in signal.detail
    assert [s.level for s in by_kind(edge)["far_from_branch"]] == ["ok"]
    (signal,) = by_kind(constructed(start_lat=53.8, start_lng=-1.5, distance_m=2460.0))[
        "far_from_branch"
    ]
    assert signal.warn and "2.5 km" in signal.detail
    # A position, but the branch had no coordinates; and no position at all.
    (signal,) = by_kind(constructed(start_lat=51.0, start_lng=0.0))["far_from_branch"]
    assert signal.level == "ok" and "no coordinates" in signal.detail
    assert "far_from_branch" not in by_kind(constructed())


def test_photo_time_signal():
    during = constructed(photos=(START + timedelta(minutes=10), START + timedelta(minutes=29)))
    assert by_kind(during)["photo_time"] == [
        Finding(K.PHOTO_TIME, "ok", "2 photos taken during the visit.")
    ]
    # 2 h before the start and 2 h after the end are still inside the window.
    edges = constructed(photos=(START - timedelta(hours=2), START + timedelta(minutes=150)))
    assert [s.level for s in by_kind(edges)["photo_time"]] == ["ok"]

    early = START - timedelta(hours=2, minutes=1)
    late = START + timedelta(minutes=30) + timedelta(hours=3)
    odd = constructed(photos=(early, START + timedelta(minutes=5), late, None))
    signals = by_kind(odd)["photo_time"]
    assert [s.level for s in signals] == ["warn", "warn"]
    assert signals[0].detail == "photo1.jpg taken 2 h 1 min before the visit started."
    assert signals[1].detail == "photo3.jpg taken 3 h after the visit ended."


def test_photo_on_another_day_warns_even_inside_the_window():
    evening = datetime(2026, 5, 14, 23, 0, tzinfo=UTC)
    visit = constructed(photos=(datetime(2026, 5, 15, 0, 40, tzinfo=UTC),))
    visit.visited_at = visit.started_at = evening
    visit.ended_at = evening + timedelta(minutes=30)
    (signal,) = by_kind(visit)["photo_time"]
    assert signal.warn and "15 May 2026, another day" in signal.detail


def test_photos_without_capture_times_are_said_so():
    (signal,) = by_kind(constructed(photos=(None,)))["photo_time"]
    assert signal.level == "ok" and "no capture time" in signal.detail
    assert "photo_time" not in by_kind(constructed())


@pytest.mark.parametrize(
    ("after", "level", "text"),
    [
        (timedelta(hours=47, minutes=59), "ok", "Submitted 1 d 23 h after the visit."),
        (timedelta(hours=48), "ok", "Submitted 2 d after the visit."),
        (timedelta(hours=49), "warn", "Submitted 2 d 1 h after the visit: more than 48 h later."),
        (timedelta(minutes=-5), "ok", "Submitted 0 min after the visit."),
    ],
)
def test_late_submission_signal(after, level, text):
    (signal,) = by_kind(constructed(submitted_after=after))["late_submission"]
    assert (signal.level, signal.detail) == (level, text)


def test_a_resubmission_after_a_return_is_not_called_late():
    visit = constructed(submitted_after=timedelta(days=5), return_reason="Add the receipt")
    (signal,) = by_kind(visit)["late_submission"]
    assert signal.level == "ok" and "after being returned" in signal.detail


def test_warning_count_of_a_visit_full_of_doubts():
    visit = constructed(
        minutes=3,
        distance_m=2500.0,
        start_lat=1.0,
        start_lng=1.0,
        photos=(START - timedelta(days=1),),
        submitted_after=timedelta(days=4),
    )
    assert sum(f.warn for f in visit_findings(visit)) == 4
    assert not any(f.warn for f in visit_findings(constructed()))


# --- outside_hours -------------------------------------------------------------------

MONDAY = datetime(2026, 5, 11, tzinfo=UTC)  # a Monday


def at_branch(hours: str, start: datetime, minutes: float | None = 30, **fields) -> Visit:
    visit = constructed(minutes=minutes, branch=Branch(code="B", name="B", opening_hours=hours))
    visit.visited_at = start
    if minutes is not None:
        visit.started_at, visit.ended_at = start, start + timedelta(minutes=minutes)
    for name, value in fields.items():
        setattr(visit, name, value)
    return visit


@pytest.mark.parametrize(
    ("hours", "start", "minutes", "level"),
    [
        ("Mon-Fri 09:00-17:30", MONDAY.replace(hour=10), 30, "ok"),
        ("Mon-Fri 09:00-17:30", MONDAY.replace(hour=3), 30, "warn"),  # 3 a.m.
        ("Mon-Fri 09:00-17:30", MONDAY.replace(hour=17), 30, "ok"),  # ends as the doors close
        ("Mon-Fri 09:00-17:30", MONDAY.replace(hour=17, minute=15), 30, "warn"),  # ends after
        ("Mon-Fri 09:00-17:30", MONDAY.replace(hour=8, minute=59), 30, "warn"),  # starts before
        ("Tue-Sun 09:00-17:30", MONDAY.replace(hour=10), 30, "warn"),  # closed all Monday
        ("Mon 09:00-12:00, 13:00-17:00", MONDAY.replace(hour=12, minute=20), None, "warn"),
        ("Mon 09:00-12:00, 13:00-17:00", MONDAY.replace(hour=13), None, "ok"),  # visited_at
    ],
)
def test_outside_hours(hours, start, minutes, level):
    (finding,) = by_kind(at_branch(hours, start, minutes))["outside_hours"]
    assert finding.level == level


def test_outside_hours_says_when_and_the_days_hours():
    (finding,) = by_kind(at_branch("Mon-Fri 09:00-17:30", MONDAY.replace(hour=3)))["outside_hours"]
    assert finding.detail == (
        "The visit started at 03:00 on Mon 11 May 2026, when the branch is closed "
        "(Mon: 09:00-17:30)."
    )
    closed = at_branch("Tue-Sun 09:00-17:30", MONDAY.replace(hour=10))
    assert "(Mon: closed all day)" in by_kind(closed)["outside_hours"][0].detail


def test_no_hours_or_not_in_person_no_outside_hours_check():
    assert "outside_hours" not in by_kind(at_branch("", MONDAY.replace(hour=3)))
    phone = at_branch("Mon-Fri 09:00-17:30", MONDAY.replace(hour=3))
    phone.scorecard = Scorecard(slug="call", title="Call", channel="phone")
    assert "outside_hours" not in by_kind(phone)
