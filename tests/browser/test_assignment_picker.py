"""Choosing the branches of an assignment on a phone or a tablet (360 and 390 px wide): a
list to tick, grouped by region, with a filter, a box for a whole region, the chosen
branches listed, and the lockout shown per branch before the offer is sent; and the same
form without JavaScript."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Assignment, Role
from tests.builders import (
    TODAY,
    S,
    make_assignment,
    make_branch,
    make_region,
    make_user,
    published_card,
)
from tests.conftest import TEST_PASSWORD

WIDTHS = (360, 390)
FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"
SCENARIO = "Ask about a child's savings account; note whether fees are explained."


@pytest.fixture
def org(live_server) -> SimpleNamespace:  # noqa: ANN001
    """North (Hull, Leeds, York) and South (Bristol); Sally was sent to Leeds 29 days ago."""
    with live_server.app.app_context():
        north, south = make_region("North"), make_region("South")
        leeds = make_branch(north, code="LDS01", name="Leeds Briggate")
        york = make_branch(north, code="YRK01", name="York Coney Street")
        hull = make_branch(north, code="HUL01", name="Hull Whitefriargate")
        make_branch(south, code="BRS01", name="Bristol Broadmead")
        card = published_card()
        shopper = make_user(Role.SHOPPER, name="Sally Shopper")
        manager = make_user(Role.MANAGER)
        make_assignment(card, leeds, shopper, start=TODAY - timedelta(days=29), status=S.COMPLETED)
        db.session.commit()
        return SimpleNamespace(
            manager=manager.email,
            shopper=shopper.id,
            leeds=leeds.id,
            york=york.id,
            hull=hull.id,
            north=north.id,
        )


def created(live_server) -> int:  # noqa: ANN001
    with live_server.app.app_context():
        return db.session.scalar(select(func.count(Assignment.id)))


@pytest.mark.parametrize("width", WIDTHS)
def test_choosing_branches_by_touch_with_the_lockout_in_view(new_phone, live_server, org, width):
    page = new_phone(viewport={"width": width, "height": 800}).new_page()
    live_server.login(page, org.manager, TEST_PASSWORD)
    page.goto(f"{live_server.url}/assignments/new")
    assert page.evaluate(FITS)
    leeds, york, hull = (f"#branches-{org.leeds}", f"#branches-{org.york}", f"#branches-{org.hull}")
    region = f"#regions-{org.north}"
    # Every row is a thumb-sized target.
    height = page.locator(f"[data-branch='{org.york}']").bounding_box()["height"]
    assert height >= 44

    # The filter narrows the list; regions with nothing left disappear.
    page.fill("#branch-filter", "york")
    assert page.locator(f"[data-branch='{org.york}']").is_visible()
    assert not page.locator(f"[data-branch='{org.leeds}']").is_visible()
    assert not page.get_by_text("Bristol Broadmead").is_visible()
    page.fill("#branch-filter", "")
    assert page.get_by_text("Bristol Broadmead").is_visible()

    # A region's box ticks all its branches, and the summary lists them.
    page.check(region)
    assert all(page.is_checked(box) for box in (leeds, york, hull))
    assert page.inner_text("#chosen-count") == "3 branches: one assignment each."

    # Choosing the shopper shows where she is locked out, and until when, before sending.
    page.select_option("#shopper", str(org.shopper))
    note = page.locator(f"#lockout-{org.leeds}")
    note.wait_for(state="visible")
    until = (TODAY - timedelta(days=29) + timedelta(days=89)).strftime("%d %b %Y")
    assert f"Locked out until {until}" in note.inner_text()
    assert not page.locator(f"#lockout-{org.york}").is_visible()
    assert "locked out of 1 of these branches" in page.inner_text("#chosen-locked")
    assert f"Leeds Briggate (LDS01) — Locked out until {until}" in page.inner_text("#chosen-list")

    # Leeds out: the region's box is no longer ticked (it would send all three).
    page.uncheck(leeds)
    assert not page.is_checked(region)
    assert page.eval_on_selector(region, "(box) => box.indeterminate")
    assert page.inner_text("#chosen-count") == "2 branches: one assignment each."
    assert not page.locator("#chosen-locked").is_visible()
    assert page.evaluate(FITS)

    page.select_option("#scorecard", index=1)
    page.fill("#scenario", SCENARIO)
    page.click("main button:has-text('Offer assignments')")
    page.wait_for_load_state()
    assert "2 assignments offered to Sally Shopper." in page.inner_text("main")
    assert created(live_server) == 3


def test_without_javascript_the_branches_are_plain_checkboxes(new_phone, live_server, org):
    page = new_phone(viewport={"width": 360, "height": 800}, java_script_enabled=False).new_page()
    live_server.login(page, org.manager, TEST_PASSWORD)
    page.goto(f"{live_server.url}/assignments/new")
    assert page.evaluate(FITS)
    assert not page.locator("#branch-filter").is_visible()
    page.select_option("#scorecard", index=1)
    page.select_option("#shopper", str(org.shopper))
    page.check(f"#branches-{org.leeds}")
    page.check(f"#branches-{org.york}")
    page.fill("#scenario", SCENARIO)
    page.click("main button:has-text('Offer assignments')")
    page.wait_for_load_state()
    # The server refuses Leeds as it always has, and now says so beside the branch too.
    assert "within the 90-day lockout" in page.inner_text("main")
    assert "Locked out until" in page.inner_text(f"[data-branch='{org.leeds}']")
    assert page.is_checked(f"#branches-{org.york}")
    page.uncheck(f"#branches-{org.leeds}")
    page.click("main button:has-text('Offer assignments')")
    page.wait_for_load_state()
    assert "1 assignment offered to Sally Shopper." in page.inner_text("main")
    assert created(live_server) == 2
