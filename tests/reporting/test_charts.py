"""The SVG chart module: well-formed standalone SVG with the data in it, no scripts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from audit.reporting.charts import (
    HEATMAP_CLASSES,
    BarValue,
    SectionBar,
    TrendValue,
    heatmap_cell_class,
    heatmap_css,
    league_bar_values,
    section_bar_values,
    section_bars,
    trend_chart,
    trend_values,
)
from audit.reporting.filters import UnitKind
from audit.reporting.league import League, LeagueEntry
from audit.reporting.sections import SectionRef, SectionResult
from audit.reporting.stats import Figure
from audit.reporting.trend import TrendPoint

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def all_text(root: ET.Element) -> str:
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_trend_chart_holds_every_point_n_and_target() -> None:
    root = parse(
        trend_chart(
            [("2026-01", 82.5, 12), ("2026-02", None, 0), ("2026-03", 70.0, 3, 50.0, 90.0)],
            target=85,
            title="Trend of Leeds",
        )
    )
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Trend of Leeds"
    assert root.find(f"{SVG}title").text == "Trend of Leeds"
    assert root.get("viewBox") == "0 0 640 260"
    points = root.findall(f".//{SVG}circle[@class='point']")
    assert [(p.get("data-label"), p.get("data-value"), p.get("data-n")) for p in points] == [
        ("2026-01", "82.5", "12"),
        ("2026-03", "70.0", "3"),
    ]
    assert points[1].find(f"{SVG}title").text == "2026-03: 70.0% (n=3), 95% CI 50.0%–90.0%"
    text = all_text(root)
    for expected in ("2026-01", "2026-02", "2026-03", "n=12", "n=0", "n=3", "Target 85%"):
        assert expected in text
    # The axis runs from 0 to 100 whatever the data.
    assert "0%" in text.split() and "100%" in text.split()
    description = root.find(f"{SVG}desc").text
    assert "2026-01 82.5% (n=12)" in description and "Target 85.0%" in description


def test_trend_chart_breaks_the_line_at_months_without_visits() -> None:
    root = parse(
        trend_chart([("a", 10.0, 1), ("b", 20.0, 1), ("c", None, 0), ("d", 30.0, 1), ("e", 40, 2)])
    )
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 2
    assert all(len(line.get("points").split()) == 2 for line in lines)


def test_trend_chart_places_points_on_a_zero_to_hundred_axis() -> None:
    # Plot area: top 28, height 260 - 28 - 46 = 186; 0% at y=214, 100% at y=28.
    root = parse(trend_chart([("a", 0.0, 1), ("b", 50.0, 1), ("c", 100.0, 1)], target=85))
    ys = [float(c.get("cy")) for c in root.findall(f".//{SVG}circle[@class='point']")]
    assert ys == [214.0, 121.0, 28.0]
    target = root.find(f".//{SVG}line[@class='target-line']")
    assert float(target.get("y1")) == pytest.approx(28 + 186 * 0.15)


def test_trend_chart_draws_an_interval_only_from_three_visits() -> None:
    root = parse(
        trend_chart(
            [("Jun 2026", 60.0, 2, 0.0, 100.0), ("Jul 2026", 80.0, 3, 70.0, 90.0)], target=85
        )
    )
    whiskers = [line for line in root.findall(f".//{SVG}line") if line.get("stroke-width") == "6"]
    plot_whiskers = [w for w in whiskers if float(w.get("y1")) > 28]  # the legend's is above
    assert len(plot_whiskers) == 1
    tips = [c.find(f"{SVG}title").text for c in root.findall(f".//{SVG}circle[@class='point']")]
    assert tips == ["Jun 2026: 60.0% (n=2)", "Jul 2026: 80.0% (n=3), 95% CI 70.0%–90.0%"]
    assert "95% interval, months with 3 or more visits" in all_text(root)


def test_trend_chart_without_data_says_so() -> None:
    root = parse(trend_chart([], target=None))
    assert "no visits" in root.find(f"{SVG}desc").text
    assert root.findall(f".//{SVG}circle") == []


def test_chart_text_is_escaped() -> None:
    root = parse(section_bars([SectionBar("Q&A <b>", 50.0, 2)], title="A & B"))
    assert root.get("aria-label") == "A & B"
    assert "Q&A <b>" in all_text(root)


def test_no_script_and_no_style_elements() -> None:
    for markup in (
        trend_chart([("a", 50.0, 1)], target=60),
        section_bars([SectionBar("x", 50.0, 1, 60, 55, 40, 60)]),
    ):
        root = parse(markup)
        tags = {element.tag for element in root.iter()}
        assert f"{SVG}script" not in tags and f"{SVG}style" not in tags
        assert "javascript" not in str(markup).lower()
        assert "http" not in str(markup).replace("http://www.w3.org/2000/svg", "")


def test_section_bars_hold_values_targets_and_company() -> None:
    root = parse(
        section_bars(
            [
                SectionBar("Welcome", 88.0, 40, target=90, company=84.5, low=80.0, high=96.0),
                SectionBar("Advice", 95.0, 38, target=90, company=92.0),
                SectionBar("Tidiness", None, 0),
            ]
        )
    )
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    assert [(b.get("data-label"), b.get("data-value"), b.get("data-n")) for b in bars] == [
        ("Welcome", "88.0", "40"),
        ("Advice", "95.0", "38"),
    ]
    # Stacked, each title above its bar: plot width 400 - 2 * 6 = 388 from x=6.
    assert float(bars[0].get("width")) == pytest.approx(388 * 0.88, abs=0.01)
    # Below its target: red; meeting it: teal.
    assert bars[0].get("fill") != bars[1].get("fill")
    targets = root.findall(f".//{SVG}line[@class='target']")
    assert [float(t.get("x1")) for t in targets] == pytest.approx([6 + 388 * 0.9] * 2, abs=0.01)
    company = root.findall(f".//{SVG}polygon[@class='company']")
    assert [c.find(f"{SVG}title").text for c in company] == ["Company 84.5%", "Company 92.0%"]
    text = all_text(root)
    assert "88.0%  n=40" in text and "–  n=0" in text
    assert "Welcome: 88.0% (n=40), 95% CI 80.0%–96.0%, target 90.0%, company 84.5%" in (
        root.find(f"{SVG}desc").text
    )


def test_bars_clamp_to_the_axis() -> None:
    root = parse(section_bars([BarValue("over", 130.0, 1), BarValue("under", -5.0, 1)]))
    widths = [float(b.get("width")) for b in root.findall(f".//{SVG}rect[@class='bar']")]
    assert widths == [388.0, 0.0]


@pytest.mark.parametrize(
    ("percent", "target", "excellence", "expected"),
    [
        (None, 85, None, "heat-none"),
        (70.0, None, None, "heat-unjudged"),
        (96.0, 85, 95, "heat-exceeds"),
        (95.0, 85, 95, "heat-exceeds"),
        (94.9, 85, 95, "heat-meets"),
        (85.0, 85, None, "heat-meets"),
        (80.1, 85, None, "heat-near"),
        (80.0, 85, None, "heat-below"),
        (70.1, 85, None, "heat-below"),
        (70.0, 85, None, "heat-far"),
        (0.0, 85, None, "heat-far"),
    ],
)
def test_heatmap_cell_class(
    percent: float | None, target: float | None, excellence: float | None, expected: str
) -> None:
    assert heatmap_cell_class(percent, target, excellence) == expected


def test_heatmap_css_colours_every_class() -> None:
    css = heatmap_css("td")
    for name in HEATMAP_CLASSES:
        assert f"td.{name} {{" in css


def _figure(values: list[float]) -> Figure:
    return Figure.from_sums(len(values), sum(values), sum(v * v for v in values))


def test_adapters_carry_means_n_and_intervals() -> None:
    trend = [
        TrendPoint("2026-01", _figure([80.0, 90.0, 85.0])),
        TrendPoint("2026-02", Figure.empty()),
    ]
    values = trend_values(trend)
    assert values[0][:3] == ("Jan 2026", 85.0, 3)
    assert values[0].low < 85.0 < values[0].high
    assert values[1] == TrendValue("Feb 2026", None, 0)

    ref = SectionRef("branch-visit", "welcome", "Welcome", 1, 90.0)
    result = SectionResult(ref, _figure([80.0, 100.0, 90.0]), None)
    company = SectionResult(ref, _figure([70.0]), None)
    (bar,) = section_bar_values([result], [company])
    assert bar[:5] == ("Welcome", 90.0, 3, 90.0, 70.0)

    entry = LeagueEntry(UnitKind.BRANCH, 1, "LDS", "Leeds", 1, 1, _figure([60.0, 70.0]), 1, None)
    league = League(UnitKind.BRANCH, 2, (entry,), ())
    (league_bar,) = league_bar_values(league, target=85, company=75)
    assert league_bar[:5] == ("1. Leeds", 65.0, 2, 85, 75)


def test_long_trends_thin_their_labels_but_keep_every_point() -> None:
    points = [(f"2024-{m:02d}", 50.0 + m, m) for m in range(1, 13)]
    points += [(f"2025-{m:02d}", 60.0 + m, m) for m in range(1, 13)]
    root = parse(trend_chart(points, target=70))
    assert len(root.findall(f".//{SVG}circle[@class='point']")) == 24
    labels = [t for t in all_text(root).split() if t.startswith("202")]
    # At most 8 labels on the wide chart ("Jun 2026" is about 55 units): every third month.
    assert labels == [f"{y}-{m:02d}" for y in (2024, 2025) for m in (1, 4, 7, 10)]
    assert "2025-12 72.0% (n=12)" in root.find(f"{SVG}desc").text


def test_a_phones_trend_chart_labels_at_most_four_months_and_keeps_its_legend_inside() -> None:
    points = [(f"2026-{m:02d}", 70.0 + m, 5, 60.0 + m, 80.0 + m) for m in range(1, 13)]
    root = parse(trend_chart(points, target=85, width=360, height=240))
    assert root.get("viewBox") == "0 0 360 240"
    labels = [t for t in all_text(root).split() if t.startswith("2026")]
    assert labels == ["2026-01", "2026-04", "2026-07", "2026-10"]
    # The interval legend goes on a second line rather than past the right edge.
    legend = next(t for t in root.iter(f"{SVG}text") if (t.text or "").startswith("95% interval"))
    assert float(legend.get("x")) < 100 and float(legend.get("y")) > 20
