"""Screens fit the window: the top menu at every width from a phone's to a wide desktop's
(the admin's, the longest, and a manager's, with long names and many unread
notifications), and the managers' lists on a phone (360 and 390 px), which read as
cards instead of tables cut off at the right edge."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from audit.extensions import db
from audit.models import ActionStatus, AssignmentStatus, Role
from audit.notifications.service import notify
from tests.builders import (
    make_action,
    make_assignment,
    make_note,
    make_staff,
    make_user,
    make_world,
)
from tests.conftest import TEST_PASSWORD

PHONES = (360, 390)
DESKTOPS = (1024, 1280, 1366, 1440, 1920)
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
#: No box inside the page scrolls sideways either (a wide table in a scrolling wrapper).
NOTHING_SCROLLS_SIDEWAYS = """() => Array.from(document.querySelectorAll("main *")).every((el) =>
    !["auto", "scroll"].includes(getComputedStyle(el).overflowX)
    || el.scrollWidth <= el.clientWidth)"""
QUESTION = "Recurring issue: How easy was it to find someone to help you in the store?"


@pytest.fixture
def org(live_server) -> SimpleNamespace:  # noqa: ANN001
    """Leeds and Bristol with the same proposals, assignments, a coaching note; an admin
    and a manager with long names and more than 99 unread notifications."""
    with live_server.app.app_context():
        world = make_world()
        admin = make_user(Role.ADMIN, name="Alexandra Montgomery-Smythe")
        manager = make_user(Role.MANAGER, name="Maximilian Fitzgerald-Harrington")
        for user in (admin, manager):
            for n in range(120):
                notify([user], "test", f"Something happened ({n})", "/")
        for branch in (world.leeds, world.bristol):
            make_action(branch, QUESTION, ActionStatus.PROPOSED, by=manager)
            make_action(
                branch,
                "Brief the team on greeting",
                by=manager,
                due_on=date.today() + timedelta(days=10),
            )
            for status in (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED):
                make_assignment(world.card, branch, world.shopper, status=status)
        member = make_staff(world.leeds, name="Bartholomew Worthington-Smythe")
        make_note(
            member,
            manager,
            "Greet every customer at the door.",
            follow_up_on=date.today() + timedelta(days=7),
        )
        db.session.commit()
        return SimpleNamespace(admin=admin.email, manager=manager.email)


def signed_in(new_phone, live_server, email: str, width: int):  # noqa: ANN001, ANN201
    page = new_phone(viewport={"width": width, "height": 800}).new_page()
    live_server.login(page, email, TEST_PASSWORD)
    return page


def bell(page) -> dict:  # noqa: ANN001
    """The bell's box and its icon's, as laid out."""
    return page.evaluate(
        """() => {
            const bell = document.querySelector("#bell").getBoundingClientRect();
            const icon = document.querySelector("#bell svg").getBoundingClientRect();
            return {left: bell.left, right: bell.right, width: bell.width,
                    height: bell.height, icon: icon.width};
        }"""
    )


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_the_top_menu_fits_every_width(new_phone, live_server, org, role):
    page = signed_in(new_phone, live_server, getattr(org, role), PHONES[0])
    for width in (*PHONES, *DESKTOPS):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/actions/")
        assert page.evaluate(FITS), f"the page scrolls sideways at {width} px"
        box = bell(page)
        assert box["width"] >= 44 and box["height"] >= 44, f"the bell at {width} px: {box}"
        assert box["icon"] >= 16, f"the bell's icon is squashed at {width} px"
        assert 0 <= box["left"] and box["right"] <= width, f"the bell is cut off at {width} px"
    # Signing out is in the account menu, under the person's name.
    page.set_viewport_size({"width": 1920, "height": 800})
    page.goto(f"{live_server.url}/actions/")
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")


LISTS = ["/assignments/", "/scorecards/", "/actions/", "/actions/?status=proposed", "/coaching/"]


@pytest.mark.parametrize("width", PHONES)
@pytest.mark.parametrize("path", LISTS)
def test_managers_lists_fit_a_phone(new_phone, live_server, org, path, width):
    page = signed_in(new_phone, live_server, org.manager, width)
    page.goto(f"{live_server.url}{path}")
    assert page.evaluate(FITS) and page.evaluate(NOTHING_SCROLLS_SIDEWAYS)
    rows = page.locator("main tbody tr")
    assert rows.count() >= 1
    for index in range(rows.count()):
        row = rows.nth(index)
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        # Every part of the card is on the screen: nothing cut off at the right.
        parts = row.locator("td:visible, td:visible a, td:visible button, td:visible .badge")
        for part in parts.all():
            cell_box = part.bounding_box()
            assert cell_box["x"] >= 0 and cell_box["x"] + cell_box["width"] <= width


@pytest.mark.parametrize("width", PHONES)
def test_each_proposal_on_a_phone_names_its_branch(new_phone, live_server, org, width):
    page = signed_in(new_phone, live_server, org.manager, width)
    page.goto(f"{live_server.url}/actions/?status=proposed")
    rows = page.locator("main tbody tr")
    branches = sorted(
        ("Leeds" in text) * "Leeds" + ("Bristol" in text) * "Bristol"
        for text in rows.all_inner_texts()
    )
    assert branches == ["Bristol", "Leeds"]
    # Each card labels its lines, as the review queue's do.
    due = rows.first.locator("td[data-label='Status']")
    assert due.evaluate("(td) => getComputedStyle(td, '::before').content") == '"Status"'
