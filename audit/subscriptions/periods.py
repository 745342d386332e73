"""The period a scheduled report covers: the week or calendar month that has just ended.

A period is a span of calendar dates, read as the dates of the visits' branches
(``visits.local_day``, :class:`audit.reporting.ReportFilter`), and it has ended when it has
ended in the subscription's zone: a branch's report when the branch's clock has passed
midnight after its last day, a region's or the company's report when the installation's
default zone (``AUDIT_DEFAULT_TIMEZONE``) has (:func:`audit.subscriptions.service.due`).
A week is Monday to Sunday. Only the latest finished period is ever due: a job that did
not run for a while sends last week's report, not every week it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date, format_skeleton
from flask_babel import get_locale, gettext

from audit.models import ReportFrequency
from audit.reporting.months import add_months

__all__ = ["Period", "day_label", "last_period"]


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        """ "week of 30 Nov 2026" or "November 2026", in the current language."""
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            return format_skeleton("yMMMM", self.start, locale=get_locale() or "en")
        return gettext("week of %(day)s", day=day_label(self.start, "d MMM y"))


def day_label(day: date, english: str = "dd MMM y") -> str:
    """ "01 Nov 2026" in English (the house style of the pages, or the ``english``
    pattern), a language's own medium date in any other ("1 nov 2026")."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return format_date(day, english, locale="en")
    return format_skeleton("yMMMd", day, locale=locale)


def last_period(frequency: ReportFrequency, today: date) -> Period:
    """The last whole week (Monday to Sunday) or calendar month before ``today``."""
    if frequency is ReportFrequency.WEEKLY:
        this_monday = today - timedelta(days=today.weekday())
        return Period(this_monday - timedelta(days=7), this_monday - timedelta(days=1))
    first = add_months(today, 0)
    return Period(add_months(today, -1), first - timedelta(days=1))
