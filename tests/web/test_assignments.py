"""Assignment pages: managers offer and follow; shoppers accept or decline their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audit.assignments.service import today
from audit.extensions import db
from audit.models import Assignment, AssignmentStatus, AuditEvent, Role, VisitStatus
from tests.builders import (
    make_assignment,
    make_branch,
    make_region,
    make_user,
    make_visit,
    published_card,
)
from tests.pages import visible_text

S = AssignmentStatus
TODAY = today()


@pytest.fixture
def ids(app):
    """North (Leeds, York, Hull) and South (Bristol), a published card, people."""
    with app.app_context():
        north, south = make_region("North"), make_region("South")
        leeds = make_branch(north, code="LDS01", name="Leeds Briggate", lat=53.7965, lng=-1.5426)
        york = make_branch(north, code="YRK01", name="York Coney Street")
        hull = make_branch(north, code="HUL01", name="Hull Whitefriargate")
        bristol = make_branch(south, code="BRS01", name="Bristol Broadmead")
        card = published_card()
        people = {
            "manager": make_user(Role.MANAGER),
            "north_manager": make_user(Role.MANAGER, regions=[north]),
            "shopper": make_user(Role.SHOPPER, name="Sally Shopper"),
            "other_shopper": make_user(Role.SHOPPER, name="Oscar Other"),
            "staff": make_user(Role.STAFF),
            "assessor": make_user(Role.ASSESSOR),
        }
        db.session.commit()
        out = {k: v.id for k, v in people.items()}
        out |= {f"{k}_email": v.email for k, v in people.items()}
        out |= {
            "north": north.id,
            "south": south.id,
            "leeds": leeds.id,
            "york": york.id,
            "hull": hull.id,
            "bristol": bristol.id,
            "card": card.id,
        }
        return out


def form_data(ids, **overrides):
    data = {
        "scorecard": ids["card"],
        "shopper": ids["shopper"],
        "branches": [ids["leeds"]],
        "window_start": (TODAY + timedelta(days=1)).isoformat(),
        "window_end": (TODAY + timedelta(days=15)).isoformat(),
        "scenario": "Ask about a child's savings account; note whether fees are explained.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(app, **where) -> int:
    with app.app_context():
        query = select(func.count(Assignment.id))
        for name, value in where.items():
            query = query.where(getattr(Assignment, name) == value)
        return db.session.scalar(query)


def ticked(page: str, branch_id: int) -> bool:
    """The branch's box is ticked in the new-assignment form."""
    return f'value="{branch_id}" id="branches-{branch_id}" checked' in page


def seed_assignment(app, ids, branch="leeds", shopper="shopper", **kw) -> int:
    with app.app_context():
        from audit.models import Branch, Scorecard, User

        a = make_assignment(
            db.session.get(Scorecard, ids["card"]),
            db.session.get(Branch, ids[branch]),
            db.session.get(User, ids[shopper]),
            scenario=kw.pop("scenario", "Buy a travel adapter and ask about returns."),
            **kw,
        )
        db.session.commit()
        return a.id


# --- creating ----------------------------------------------------------------


def test_manager_creates_one_per_branch_with_a_region_helper(app, client, auth, ids):
    auth.login(ids["manager_email"])
    page = client.get("/assignments/new").get_data(as_text=True)
    assert ">North</legend>" in page and "All 3 branches in North" in page
    response = client.post(
        "/assignments/new",
        data=form_data(ids, branches=[ids["leeds"]], regions=[ids["north"]]),
    )
    assert response.status_code == 302
    assert count(app) == 3
    assert count(app, branch_id=ids["bristol"]) == 0
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 assignments offered to Sally Shopper." in listing
    for name in ("Leeds Briggate", "York Coney Street", "Hull Whitefriargate"):
        assert name in listing


