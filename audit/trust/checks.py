"""The checks a visit answers on its own: its length, where it started, when its photos
were taken, how late it was sent, and whether the branch was open.

Each check returns :class:`Finding` rows: ``ok`` ones say what was checked and found
right (shown to the reviewer, never stored); ``warn`` and ``high`` ones are the visit's
signals, stored as :class:`audit.models.VisitSignal` by :mod:`audit.trust.service`. A
check is left out when the visit holds nothing to judge it by (no times, no position, no
photos, no opening hours). Reads the visit, its scorecard, branch and attachments only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from audit.models import SignalKind, Visit
from audit.org.hours import DAYS, HoursError, is_open, parse_hours

__all__ = [
    "Finding",
    "FindingLevel",
    "format_span",
    "visit_findings",
]

FindingLevel = Literal["ok", "warn", "high"]

K = SignalKind

MIN_IN_PERSON = timedelta(minutes=5)
MAX_IN_PERSON = timedelta(hours=3)
MAX_DISTANCE_M = 500
PHOTO_SLACK = timedelta(hours=2)
MAX_SUBMIT_DELAY = timedelta(hours=48)


@dataclass(frozen=True)
class Finding:
    """One thing a reviewer weighs before trusting a visit; ``warn`` and ``high`` ask for a
    closer look (``high``: hard to explain innocently). ``evidence`` names the records the
    reviewer is shown beside the detail (see :class:`audit.models.VisitSignal`)."""

    kind: SignalKind
    level: FindingLevel
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def warn(self) -> bool:
        return self.level != "ok"


def visit_findings(visit: Visit) -> list[Finding]:
    """Every check of the visit on its own, in the order the reviewer reads them."""
    return [
        *_duration(visit),
        *_distance(visit),
        *_photo_times(visit),
        *_submission_delay(visit),
        *_opening_hours(visit),
    ]


def format_span(span: timedelta) -> str:
    """3 min, 2 h 5 min, 3 d 4 h (rounded down to the minute)."""
    minutes = int(abs(span).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def _in_person_visit(visit: Visit) -> bool:
    """An in-person visit by a shopper or assessor: calls, emails and chats take what they
    take, and a customer survey is typed in later by staff."""
    return visit.scorecard.channel == "in_person" and visit.visitor is not None


def _duration(visit: Visit) -> list[Finding]:
    """``too_short``: an in-person visit under 5 minutes, one that ends before it starts,
    and (under the same kind, as the visit's length is what is in doubt) one over 3 hours."""
    start, end = visit.started_at, visit.ended_at
    if start is None or end is None:
        return []
    length = end - start
    if length < timedelta(0):
        return [Finding(K.TOO_SHORT, "warn", "The visit ends before it starts.")]
    text = f"Visit lasted {format_span(length)}"
    checked = _in_person_visit(visit)
    if checked and length < MIN_IN_PERSON:
        return [Finding(K.TOO_SHORT, "warn", f"{text}: under 5 min for an in-person visit.")]
    if checked and length > MAX_IN_PERSON:
        return [Finding(K.TOO_SHORT, "warn", f"{text}: over 3 h for an in-person visit.")]
    return [Finding(K.TOO_SHORT, "ok", f"{text}.")]


def _metres(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres)} m"


def _distance(visit: Visit) -> list[Finding]:
    """From ``distance_m``, stored by the visit flow when the phone gave its position."""
    if visit.start_lat is None or visit.start_lng is None:
        return []
    metres = visit.distance_m
    if metres is None:
        text = "A position was recorded, but the branch had no coordinates to compare it with."
        return [Finding(K.FAR_FROM_BRANCH, "ok", text)]
    accuracy = f" (accurate to {_metres(visit.start_accuracy_m)})" if visit.start_accuracy_m else ""
    text = f"Started {_metres(metres)} from the branch{accuracy}"
    if metres > MAX_DISTANCE_M:
        text = f"{text}: more than {MAX_DISTANCE_M} m away."
        return [Finding(K.FAR_FROM_BRANCH, "warn", text, {"distance_m": metres})]
    return [Finding(K.FAR_FROM_BRANCH, "ok", f"{text}.")]


