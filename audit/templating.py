"""How figures and dates read, everywhere: the display helpers every template (pages and
PDFs) gets, registered once by the app factory.

    {{ value|pct }}        "74.3%"        (an empty value reads "–")
    {{ interval|ci }}      "95% CI 61.2%–74.0%", shown within the 0–100% scale
    {{ when|date }}        "06 Dec 2026"
    {{ when|datetime }}    "06 Dec 2026 14:05"
    {{ "2026-06"|month }}  "Jun 2026"
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask

from audit.models import Role
from audit.reporting import Interval
from audit.reporting.charts import format_percent


def format_datetime(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    return value.strftime(fmt) if value else ""


def format_date(value: date | datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def month_label(month: str) -> str:
    """A rollup month "2026-06" as people write it: "Jun 2026"."""
    return date(int(month[:4]), int(month[5:7]), 1).strftime("%b %Y")


def interval_text(interval: Interval | None) -> str:
    """ "95% CI 61.2%–74.0%" for a mean's interval, shown within 0–100%.

    A t interval of a few percents near 100 runs past it (93.7%–103.0%); no
    mean can, so the pages show it cut at the scale's ends. The verdicts and
    the CSV downloads use the interval as computed.
    """
    if interval is None:
        return ""
    low, high = max(0.0, interval.low), min(100.0, interval.high)
    return f"95% CI {format_percent(low)}–{format_percent(high)}"


FILTERS: dict[str, Any] = {
    "datetime": format_datetime,
    "date": format_date,
    "month": month_label,
    "pct": format_percent,
    "ci": interval_text,
}


def register(app: Flask) -> None:
    for name, helper in FILTERS.items():
        app.add_template_filter(helper, name)
    # The report templates call them as functions too: {{ pct(x) }}, {{ ci(i) }}.
    app.add_template_global(format_percent, "pct")
    app.add_template_global(interval_text, "ci")
    app.add_template_global(Role, "Role")