def test_form_keeps_typed_values_on_error(app, client, auth, ids):
    auth.login(ids["manager_email"])
    response = client.post(
        "/assignments/new",
        data=form_data(
            ids,
            branches=[ids["york"], ids["hull"]],
            window_start=(TODAY + timedelta(days=10)).isoformat(),
            window_end=(TODAY + timedelta(days=5)).isoformat(),
            scenario="Ask for the <manager> by name",
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The window cannot end before it starts." in page
    assert "Ask for the &lt;manager&gt; by name" in page
    assert ticked(page, ids["york"]) and ticked(page, ids["hull"])
    assert not ticked(page, ids["leeds"])
    assert f'value="{(TODAY + timedelta(days=10)).isoformat()}"' in page
    assert count(app) == 0


def test_nothing_chosen_and_a_past_window_are_refused(app, client, auth, ids):
    auth.login(ids["manager_email"])
    page = client.post("/assignments/new", data=form_data(ids, branches=None)).get_data(
        as_text=True
    )
    assert "Choose at least one branch or region." in page
    past = form_data(
        ids,
        window_start=(TODAY - timedelta(days=9)).isoformat(),
        window_end=(TODAY - timedelta(days=2)).isoformat(),
    )
    page = client.post("/assignments/new", data=past).get_data(as_text=True)
    assert "The window has already ended" in page
    assert count(app) == 0


def test_lockout_is_shown_and_can_be_overridden_with_a_reason(app, client, auth, ids):
    seed_assignment(app, ids, start=TODAY - timedelta(days=29), status=S.COMPLETED)
    auth.login(ids["manager_email"])
    data = form_data(ids, branches=[ids["leeds"], ids["york"]])
    response = client.post("/assignments/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "within the 90-day lockout" in page
    assert "Leeds Briggate (LDS01)" in page
    assert (TODAY - timedelta(days=29)).strftime("%d %b %Y") in page
    assert "Override the lockout" in page
    assert data["scenario"].replace("'", "&#39;") in page
    assert ticked(page, ids["york"])
    assert count(app) == 1

    response = client.post("/assignments/new", data=data | {"override_lockout": "y"})
    assert response.status_code == 409
    assert "Say why this shopper should go back so soon." in response.get_data(as_text=True)
    assert count(app) == 1

    reason = "Only Welsh-speaking shopper available"
    response = client.post(
        "/assignments/new", data=data | {"override_lockout": "y", "override_reason": reason}
    )
    assert response.status_code == 302
    with app.app_context():
        leeds = db.session.scalar(
            select(Assignment).where(
                Assignment.branch_id == ids["leeds"], Assignment.status == S.OFFERED
            )
        )
        york = db.session.scalar(select(Assignment).where(Assignment.branch_id == ids["york"]))
        assert leeds.lockout_overridden and leeds.override_reason == reason
        assert not york.lockout_overridden
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "assignment.lockout_overridden")
        )
        assert event.subject_id == leeds.id and event.details["reason"] == reason
        assert event.actor_id == ids["manager"]
        leeds_id = leeds.id
    detail = client.get(f"/assignments/{leeds_id}").get_data(as_text=True)
    assert "Lockout overridden" in detail and reason in detail


def test_a_visit_30_days_ago_blocks_and_setting_0_disables(app, client, auth, ids):
    with app.app_context():
        from audit.models import Branch, Scorecard, User
        from audit.settings import set_setting

        card = db.session.get(Scorecard, ids["card"])
        make_visit(
            card,
            db.session.get(Branch, ids["york"]),
            db.session.get(User, ids["shopper"]),
            TODAY - timedelta(days=30),
        )
        db.session.commit()
    auth.login(ids["manager_email"])
    data = form_data(ids, branches=[ids["york"]])
    assert client.post("/assignments/new", data=data).status_code == 409
    with app.app_context():
        set_setting("shopper_lockout_days", 0, None)
        db.session.commit()
    assert client.post("/assignments/new", data=data).status_code == 302
    assert count(app, branch_id=ids["york"]) == 1


def test_branches_are_ticked_in_a_list_grouped_by_region(app, client, auth, ids):
    auth.login(ids["manager_email"])
    page = client.get(f"/assignments/new?branch={ids['york']}").get_data(as_text=True)
    assert "<select multiple" not in page and "Ctrl" not in page
    for branch in ("leeds", "york", "hull", "bristol"):
        assert f'type="checkbox" name="branches" value="{ids[branch]}"' in page
    assert ticked(page, ids["york"]) and not ticked(page, ids["leeds"])
    # North's branches under North, in name order, after its "all" box; then South.
    order = [
        page.index(text)
        for text in (
            ">North</legend>",
            "All 3 branches in North",
            "Hull Whitefriargate",
            "Leeds Briggate",
            "York Coney Street",
            ">South</legend>",
            "Bristol Broadmead",
        )
    ]
    assert order == sorted(order)
    # The summary of what will be sent.
    chosen = page[page.index('id="chosen"') :]
    assert "1 branch: one assignment each." in chosen and "York Coney Street" in chosen


def test_a_region_box_counts_for_all_its_branches_when_the_form_comes_back(app, client, auth, ids):
    auth.login(ids["manager_email"])
    data = form_data(ids, branches=None, regions=[ids["north"]], scenario="")
    page = client.post("/assignments/new", data=data).get_data(as_text=True)
    assert f'value="{ids["north"]}" id="regions-{ids["north"]}" data-region-all checked' in page
    assert all(ticked(page, ids[b]) for b in ("leeds", "york", "hull"))
    assert not ticked(page, ids["bristol"])
    assert "3 branches: one assignment each." in page


def test_the_lockout_is_shown_per_branch_before_sending(app, client, auth, ids):
    seed_assignment(app, ids, start=TODAY - timedelta(days=29), status=S.COMPLETED)
    auth.login(ids["manager_email"])
    start = TODAY + timedelta(days=1)
    until = (TODAY - timedelta(days=29) + timedelta(days=89)).strftime("%d %b %Y")
    note = (
        f"Locked out until {until} "
        f"(visit or assignment on {(TODAY - timedelta(days=29)).strftime('%d %b %Y')})"
    )
    # What the page's script asks as the shopper and the window are chosen.
    answer = client.get(f"/assignments/lockout?shopper={ids['shopper']}&start={start}").json
    assert answer == {"branches": {str(ids["leeds"]): note}}
    other = client.get(f"/assignments/lockout?shopper={ids['other_shopper']}&start={start}")
    assert other.json == {"branches": {}}
    assert client.get("/assignments/lockout?shopper=0&start=").json == {"branches": {}}
    # A window starting the day after the lockout ends is free.
    later = TODAY - timedelta(days=29) + timedelta(days=90)
    assert client.get(f"/assignments/lockout?shopper={ids['shopper']}&start={later}").json == {
        "branches": {}
    }
    # Without the script: the form comes back (here without a scenario) with the note
    # beside Leeds and in the summary of the chosen branches; nothing is created.
    data = form_data(ids, branches=[ids["leeds"], ids["york"]], scenario="")
    page = client.post("/assignments/new", data=data).get_data(as_text=True)
    beside = page[page.index(f'id="lockout-{ids["leeds"]}"') :]
    assert beside.startswith(f'id="lockout-{ids["leeds"]}">{note}</span>')
    assert f'id="lockout-{ids["york"]}" hidden></span>' in page
    chosen = page[page.index('id="chosen"') :]
    assert f'Leeds Briggate (LDS01) <span class="small text-danger-emphasis">— {note}' in chosen
    assert "The shopper is locked out of 1 of these branches" in chosen
    assert count(app) == 1
    # The server still refuses as before when the offer is sent.
    data = form_data(ids, branches=[ids["leeds"], ids["york"]])
    assert client.post("/assignments/new", data=data).status_code == 409
    assert count(app) == 1


def test_the_lockout_preview_is_for_managers_within_their_regions(app, client, auth, ids):
    seed_assignment(app, ids, branch="bristol", start=TODAY - timedelta(days=3))
    start = TODAY + timedelta(days=1)
    url = f"/assignments/lockout?shopper={ids['shopper']}&start={start}"
    auth.login(ids["north_manager_email"])
    assert client.get(url).json == {"branches": {}}  # Bristol is outside North
    auth.logout()
    auth.login(ids["manager_email"])
    assert list(client.get(url).json["branches"]) == [str(ids["bristol"])]
    auth.logout()
    auth.login(ids["shopper_email"])
    assert client.get(url).status_code == 403


# --- scope and roles ---------------------------------------------------------


def test_scoped_manager_cannot_create_for_or_see_other_regions(app, client, auth, ids):
    south_id = seed_assignment(app, ids, branch="bristol")
    north_id = seed_assignment(app, ids, branch="leeds")
    auth.login(ids["north_manager_email"])
    form = client.get("/assignments/new").get_data(as_text=True)
    assert "Leeds Briggate" in form and "Bristol Broadmead" not in form
    assert ">South</legend>" not in form and "in South" not in form

    response = client.post(
        "/assignments/new",
        data=form_data(ids, branches=[ids["bristol"]], regions=[ids["south"]]),
    )
    assert response.status_code == 200
    assert count(app, branch_id=ids["bristol"]) == 1  # only the seeded one

    listing = client.get("/assignments/").get_data(as_text=True)
    assert "Leeds Briggate" in listing and "Bristol Broadmead" not in listing
    assert (
        client.get(f"/assignments/?branch={ids['bristol']}")
        .get_data(as_text=True)
        .count("Bristol Broadmead")
        == 0
    )
    assert client.get(f"/assignments/{north_id}").status_code == 200
    assert client.get(f"/assignments/{south_id}").status_code == 403
    response = client.post(f"/assignments/{south_id}/cancel", data={"reason": "Mine now"})
    assert response.status_code == 403
    assert count(app, status=S.CANCELLED) == 0
    assert client.get("/assignments/99999").status_code == 404


@pytest.mark.parametrize("role", ["staff", "shopper", "assessor"])
def test_non_managers_get_403_on_manager_pages(app, client, auth, ids, role):
    assignment_id = seed_assignment(app, ids)
    auth.login(ids[f"{role}_email"])
    assert client.get("/assignments/").status_code == 403
    assert client.get("/assignments/new").status_code == 403
    assert client.post("/assignments/new", data=form_data(ids)).status_code == 403
    assert client.get(f"/assignments/{assignment_id}").status_code == 403
    response = client.post(f"/assignments/{assignment_id}/cancel", data={"reason": "x"})
    assert response.status_code == 403
    assert count(app) == 1 and count(app, status=S.OFFERED) == 1


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_shopper_actions_are_403_for_other_roles(app, client, auth, ids, role):
    assignment_id = seed_assignment(app, ids)
    auth.login(ids[f"{role}_email"])
    assert client.get(f"/assignments/{assignment_id}/offer").status_code == 403
    assert client.post(f"/assignments/{assignment_id}/accept").status_code == 403
    assert client.post(f"/assignments/{assignment_id}/decline").status_code == 403
    assert count(app, status=S.OFFERED) == 1


def test_manager_nav_links_to_assignments(client, auth, ids):
    auth.login(ids["manager_email"])
    page = client.get("/assignments/").get_data(as_text=True)
    assert 'href="/assignments/"' in page and ">Assignments</a>" in page


# --- the shopper's side ------------------------------------------------------


def test_shopper_sees_the_offer_and_accepts(app, client, auth, ids):
    assignment_id = seed_assignment(app, ids, start=TODAY, end=TODAY + timedelta(days=6))
    auth.login(ids["shopper_email"])
    response = client.get(f"/assignments/{assignment_id}/offer")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Leeds Briggate" in page and "High Street" in page
    assert "https://www.openstreetmap.org/?mlat=53.7965&amp;mlon=-1.5426" in page
    assert "Rules card" in page
    assert "Buy a travel adapter and ask about returns." in page
    assert TODAY.strftime("%d %b %Y") in page
    assert "Accept this visit" in page and "Decline" in page
    assert "<script>" not in page and "style=" not in page and "onclick" not in page

    response = client.post(f"/assignments/{assignment_id}/accept")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assert assignment.status is S.ACCEPTED and assignment.responded_at is not None
    page = client.get(f"/assignments/{assignment_id}/offer").get_data(as_text=True)
    assert "You accepted this visit" in page and "Accept this visit" not in page


def test_shopper_declines_with_or_without_a_reason(app, client, auth, ids):
    first = seed_assignment(app, ids, branch="leeds")
    second = seed_assignment(app, ids, branch="york")
    auth.login(ids["shopper_email"])
    response = client.post(f"/assignments/{first}/decline", data={"reason": "Away that week"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.post(f"/assignments/{second}/decline").status_code == 302
    with app.app_context():
        a, b = db.session.get(Assignment, first), db.session.get(Assignment, second)
        assert a.status is S.DECLINED and a.decline_reason == "Away that week"
        assert b.status is S.DECLINED and b.decline_reason == ""
    # A declined offer cannot be accepted afterwards.
    client.post(f"/assignments/{first}/accept")
    assert count(app, status=S.ACCEPTED) == 0


def test_another_shopper_gets_404(app, client, auth, ids):
    assignment_id = seed_assignment(app, ids)
    auth.login(ids["other_shopper_email"])
    assert client.get(f"/assignments/{assignment_id}/offer").status_code == 404
    assert client.post(f"/assignments/{assignment_id}/accept").status_code == 404
    response = client.post(f"/assignments/{assignment_id}/decline", data={"reason": "no"})
    assert response.status_code == 404
    assert client.get("/assignments/99999/offer").status_code == 404
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assert assignment.status is S.OFFERED and assignment.decline_reason == ""


def test_an_assessor_accepts_their_own_assignment(app, client, auth, ids):
    assignment_id = seed_assignment(app, ids, shopper="assessor")
    auth.login(ids["assessor_email"])
    assert client.post(f"/assignments/{assignment_id}/accept").status_code == 302
    assert count(app, status=S.ACCEPTED) == 1


def test_shoppers_never_see_scores(app, client, auth, ids):
    assignment_id = seed_assignment(app, ids, status=S.COMPLETED)
    with app.app_context():
        from audit.models import Branch, Scorecard, User

        make_visit(
            db.session.get(Scorecard, ids["card"]),
            db.session.get(Branch, ids["leeds"]),
            db.session.get(User, ids["shopper"]),
            TODAY,
            VisitStatus.PUBLISHED,
            assignment=db.session.get(Assignment, assignment_id),
            percent=73.25,
            band="below",
        )
        db.session.commit()
    auth.login(ids["shopper_email"])
    page = client.get(f"/assignments/{assignment_id}/offer").get_data(as_text=True)
    assert "73" not in visible_text(page) and "73.25" not in page  # the markup has a CSRF token
    assert "band" not in page.lower()
    assert "Accept this visit" not in page


# --- following up ------------------------------------------------------------


def test_cancel_requires_a_reason_and_shows_in_the_history(app, client, auth, ids):
    assignment_id = seed_assignment(app, ids)
    auth.login(ids["manager_email"])
    response = client.post(f"/assignments/{assignment_id}/cancel", data={"reason": "  "})
    assert response.status_code == 422
    assert "Give a reason for cancelling." in response.get_data(as_text=True)
    assert count(app, status=S.OFFERED) == 1

    response = client.post(
        f"/assignments/{assignment_id}/cancel", data={"reason": "Branch closed for refit"}
    )
    assert response.status_code == 302
    page = client.get(f"/assignments/{assignment_id}").get_data(as_text=True)
    assert "cancelled" in page and "Branch closed for refit" in page
    assert "Cancel assignment" not in page
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assert assignment.status is S.CANCELLED and assignment.cancelled_at is not None


def test_a_submitted_assignment_cannot_be_cancelled(app, client, auth, ids):
    assignment_id = seed_assignment(app, ids, status=S.SUBMITTED)
    auth.login(ids["manager_email"])
    response = client.post(
        f"/assignments/{assignment_id}/cancel",
        data={"reason": "Changed my mind"},
        follow_redirects=True,
    )
    assert "cannot be cancelled" in response.get_data(as_text=True)
    assert count(app, status=S.SUBMITTED) == 1


def test_list_marks_overdue_and_filters_by_the_query_string(app, client, auth, ids):
    past = TODAY - timedelta(days=20)
    late = seed_assignment(app, ids, branch="leeds", start=past, end=TODAY - timedelta(days=1))
    sent = seed_assignment(app, ids, branch="york", start=past, status=S.SUBMITTED)
    future = seed_assignment(
        app, ids, branch="hull", shopper="other_shopper", start=TODAY + timedelta(days=40)
    )
    auth.login(ids["manager_email"])
    page = client.get("/assignments/?status=overdue").get_data(as_text=True)
    assert f'href="/assignments/{late}"' in page and f'href="/assignments/{sent}"' not in page
    with app.app_context():
        assert db.session.get(Assignment, late).status is S.OVERDUE
        assert db.session.get(Assignment, sent).status is S.SUBMITTED
    assert f'href="/assignments/{future}"' in client.get(
        f"/assignments/?shopper={ids['other_shopper']}"
    ).get_data(as_text=True)
    page = client.get(f"/assignments/?branch={ids['york']}").get_data(as_text=True)
    assert f'href="/assignments/{sent}"' in page and f'href="/assignments/{late}"' not in page
    frm = (TODAY + timedelta(days=30)).isoformat()
    page = client.get(f"/assignments/?from={frm}").get_data(as_text=True)
    assert f'href="/assignments/{future}"' in page and f'href="/assignments/{late}"' not in page
    assert f'value="{frm}"' in page
    to = (TODAY - timedelta(days=5)).isoformat()
    page = client.get(f"/assignments/?to={to}&status=open").get_data(as_text=True)
    assert f'href="/assignments/{late}"' in page
    assert f'href="/assignments/{sent}"' not in page and f'href="/assignments/{future}"' not in page
    assert client.get("/assignments/?from=not-a-date&page=abc").status_code == 200


def test_the_detail_page_is_never_stale_about_overdue(app, client, auth, ids):
    past = TODAY - timedelta(days=20)
    late = seed_assignment(app, ids, start=past, end=TODAY - timedelta(days=1))
    auth.login(ids["manager_email"])
    page = client.get(f"/assignments/{late}").get_data(as_text=True)
    assert "Overdue" in page or "overdue" in page
    with app.app_context():
        assert db.session.get(Assignment, late).status is S.OVERDUE


def test_list_is_paginated_by_50_and_keeps_filters(app, client, auth, ids):
    with app.app_context():
        from audit.models import Branch, Scorecard, User

        card = db.session.get(Scorecard, ids["card"])
        branch = db.session.get(Branch, ids["leeds"])
        shopper = db.session.get(User, ids["shopper"])
        for n in range(51):
            make_assignment(card, branch, shopper, start=TODAY + timedelta(days=n))
        db.session.commit()
    auth.login(ids["manager_email"])
    first = client.get(f"/assignments/?shopper={ids['shopper']}").get_data(as_text=True)
    assert "51 assignments" in first and "page 1 of 2" in first
    assert first.count('href="/assignments/') - first.count('href="/assignments/new') >= 50
    assert f"page=2&amp;shopper={ids['shopper']}" in first or (
        f"shopper={ids['shopper']}&amp;page=2" in first
    )
    second = client.get(f"/assignments/?shopper={ids['shopper']}&page=2").get_data(as_text=True)
    assert "page 2 of 2" in second
    assert second.count("Leeds Briggate</a>") == 1


def test_list_shows_the_visit_when_one_exists(app, client, auth, ids):
    assignment_id = seed_assignment(app, ids, status=S.SUBMITTED)
    with app.app_context():
        from audit.models import Branch, Scorecard, User

        visit = make_visit(
            db.session.get(Scorecard, ids["card"]),
            db.session.get(Branch, ids["leeds"]),
            db.session.get(User, ids["shopper"]),
            TODAY,
            assignment=db.session.get(Assignment, assignment_id),
        )
        db.session.commit()
        visit_id = visit.id
    auth.login(ids["manager_email"])
    assert f"Visit #{visit_id}" in client.get("/assignments/").get_data(as_text=True)
    assert f"Visit #{visit_id}" in client.get(f"/assignments/{assignment_id}").get_data(
        as_text=True
    )
