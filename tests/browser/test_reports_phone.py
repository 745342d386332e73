"""The reports on a phone's width: nothing scrolls sideways, long sections fold, charts fit."""

from __future__ import annotations

import pytest

from audit.extensions import db
from audit.models import Role
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD
from tests.reporting.dataset import build

PERIOD = "period=custom&from=2025-10-01&to=2026-06-30"
#: The company page of twelve branches, folded as a phone shows it, is well under this:
#: the headline figures, two charts and a line per folded section (it was over 6,000 px).
MOST_PAGE_HEIGHT = 3600

#: Elements that scroll sideways (a table wrapper wider inside than out), or stick out of
#: the screen; what is visually hidden (inside a 1 px box, for screen readers) does not count.
SIDEWAYS = """(width) => [...document.querySelectorAll("body *")].filter((e) => {
  const style = getComputedStyle(e);
  if (style.display === "none" || e.getClientRects().length === 0) return false;
  for (let up = e; up; up = up.parentElement) {
    const box = up.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1) return false;
  }
  const box = e.getBoundingClientRect();
  const scrolls = ["auto", "scroll"].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
  return scrolls || box.right > width + 1;
}).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}`)"""


def _reports_data(live_server) -> tuple[str, str, str]:
    with live_server.app.app_context():
        org, _ = build(9, regions=3, branches=12, visits=150)
        manager = make_user(Role.MANAGER)
        db.session.commit()
        branch = next(iter(org.branch_ids))
        staff = next(code for code, at in org.staff_branch.items() if at == branch)
        return manager.email, branch, staff


def _phone(live_server, new_phone, width: int, email: str):  # noqa: ANN202
    page = new_phone(viewport={"width": width, "height": 800}, is_mobile=width < 600).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    live_server.login(page, email, TEST_PASSWORD)
    return page, problems


def _assert_fits(page, width: int) -> None:  # noqa: ANN001
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(SIDEWAYS, width) == []


@pytest.mark.parametrize("width", [360, 390])
def test_company_report_fits_a_phone(live_server, new_phone, width):
    email, _, _ = _reports_data(live_server)
    page, problems = _phone(live_server, new_phone, width, email)
    page.goto(f"{live_server.url}/reports/?{PERIOD}&scorecard=all")

    _assert_fits(page, width)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MOST_PAGE_HEIGHT, f"the company page is {height} px tall at {width} px"

    # Both charts scale to the screen's width, whole, and their words stay readable: the
    # section chart's 12-unit and the trend chart's 11-unit labels are drawn at least 9 px
    # high (the trend is drawn narrow for phones; the wide drawing is hidden).
    assert page.locator("svg.chart-trend").count() == 2
    for selector, text_units in (("svg.chart-trend >> visible=true", 11), ("svg.chart-bars", 12)):
        chart = page.locator(selector)
        assert chart.count() == 1
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["width"] >= width - 40
        view_width = float(chart.get_attribute("viewBox").split()[2])
        assert box["width"] / view_width * text_units >= 9, selector
    assert page.locator("svg.chart-bars rect.bar").count() >= 4

    # Long sections start folded and say what they hold; opened, the league is a card per
    # branch, its figures labelled, and still nothing scrolls sideways.
    league = page.locator("details:has(#league-h)")
    assert league.get_attribute("open") is None
    assert "12 branches" in league.locator("summary").inner_text()
    league.locator("summary").click()
    assert league.get_attribute("open") is not None
    row = page.locator("table.league tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "flex"
    labels = row.locator("td").evaluate_all(
        "tds => tds.map((td) => getComputedStyle(td, '::before').content)"
    )
    assert '"Mean"' in labels and '"Rank"' in labels
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    _assert_fits(page, width)
    # The heatmap: a card per branch, each section a tile with its name.
    tile = page.locator("table.heatmap tbody tr").first.locator("td").first
    assert tile.evaluate("td => getComputedStyle(td, '::before').content") not in ("none", "")
    assert problems == []


@pytest.mark.parametrize("width", [360, 390])
def test_branch_and_staff_reports_fit_a_phone(live_server, new_phone, width):
    email, branch, staff = _reports_data(live_server)
    page, problems = _phone(live_server, new_phone, width, email)
    for path in (f"/reports/branches/{branch}", f"/reports/staff/{staff}"):
        page.goto(f"{live_server.url}{path}?{PERIOD}")
        _assert_fits(page, width)
        box = page.locator("svg.chart-bars").bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        _assert_fits(page, width)
    assert problems == []


def test_a_desktop_keeps_every_section_open(live_server, new_phone):
    email, _, _ = _reports_data(live_server)
    page, _ = _phone(live_server, new_phone, 1280, email)
    page.goto(f"{live_server.url}/reports/?{PERIOD}&scorecard=all")
    folds = page.locator("details[data-fold-narrow]")
    assert folds.count() >= 4
    assert all(folds.nth(i).get_attribute("open") is not None for i in range(folds.count()))
    assert page.locator("table.league thead").evaluate("t => getComputedStyle(t).position") != (
        "absolute"
    )
