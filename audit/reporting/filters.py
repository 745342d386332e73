"""What a report is about: period, scorecard, unit, and the viewer's scope."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Protocol

from flask_babel import gettext

from audit.reporting.months import add_months, is_whole_months, month_keys, months_between
from audit.reporting.reader_text import day_text


class UnitKind(enum.StrEnum):
    """The unit a filter describes, from the most specific field set on it."""

    STAFF = "staff"
    BRANCH = "branch"
    REGION = "region"
    SCOPE = "scope"  # every region the viewer may see (a scoped manager's "all")
    COMPANY = "company"


class _HasRegionScope(Protocol):
    @property
    def region_ids(self) -> frozenset[int] | None: ...


def period_label(date_from: date | None, date_to: date | None) -> str:
    """'01 Apr 2026 to 30 Jun 2026', 'All time', 'from 01 Apr 2026', 'up to 30 Jun 2026'."""
    if date_from is None and date_to is None:
        return gettext("All time")
    start = day_text(date_from) if date_from else None
    end = day_text(date_to) if date_to else None
    if start and end:
        return gettext("%(start)s to %(end)s", start=start, end=end)
    return gettext("from %(start)s", start=start) if start else gettext("up to %(end)s", end=end)


def file_stamp(scorecard: str | None, date_from: date | None, date_to: date | None) -> str:
    """What a downloaded file's name says of its filter: 'branch-visit-2026-01-01-2026-03-31'."""
    start = date_from.isoformat() if date_from else "start"
    end = date_to.isoformat() if date_to else "now"
    return f"{scorecard or 'all'}-{start}-{end}"


class PeriodWords:
    """How a filter with ``date_from``, ``date_to`` and ``scorecard`` reads to a person
    and in a file name (shared by :class:`ReportFilter` and the dashboards' filter)."""

    date_from: date | None
    date_to: date | None
    scorecard: str | None

    @property
    def period_label(self) -> str:
        return period_label(self.date_from, self.date_to)

    @property
    def stamp(self) -> str:
        return file_stamp(self.scorecard, self.date_from, self.date_to)


@dataclass(frozen=True)
class ReportFilter(PeriodWords):
    """Which reportable visits a figure rests on.

    Dates are inclusive calendar dates of each branch's own calendar (a visit's
    ``local_day``, :func:`audit.reporting.sql.period_conditions`), not UTC's: a visit at
    23:30 in Los Angeles on 31 January is in a period ending that day. ``None`` leaves
    that end open.
    ``scope_region_ids`` is the viewer's scope: the regions they may see, or
    ``None`` for the whole organisation. Every query in
    :mod:`audit.reporting` applies it, so pass it for every scoped viewer
    (:meth:`for_viewer` does).
    """

    date_from: date | None = None
    date_to: date | None = None
    scorecard: str | None = None  # a scorecard slug
    region_id: int | None = None
    branch_id: int | None = None
    staff_id: int | None = None
    scope_region_ids: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("the period ends before it starts")
        if self.scope_region_ids is not None and not isinstance(self.scope_region_ids, frozenset):
            object.__setattr__(self, "scope_region_ids", frozenset(self.scope_region_ids))

    @classmethod
    def for_viewer(cls, viewer: _HasRegionScope, **fields: object) -> ReportFilter:
        """A filter limited to ``viewer``'s regions (a User; None region_ids: unlimited)."""
        return cls(scope_region_ids=viewer.region_ids, **fields)  # type: ignore[arg-type]

    # --- the unit -----------------------------------------------------------

    @property
    def unit_kind(self) -> UnitKind:
        if self.staff_id is not None:
            return UnitKind.STAFF
        if self.branch_id is not None:
            return UnitKind.BRANCH
        if self.region_id is not None:
            return UnitKind.REGION
        if self.scope_region_ids is not None:
            return UnitKind.SCOPE
        return UnitKind.COMPANY

    def peers(self) -> ReportFilter:
        """The same period, scorecard, region and scope without a branch or staff member."""
        return replace(self, branch_id=None, staff_id=None)

    def in_region(self, region_id: int) -> ReportFilter:
        """The same period and scorecard over one region (the viewer's scope still applies)."""
        return replace(self, region_id=region_id, branch_id=None, staff_id=None)

    def company(self) -> ReportFilter:
        """The same period and scorecard over every branch, whatever the viewer's scope.

        Only for the company average, a single number that reveals no branch.
        """
        return replace(self, region_id=None, branch_id=None, staff_id=None, scope_region_ids=None)

    # --- the period ---------------------------------------------------------

    def previous_period(self) -> ReportFilter | None:
        """The same filter over the equally long period just before; None for an open period.

        Whole calendar months step back by the same number of months
        (2026-04-01..2026-06-30 gives 2026-01-01..2026-03-31); any other
        period steps back by its number of days.
        """
        if self.date_from is None or self.date_to is None:
            return None
        start, end = self.date_from, self.date_to
        if is_whole_months(start, end):
            months = months_between(start, end)
            return replace(self, date_from=add_months(start, -months), date_to=start - _DAY)
        days = (end - start).days + 1
        return replace(self, date_from=start - timedelta(days=days), date_to=start - _DAY)


_DAY = timedelta(days=1)


def month_range(date_from: date, date_to: date) -> list[str]:
    """Every calendar month ``YYYY-MM`` from date_from's to date_to's, inclusive."""
    return month_keys(date_from, date_to)
