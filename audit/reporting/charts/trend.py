"""The trend chart: a unit's monthly mean with its interval, n and benchmarks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:  # the adapters only read attributes; no import cycle at run time
    from audit.reporting.trend import TrendPoint

from audit.reporting.charts.svg import (
    COLOURS,
    TrendValue,
    _clamp,
    _el,
    _interval_ends,
    _line,
    _n_text,
    _num,
    _svg,
    _text,
    _tip,
    _value_tip,
    format_percent,
)

#: The target line's dash pattern, on the chart and in its legend.
DASHED = "6 4"

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
        body.append(_line(left, y, left + plot_w, y, COLOURS["grid"], 1))
        body.append(_text(left - 6, y + 4, f"{tick}%", text_anchor="end", fill=COLOURS["muted"]))
    body.append(_line(left, top + plot_h, left + plot_w, top + plot_h, COLOURS["axis"], 1))

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
            _line(
                left,
                y,
                left + plot_w,
                y,
                COLOURS["target"],
                1.5,
                tip=_tip(f"Target {format_percent(target)}"),
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

    # Legend.
    body.append(_line(left, 12, left + 18, 12, COLOURS["line"], 2))
    body.append(_text(left + 22, 16, "Mean score"))
    if target is not None:
        body.append(
            _line(left + 110, 12, left + 128, 12, COLOURS["target"], 1.5, stroke_dasharray=DASHED)
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
    return [
        TrendValue(
            point.month, point.figure.mean, point.figure.n, *_interval_ends(point.figure.interval)
        )
        for point in trend
    ]
