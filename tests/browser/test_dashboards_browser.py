"""The dashboards in a phone browser: no sideways scroll, charts drawn, the filter's script."""

from __future__ import annotations

import re

from audit.extensions import db
from audit.models import Role
from tests.builders import make_user
from tests.conftest import TEST_PASSWORD
from tests.reporting.dataset import CARD, build


def test_dashboard_on_a_phone(live_server, new_phone):
    with live_server.app.app_context():
        org, _ = build(5, regions=2, branches=4, visits=40)
        manager = make_user(Role.MANAGER)
        db.session.commit()
        email = manager.email
    page = new_phone().new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    live_server.login(page, email, TEST_PASSWORD)
    page.goto(
        f"{live_server.url}/reports/?period=custom&from=2025-10-01&to=2026-06-30&scorecard={CARD}"
    )

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The charts are drawn with a size (inline SVG, no script); the trend in its narrow
    # drawing for phones, the wide one hidden.
    for selector in ("svg.chart-trend >> visible=true", "svg.chart-bars"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
    assert page.locator(".chart-narrow svg.chart-trend circle.point").count() == 9

    # Typing a date picks "Custom dates"; choosing a preset clears the dates.
    page.select_option("#f-period", "6m")
    assert page.input_value("#f-from") == "" and page.input_value("#f-to") == ""
    page.fill("#f-from", "2026-01-01")
    page.dispatch_event("#f-from", "change")
    assert page.input_value("#f-period") == "custom"
    page.click("form.report-filters button[type=submit]")
    page.wait_for_url(re.compile(r"period=custom.*from=2026-01-01"))
    assert "01 Jan 2026" in page.inner_text("main")

    # Drill down to a branch and keep the filter (on a phone the league starts folded).
    page.locator("details:has(#league-h) > summary").click()
    page.locator("table.league a").first.click()
    page.wait_for_url(re.compile(r"/reports/branches/.+from=2026-01-01"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert problems == []
