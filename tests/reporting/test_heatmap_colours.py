"""The heatmap's cell colours: text chosen by the background, readable, the same everywhere."""

from __future__ import annotations

import re

import pytest

from audit.config import PROJECT_ROOT
from audit.reporting.charts.heatmap import (
    DARK_TEXT,
    HEATMAP_CLASSES,
    HEATMAP_COLOURS,
    LIGHT_TEXT,
    contrast_ratio,
    text_colour,
)

CSS = PROJECT_ROOT / "static" / "css"


def declarations(css: str, selector: str) -> dict[str, str]:
    """The declarations of the rule for exactly ``selector`` (``!important`` dropped)."""
    rule = re.search(rf"^{re.escape(selector)} \{{([^}}]*)\}}", css, re.M)
    assert rule, f"no rule for {selector}"
    pairs = (part.split(":", 1) for part in rule.group(1).split(";") if part.strip())
    return {k.strip(): v.replace("!important", "").strip() for k, v in pairs}


def test_contrast_ratio_matches_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # Bootstrap's grey on white, a well-known value.
    assert contrast_ratio("#6c757d", "#ffffff") == pytest.approx(4.69, abs=0.01)


@pytest.mark.parametrize(
    ("background", "expected"),
    [
        ("#0b3b35", LIGHT_TEXT),
        ("#c9302c", LIGHT_TEXT),
        ("#ffe08a", DARK_TEXT),
        ("#e9ecef", DARK_TEXT),
    ],
)
def test_text_colour_follows_the_background(background: str, expected: str) -> None:
    assert text_colour(background) == expected


@pytest.mark.parametrize("name", HEATMAP_CLASSES)
def test_every_cell_reads_at_aa_contrast(name: str) -> None:
    background, text = HEATMAP_COLOURS[name]
    assert contrast_ratio(background, text) >= 4.5, name


def test_the_stylesheets_colour_cells_as_the_code_does() -> None:
    """The web and the PDF legend repeat HEATMAP_COLOURS (no inline style on the web)."""
    web = (CSS / "reports.css").read_text()
    for name, (background, text) in HEATMAP_COLOURS.items():
        rule = declarations(web, f".{name}")
        assert rule == {"background-color": background, "color": text}, name
    legend = (CSS / "print.css").read_text()
    for name, (background, text) in HEATMAP_COLOURS.items():
        if name == "heat-none":
            continue  # the PDF legend has no key for an empty cell
        rule = declarations(legend, f".{name}-bg")
        assert rule == {"background": background, "color": text}, name


def test_small_print_in_a_cell_is_not_faded() -> None:
    """Opacity on the n= line would undo the contrast the text colour was chosen for."""
    web = (CSS / "reports.css").read_text()
    for rule in re.findall(r"([^{}]*figure-meta[^{}]*)\{([^}]*)\}", web):
        if "heat" in rule[0]:
            assert "opacity" not in rule[1], rule
