"""Calendar months, the unit reports are cut in: one place for their arithmetic."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` away from ``day``'s month (negative: earlier)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def same_day_months_away(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, kept within the month (31 Mar - 1 month:
    28 Feb)."""
    first = add_months(day, months)
    return date(first.year, first.month, min(day.day, month_end(first).day))


def month_start(key: str) -> date:
    """The first day of month ``YYYY-MM``."""
    return date(int(key[:4]), int(key[5:7]), 1)


def month_label(key: str) -> str:
    """Month ``YYYY-MM`` as people write it: "Jun 2026" (charts, tables, PDFs)."""
    return month_start(key).strftime("%b %Y")


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def is_whole_months(start: date, end: date) -> bool:
    """True when ``start`` is a first of the month and ``end`` a last one."""
    return start.day == 1 and end == month_end(end)


def months_between(start: date, end: date) -> int:
    """How many calendar months ``start``'s month to ``end``'s month spans, both counted."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def month_key(day: date) -> str:
    """``YYYY-MM``, the month as the rollups key it."""
    return f"{day.year:04d}-{day.month:02d}"


def month_keys(date_from: date, date_to: date) -> list[str]:
    """Every month ``YYYY-MM`` from date_from's to date_to's, inclusive."""
    return [month_key(add_months(date_from, n)) for n in range(months_between(date_from, date_to))]
