"""Server-side SVG charts for the dashboards and the PDF reports: one module, used unchanged.

Every chart is a pure function of plain values that returns a
:class:`markupsafe.Markup` holding one standalone ``<svg>`` element, so a
template writes ``{{ chart }}`` and the same markup is drawn by a browser
and by WeasyPrint. The SVG is hand-written rather than produced by a chart
library because WeasyPrint draws SVG itself and supports only part of it:

- no scripts, no CSS classes or ``<style>``: every colour, stroke and font is
  a presentation attribute on the element;
- generic fonts only (``DejaVu Sans, sans-serif``), sizes in user units;
- an explicit ``viewBox`` plus ``width``/``height``, so the chart scales with
  its container on screen (``svg { max-width: 100%; height: auto }`` in
  static/css/reports.css) and has a definite size in a PDF;
- ``xmlns`` is always set, so the string also works as a data: URI image.

Accessibility: each chart has ``role="img"``, an ``aria-label`` and a
``<title>`` (the chart's title), and a ``<desc>`` that lists the data in
words; each point or bar carries its own ``<title>`` (a hover tip in
browsers that needs no script). Percent axes always run from 0 to 100 so a
small difference never looks like a large one.

The section × branch heatmap is deliberately not an SVG: an HTML table with
one class per cell (:func:`heatmap_cell_class`) keeps the branch and section
names as selectable, searchable text, lets the table scroll sideways on a
phone and repeat its header on every PDF page, and scales to hundreds of
rows where an SVG would have to be laid out by hand. :data:`HEATMAP_COLOURS`
and :func:`heatmap_css` give both the web and the PDF stylesheet the same
colours.

Typical use::

    trend_chart([("2026-01", 82.5, 12), ("2026-02", None, 0)], target=85)
    section_bars([SectionBar("Welcome", 88.0, 40, target=90, company=84.5)])
    heatmap_cell_class(78.0, target=85)      # 'heat-near'

Adapters from :mod:`audit.reporting` results (:func:`trend_values`,
:func:`section_bar_values`, :func:`league_bar_values`) are pure too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from markupsafe import Markup, escape

if TYPE_CHECKING:  # the adapters only read attributes; no import cycle at run time
    from audit.reporting.league import League
    from audit.reporting.sections import SectionResult
    from audit.reporting.trend import TrendPoint

__all__ = [
    "COLOURS",
    "FONT",
    "HEATMAP_CLASSES",
    "HEATMAP_COLOURS",
    "NEAR_MISS_POINTS",
    "FAR_MISS_POINTS",
    "BarValue",
    "SectionBar",
    "TrendValue",
    "format_percent",
    "heatmap_cell_class",
    "heatmap_css",
    "hbar_chart",
    "league_bar_values",
    "section_bar_values",
    "section_bars",
    "trend_chart",
    "trend_values",
]

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


def format_percent(value: float | None, digits: int = 1) -> str:
    """``82.5%``; an en dash for no value."""
    return "–" if value is None else f"{value:.{digits}f}%"


def _n_text(n: int) -> str:
    return f"n={n}"


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


def _text(x: float, y: float, text: str, **attributes: object) -> str:
    defaults: dict[str, object] = {"font_family": FONT, "font_size": 11, "fill": COLOURS["ink"]}
    defaults.update(attributes)
    return _el("text", str(escape(text)), x=float(x), y=float(y), **defaults)


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


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


# --------------------------------------------------------------------------- trend


def trend_chart(
    points: Sequence[tuple[object, ...]],
    target: float | None = None,
    *,
    title: str = "Mean score by month",
    width: int = 640,
    height: int = 260,
) -> Markup:
    """A monthly line of mean percents on a 0–100 axis, with the target as a dashed line.

    ``points`` are :class:`TrendValue` or plain ``(label, percent, n)``
    tuples (optionally ``low, high`` after ``n`` for a 95% interval drawn as
    a whisker). A month with no visits (percent None) breaks the line
    instead of being joined across. Under every month label the chart
    prints its n, so a point resting on one visit reads as such.
    """
    values = [TrendValue(*p) for p in points]  # type: ignore[arg-type]
    left, right, top, bottom = 44, 16, 28, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    body: list[str] = [_el("rect", x=0, y=0, width=width, height=height, fill="#ffffff")]

    def y_of(percent: float) -> float:
        return top + plot_h * (1 - _clamp(percent) / 100)

    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        body.append(
            _el(
                "line",
                x1=left,
                y1=y,
                x2=left + plot_w,
                y2=y,
                stroke=COLOURS["grid"],
                stroke_width=1,
            )
        )
        body.append(_text(left - 6, y + 4, f"{tick}%", text_anchor="end", fill=COLOURS["muted"]))
    body.append(
        _el(
            "line",
            x1=left,
            y1=top + plot_h,
            x2=left + plot_w,
            y2=top + plot_h,
            stroke=COLOURS["axis"],
            stroke_width=1,
        )
    )

    count = len(values)
    step = plot_w / count if count else plot_w

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    # Month labels: thinned out past 12 months (every n is still in the point's tip and
    # in <desc>); the n under each month up to 18 months, under the labelled ones beyond.
    every = max(1, -(-count // 12))
    for i, value in enumerate(values):
        x = x_of(i)
        labelled = i % every == 0
        if labelled:
            body.append(_text(x, top + plot_h + 16, value.label, text_anchor="middle"))
        if not labelled and count > 18:
            continue
        body.append(
            _text(
                x,
                top + plot_h + 30,
                _n_text(value.n),
                text_anchor="middle",
                font_size=9,
                fill=COLOURS["muted"],
            )
        )

    if target is not None:
        y = y_of(target)
        body.append(
            _el(
                "line",
                _tip(f"Target {format_percent(target)}"),
                x1=left,
                y1=y,
                x2=left + plot_w,
                y2=y,
                stroke=COLOURS["target"],
                stroke_width=1.5,
                stroke_dasharray="6 4",
                class_="target-line",
            )
        )

    # Interval whiskers under the line.
    for i, value in enumerate(values):
        if value.percent is None or value.low is None or value.high is None:
            continue
        x = x_of(i)
        body.append(
            _el(
                "line",
                x1=x,
                y1=y_of(value.low),
                x2=x,
                y2=y_of(value.high),
                stroke=COLOURS["band"],
                stroke_opacity=0.35,
                stroke_width=6,
                stroke_linecap="round",
            )
        )

    # The line, broken at months without visits.
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value.percent is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x_of(i), y_of(value.percent)))
    for run in runs:
        if len(run) > 1:
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
            body.append(
                _el(
                    "polyline",
                    points=path,
                    fill="none",
                    stroke=COLOURS["line"],
                    stroke_width=2,
                    stroke_linejoin="round",
                )
            )
    for i, value in enumerate(values):
        if value.percent is None:
            continue
        tip = f"{value.label}: {format_percent(value.percent)} ({_n_text(value.n)})"
        if value.low is not None and value.high is not None:
            tip += f", 95% CI {format_percent(value.low)}–{format_percent(value.high)}"
        body.append(
            _el(
                "circle",
                _tip(tip),
                cx=x_of(i),
                cy=y_of(value.percent),
                r=3.5,
                fill=COLOURS["line"],
                class_="point",
                data_label=value.label,
                data_value=f"{value.percent:.1f}",
                data_n=value.n,
            )
        )

    # Legend.
    body.append(
        _el(
            "line",
            x1=left,
            y1=12,
            x2=left + 18,
            y2=12,
            stroke=COLOURS["line"],
            stroke_width=2,
        )
    )
    body.append(_text(left + 22, 16, "Mean score"))
    if target is not None:
        body.append(
            _el(
                "line",
                x1=left + 110,
                y1=12,
                x2=left + 128,
                y2=12,
                stroke=COLOURS["target"],
                stroke_width=1.5,
                stroke_dasharray="6 4",
            )
        )
        body.append(_text(left + 132, 16, f"Target {format_percent(target, 0)}"))

    shown = [v for v in values if v.percent is not None]
    if shown:
        words = "; ".join(f"{v.label} {format_percent(v.percent)} ({_n_text(v.n)})" for v in shown)
    else:
        words = "no visits in the period"
    description = f"{title}, 0 to 100 percent. {words}."
    if target is not None:
        description += f" Target {format_percent(target)}."
    return _svg("trend", title, description, width, height, body)


def trend_values(trend: Iterable[TrendPoint]) -> list[TrendValue]:
    """:func:`audit.reporting.monthly_trend` points as chart values, with their intervals."""
    values = []
    for point in trend:
        fig = point.figure
        interval = fig.interval
        values.append(
            TrendValue(
                point.month,
                fig.mean,
                fig.n,
                interval.low if interval else None,
                interval.high if interval else None,
            )
        )
    return values


# --------------------------------------------------------------------------- bars


def hbar_chart(
    rows: Sequence[tuple[object, ...]],
    *,
    title: str,
    width: int = 640,
    label_width: int = 200,
    bar_height: int = 18,
    gap: int = 12,
    legend: bool = True,
) -> Markup:
    """Horizontal bars on a 0–100 scale, one per :class:`BarValue` (or plain tuple).

    Each bar shows its percent and n at the right; its target (red tick),
    the company average (amber diamond) and its 95% interval (whisker) when
    given. Long labels are cut with an ellipsis; the full label stays in the
    bar's ``<title>``.
    """
    values = [BarValue(*r) for r in rows]  # type: ignore[arg-type]
    value_width = 96
    left, right, top = label_width, value_width, 34 if legend else 10
    plot_w = width - left - right
    row_h = bar_height + gap
    height = top + max(1, len(values)) * row_h + 22
    body: list[str] = [_el("rect", x=0, y=0, width=width, height=height, fill="#ffffff")]

    def x_of(percent: float) -> float:
        return left + plot_w * _clamp(percent) / 100

    plot_bottom = top + max(1, len(values)) * row_h
    for tick in (0, 25, 50, 75, 100):
        x = x_of(tick)
        body.append(
            _el(
                "line",
                x1=x,
                y1=top - 4,
                x2=x,
                y2=plot_bottom,
                stroke=COLOURS["grid"],
                stroke_width=1,
            )
        )
        body.append(
            _text(x, plot_bottom + 14, f"{tick}%", text_anchor="middle", fill=COLOURS["muted"])
        )

    if legend:
        has_target = any(v.target is not None for v in values)
        has_company = any(v.company is not None for v in values)
        x = left
        if has_target:
            body.append(_el("rect", x=x, y=6, width=12, height=12, fill=COLOURS["meets"]))
            body.append(_text(x + 16, 16, "Meets target"))
            x += 104
            body.append(_el("rect", x=x, y=6, width=12, height=12, fill=COLOURS["below"]))
            body.append(_text(x + 16, 16, "Below target"))
            x += 104
            body.append(
                _el(
                    "line",
                    x1=x + 6,
                    y1=4,
                    x2=x + 6,
                    y2=20,
                    stroke=COLOURS["target"],
                    stroke_width=3,
                )
            )
            body.append(_text(x + 14, 16, "Target"))
            x += 64
        if has_company:
            body.append(_diamond(x + 6, 12, 6))
            body.append(_text(x + 16, 16, "Company"))

    described = []
    for i, value in enumerate(values):
        y = top + i * row_h
        label = value.label if len(value.label) <= 30 else value.label[:29] + "…"
        body.append(_text(left - 8, y + bar_height * 0.72, label, text_anchor="end"))
        tip = f"{value.label}: {format_percent(value.percent)} ({_n_text(value.n)})"
        if value.low is not None and value.high is not None:
            tip += f", 95% CI {format_percent(value.low)}–{format_percent(value.high)}"
        if value.target is not None:
            tip += f", target {format_percent(value.target)}"
        if value.company is not None:
            tip += f", company {format_percent(value.company)}"
        described.append(tip)
        body.append(_el("rect", x=left, y=y, width=plot_w, height=bar_height, fill="#f1f3f5"))
        if value.percent is not None:
            if value.target is None:
                colour = COLOURS["neutral"]
            elif value.percent >= value.target:
                colour = COLOURS["meets"]
            else:
                colour = COLOURS["below"]
            body.append(
                _el(
                    "rect",
                    _tip(tip),
                    x=left,
                    y=y,
                    width=max(0.0, x_of(value.percent) - left),
                    height=bar_height,
                    fill=colour,
                    class_="bar",
                    data_label=value.label,
                    data_value=f"{value.percent:.1f}",
                    data_n=value.n,
                )
            )
            if value.low is not None and value.high is not None:
                middle = y + bar_height / 2
                body.append(
                    _el(
                        "line",
                        x1=x_of(value.low),
                        y1=middle,
                        x2=x_of(value.high),
                        y2=middle,
                        stroke=COLOURS["interval"],
                        stroke_width=1.5,
                    )
                )
                for end in (value.low, value.high):
                    body.append(
                        _el(
                            "line",
                            x1=x_of(end),
                            y1=middle - 4,
                            x2=x_of(end),
                            y2=middle + 4,
                            stroke=COLOURS["interval"],
                            stroke_width=1.5,
                        )
                    )
        if value.target is not None:
            x = x_of(value.target)
            body.append(
                _el(
                    "line",
                    _tip(f"Target {format_percent(value.target)}"),
                    x1=x,
                    y1=y - 3,
                    x2=x,
                    y2=y + bar_height + 3,
                    stroke=COLOURS["target"],
                    stroke_width=3,
                    class_="target",
                )
            )
        if value.company is not None:
            body.append(_diamond(x_of(value.company), y + bar_height / 2, 6, value.company))
        body.append(
            _text(
                left + plot_w + 8,
                y + bar_height * 0.72,
                f"{format_percent(value.percent)}  {_n_text(value.n)}",
            )
        )

    words = "; ".join(described) if described else "no data"
    description = f"{title}, 0 to 100 percent. {words}."
    return _svg("bars", title, description, width, height, body)


def _diamond(cx: float, cy: float, size: float, value: float | None = None) -> str:
    corners = ((cx, cy - size), (cx + size, cy), (cx, cy + size), (cx - size, cy))
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in corners)
    tip = _tip(f"Company {format_percent(value)}") if value is not None else ""
    return _el(
        "polygon",
        tip,
        points=points,
        fill=COLOURS["company"],
        stroke="#ffffff",
        stroke_width=1,
        class_="company" if value is not None else None,
    )


def section_bars(
    sections: Sequence[tuple[object, ...]],
    *,
    title: str = "Sections against target and company",
    width: int = 640,
) -> Markup:
    """One bar per section: mean percent with its interval, section target and company mean.

    ``sections`` are :class:`SectionBar` values (see :func:`section_bar_values`
    to build them from :func:`audit.reporting.section_results`).
    """
    return hbar_chart(sections, title=title, width=width)


def section_bar_values(
    results: Iterable[SectionResult],
    company: Iterable[SectionResult] = (),
) -> list[SectionBar]:
    """Section results as bars, each with the same section's company mean (matched by key)."""
    company_means = {r.section.ident: r.figure.mean for r in company}
    bars = []
    for result in results:
        fig = result.figure
        bars.append(
            SectionBar(
                result.section.title,
                fig.mean,
                fig.n,
                result.section.target,
                company_means.get(result.section.ident),
                fig.interval.low if fig.interval else None,
                fig.interval.high if fig.interval else None,
            )
        )
    return bars


