"""The minimum rating on the New assignment page and over the API, the managers' ratings
page, and the shopper's own rating on their home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audit.accounts.api_tokens import create_token
from audit.extensions import db
from audit.models import Assignment, AuditEvent, Scorecard, VisitStatus
from tests.builders import TODAY, make_visit, make_world


@pytest.fixture
def rated(app) -> dict:
    """Sally Shopper with five visits at Bristol, all sent back: rated 69 (25 × 0 + 25 +
    15 + 15 over 80); the rules card asks for 70. Ids, e-mails and a manager's token."""
    with app.app_context():
        world = make_world()
        day = TODAY - timedelta(days=10)
        for n in range(5):
            visit = make_visit(world.card, world.bristol, world.shopper, day - timedelta(days=n))
            visit.status = VisitStatus.RETURNED
            visit.submitted_at = visit.visited_at + timedelta(hours=1)
        world.card.min_rating = 70
        token = create_token(world.manager, "planning").secret
        db.session.commit()
        return {
            "card": world.card.id,
            "leeds": world.leeds.id,
            "shopper": world.shopper.id,
            "shopper_email": world.shopper.email,
            "manager_email": world.manager.email,
            "token": token,
        }


def _form(ids: dict, **changes) -> dict:
    data = {
        "scorecard": ids["card"],
        "branches": [ids["leeds"]],
        "shopper": ids["shopper"],
        "window_start": TODAY.isoformat(),
        "window_end": (TODAY + timedelta(days=14)).isoformat(),
        "scenario": "Ask about a child's savings account.",
    }
    return data | changes


def _assignments(app) -> list[Assignment]:
    with app.app_context():
        return list(db.session.scalars(select(Assignment)))


def test_the_form_refuses_below_the_minimum_keeps_the_input_and_allows_an_override(
    app, client, auth, rated
):
    auth.login(rated["manager_email"])
    page = client.get("/assignments/new").get_data(as_text=True)
    assert "Sally Shopper · Mystery shopper · rating 69" in page
    assert "Rules card · needs a rating of 70" in page

    response = client.post("/assignments/new", data=_form(rated))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Sally Shopper&#39;s rating is 69, below the 70 this scorecard asks for." in page
    assert 'data-component="not_returned"' in page
    assert "5 of 5 reviewed visits sent back" in page
    assert "Offer below the minimum rating" in page
    assert "Ask about a child&#39;s savings account." in page  # what was typed is kept
    assert _assignments(app) == []

    response = client.post("/assignments/new", data=_form(rated, override_rating="y"))
    assert response.status_code == 409
    assert "Say why this shopper should do it anyway." in response.get_data(as_text=True)
    assert _assignments(app) == []

    reason = "The only shopper who speaks Welsh"
    response = client.post(
        "/assignments/new",
        data=_form(rated, override_rating="y", rating_override_reason=reason),
    )
    assert response.status_code == 302
    (offered,) = _assignments(app)
    assert offered.rating_overridden and offered.rating_override_reason == reason
    detail = client.get(f"/assignments/{offered.id}").get_data(as_text=True)
    assert "Offered below the minimum rating" in detail and reason in detail


def test_the_api_names_the_field_in_a_problem(app, client, rated):
    def post(**changes):
        body = {
            "scorecard_id": rated["card"],
            "branch_id": rated["leeds"],
            "shopper_id": rated["shopper"],
            "window_start": TODAY.isoformat(),
            "window_end": (TODAY + timedelta(days=14)).isoformat(),
            "scenario": "Ask about a savings account.",
        }
        return client.post(
            "/api/v1/assignments",
            json=body | changes,
            headers={"Authorization": f"Bearer {rated['token']}"},
        )

    refused = post()
    assert refused.status_code == 409
    assert refused.content_type == "application/problem+json"
    problem = refused.get_json()
    assert problem["title"] == "Below the minimum rating"
    assert problem["errors"] == [
        {
            "field": "shopper_id",
            "message": "Sally Shopper's rating is 69, below the 70 this scorecard asks for.",
        }
    ]
    assert "override_rating" in problem["detail"]

    no_reason = post(override_rating=True)
    assert no_reason.status_code == 422
    assert no_reason.get_json()["errors"][0]["field"] == "rating_override_reason"
    assert _assignments(app) == []

    made = post(override_rating=True, rating_override_reason="Only Welsh speaker")
    assert made.status_code == 201, made.text
    body = made.get_json()
    assert body["rating_overridden"] is True
    assert body["rating_override_reason"] == "Only Welsh speaker"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "override_rating" in str(spec) and "rating_override_reason" in str(spec)


def test_managers_see_every_rating_and_set_each_scorecards_minimum(app, client, auth, rated):
    auth.login(rated["manager_email"])
    page = client.get("/trust/ratings").get_data(as_text=True)
    row = page[page.index(f'data-user="{rated["shopper"]}"') :]
    assert ">69<" in row[:1000] and "5 of 5 reviewed visits sent back" in row
    assert f'href="/trust/shoppers/{rated["shopper"]}"' in row[:1000]  # the shopper's page

    url = f"/trust/ratings/scorecards/{rated['card']}"
    bad = client.post(url, data={"min_rating": "150"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "A minimum rating is a whole number from 0 to 100." in text
    assert 'value="150"' in text  # what was typed is kept
    assert client.post(url, data={"min_rating": "60"}).status_code == 302
    with app.app_context():
        assert db.session.get(Scorecard, rated["card"]).min_rating == 60
        changed = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "scorecard.min_rating_changed"
            )
        )
        assert changed == 1
    assert client.post(url, data={"min_rating": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(Scorecard, rated["card"]).min_rating is None
    # Now Sally can be offered the visit without an override.
    assert client.post("/assignments/new", data=_form(rated)).status_code == 302


def test_shoppers_see_their_own_rating_and_how_it_is_made(app, client, auth, rated):
    auth.login(rated["shopper_email"])
    home = client.get("/shop/").get_data(as_text=True)
    assert 'data-rating="69"' in home and "/trust/my-rating" in home
    assert "%" not in home  # the home page shows no percentages (no visit score either)
    page = client.get("/trust/my-rating").get_data(as_text=True)
    assert 'data-rating="69"' in page
    assert "5 of 5 reviewed visits sent back" in page
    assert "68.8 → 69" in page  # the points add up to the rating shown
    assert "Agreement in calibration" in page  # left out, and said so
    assert client.get("/trust/ratings").status_code == 403
