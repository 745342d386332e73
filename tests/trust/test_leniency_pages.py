"""The shoppers' leniency list and the page about one shopper: who may see them and what
they show."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import Role, SignalKind, SignalLevel, User, VisitSignal, VisitStatus
from audit.review import service as review
from tests.builders import (
    make_answer_change,
    make_branch,
    make_region,
    make_user,
    make_visit,
    published_card,
)
from tests.pages import marked

MAY = {"period": "custom", "from": "2026-05-01", "to": "2026-05-31"}


@pytest.fixture
def world(app):
    """Ann scores 10–12 points above Bob at three northern branches in May 2026; Cy has
    one visit at a southern branch no one else visited. Ann's visits: one sent back, one
    edited by a reviewer, one with a stored signal; one waits for review."""
    with app.app_context():
        card = published_card()
        north, south = make_region("North"), make_region("South")
        branches = [make_branch(north, name=f"North {n}") for n in range(3)]
        far = make_branch(south, name="Southport")
        ann = make_user(Role.SHOPPER, email="ann@example.org", name="Ann Generous")
        bob = make_user(Role.SHOPPER, email="bob@example.org", name="Bob Strict")
        cy = make_user(Role.ASSESSOR, email="cy@example.org", name="Cy Alone")
        manager = make_user(Role.MANAGER, email="boss@example.org")
        south_manager = make_user(Role.MANAGER, email="south@example.org", regions=[south])
        counted = []  # Ann's visits that count
        for day, branch in enumerate(branches, start=4):
            for shift, status in enumerate((VisitStatus.APPROVED, VisitStatus.PUBLISHED)):
                when = date(2026, 5, day + 7 * shift)
                counted.append(
                    make_visit(card, branch, ann, when, status, percent=80.0 + shift + day)
                )
                make_visit(card, branch, bob, when, status, percent=70.0 - shift + day)
        make_visit(card, far, cy, date(2026, 5, 9), VisitStatus.PUBLISHED, percent=66.0)
        sent_back = make_visit(card, branches[0], ann, date(2026, 5, 25), percent=50.0)
        review.return_to_shopper(sent_back, manager, "The receipt photo is missing.")
        make_visit(card, branches[1], ann, date(2026, 5, 26), percent=60.0)  # waiting
        first = counted[0].id
        make_answer_change(
            counted[0],
            "greeted",
            "no",
            "yes",
            by=manager,
            reason="The photo shows a greeting.",
            at=datetime(2026, 5, 6, tzinfo=UTC),
        )
        db.session.add(
            VisitSignal(
                visit_id=first,
                kind=SignalKind.DUPLICATE_TEXT,
                level=SignalLevel.WARN,
                detail="The comment on “Summary” repeats one on visit #99.",
            )
        )
        db.session.commit()
        return SimpleNamespace(
            ann=ann.id, bob=bob.id, cy=cy.id, manager=manager.email, south=south_manager.email
        )


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.ASSESSOR, Role.STAFF])
def test_only_managers_and_admins_see_the_pages(app, client, auth, world, role):
    with app.app_context():
        email = make_user(role).email
        db.session.commit()
    urls = ("/trust/shoppers", f"/trust/shoppers/{world.ann}", "/trust/adjusted-scores")
    for url in urls:
        assert client.get(url).status_code == 302  # signed out: to the login page
        auth.login(email)
        assert client.get(url).status_code == 403
        auth.logout()
    for email in (world.manager, make_admin(app)):
        auth.login(email)
        for url in urls:
            assert client.get(url).status_code == 200, url
        auth.logout()


def make_admin(app) -> str:
    with app.app_context():
        email = make_user(Role.ADMIN).email
        db.session.commit()
    return email


def test_a_page_only_for_shoppers_and_assessors(app, client, auth, world):
    auth.login(world.manager)
    with app.app_context():
        manager_id = db.session.scalar(select(User.id).where(User.email == world.manager))
    assert client.get(f"/trust/shoppers/{manager_id}").status_code == 404
    assert client.get("/trust/shoppers/99999").status_code == 404
    assert client.get(f"/trust/shoppers/{world.cy}").status_code == 200


def test_the_list_puts_flagged_shoppers_first_with_their_interval(client, auth, world):
    auth.login(world.manager)
    response = client.get("/trust/shoppers", query_string=MAY)
    text = page_text(response)
    assert response.status_code == 200
    assert text.index("Ann Generous") < text.index("Bob Strict") < text.index("Cy Alone")
    assert "+5.5 pts" in text and "−5.5 pts" in text
    assert "Generous: beyond ±5 pts" in text and "Harsh: beyond ±5 pts" in text
    assert "no one to compare with" in text
    assert f'href="/trust/shoppers/{world.ann}?' in response.get_data(as_text=True)
    assert "01 May 2026 to 31 May 2026" in text


def test_the_shopper_page_shows_visits_outcomes_signals_and_leniency(client, auth, world):
    auth.login(world.manager)
    response = client.get(f"/trust/shoppers/{world.ann}", query_string=MAY)
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert response.status_code == 200
    assert "+5.5 pts" in text and "95% interval +" in text
    assert "From 6 of their 6 visits (n)" in text
    assert marked(html, "outcome").found == {
        "sent": "8",
        "returned": "1",
        "edited": "1",
        "approved": "6",
        "waiting": "1",
        "excluded": "0",
    }
    assert "repeats one on visit #99" in text and 'data-kind="duplicate_text"' in html
    assert html.count("data-visit=") == 8
    assert "sent back" in text and "edited" in text
    assert 'id="rating"' in html


def test_nothing_to_compare_and_no_visits_are_said_plainly(client, auth, world):
    auth.login(world.manager)
    text = page_text(client.get(f"/trust/shoppers/{world.cy}", query_string=MAY))
    assert "no other shopper scored the same branches" in text
    april = {"period": "custom", "from": "2026-04-01", "to": "2026-04-30"}
    text = page_text(client.get(f"/trust/shoppers/{world.ann}", query_string=april))
    assert "No approved or published visits in this period." in text
    assert "No visits sent in this period." in text


def test_a_regional_manager_sees_only_visits_in_their_regions(client, auth, world):
    auth.login(world.south)
    response = client.get(f"/trust/shoppers/{world.ann}", query_string=MAY)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-visit=" not in html
    assert "+5.5 pts" in page_text(response)  # the figure is about the person
    assert "in your regions only" in page_text(response)


def test_a_wrong_date_is_reported_and_the_default_period_used(client, auth, world):
    auth.login(world.manager)
    response = client.get("/trust/shoppers", query_string={"from": "31/05/2026"})
    assert response.status_code == 200
    assert "is not a date (use YYYY-MM-DD)" in page_text(response)


def page_text(response) -> str:
    """The page's words, tags left out and spaces collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(words).split())


def test_adjusted_scores_are_labelled_and_scoped(client, auth, world):
    auth.login(world.manager)
    response = client.get("/trust/adjusted-scores", query_string=MAY)
    text = page_text(response)
    assert "Adjusted figures, for comparison only." in text
    assert "Stored scores, bands and every other report are unchanged." in text
    rows = marked(response.get_data(as_text=True), "branch").found
    assert len(rows) == 4
    assert "1 not adjusted" in text  # Cy, whom nobody can be compared with
    auth.logout()
    auth.login(world.south)
    text = page_text(client.get("/trust/adjusted-scores", query_string=MAY))
    assert "Southport" in text and "North 0" not in text
