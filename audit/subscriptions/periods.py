"""The period a scheduled report covers: the week or calendar month that has just ended.

Reports cut their periods in calendar dates of UTC (:class:`audit.reporting.ReportFilter`),
so a period here is too: "today" is the date in UTC when the job runs. A week is Monday
to Sunday. Only the latest finished period is ever due: a job that did not run for a while
sends last week's report, not every week it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from audit.models import ReportFrequency
from audit.reporting.months import add_months

__all__ = ["Period", "last_period", "today_utc"]


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        """ "week of 30 Nov 2026" or "November 2026"."""
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            return f"{self.start:%B %Y}"
        return f"week of {self.start.day} {self.start:%b %Y}"


def today_utc() -> date:
    return datetime.now(UTC).date()


def last_period(frequency: ReportFrequency, today: date) -> Period:
    """The last whole week (Monday to Sunday) or calendar month before ``today``."""
    if frequency is ReportFrequency.WEEKLY:
        this_monday = today - timedelta(days=today.weekday())
        return Period(this_monday - timedelta(days=7), this_monday - timedelta(days=1))
    first = add_months(today, 0)
    return Period(add_months(today, -1), first - timedelta(days=1))
