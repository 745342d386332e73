"""Feedback on the dashboards: corrective actions, top performers and appeal figures on the
branch page, appeal figures on the overview and region pages (within the viewer's scope),
and the appeals of a visit on the staff member's visit page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import AppealStatus, Role, User, Visit
from tests.builders import GREETED, make_appeal, make_dashboard_feedback_world, make_user
from tests.pages import get, marked, section

PERIOD = {"period": "custom", "from": "2026-01-01", "to": "2026-11-30", "scorecard": "branch-visit"}


@pytest.fixture
def world(app):
    with app.app_context():
        return make_dashboard_feedback_world()


def test_branch_page_shows_its_actions_performers_and_appeals(client, auth, world):
    auth.login(world.small.north_manager)
    html = get(client, f"/reports/branches/{world.small.codes['N1']}", **PERIOD)
    actions = section(html, "actions-h", "top-h")
    for title in ("Fix the queue signage", "Retrain on greetings", "Repaint the counter"):
        assert title in actions
        assert f'href="/actions/{world.actions[title]}"' in actions
    for title in (
        "Proposed never accepted",
        "Dismissed as noise",
        "Castle Gate own action",
        "Seafront secret action",
    ):
        assert title not in html
    found = marked(actions, "action").found
    assert "Olive Owner" in found[str(world.actions["Fix the queue signage"])]
    assert "20 Dec 2026" in found[str(world.actions["Fix the queue signage"])]
    overdue = found[str(world.actions["Retrain on greetings"])]
    assert world.names.nadia in overdue and "overdue" in overdue
    assert "01 Jun 2026" in found[str(world.actions["Repaint the counter"])]
    assert "Open (2)" in actions and "Closed (1)" in actions

    top = section(html, "top-h", "appeals-h")
    performers = [" ".join(t.split()) for t in marked(top, "performer").found.values()]
    # The staff table's best: approved visits count as on every panel of the page.
    assert performers == [
        f"{world.names.ben} 100.0% · n=3",
        f"{world.names.nadia} 82.0% · n=4",
        f"{world.names.paul} 70.0% · n=3",
    ]
    for absent in (world.names.omar, world.names.tess):
        assert absent not in top

    # 16 published visits at N1; appealed: a (amended + open) and b (upheld) = 2; amended: a.
    figures = marked(html, "figure").found
    assert figures["appeals"] == "2 of 16 published visits appealed (12.5%), 1 amended (6.2%)"
    assert figures["appeals-open"] == "1 visit with an appeal still open."


def test_a_regional_manager_never_sees_another_regions_actions(client, auth, world):
    auth.login(world.small.north_manager)
    assert (
        client.get(f"/reports/branches/{world.small.codes['S1']}", query_string=PERIOD).status_code
        == 403
    )
    n2 = get(client, f"/reports/branches/{world.small.codes['N2']}", **PERIOD)
    assert "Castle Gate own action" in n2
    assert "Fix the queue signage" not in n2 and "Seafront secret action" not in n2
    assert (
        marked(n2, "figure").found["appeals"]
        == "0 of 4 published visits appealed (0.0%), 0 amended (0.0%)"
    )
    auth.logout()
    auth.login(world.admin)
    s1 = get(client, f"/reports/branches/{world.small.codes['S1']}", **PERIOD)
    assert "Seafront secret action" in s1 and "Castle Gate own action" not in s1


def test_overview_and_region_pages_count_appeals_in_scope(client, auth, world):
    auth.login(world.admin)
    company = marked(get(client, "/reports/", **PERIOD), "figure").found
    # 16 + 4 + 4 published; appealed N1 a, b and S1's one; amended N1 a and S1's one.
    assert company["appeals"] == "3 of 24 published visits appealed (12.5%), 2 amended (8.3%)"
    region = marked(
        get(client, f"/reports/regions/{world.small.north_id}", **PERIOD), "figure"
    ).found
    assert region["appeals"] == "2 of 20 published visits appealed (10.0%), 1 amended (5.0%)"
    auth.logout()
    auth.login(world.small.north_manager)
    scoped = marked(get(client, "/reports/", **PERIOD), "figure").found
    assert scoped["appeals"] == "2 of 20 published visits appealed (10.0%), 1 amended (5.0%)"


def test_staff_visit_page_shows_own_appeals_and_the_link_only_within_the_window(
    app, client, auth, world
):
    with app.app_context():
        visit = db.session.get(Visit, world.small.visit_id)
        visit.published_at = datetime.now(UTC) - timedelta(days=3)
        staff_user = db.session.scalars(
            select(User).where(User.email == world.small.staff_email)
        ).one()
        make_appeal(
            visit,
            GREETED,
            AppealStatus.UPHELD,
            by=staff_user,
            reason="I did greet them at the door",
            decision_note="The photo shows an empty entrance",
            decided_at=datetime.now(UTC),
        )
        other = make_user(Role.MANAGER)
        make_appeal(visit, GREETED, by=other, reason="Manager's own dispute")
        db.session.commit()
    auth.login(world.small.staff_email)
    url = f"/coaching/me/visits/{world.small.visit_id}"
    page = get(client, url)
    assert "I did greet them at the door" in page and "The photo shows an empty entrance" in page
    assert "upheld" in page
    assert "Manager&#39;s own dispute" not in page and "Manager's own dispute" not in page
    assert f'href="/appeals/visits/{world.small.visit_id}/new"' in page
    assert "Appeal an answer" in page

    with app.app_context():  # the window (14 days by default) has closed
        visit = db.session.get(Visit, world.small.visit_id)
        visit.published_at = datetime.now(UTC) - timedelta(days=15)
        db.session.commit()
    page = get(client, url)
    assert "I did greet them at the door" in page  # the outcome is still shown
    assert "Appeal an answer" not in page and "/appeals/visits/" not in page