def league_bar_values(
    league: League, target: float | None = None, company: float | None = None, limit: int = 30
) -> list[BarValue]:
    """The ranked entries of a league (best first, at most ``limit``) as bars."""
    bars = []
    for entry in league.ranked[:limit]:
        fig = entry.figure
        bars.append(
            BarValue(
                f"{entry.rank}. {entry.name}",
                fig.mean,
                fig.n,
                target,
                company,
                fig.interval.low if fig.interval else None,
                fig.interval.high if fig.interval else None,
            )
        )
    return bars


# --------------------------------------------------------------------------- heatmap

NEAR_MISS_POINTS = 5.0
FAR_MISS_POINTS = 15.0

HEATMAP_CLASSES = (
    "heat-exceeds",
    "heat-meets",
    "heat-near",
    "heat-below",
    "heat-far",
    "heat-unjudged",
    "heat-none",
)

# (background, text) per class; colour-blind-safe enough with the numbers printed in every cell.
HEATMAP_COLOURS: dict[str, tuple[str, str]] = {
    "heat-exceeds": ("#1b7f72", "#ffffff"),
    "heat-meets": ("#a8dcd1", "#0b3b35"),
    "heat-near": ("#ffe08a", "#4d3a00"),
    "heat-below": ("#f4a482", "#5a1a00"),
    "heat-far": ("#c9302c", "#ffffff"),
    "heat-unjudged": ("#e9ecef", "#212529"),
    "heat-none": ("#ffffff", "#6c757d"),
}


