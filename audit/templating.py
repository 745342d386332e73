"""How figures and dates read, everywhere: the display helpers every template (pages and
PDFs) gets, registered once by the app factory.

    {{ value|pct }}        "74.3%"        (an empty value reads "–")
    {{ interval|ci }}      "95% CI 61.2%–74.0%", shown within the 0–100% scale
    {{ difference(b.difference) }}  "+2.2 pts" (of the figures as shown: stats.shown_difference)
    {{ when|date }}        "06 Dec 2026"
    {{ when|datetime }}    "06 Dec 2026 14:05"
    {{ "2026-06"|month }}  "Jun 2026"
    {{ event.action|event }}  "Photo added" (audit.models.EVENT_WORDS)
    {{ visit.band|band }}  "Meets target" (audit.scorecards.values.BAND_WORDS)
    {{ "no"|answer }}       "No", as the visit form's buttons say it
    {{ question.text|short }}  "Did the adviser check you had understood…" (about 60 characters)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask

from audit.models import Role, event_words
from audit.reporting import Interval
from audit.reporting.charts import format_percent
from audit.reporting.months import month_label  # the charts' too: one way to write a month
from audit.reporting.stats import percent_scale, shown_difference
from audit.scorecards.values import band_words
from audit.views import shorten
from audit.visits.answer_changes import answer_words


def format_datetime(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    return value.strftime(fmt) if value else ""


def format_date(value: date | datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def interval_text(interval: Interval | None) -> str:
    """ "95% CI 61.2%–74.0%" for a mean's interval, shown within 0–100%
    (:func:`audit.reporting.stats.percent_scale`, as the PDFs and CSV downloads)."""
    shown = percent_scale(interval)
    if shown is None:
        return ""
    return f"95% CI {format_percent(shown.low)}–{format_percent(shown.high)}"


def format_difference(value: float | None, unit: str = " pts") -> str:
    """ "+2.2 pts", "−1.0 pts" (a true minus, as the other figures), "0.0 pts"; "–" for none.

    ``value`` comes from :func:`audit.reporting.stats.shown_difference`, the
    difference of the two figures as they are shown, so the three always agree.
    """
    if value is None:
        return "–"
    text = f"{abs(value):.1f}"
    sign = "" if text == "0.0" else ("−" if value < 0 else "+")
    return f"{sign}{text}{unit}"


FILTERS: dict[str, Any] = {
    "datetime": format_datetime,
    "date": format_date,
    "month": month_label,
    "pct": format_percent,
    "ci": interval_text,
    "event": event_words,
    "short": shorten,
    "band": band_words,
    "answer": answer_words,
}


def register(app: Flask) -> None:
    for name, helper in FILTERS.items():
        app.add_template_filter(helper, name)
    # The report templates call them as functions too: {{ pct(x) }}, {{ ci(i) }}.
    app.add_template_global(format_percent, "pct")
    app.add_template_global(interval_text, "ci")
    app.add_template_global(format_difference, "difference")
    app.add_template_global(shown_difference, "shown_difference")
    app.add_template_global(Role, "Role")
