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

# Background per class; colour-blind-safe enough with the numbers printed in every cell.
HEATMAP_BACKGROUNDS: dict[str, str] = {
    "heat-exceeds": "#1b7f72",
    "heat-meets": "#a8dcd1",
    "heat-near": "#ffe08a",
    "heat-below": "#f4a482",
    "heat-far": "#c9302c",
    "heat-unjudged": "#e9ecef",
    "heat-none": "#ffffff",
}

#: The two text colours a cell can have: dark on a light background, white on a dark one.
DARK_TEXT = "#212529"
LIGHT_TEXT = "#ffffff"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour: 0 for black, 1 for white."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, other: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 to 21 (AA text needs 4.5)."""
    light, dark = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour(background: str) -> str:
    """The text colour for a cell of ``background``: whichever of dark or white reads better.

    Chosen by the background's luminance rather than by hand per class, so a new or
    changed cell colour keeps its figures readable.
    """
    dark = contrast_ratio(background, DARK_TEXT)
    return DARK_TEXT if dark >= contrast_ratio(background, LIGHT_TEXT) else LIGHT_TEXT


#: (background, text) per class; static/css/reports.css and print.css repeat these.
HEATMAP_COLOURS: dict[str, tuple[str, str]] = {
    name: (background, text_colour(background)) for name, background in HEATMAP_BACKGROUNDS.items()
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