def heatmap_cell_class(
    percent: float | None, target: float | None, excellence: float | None = None
) -> str:
    """The CSS class of a heatmap cell, judged against its (section) target.

    - ``heat-none``: no visits in the cell;
    - ``heat-unjudged``: a value but no target to judge it by;
    - ``heat-exceeds``: at or above ``excellence`` (when given);
    - ``heat-meets``: at or above the target;
    - ``heat-near``: below the target by less than :data:`NEAR_MISS_POINTS`;
    - ``heat-below``: below by less than :data:`FAR_MISS_POINTS`;
    - ``heat-far``: further below.

    Both the web and the PDF stylesheet colour these classes with
    :data:`HEATMAP_COLOURS` (see :func:`heatmap_css`); the cell still prints
    its number, so colour is never the only carrier of the value.
    """
    if percent is None:
        return "heat-none"
    if target is None:
        return "heat-unjudged"
    if excellence is not None and percent >= excellence:
        return "heat-exceeds"
    if percent >= target:
        return "heat-meets"
    short = target - percent
    if short < NEAR_MISS_POINTS:
        return "heat-near"
    if short < FAR_MISS_POINTS:
        return "heat-below"
    return "heat-far"


def heatmap_css(selector: str = "td") -> str:
    """CSS rules colouring the heatmap classes (``td.heat-meets { … }``), for web or print."""
    return "\n".join(
        f"{selector}.{name} {{ background-color: {background}; color: {colour}; }}"
        for name, (background, colour) in HEATMAP_COLOURS.items()
    )
