"""The section x branch heatmap's cell classes and colours (an HTML table, styled)."""

from __future__ import annotations

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
