"""The filter a person chooses (period, scorecard, region), read from and written to a URL.

A dashboard's filter lives in its query string (a GET form), so a view
can be bookmarked and sent on. :func:`parse_filter` reads it from any
mapping (``request.args`` in a view, a dict in a test) without touching
the request; :meth:`DashboardFilter.query` writes it back. Dashboards, downloads
and ``flask report`` all read their filter through it
(:mod:`audit.dashboards.selection`).

"Last 3 months" is the three months ending today (on 14 November: 15
August to 14 November), and "this year to date" ends today too, so no
period names weeks that have not happened; the previous period benchmark
steps back by as many days. Whole calendar months stay available by name
("last 3 full months" in November: 1 August to 31 October, "last calendar
year"); they read the monthly rollups and step back by whole months.
``custom`` takes any ``from``/``to`` dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from audit.reporting.filters import PeriodWords
from audit.reporting.months import add_months, same_day_months_away

#: The periods a filter offers, by the value in its URL; each name reads in the reader's
#: language where it is shown (``str(name)``).
PRESETS: dict[str, LazyString] = {
    "3m": _l("Last 3 months"),
    "6m": _l("Last 6 months"),
    "12m": _l("Last 12 months"),
    "ytd": _l("This year to date"),
    "full-1m": _l("Last full month"),
    "full-3m": _l("Last 3 full months"),
    "full-12m": _l("Last 12 full months"),
    "last-year": _l("Last calendar year"),
    "all": _l("All time"),
    "custom": _l("Custom dates"),
}
#: Periods of this many months ending today.
PRESET_MONTHS = {"3m": 3, "6m": 6, "12m": 12}
#: Periods of this many whole calendar months ending with the last one.
FULL_MONTHS = {"full-1m": 1, "full-3m": 3, "full-12m": 12}
DEFAULT_PERIOD = "12m"
ALL_SCORECARDS = "all"


@dataclass(frozen=True)
class DashboardFilter(PeriodWords):
    """What a dashboard shows; ``date_from``/``date_to`` are resolved from the period."""

    period: str = DEFAULT_PERIOD
    date_from: date | None = None
    date_to: date | None = None
    scorecard: str | None = None  # slug; None: every scorecard
    region_id: int | None = None
    errors: tuple[str, ...] = field(default=(), compare=False)

    def query(self, **changes: object) -> dict[str, str]:
        """The query-string arguments that reproduce this filter (with ``changes`` applied)."""
        args: dict[str, str] = {"period": self.period}
        if self.period == "custom":
            if self.date_from:
                args["from"] = self.date_from.isoformat()
            if self.date_to:
                args["to"] = self.date_to.isoformat()
        args["scorecard"] = self.scorecard or ALL_SCORECARDS
        if self.region_id is not None:
            args["region"] = str(self.region_id)
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = str(value)
        return args


def preset_dates(period: str, today: date) -> tuple[date | None, date | None]:
    """The first and last day of a preset period as of ``today``."""
    if period in PRESET_MONTHS:
        return same_day_months_away(today, -PRESET_MONTHS[period]) + _DAY, today
    if period in FULL_MONTHS:
        return add_months(today, -FULL_MONTHS[period]), add_months(today, 0) - _DAY
    if period == "ytd":
        return date(today.year, 1, 1), today
    if period == "last-year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return None, None


_DAY = timedelta(days=1)


#: Dates a report period may name: anything outside is a typo, not a period of visits.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def _parse_date(text: str, end: str, errors: list[str]) -> date | None:
    """The ``from`` or ``to`` (``end``) date of ``text``; what was wrong goes to ``errors``."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors.append(
            gettext("The from date “%(text)s” is not a date (use YYYY-MM-DD).", text=text)
            if end == "from"
            else gettext("The to date “%(text)s” is not a date (use YYYY-MM-DD).", text=text)
        )
        return None
    if not EARLIEST <= day <= LATEST:
        shown = {
            "day": day.isoformat(),
            "first": f"{EARLIEST:%d %b %Y}",
            "last": f"{LATEST:%d %b %Y}",
        }
        errors.append(
            gettext(
                "The from date %(day)s is out of range: choose a date between %(first)s and "
                "%(last)s.",
                **shown,
            )
            if end == "from"
            else gettext(
                "The to date %(day)s is out of range: choose a date between %(first)s and "
                "%(last)s.",
                **shown,
            )
        )
        return None
    return day


def parse_filter(
    args: Mapping[str, str],
    *,
    today: date,
    scorecards: Mapping[str, str],
    default_scorecard: str | None,
) -> DashboardFilter:
    """Read the filter from query-string ``args``; bad values are reported and replaced.

    ``scorecards`` maps the slugs a viewer may pick to their titles;
    ``default_scorecard`` is used when the URL names none. A region id is
    parsed but not checked here: the view checks it against the viewer's
    scope (403 outside it).
    """
    errors: list[str] = []
    period = args.get("period", "").strip()
    date_from = _parse_date(args.get("from", ""), "from", errors)
    date_to = _parse_date(args.get("to", ""), "to", errors)
    if not period:
        period = "custom" if (date_from or date_to) else DEFAULT_PERIOD
    if period not in PRESETS:
        errors.append(
            gettext("Unknown period “%(period)s”; showing the last 12 months.", period=period)
        )
        period = DEFAULT_PERIOD
    if period == "custom":
        if date_from and date_to and date_from > date_to:
            errors.append(gettext("The period ends before it starts; the dates were swapped."))
            date_from, date_to = date_to, date_from
        if date_from is None and date_to is None:
            period = "all"
    else:
        date_from, date_to = preset_dates(period, today)

    scorecard: str | None
    slug = args.get("scorecard", "").strip()
    if slug == ALL_SCORECARDS:
        scorecard = None
    elif not slug:
        scorecard = default_scorecard
    elif slug in scorecards:
        scorecard = slug
    else:
        errors.append(
            gettext(
                "No scorecard “%(slug)s”; showing %(shown)s.",
                slug=slug,
                shown=_title(default_scorecard, scorecards),
            )
        )
        scorecard = default_scorecard

    region_id: int | None = None
    region = args.get("region", "").strip()
    if region:
        if region.isdigit():
            region_id = int(region)
        else:
            errors.append(
                gettext("Unknown region “%(region)s”; showing every region.", region=region)
            )
    return DashboardFilter(period, date_from, date_to, scorecard, region_id, tuple(errors))


def _title(slug: str | None, scorecards: Mapping[str, str]) -> str:
    return gettext("every scorecard") if slug is None else scorecards.get(slug, slug)