def _photo_times(visit: Visit) -> list[Finding]:
    photos = list(visit.attachments)
    if not photos:
        return []
    start = visit.started_at or visit.visited_at
    end = visit.ended_at or start
    days = {start.date(), end.date()}
    warnings: list[Finding] = []
    undated = 0
    for photo in photos:
        taken = photo.captured_at
        if taken is None:
            undated += 1
            continue
        name = photo.original_name or f"Photo {photo.id}"
        if photo.question_key:
            name += f" ({photo.question_key})"
        if taken < start - PHOTO_SLACK:
            problem = f"taken {format_span(start - taken)} before the visit started"
        elif taken > end + PHOTO_SLACK:
            problem = f"taken {format_span(taken - end)} after the visit ended"
        elif taken.date() not in days:
            problem = f"taken on {taken:%d %b %Y}, another day than the visit"
        else:
            continue
        evidence = {"attachment_id": photo.id}
        warnings.append(Finding(K.PHOTO_TIME, "warn", f"{name} {problem}.", evidence))
    if warnings:
        return warnings
    dated = len(photos) - undated
    if not dated:
        text = f"{_count(undated, 'photo')}: no capture time to compare with the visit."
    else:
        text = f"{_count(dated, 'photo')} taken during the visit"
        text += f"; {undated} without a capture time." if undated else "."
    return [Finding(K.PHOTO_TIME, "ok", text)]


def _count(n: float, noun: str) -> str:
    return f"{n:g} {noun}{'s' if n != 1 else ''}"


def _submission_delay(visit: Visit) -> list[Finding]:
    if visit.submitted_at is None:
        return []
    end = visit.ended_at or visit.started_at or visit.visited_at
    delay = max(visit.submitted_at - end, timedelta(0))
    if visit.return_reason:
        # The first submission was judged when it was returned; the resubmission is late
        # because it was sent back, not because the shopper waited.
        text = f"Resubmitted {format_span(delay)} after the visit, after being returned."
        return [Finding(K.LATE_SUBMISSION, "ok", text)]
    text = f"Submitted {format_span(delay)} after the visit"
    if delay > MAX_SUBMIT_DELAY:
        return [Finding(K.LATE_SUBMISSION, "warn", f"{text}: more than 48 h later.")]
    return [Finding(K.LATE_SUBMISSION, "ok", f"{text}.")]


def _hours_words(spans: tuple[tuple[int, int], ...]) -> str:
    if not spans:
        return "closed all day"
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans)


def _opening_hours(visit: Visit) -> list[Finding]:
    """``outside_hours``: an in-person visit that starts, or ends, while the branch is
    closed by its opening hours. The start and end times are used where the phone
    recorded them, else ``visited_at``; the end is checked a minute early, so a visit that
    ends as the doors close is inside the hours."""
    if not _in_person_visit(visit) or not visit.branch.opening_hours:
        return []
    try:
        hours = parse_hours(visit.branch.opening_hours)
    except HoursError:  # stored normalised; an old hand-edited row is not the visit's fault
        return []
    if hours is None:
        return []
    start = visit.started_at or visit.visited_at
    end = visit.ended_at if visit.ended_at and visit.ended_at > start else None
    moments: list[tuple[str, datetime]] = [("started", start)]
    if end is not None:
        moments.append(("ended", end - timedelta(minutes=1)))
    for word, moment in moments:
        if is_open(hours, moment):
            continue
        shown = end if word == "ended" else moment
        day = DAYS[moment.weekday()]
        text = (
            f"The visit {word} at {shown:%H:%M} on {shown:%a %d %b %Y}, when the branch is "
            f"closed ({day}: {_hours_words(hours.spans(moment.weekday()))})."
        )
        evidence = {"at": shown.isoformat(), "opening_hours": visit.branch.opening_hours}
        return [Finding(K.OUTSIDE_HOURS, "warn", text, evidence)]
    return [Finding(K.OUTSIDE_HOURS, "ok", "The visit was within the branch's opening hours.")]
