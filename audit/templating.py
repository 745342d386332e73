"""How figures and dates read, everywhere: the display helpers every template (pages and
PDFs) gets, registered once by the app factory.

    {{ value|pct }}        "74.3%"        (an empty value reads "–"; Spanish "74,3 %")
    {{ interval|ci }}      "95% CI 61.2%–74.0%", shown within the 0–100% scale
    {{ difference(b.difference) }}  "+2.2 pts" (of the figures as shown: stats.shown_difference)
    {{ when|date(visit.branch) }}      "06 Dec 2026"        (Spanish "6 dic 2026")
    {{ when|datetime(visit.branch) }}  "06 Dec 2026 14:05"  (Spanish "6 dic 2026, 14:05")
    {{ when|time(visit.branch) }}      "14:05"
    {{ when|datetime(visit.branch, zone=True) }}  "06 Dec 2026 14:05 JST", where a page
                           lists the times of several branches
    {{ (when|local(visit.branch)).strftime("%Y-%m-%dT%H:%M") }}  a form field's value
    {{ "2026-06"|month }}  "Jun 2026"
    {{ event.action|event }}  "Photo added" (audit.models.EVENT_WORDS)
    {{ visit.band|band }}  "Meets target" (audit.scorecards.values.BAND_WORDS)
    {{ "no"|answer }}       "No", as the visit form's buttons say it
    {{ question.text|short }}  "Did the adviser check you had understood…" (about 60 characters)
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext

# The dates: audit/dates.py, where the services that write notifications reach them too.
from audit.dates import format_date, format_datetime, format_time, local_time
from audit.models import Role, event_words
from audit.reporting import Interval
from audit.reporting.reader_text import decimal_text, month_text, number_text, percent_text
from audit.reporting.stats import percent_scale, shown_difference
from audit.scorecards.values import band_words
from audit.script_words import script_words
from audit.views import shorten
from audit.visits.answer_changes import YES_NO_WORDS, display_value

# One writer of figures and months for pages, PDFs and charts (audit.reporting.reader_text).
format_month = month_text
format_pct = percent_text
_decimal = decimal_text
format_number = number_text


def interval_text(interval: Interval | None) -> str:
    """ "95% CI 61.2%–74.0%" for a mean's interval, shown within 0–100%
    (:func:`audit.reporting.stats.percent_scale`, as the PDFs and CSV downloads)."""
    shown = percent_scale(interval)
    if shown is None:
        return ""
    return gettext(
        "95%% CI %(low)s–%(high)s", low=format_pct(shown.low), high=format_pct(shown.high)
    )


def format_difference(value: float | None, unit: str | None = None) -> str:
    """ "+2.2 pts", "−1.0 pts" (a true minus, as the other figures), "0.0 pts"; "–" for none.

    ``value`` comes from :func:`audit.reporting.stats.shown_difference`, the
    difference of the two figures as they are shown, so the three always agree. ``unit``
    None says "pts" in the reader's language; "" gives the bare figure.
    """
    if value is None:
        return "–"
    text = f"{abs(value):.1f}"
    sign = "" if text == "0.0" else ("−" if value < 0 else "+")
    figure = f"{sign}{_decimal(text)}"
    if unit is None:
        return gettext("%(value)s pts", value=figure)
    return f"{figure}{unit}"


def event_text(action: str) -> str:
    """An event as a history shows it, in the reader's language: "Foto añadida"
    (:data:`audit.models.EVENT_WORDS` keeps the English, which the API returns)."""
    words = event_words(action)
    return gettext(words) if words else ""


def band_text(band: str | None) -> str:
    """ "Meets target" in the reader's language; "" for no band."""
    words = band_words(band)
    return gettext(words) if words else ""


def answer_text(value: Any) -> str:
    """An answer as the visit form shows it, in the reader's language: "Sí", "No"; numbers,
    option labels and N/A as they are (:func:`audit.visits.answer_changes.answer_words`)."""
    text = display_value(value)
    return gettext(YES_NO_WORDS[text]) if text in YES_NO_WORDS else text


FILTERS: dict[str, Any] = {
    "datetime": format_datetime,
    "date": format_date,
    "time": format_time,
    "local": local_time,
    "month": format_month,
    "pct": format_pct,
    "decimal": format_number,
    "ci": interval_text,
    "event": event_text,
    "short": shorten,
    "band": band_text,
    "answer": answer_text,
}


def register(app: Flask) -> None:
    for name, helper in FILTERS.items():
        app.add_template_filter(helper, name)
    # The report templates call them as functions too: {{ pct(x) }}, {{ ci(i) }}.
    app.add_template_global(format_pct, "pct")
    app.add_template_global(interval_text, "ci")
    app.add_template_global(format_difference, "difference")
    app.add_template_global(shown_difference, "shown_difference")
    app.add_template_global(Role, "Role")
    app.add_template_global(script_words, "script_words")
