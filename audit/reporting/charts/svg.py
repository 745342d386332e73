"""What every chart shares: fonts, colours, the values charts take, and SVG helpers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from flask_babel import gettext
from markupsafe import Markup, escape

from audit.reporting.reader_text import percent_text

if TYPE_CHECKING:  # the adapters only read attributes
    from audit.reporting.stats import Interval

FONT = "DejaVu Sans, Verdana, sans-serif"

COLOURS = {
    "ink": "#212529",
    "muted": "#6c757d",
    "grid": "#dee2e6",
    "axis": "#adb5bd",
    "line": "#12355b",  # brand blue
    "band": "#12355b",
    "target": "#b02a37",  # dark red, dashed
    "company": "#e08a00",  # amber marker
    "meets": "#2a9d8f",  # brand accent (teal)
    "below": "#d1495b",
    "neutral": "#6c8ebf",
    "interval": "#212529",
}

# --------------------------------------------------------------------------- values


class TrendValue(NamedTuple):
    """One month of a trend: label, mean percent (None: no visits), n, optional 95% interval."""

    label: str
    percent: float | None
    n: int
    low: float | None = None
    high: float | None = None


class BarValue(NamedTuple):
    """One horizontal bar: label, percent (None: no data), n, its benchmarks and interval.

    ``target`` is drawn as a red tick, ``company`` as an amber diamond;
    ``low``/``high`` (the 95% interval) as a whisker. A bar is teal when it
    meets its target, red when below it, blue when there is no target.
    """

    label: str
    percent: float | None
    n: int
    target: float | None = None
    company: float | None = None
    low: float | None = None
    high: float | None = None


SectionBar = BarValue  # the name the section chart's callers read best


#: ``82.5%`` (Spanish ``82,5 %``), an en dash for no value: the reader's figures.
format_percent = percent_text


def _n_text(n: int) -> str:
    return f"n={n}"


def _value_tip(value: TrendValue | BarValue) -> str:
    """A point's or bar's hover text: ``Label: 82.5% (n=12), 95% CI 70.0%–95.0%``."""
    if value.low is None or value.high is None:
        return f"{value.label}: {format_percent(value.percent)} ({_n_text(value.n)})"
    return gettext(
        "%(label)s: %(value)s (%(n)s), 95%% CI %(low)s–%(high)s",
        label=value.label,
        value=format_percent(value.percent),
        n=_n_text(value.n),
        low=format_percent(value.low),
        high=format_percent(value.high),
    )


def _interval_ends(interval: Interval | None) -> tuple[float | None, float | None]:
    """A figure's 95% interval as the ``low, high`` of a chart value; None, None without one."""
    return (interval.low, interval.high) if interval else (None, None)


# --------------------------------------------------------------------------- svg helpers


def _num(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attrs(attributes: Mapping[str, object]) -> str:
    parts = []
    for key, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = _num(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{escape(str(value))}"')
    return " ".join(parts)


def _el(tag: str, content: str = "", **attributes: object) -> str:
    attrs = _attrs(attributes)
    opening = f"<{tag} {attrs}" if attrs else f"<{tag}"
    return f"{opening}>{content}</{tag}>" if content else f"{opening}/>"


def _line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    stroke: str,
    width: float,
    *,
    tip: str = "",
    **attributes: object,
) -> str:
    """A ``<line>`` from (x1, y1) to (x2, y2); further attributes follow the stroke width."""
    return _el(
        "line", tip, x1=x1, y1=y1, x2=x2, y2=y2, stroke=stroke, stroke_width=width, **attributes
    )


def _text(x: float, y: float, text: str, **attributes: object) -> str:
    defaults: dict[str, object] = {"font_family": FONT, "font_size": 11, "fill": COLOURS["ink"]}
    defaults.update(attributes)
    return _el("text", str(escape(text)), x=float(x), y=float(y), **defaults)


def _text_width(text: str, font_size: float = 11) -> float:
    """About how wide ``text`` is drawn (DejaVu Sans averages 0.55 em a letter): enough to
    space a legend whose words are longer in another language."""
    return len(text) * font_size * 0.55


def _tip(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _chart_id(kind: str, *parts: object) -> str:
    """A stable id from the chart's content (the same chart always gets the same id)."""
    digest = hashlib.sha1(repr((kind, parts)).encode(), usedforsecurity=False).hexdigest()
    return f"{kind}-{digest[:10]}"


def _svg(
    kind: str, title: str, description: str, width: int, height: int, body: Iterable[str]
) -> Markup:
    ident = _chart_id(kind, title, description, width, height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" class="chart chart-{kind}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" aria-label="{escape(title)}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text is escaped above


def _described(title: str, words: str) -> str:
    """A bar or trend chart's ``<desc>``: its title, its scale, then its data in words."""
    return gettext("%(title)s, 0 to 100 percent. %(words)s.", title=title, words=words)


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))
