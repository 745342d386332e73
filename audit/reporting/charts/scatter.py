"""The scatter chart: each branch's mystery-shop mean (x, 0–100%) against its NPS (y,
−100 to 100), so a manager sees whether meeting the standard moves what customers feel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from flask_babel import gettext
from markupsafe import Markup

from audit.reporting.charts.svg import COLOURS, _el, _line, _svg, _text, _tip, format_percent


class ScatterPoint(NamedTuple):
    """One branch: its label, mystery-shop mean percent (of ``shop_n`` visits), NPS (of
    ``nps_n`` answers)."""

    label: str
    shop: float
    nps: float
    shop_n: int
    nps_n: int


def _signed(value: float) -> str:
    return f"{value:+.0f}"


def scatter_chart(
    points: Sequence[ScatterPoint],
    *,
    title: str | None = None,
    width: int = 640,
    height: int = 360,
) -> Markup:
    """Mystery-shop mean on a 0–100% axis against NPS on −100..100, one dot per branch
    with its figures in its tip; both axes always whole, so no small spread looks large.
    The title is "Mystery-shop mean against NPS, by branch" unless given."""
    if title is None:
        title = gettext("Mystery-shop mean against NPS, by branch")
    left, right, top, bottom = 50, 16, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    body: list[str] = [_el("rect", x=0, y=0, width=width, height=height, fill="#ffffff")]

    def x_of(percent: float) -> float:
        return left + plot_w * max(0.0, min(100.0, percent)) / 100

    def y_of(nps: float) -> float:
        return top + plot_h * (1 - (max(-100.0, min(100.0, nps)) + 100) / 200)

    for tick in (-100, -50, 0, 50, 100):
        y = y_of(tick)
        colour = COLOURS["axis"] if tick == 0 else COLOURS["grid"]
        body.append(_line(left, y, left + plot_w, y, colour, 1))
        label = "0" if tick == 0 else _signed(tick)
        body.append(_text(left - 6, y + 4, label, text_anchor="end", fill=COLOURS["muted"]))
    for tick in (0, 25, 50, 75, 100):
        x = x_of(tick)
        body.append(_line(x, top, x, top + plot_h, COLOURS["grid"], 1))
        body.append(_text(x, top + plot_h + 16, format_percent(tick, 0), text_anchor="middle"))
    body.append(
        _text(
            left + plot_w / 2,
            height - 8,
            gettext("Mystery-shop mean score"),
            text_anchor="middle",
        )
    )
    body.append(
        _text(
            12,
            top + plot_h / 2,
            "NPS",
            text_anchor="middle",
            transform=f"rotate(-90 12 {top + plot_h / 2:.1f})",
        )
    )
    for point in points:
        tip = gettext(
            "%(branch)s: mystery shop %(shop)s (n=%(shop_n)s), NPS %(nps)s (n=%(nps_n)s)",
            branch=point.label,
            shop=format_percent(point.shop),
            shop_n=point.shop_n,
            nps=_signed(point.nps),
            nps_n=point.nps_n,
        )
        body.append(
            _el(
                "circle",
                _tip(tip),
                cx=x_of(point.shop),
                cy=y_of(point.nps),
                r=5,
                fill=COLOURS["line"],
                fill_opacity=0.75,
                stroke="#ffffff",
                stroke_width=1,
                class_="point",
                data_label=point.label,
            )
        )
    if points:
        words = "; ".join(
            f"{p.label} {format_percent(p.shop)}, NPS {_signed(p.nps)}" for p in points
        )
    else:
        words = gettext("no branch has enough visits and answers")
    description = gettext(
        "%(title)s: mystery-shop mean 0 to 100 percent against NPS −100 to 100. %(words)s.",
        title=title,
        words=words,
    )
    return _svg("scatter", title, description, width, height, body)
