"""Horizontal bar charts: sections against targets and benchmarks, leagues."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:  # the adapters only read attributes; no import cycle at run time
    from audit.reporting.league import League
    from audit.reporting.sections import SectionResult

from audit.reporting.charts.svg import (
    COLOURS,
    BarValue,
    SectionBar,
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
            body.append(_line(x + 6, 4, x + 6, 20, COLOURS["target"], 3))
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
        tip = _value_tip(value)
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
                middle, ink = y + bar_height / 2, COLOURS["interval"]
                body.append(_line(x_of(value.low), middle, x_of(value.high), middle, ink, 1.5))
                for end in (value.low, value.high):
                    body.append(_line(x_of(end), middle - 4, x_of(end), middle + 4, ink, 1.5))
        if value.target is not None:
            x = x_of(value.target)
            body.append(
                _line(
                    x,
                    y - 3,
                    x,
                    y + bar_height + 3,
                    COLOURS["target"],
                    3,
                    tip=_tip(f"Target {format_percent(value.target)}"),
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
