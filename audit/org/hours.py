"""A branch's weekly opening hours, written the way a person writes them on a door.

    Mon-Fri 09:00-17:30; Sat 10:00-16:00
    Mon,Wed,Fri 08:00-12:00, 13:00-18:00; Sat-Sun 10:00-14:00

Entries are separated by ``;``. Each entry is a set of days (``Mon``, a range
``Mon-Fri``, or several joined by ``,``) followed by one or more time ranges
``HH:MM-HH:MM`` joined by ``,``; ``24:00`` closes at midnight. A day that no entry
names is closed. An empty text means the hours are not known (nothing is checked
against them), which is why "closed all week" cannot be written.

The text is stored normalised (:func:`normalise`), so the branch form, the CSV import
and the API all show the same spelling. Times are wall-clock times, compared with the
visit times as the platform records and shows them (:func:`is_open`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

__all__ = ["DAYS", "HoursError", "OpeningHours", "is_open", "normalise", "parse_hours"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {day.lower(): n for n, day in enumerate(DAYS)}
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: The days (no digits) and the times (from the first digit on).
_ENTRY = re.compile(r"^(\D+?)\s*(\d.*)$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

#: Minutes since midnight: [open, close).
Span = tuple[int, int]


class HoursError(ValueError):
    """Opening hours that cannot be read; the message says where and how to write them."""


@dataclass(frozen=True)
class OpeningHours:
    """Open spans per weekday (0 = Monday); a day without spans is closed."""

    days: tuple[tuple[Span, ...], ...]

    def spans(self, weekday: int) -> tuple[Span, ...]:
        return self.days[weekday]

    def text(self) -> str:
        """The normalised text: consecutive days with the same hours grouped (Mon-Fri)."""
        entries: list[str] = []
        day = 0
        while day < 7:
            spans = self.days[day]
            last = day
            while last + 1 < 7 and self.days[last + 1] == spans:
                last += 1
            if spans:
                days = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
                entries.append(f"{days} {', '.join(_span_text(s) for s in spans)}")
            day = last + 1
        return "; ".join(entries)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span_text(span: Span) -> str:
    return f"{_clock(span[0])}-{_clock(span[1])}"


def _time(text: str, entry: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(f"'{text.strip()}' in '{entry}' is not a time like 09:00")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise HoursError(f"'{text.strip()}' in '{entry}' is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def _day(text: str, entry: str) -> int:
    """``Mon`` or ``Monday`` (any case)."""
    word = text.strip().lower()
    index = _DAY_INDEX.get(word[:3])
    if index is None or len(word) < 3 or not _FULL_NAMES[index].startswith(word):
        raise HoursError(f"'{text.strip()}' in '{entry}' is not a day (write Mon, Tue … Sun)")
    return index


def _days(text: str, entry: str) -> list[int]:
    found: list[int] = []
    for part in text.split(","):
        first, dash, last = part.partition("-")
        start = _day(first, entry)
        end = _day(last, entry) if dash else start
        if end < start:
            raise HoursError(f"'{part.strip()}' in '{entry}' runs backwards (write Mon-Fri)")
        found.extend(range(start, end + 1))
    return found


def parse_hours(text: str | None) -> OpeningHours | None:
    """The hours ``text`` describes; None for an empty text. Raises :class:`HoursError`."""
    text = (text or "").strip()
    if not text:
        return None
    days: list[list[Span]] = [[] for _ in DAYS]
    named: set[int] = set()
    for raw in text.split(";"):
        entry = raw.strip()
        if not entry:
            continue
        split = _ENTRY.match(entry)
        day_part, time_part = split.groups() if split else (entry, "")
        if not time_part.strip():
            raise HoursError(f"'{entry}' needs days then times, like 'Mon-Fri 09:00-17:30'")
        entry_days = _days(day_part, entry)
        spans: list[Span] = []
        for piece in time_part.split(","):
            opens, dash, closes = piece.partition("-")
            if not dash:
                problem = "needs an opening and a closing time"
                raise HoursError(f"'{piece.strip()}' in '{entry}' {problem}")
            span = (_time(opens, entry), _time(closes, entry))
            if span[1] <= span[0]:
                raise HoursError(f"'{piece.strip()}' in '{entry}' closes before it opens")
            spans.append(span)
        spans.sort()
        for earlier, later in zip(spans, spans[1:], strict=False):
            if later[0] < earlier[1]:
                raise HoursError(f"the times in '{entry}' overlap")
        for day in entry_days:
            if day in named:
                raise HoursError(f"{DAYS[day]} is given twice")
            named.add(day)
            days[day] = spans
    if not named:
        raise HoursError("no opening hours given; write e.g. 'Mon-Fri 09:00-17:30'")
    return OpeningHours(tuple(tuple(d) for d in days))


def normalise(text: str | None) -> str:
    """The stored spelling of ``text`` ("" when empty). Raises :class:`HoursError`."""
    hours = parse_hours(text)
    return hours.text() if hours else ""


def is_open(hours: OpeningHours, when: datetime) -> bool:
    """Whether the branch is open at the wall-clock time of ``when``."""
    minute = when.hour * 60 + when.minute
    return any(start <= minute < end for start, end in hours.spans(when.weekday()))
