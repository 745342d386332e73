"""Stored files through the app's storage (either backend), and a read of every figure a
manager sees, to compare before and after."""

from __future__ import annotations

from datetime import date
from typing import Any

from audit.photos.uploads import store_photo
from audit.reporting.filters import ReportFilter
from audit.reporting.league import branch_league, staff_league
from audit.reporting.summary import summary
from audit.storage import storage
from tests.images import jpeg

MAY = ReportFilter(date(2026, 5, 1), date(2026, 5, 31), "rules-card")


def store_pair() -> tuple[str, str]:
    """A photo and its thumbnail stored as an upload is, in the app's storage; their keys."""
    return store_photo(jpeg((32, 24), exif=False), storage(), 10_000_000).names


def figures(flt: ReportFilter = MAY) -> dict[str, Any]:
    """The company figure and the branch and staff leagues, keyed by unit id."""
    figure = summary(flt).figure
    leagues = {}
    for name, league in (
        ("branches", branch_league(flt, min_visits=1)),
        ("staff", staff_league(flt, min_visits=1)),
    ):
        leagues[name] = {
            entry.id: (entry.rank, entry.figure.n, round(entry.figure.mean or 0, 9))
            for entry in league.entries
        }
    return {"company": (figure.n, round(figure.mean or 0, 9), figure.critical_fails), **leagues}
