"""The trend chart: a unit's monthly mean with its interval, n and benchmarks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from flask_babel import gettext
from markupsafe import Markup

if TYPE_CHECKING:  # the adapters only read attributes; no import cycle at run time
    from audit.reporting.trend import TrendPoint

from audit.reporting.charts.svg import (
    COLOURS,
    TrendValue,
    _clamp,
    _described,
    _el,
    _interval_ends,
    _line,
    _n_text,
    _num,
    _svg,
    _text,
    _text_width,
    _tip,
    _value_tip,
    format_percent,
)
from audit.reporting.reader_text import month_text

#: The target line's dash pattern, on the chart and in its legend.
DASHED = "6 4"
#: A month's 95% interval is drawn from this many visits: on two visits the t interval
#: spans most of the 0-100% axis and says nothing a reader can use.
MIN_INTERVAL_N = 3
#: Charts narrower than this are drawn for phones: fewer month labels, the legend on two
#: lines, so the text stays readable when the chart fills a 360 px screen.
NARROW_WIDTH = 480

# --------------------------------------------------------------------------- trend


def trend_chart(
    points: Sequence[tuple[object, ...]],
    target: float | None = None,
    *,
    title: str | None = None,
    width: int = 640,
    height: int = 260,
) -> Markup:
    """A monthly line of mean percents on a 0–100 axis, with the target as a dashed line.

    ``points`` are :class:`TrendValue` or plain ``(label, percent, n)``
    tuples (optionally ``low, high`` after ``n`` for a 95% interval drawn as
    a whisker). A month with no visits (percent None) breaks the line
    instead of being joined across. Under every month label the chart
    prints its n, so a point resting on one visit reads as such. The interval is
    drawn only for months of at least :data:`MIN_INTERVAL_N` visits, and the legend
    says so. The title is "Mean score by month" unless given.
    """
    title = gettext("Mean score by month") if title is None else title
    values = [_with_interval_shown(TrendValue(*p)) for p in points]  # type: ignore[arg-type]
    narrow = width < NARROW_WIDTH  # a phone's chart: the legend takes two lines
    left, right, top, bottom = 44, 16, (44 if narrow else 28), 46
    plot_w, plot_h = width - left - right, height - top - bottom
    body: list[str] = [_el("rect", x=0, y=0, width=width, height=height, fill="#ffffff")]

    def y_of(percent: float) -> float:
        return top + plot_h * (1 - _clamp(percent) / 100)

    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        body.append(_line(left, y, left + plot_w, y, COLOURS["grid"], 1))
        body.append(
            _text(
                left - 6, y + 4, format_percent(tick, 0), text_anchor="end", fill=COLOURS["muted"]
            )
        )
    body.append(_line(left, top + plot_h, left + plot_w, top + plot_h, COLOURS["axis"], 1))

    count = len(values)
    step = plot_w / count if count else plot_w

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    # Month labels ("Jun 2026", about 55 units wide): at most 8 on the wide chart and 4 on a
    # phone's, thinned out evenly (every n is still in the point's tip and in <desc>); the n
    # under each month while there are at most half as many again, else under the labelled.
    most = 4 if narrow else 8
    every = max(1, -(-count // most))
    for i, value in enumerate(values):
        x = x_of(i)
        labelled = i % every == 0
        if labelled:
            body.append(_text(x, top + plot_h + 16, value.label, text_anchor="middle"))
        if not labelled and count > most * 3 // 2:
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
            _line(
                left,
                y,
                left + plot_w,
                y,
                COLOURS["target"],
                1.5,
                tip=_tip(gettext("Target %(value)s", value=format_percent(target))),
                stroke_dasharray=DASHED,
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
        body.append(
            _el(
                "circle",
                _tip(_value_tip(value)),
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

    # Legend: each entry at least as far on as the English words always stood, further
    # when a language's words are longer.
    mean_words = gettext("Mean score")
    body.append(_line(left, 12, left + 18, 12, COLOURS["line"], 2))
    body.append(_text(left + 22, 16, mean_words))
    after = left + max(110, 22 + _text_width(mean_words) + 12)
    if target is not None:
        target_words = gettext("Target %(value)s", value=format_percent(target, 0))
        body.append(
            _line(after, 12, after + 18, 12, COLOURS["target"], 1.5, stroke_dasharray=DASHED)
        )
        body.append(_text(after + 22, 16, target_words))
        after += max(100, 22 + _text_width(target_words) + 12)
    if any(v.percent is not None for v in values):
        x, dy = (left - 9, 16) if narrow else (after, 0)
        body.append(
            _el(
                "line",
                x1=x + 9,
                y1=6 + dy,
                x2=x + 9,
                y2=18 + dy,
                stroke=COLOURS["band"],
                stroke_opacity=0.35,
                stroke_width=6,
                stroke_linecap="round",
            )
        )
        legend = gettext(
            "95%% interval, months with %(count)s or more visits", count=MIN_INTERVAL_N
        )
        body.append(_text(x + 18, 16 + dy, legend))

    shown = [v for v in values if v.percent is not None]
    if shown:
        words = "; ".join(f"{v.label} {format_percent(v.percent)} ({_n_text(v.n)})" for v in shown)
    else:
        words = gettext("no visits in the period")
    description = _described(title, words)
    if target is not None:
        description += " " + gettext("Target %(value)s.", value=format_percent(target))
    if shown:
        description += " " + gettext(
            "95%% intervals for months with %(count)s or more visits.", count=MIN_INTERVAL_N
        )
    return _svg("trend", title, description, width, height, body)


def trend_chart_for_screens(
    points: Sequence[tuple[object, ...]], target: float | None = None, *, title: str
) -> Markup:
    """The trend chart for a page: drawn twice, 640 wide for tablets and desktops and 360
    wide for phones, and the stylesheet (``.chart-wide`` / ``.chart-narrow`` in app.css)
    shows the one that fits, so its text is never shrunk below reading size."""
    wide = trend_chart(points, target, title=title)
    narrow = trend_chart(points, target, title=title, width=360, height=240)
    return Markup('<div class="chart-wide">{}</div><div class="chart-narrow">{}</div>').format(
        wide, narrow
    )


def _with_interval_shown(value: TrendValue) -> TrendValue:
    """``value`` without its interval when it rests on too few visits to draw one."""
    if value.n >= MIN_INTERVAL_N:
        return value
    return value._replace(low=None, high=None)


def trend_values(trend: Iterable[TrendPoint]) -> list[TrendValue]:
    """:func:`audit.reporting.monthly_trend` points as chart values, labelled "Jun 2026",
    with their intervals where a month has enough visits (:data:`MIN_INTERVAL_N`)."""
    return [
        _with_interval_shown(
            TrendValue(
                month_text(point.month),
                point.figure.mean,
                point.figure.n,
                *_interval_ends(point.figure.interval),
            )
        )
        for point in trend
    ]
