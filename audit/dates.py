"""Dates and times as the reader reads them: in their language, on the clock of a place.

The house filters of :mod:`audit.templating` (``|date``, ``|datetime``, ``|time``,
``|local``) are these functions; they live here, below the web layer, so the services
that write notifications can date them too. A notification is written once per
recipient, in their language (docs/languages.md): give ``notify()`` a message whose day is
:func:`lazy_date`, and the day is written when the message is, in the recipient's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import TypeAlias
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from flask_babel import LazyString

from audit.languages import current_language
from audit.models import Branch
from audit.org.timezones import to_local, zone_abbreviation, zone_for

__all__ = [
    "HOUSE_PATTERNS",
    "DatePatterns",
    "Where",
    "date_patterns",
    "format_date",
    "format_datetime",
    "format_time",
    "lazy_date",
    "local_time",
]

#: Where a time is shown: a branch (its zone), a zone, a zone's name; None is the
#: installation's default zone (audit.org.timezones.zone_for).
Where: TypeAlias = Branch | ZoneInfo | str | None


@dataclass(frozen=True)
class DatePatterns:
    """How a language writes a date, a time, both, and a month (CLDR patterns)."""

    date: str
    time: str
    datetime: str
    month: str


#: English keeps the house style its pages have always read in: "06 Dec 2026 14:05".
HOUSE_PATTERNS = DatePatterns("dd MMM yyyy", "HH:mm", "dd MMM yyyy HH:mm", "MMM yyyy")


@cache
def date_patterns(language: str) -> DatePatterns:
    """English's house style; any other language its own CLDR forms (Spanish "6 dic 2026,
    14:05"), so a new catalogue brings its dates with it."""
    if language == "en":
        return HOUSE_PATTERNS
    locale = Locale.parse(language)
    skeletons = locale.datetime_skeletons
    day, clock = skeletons["yMMMd"].pattern, skeletons["Hm"].pattern
    both = locale.datetime_formats["medium"].replace("{1}", day).replace("{0}", clock)
    return DatePatterns(day, clock, both, skeletons["yMMM"].pattern)


def _instant(value: datetime) -> datetime:
    """A stored time, aware: the database keeps UTC, so a naive one is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _clock(value: datetime | None, where: Where, pattern: str, zone: bool) -> str:
    if value is None:
        return ""
    language = current_language()
    shown_in = zone_for(where)
    text = babel_datetime(
        _instant(value), getattr(date_patterns(language), pattern), tzinfo=shown_in, locale=language
    )
    return f"{text} {zone_abbreviation(_instant(value), shown_in)}" if zone else text


def format_datetime(value: datetime | None, where: Where = None, *, zone: bool = False) -> str:
    """ "06 Dec 2026 14:05": ``value`` (UTC) on the clock of ``where`` (a branch, a zone or
    its name; the installation's default zone when None), in the reader's language; with
    ``zone``, the zone's abbreviation after it ("14:05 JST")."""
    return _clock(value, where, "datetime", zone)


def format_time(value: datetime | None, where: Where = None, *, zone: bool = False) -> str:
    """ "14:05" on the clock of ``where``, as :func:`format_datetime`."""
    return _clock(value, where, "time", zone)


def local_time(value: datetime, where: Where = None) -> datetime:
    """``value`` on the clock of ``where``, aware: ``(when|local(visit.branch)).strftime(..)``
    fills a ``datetime-local`` field with the branch's wall-clock time."""
    return to_local(_instant(value), zone_for(where))


def format_date(value: date | datetime | str | None, where: Where = None) -> str:
    """ "06 Dec 2026" in the reader's language. A time is first put on the clock of
    ``where``: the day it was there; a date, or a day "YYYY-MM-DD" (a visit's
    ``local_day``, already the branch's), is shown as it is."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    language = current_language()
    pattern = date_patterns(language).date
    if isinstance(value, datetime):
        return babel_datetime(_instant(value), pattern, tzinfo=zone_for(where), locale=language)
    return babel_date(value, pattern, locale=language)


def lazy_date(value: date | datetime | str | None, where: Where = None) -> LazyString:
    """:func:`format_date` of ``value`` written only when the text holding it is: a lazy
    message's day, in the language of whoever reads it."""
    return LazyString(format_date, value, where)
