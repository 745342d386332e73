"""Branch-local time: a window ends at its branch's midnight, a visit is read on its
branch's clock, a shopper types the times on it; dates and figures in the reader's language.

The database keeps UTC. One instant, 07:30 UTC on 1 Feb 2026, is 23:30 on 31 Jan in Los
Angeles and 16:30 on 1 Feb in Tokyo.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from audit.coaching import service as coaching
from audit.extensions import db
from audit.jobs.daily import mark_assignments_overdue
from audit.models import Assignment, AssignmentStatus, Role, Visit, VisitStatus
from audit.subscriptions import service as subscriptions
from audit.subscriptions.periods import Period
from audit.trust.rating import rating_of
from tests.builders import (
    make_assignment,
    make_branch,
    make_note,
    make_staff,
    make_user,
    make_visit,
    started_draft,
)
from tests.builders.worlds import SHOPPER_EMAIL, make_world

TOKYO, LOS_ANGELES = "Asia/Tokyo", "America/Los_Angeles"
INSTANT = datetime(2026, 2, 1, 7, 30, tzinfo=UTC)
MANAGER_EMAIL = "head.office@example.org"


def test_a_window_ending_today_in_tokyo_turns_overdue_at_tokyo_midnight(app):
    last_day = date(2026, 12, 7)
    with app.app_context():
        world = make_world()
        tokyo = make_branch(world.north, code="TYO01", timezone=TOKYO)
        start = last_day - timedelta(days=6)
        in_tokyo = make_assignment(world.card, tokyo, world.shopper, start=start, end=last_day)
        in_leeds = make_assignment(
            world.card, world.leeds, world.shopper, start=start, end=last_day
        )
        db.session.commit()
        ids = {in_tokyo.id: "Tokyo", in_leeds.id: "Leeds (UTC)"}

        midnight_in_tokyo = datetime(2026, 12, 8, tzinfo=ZoneInfo(TOKYO))  # 15:00 UTC on the 7th
        with time_machine.travel(midnight_in_tokyo - timedelta(minutes=1), tick=False):
            assert mark_assignments_overdue() == "0 assignment(s) marked overdue"
        with time_machine.travel(midnight_in_tokyo + timedelta(minutes=1), tick=False):
            assert mark_assignments_overdue() == "1 assignment(s) marked overdue"
        statuses = dict(db.session.execute(select(Assignment.id, Assignment.status)).all())
        # Leeds keeps its window until midnight UTC, nine hours later.
        assert {ids[i]: s for i, s in statuses.items()} == {
            "Tokyo": AssignmentStatus.OVERDUE,
            "Leeds (UTC)": AssignmentStatus.OFFERED,
        }


def visits_at_one_instant() -> dict[str, int]:
    """The same instant at a Los Angeles and a Tokyo branch, sent; their ids by city."""
    world = make_world()
    make_user(Role.MANAGER, email=MANAGER_EMAIL)
    ids = {}
    for city, zone_name in (("Los Angeles", LOS_ANGELES), ("Tokyo", TOKYO)):
        branch = make_branch(world.north, name=f"{city} Downtown", timezone=zone_name)
        visit = make_visit(world.card, branch, world.shopper, INSTANT.date(), percent=74.3)
        visit.visited_at = visit.submitted_at = INSTANT
        ids[city] = visit.id
    db.session.commit()
    return ids


def test_the_review_page_shows_each_visit_on_its_branch_clock(app, client, auth):
    with app.app_context():
        ids = visits_at_one_instant()
    auth.login(MANAGER_EMAIL)
    los_angeles = client.get(f"/review/visits/{ids['Los Angeles']}").get_data(as_text=True)
    assert "31 Jan 2026 23:30 PST" in los_angeles
    tokyo = client.get(f"/review/visits/{ids['Tokyo']}").get_data(as_text=True)
    assert "01 Feb 2026 16:30 JST" in tokyo
    # The queue lists both, each with its zone so neither is misread.
    queue = client.get("/review/").get_data(as_text=True)
    assert "31 Jan 2026 23:30 PST" in queue and "01 Feb 2026 16:30 JST" in queue


def test_spanish_readers_get_spanish_months_and_decimal_commas(app, client, auth):
    with app.app_context():
        ids = visits_at_one_instant()
    auth.login(MANAGER_EMAIL)
    page = client.get(
        f"/review/visits/{ids['Los Angeles']}", headers={"Accept-Language": "es"}
    ).get_data(as_text=True)
    assert "31 ene 2026, 23:30 PST" in page
    assert "74,3\xa0%" in page and "74.3%" not in page
    english = client.get(f"/review/visits/{ids['Los Angeles']}").get_data(as_text=True)
    assert "74.3%" in english and "ene" not in english


def test_a_shopper_types_times_on_the_branch_clock(app, client, auth):
    start = datetime(2026, 11, 30, 15, 5, tzinfo=UTC)  # 00:05 on 1 Dec in Tokyo
    with app.app_context(), time_machine.travel(start, tick=False):
        world = make_world()
        tokyo = make_branch(world.north, code="TYO01", timezone=TOKYO)
        visit_id = started_draft(world.card, tokyo, world.shopper).id
        db.session.commit()
    auth.login(SHOPPER_EMAIL)
    form = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert 'value="2026-12-01T00:05"' in form  # started "now": the form's default, Tokyo's clock

    sent = {"started_at": "2026-11-30T23:30", "ended_at": "2026-11-30T23:55"}
    response = client.post(f"/shop/visits/{visit_id}/draft", json=sent)
    assert response.status_code == 200 and response.json["problems"] == []
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.started_at == datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
        assert visit.ended_at == datetime(2026, 11, 30, 14, 55, tzinfo=UTC)
        assert visit.status is VisitStatus.DRAFT
    form = client.get(f"/shop/visits/{visit_id}").get_data(as_text=True)
    assert 'value="2026-11-30T23:30"' in form and 'value="2026-11-30T23:55"' in form


# --- the day a period, a schedule, a window and a follow-up end on ----------------------
#: 20:00 UTC on 30 Nov 2026: still November in UTC (the installation's zone in tests),
#: already 05:00 on 1 December in Tokyo.
TOKYO_DECEMBER = datetime(2026, 11, 30, 20, tzinfo=UTC)


def test_a_preset_period_of_one_branch_ends_on_its_today(app, client, auth):
    with app.app_context():
        world = make_world()
        make_branch(world.north, code="TYO01", timezone=TOKYO)
        make_user(Role.MANAGER, email=MANAGER_EMAIL)
        db.session.commit()
    with time_machine.travel(TOKYO_DECEMBER, tick=False):
        auth.login(MANAGER_EMAIL)

        def period_of(url: str) -> str:
            response = client.get(url)
            assert response.status_code == 200
            return response.headers["Content-Disposition"]

        # "Last full month": November at the Tokyo branch, October for the whole company.
        assert "2026-11-01-2026-11-30" in period_of(
            "/reports/visits.csv?branch=TYO01&period=full-1m"
        )
        assert "2026-10-01-2026-10-31" in period_of("/reports/visits.csv?period=full-1m")


def test_a_branch_report_is_due_once_its_month_has_ended_there(app):
    with app.app_context():
        world = make_world()
        tokyo = make_branch(world.north, code="TYO01", timezone=TOKYO)
        owner = make_user(Role.MANAGER, email=MANAGER_EMAIL)
        of_tokyo = subscriptions.create_subscription(
            owner, unit="branch", frequency="monthly", branch_id=tokyo.id
        )
        of_company = subscriptions.create_subscription(owner, unit="company", frequency="monthly")
        db.session.commit()
        due = dict(subscriptions.due(now=TOKYO_DECEMBER))
        assert due[of_tokyo.id] == Period(date(2026, 11, 1), date(2026, 11, 30))
        assert due[of_company.id] == Period(date(2026, 10, 1), date(2026, 10, 31))


def test_sent_on_time_means_before_midnight_at_the_branch(app):
    """Both visits' windows end on 10 Feb. Sally sends at 06:00 UTC on the 11th, 22:00 on
    the 10th in Los Angeles: on time. Oscar sends at 16:00 UTC on the 10th, already 01:00
    on the 11th in Tokyo: late."""
    last_day = date(2026, 2, 10)
    with app.app_context():
        world = make_world()
        oscar = make_user(Role.SHOPPER, name="Oscar Other")
        sent = {}
        for shopper, zone_name, visited, sent_at in (
            (world.shopper, LOS_ANGELES, datetime(2026, 2, 10, 20, tzinfo=UTC), (6, 11)),
            (oscar, TOKYO, datetime(2026, 2, 10, 2, tzinfo=UTC), (16, 10)),
        ):
            branch = make_branch(world.north, timezone=zone_name)
            window = make_assignment(
                world.card, branch, shopper, start=last_day - timedelta(days=6), end=last_day
            )
            visit = make_visit(world.card, branch, shopper, last_day, assignment=window)
            visit.visited_at = visit.started_at = visited
            visit.ended_at = visited + timedelta(minutes=30)
            hour, day = sent_at
            visit.submitted_at = datetime(2026, 2, day, hour, tzinfo=UTC)
            sent[shopper.id] = visit.submitted_at
        db.session.commit()
        now = datetime(2026, 3, 1, tzinfo=UTC)

        def on_time(user) -> float:  # noqa: ANN001
            (value,) = [c.value for c in rating_of(user, now=now).components if c.key == "on_time"]
            return value

        assert on_time(world.shopper) == 1.0
        assert on_time(oscar) == 0.0


def test_a_follow_up_is_due_from_midnight_at_the_staff_members_branch(app):
    follow_up_on = date(2026, 12, 1)
    with app.app_context():
        world = make_world()
        tokyo = make_branch(world.north, code="TYO01", timezone=TOKYO)
        in_tokyo = make_note(make_staff(tokyo), world.manager, "Tokyo", follow_up_on=follow_up_on)
        make_note(make_staff(world.leeds), world.manager, "Leeds", follow_up_on=follow_up_on)
        db.session.commit()
        with time_machine.travel(TOKYO_DECEMBER, tick=False):
            due = db.session.scalars(coaching.notes_query(world.manager, coaching.NoteFilter.DUE))
            assert [note.id for note in due] == [in_tokyo.id]
            assert coaching.remind_due_follow_ups() == 1  # Leeds (UTC) waits for its midnight
            assert coaching.remind_due_follow_ups() == 0  # once a day
