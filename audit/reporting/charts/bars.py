"""Horizontal bar charts: sections against targets and benchmarks, leagues."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from flask_babel import gettext
from markupsafe import Markup

if TYPE_CHECKING:  # the adapters only read attributes; no import cycle at run time
    from audit.reporting.league import League
    from audit.reporting.sections import SectionResult

from audit.reporting.charts.svg import (
    COLOURS,
    BarValue,
    SectionBar,
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
        body.append(_line(x, top - 4, x, plot_bottom, COLOURS["grid"], 1))
        body.append(
            _text(
                x,
                plot_bottom + 14,
                format_percent(tick, 0),
                text_anchor="middle",
                fill=COLOURS["muted"],
            )
        )

    if legend:
        body.extend(_legend(values, left, (104, 104, 64)))

    described = []
    for i, value in enumerate(values):
        y = top + i * row_h
        label = value.label if len(value.label) <= 30 else value.label[:29] + "…"
        body.append(_text(left - 8, y + bar_height * 0.72, label, text_anchor="end"))
        tip = _bar_tip(value)
        described.append(tip)
        body.extend(_bar(value, tip, x_of, left, y, plot_w, bar_height))
        body.append(
            _text(
                left + plot_w + 8,
                y + bar_height * 0.72,
                f"{format_percent(value.percent)}  {_n_text(value.n)}",
            )
        )

    words = "; ".join(described) if described else gettext("no data")
    return _svg("bars", title, _described(title, words), width, height, body)


def _legend(values: Sequence[BarValue], x: float, steps: tuple[int, int, int]) -> list[str]:
    """The key of a bar chart from ``x``: bar colours and the target tick when a bar has a
    target, the company diamond when a bar has a company figure. ``steps`` are the
    smallest widths of the three target entries; longer words push the next one on."""
    body: list[str] = []
    if any(v.target is not None for v in values):
        meets, below, target = gettext("Meets target"), gettext("Below target"), gettext("Target")
        for colour, words, step in (
            (COLOURS["meets"], meets, steps[0]),
            (COLOURS["below"], below, steps[1]),
        ):
            body.append(_el("rect", x=x, y=6, width=12, height=12, fill=colour))
            body.append(_text(x + 16, 16, words))
            x += max(step, 16 + _text_width(words) + 10)
        body.append(_line(x + 6, 4, x + 6, 20, COLOURS["target"], 3))
        body.append(_text(x + 14, 16, target))
        x += max(steps[2], 14 + _text_width(target) + 10)
    if any(v.company is not None for v in values):
        body.append(_diamond(x + 6, 12, 6))
        body.append(_text(x + 16, 16, gettext("Company")))
    return body


#: The stacked chart's width in user units: drawn at 100% of a phone's width its text is about
#: as large as the page's small print, and a desktop page shows it no wider than it reads well
#: (static/css/reports.css).
STACKED_WIDTH = 400


def stacked_bar_chart(
    rows: Sequence[tuple[object, ...]],
    *,
    title: str,
    width: int = STACKED_WIDTH,
    legend: bool = True,
) -> Markup:
    """Horizontal bars with each label on its own line above its bar, for narrow screens.

    The same marks as :func:`hbar_chart` (bar colour against the target, red target
    tick, amber company diamond, interval whisker, percent and n), but no label
    column: the bars use the whole width, so the chart can be scaled down to a phone's
    width (``width: 100%`` on its ``viewBox``) and its words stay readable.
    """
    values = [BarValue(*r) for r in rows]  # type: ignore[arg-type]
    edge = 6.0  # room for the target tick and the company diamond at 0% and 100%
    plot_w = width - 2 * edge
    label_h, bar_h, gap = 17, 14, 13
    row_h = label_h + bar_h + gap
    top = 30 if legend else 6
    plot_bottom = top + max(1, len(values)) * row_h - gap
    height = plot_bottom + 22
    body: list[str] = [_el("rect", x=0, y=0, width=width, height=height, fill="#ffffff")]

    def x_of(percent: float) -> float:
        return edge + plot_w * _clamp(percent) / 100

    for tick in (0, 25, 50, 75, 100):
        x = x_of(tick)
        anchor = "start" if tick == 0 else "end" if tick == 100 else "middle"
        body.append(_line(x, top, x, plot_bottom, COLOURS["grid"], 1))
        body.append(
            _text(
                x - edge if tick == 0 else x + edge if tick == 100 else x,
                plot_bottom + 15,
                format_percent(tick, 0),
                text_anchor=anchor,
                fill=COLOURS["muted"],
            )
        )

    if legend:
        body.extend(_legend(values, 0.0, (96, 96, 60)))

    described = []
    for i, value in enumerate(values):
        y_label = top + i * row_h
        y = y_label + label_h
        tip = _bar_tip(value)
        described.append(tip)
        label = value.label if len(value.label) <= 42 else value.label[:41] + "…"
        body.append(_text(0, y_label + 12, label, font_size=12))
        body.append(
            _text(
                width,
                y_label + 12,
                f"{format_percent(value.percent)}  {_n_text(value.n)}",
                text_anchor="end",
                fill=COLOURS["muted"],
            )
        )
        body.extend(_bar(value, tip, x_of, edge, y, plot_w, bar_h))

    words = "; ".join(described) if described else gettext("no data")
    return _svg("bars", title, _described(title, words), width, height, body)


def _bar_tip(value: BarValue) -> str:
    """A bar's hover tip: its value and n, then its target and the company's figure."""
    tip = _value_tip(value)
    if value.target is not None:
        tip = gettext("%(tip)s, target %(value)s", tip=tip, value=format_percent(value.target))
    if value.company is not None:
        tip = gettext("%(tip)s, company %(value)s", tip=tip, value=format_percent(value.company))
    return tip


def _bar(
    value: BarValue,
    tip: str,
    x_of: Callable[[float], float],
    edge: float,
    y: float,
    plot_w: float,
    bar_h: float,
) -> list[str]:
    """One bar on its grey track from ``edge``: coloured by its target, its 95% interval,
    the target's tick and the company's diamond."""
    out = [_el("rect", x=edge, y=y, width=plot_w, height=bar_h, fill="#f1f3f5")]
    if value.percent is not None:
        if value.target is None:
            colour = COLOURS["neutral"]
        elif value.percent >= value.target:
            colour = COLOURS["meets"]
        else:
            colour = COLOURS["below"]
        out.append(
            _el(
                "rect",
                _tip(tip),
                x=edge,
                y=y,
                width=max(0.0, x_of(value.percent) - edge),
                height=bar_h,
                fill=colour,
                class_="bar",
                data_label=value.label,
                data_value=f"{value.percent:.1f}",
                data_n=value.n,
            )
        )
        if value.low is not None and value.high is not None:
            middle, ink = y + bar_h / 2, COLOURS["interval"]
            out.append(_line(x_of(value.low), middle, x_of(value.high), middle, ink, 1.5))
            for end in (value.low, value.high):
                out.append(_line(x_of(end), middle - 4, x_of(end), middle + 4, ink, 1.5))
    if value.target is not None:
        x = x_of(value.target)
        out.append(
            _line(
                x,
                y - 3,
                x,
                y + bar_h + 3,
                COLOURS["target"],
                3,
                tip=_tip(gettext("Target %(value)s", value=format_percent(value.target))),
                class_="target",
            )
        )
    if value.company is not None:
        out.append(_diamond(x_of(value.company), y + bar_h / 2, 6, value.company))
    return out


def _diamond(cx: float, cy: float, size: float, value: float | None = None) -> str:
    corners = ((cx, cy - size), (cx + size, cy), (cx, cy + size), (cx - size, cy))
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in corners)
    tip = (
        _tip(gettext("Company %(value)s", value=format_percent(value))) if value is not None else ""
    )
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
    title: str | None = None,
    width: int = STACKED_WIDTH,
) -> Markup:
    """One bar per section: mean percent with its interval, section target and company mean.

    ``sections`` are :class:`SectionBar` values (see :func:`section_bar_values`
    to build them from :func:`audit.reporting.section_results`). Stacked (each
    section's title above its bar), so that the chart fits a phone's width whole. The title
    is "Sections against target and company" unless given.
    """
    if title is None:
        title = gettext("Sections against target and company")
    return stacked_bar_chart(sections, title=title, width=width)


def section_bar_values(
    results: Iterable[SectionResult],
    company: Iterable[SectionResult] = (),
) -> list[SectionBar]:
    """Section results as bars, each with the same section's company mean (matched by key)."""
    company_means = {r.section.ident: r.figure.mean for r in company}
    return [
        SectionBar(
            result.section.title,
            result.figure.mean,
            result.figure.n,
            result.section.target,
            company_means.get(result.section.ident),
            *_interval_ends(result.figure.interval),
        )
        for result in results
    ]


def league_bar_values(
    league: League, target: float | None = None, company: float | None = None, limit: int = 30
) -> list[BarValue]:
    """The ranked entries of a league (best first, at most ``limit``) as bars."""
    return [
        BarValue(
            f"{entry.rank}. {entry.name}",
            entry.figure.mean,
            entry.figure.n,
            target,
            company,
            *_interval_ends(entry.figure.interval),
        )
        for entry in league.ranked[:limit]
    ]
