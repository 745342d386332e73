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
  its container on screen (``width: 100%; height: auto`` in
  static/css/reports.css, never wider than the screen) and has a definite size
  in a PDF; the section chart is stacked (:func:`stacked_bar_chart`) so that
  it stays readable at a phone's width;
- ``xmlns`` is always set, so the string also works as a data: URI image.

Accessibility: each chart has ``role="img"``, an ``aria-label`` and a
``<title>`` (the chart's title), and a ``<desc>`` that lists the data in
words; each point or bar carries its own ``<title>`` (a hover tip in
browsers that needs no script). Percent axes always run from 0 to 100 so a
small difference never looks like a large one. The charts' own words (legends, tips,
descriptions, default titles) are in the language of the request or job
(Flask-Babel's ``gettext``), English outside an application.

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

from audit.reporting.charts.bars import (
    hbar_chart,
    league_bar_values,
    section_bar_values,
    section_bars,
    stacked_bar_chart,
)
from audit.reporting.charts.heatmap import (
    FAR_MISS_POINTS,
    HEATMAP_CLASSES,
    HEATMAP_COLOURS,
    NEAR_MISS_POINTS,
    heatmap_cell_class,
    heatmap_css,
)
from audit.reporting.charts.scatter import ScatterPoint, scatter_chart
from audit.reporting.charts.svg import (
    COLOURS,
    FONT,
    BarValue,
    SectionBar,
    TrendValue,
    format_percent,
)
from audit.reporting.charts.trend import trend_chart, trend_chart_for_screens, trend_values

__all__ = [
    "BarValue",
    "COLOURS",
    "FAR_MISS_POINTS",
    "FONT",
    "HEATMAP_CLASSES",
    "HEATMAP_COLOURS",
    "NEAR_MISS_POINTS",
    "ScatterPoint",
    "SectionBar",
    "TrendValue",
    "format_percent",
    "hbar_chart",
    "heatmap_cell_class",
    "heatmap_css",
    "league_bar_values",
    "section_bar_values",
    "scatter_chart",
    "section_bars",
    "stacked_bar_chart",
    "trend_chart",
    "trend_chart_for_screens",
    "trend_values",
]
