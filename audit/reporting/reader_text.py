"""Figures and months as the reader writes them: one place for pages, PDFs and charts.

The charts (SVG drawn here, in the domain layer) and the page filters of
:mod:`audit.templating` (the top layer) both write percents, decimals and months; they
share these functions, which read the language Flask-Babel chose for the request (or the
one a job forced), so a chart cannot import upwards to learn it. English keeps the house
figures, "74.3%" and "Jun 2026"; Spanish reads "74,3 %" and "jun 2026". CSV files and the
API keep machine figures and do not use them.
"""

from __future__ import annotations

from copy import copy
from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date as babel_date
from babel.numbers import format_decimal
from flask_babel import get_locale

from audit.reporting.months import month_label, month_start

__all__ = [
    "day_text",
    "decimal_text",
    "month_text",
    "number_text",
    "percent_text",
    "reader_language",
]


def reader_language() -> str:
    """The language code of the request (or forced locale); "en" outside one."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def percent_text(value: float | None, digits: int = 1) -> str:
    """ "74.3%" in English, "74,3 %" in Spanish; an en dash for no value."""
    if value is None:
        return "–"
    language = reader_language()
    if language == "en":
        return f"{value:.{digits}f}%"
    locale = Locale.parse(language)
    pattern = copy(locale.percent_formats[None])
    pattern.frac_prec = (digits, digits)
    # Rounded as the English figure is, then divided exactly: the same digits in both.
    return pattern.apply(Decimal(f"{value:.{digits}f}") / 100, locale)


def decimal_text(text: str) -> str:
    """A figure already rounded ("2.2", "-0.5") with the reader's decimal sign: "2,2"."""
    language = reader_language()
    if language == "en":
        return text
    return format_decimal(Decimal(text), format="#,##0.0##", locale=language)


def number_text(value: float | None, digits: int = 1) -> str:
    """ "4.3" in English, "4,3" in Spanish (rounded as ``"%.1f"`` rounds); "–" for none."""
    if value is None:
        return "–"
    return decimal_text(f"{value:.{digits}f}")


def month_text(key: str) -> str:
    """Month ``YYYY-MM`` in the reader's language: "Jun 2026", Spanish "jun 2026"."""
    language = reader_language()
    if language == "en":
        return month_label(key)
    pattern = Locale.parse(language).datetime_skeletons["yMMM"].pattern
    return babel_date(month_start(key), pattern, locale=language)


def day_text(day: date) -> str:
    """A day in the reader's language: "01 Apr 2026" (the house style), Spanish "1 abr 2026"."""
    language = reader_language()
    if language == "en":
        return day.strftime("%d %b %Y")
    pattern = Locale.parse(language).datetime_skeletons["yMMMd"].pattern
    return babel_date(day, pattern, locale=language)
