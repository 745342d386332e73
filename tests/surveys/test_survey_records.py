"""Survey responses beside the mystery-shop figures, never inside them; contact e-mails
only for managers of the branch; ``flask surveys link``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from audit.access import contact_email
from audit.accounts.api_tokens import create_token
from audit.extensions import db
from audit.models import Role, Scorecard, Visit, VisitMonthStats, VisitStatus
from audit.reporting import ReportFilter
from audit.reporting.sql import visit_conditions
from audit.reporting.summary import figure
from audit.surveys.links import read_token
from tests.builders import (
    make_branch,
    make_region,
    make_staff,
    make_user,
    make_visit,
    publish_report_cards,
)
from tests.surveys.helpers import make_survey_world, posted


@pytest.fixture
def world(app):
    return make_survey_world(app)


def test_survey_responses_never_count_in_mystery_shop_figures(app, client, world):
    """A response is an approved, scored visit, yet neither the report queries nor the
    monthly rollups count it: only the mystery-shop visit does."""
    for contact in ("", "y"):
        data = posted(app, world.path, contact=contact, email="c@example.org" if contact else "")
        assert client.post(world.path, data=data).status_code == 303
    with app.app_context():
        publish_report_cards()
        card = db.session.scalars(select(Scorecard).where(Scorecard.slug == "branch-visit")).one()
        shop = make_visit(
            card,
            world.branch(),
            make_user(Role.SHOPPER),
            datetime.now(UTC).date(),
            VisitStatus.APPROVED,
            percent=70.0,
        )
        db.session.commit()
        responses = db.session.scalars(
            select(Visit).where(Visit.scorecard_id == world.card_id)
        ).all()
        assert len(responses) == 2
        assert all(r.percent is not None and r.status is VisitStatus.APPROVED for r in responses)

        counted = db.session.scalars(select(Visit.id).where(*visit_conditions(ReportFilter())))
        assert list(counted) == [shop.id]
        explicit = ReportFilter(scorecard="customer-survey")
        assert (
            db.session.scalar(
                select(func.count()).select_from(Visit).where(*visit_conditions(explicit))
            )
            == 0
        )
        rolled = db.session.execute(select(VisitMonthStats.scorecard_id, VisitMonthStats.n)).all()
        assert rolled == [(card.id, 1)]


def test_the_contact_email_is_for_managers_of_the_branch_only(app, client, world):
    data = posted(app, world.path, contact="y", email="reply@example.org")
    assert client.post(world.path, data=data).status_code == 303
    with app.app_context():
        visit = db.session.scalars(select(Visit)).one()
        north = world.branch().region
        readers = {
            "admin": make_user(Role.ADMIN),
            "manager of the branch": make_user(Role.MANAGER, regions=[north]),
            "head-office manager": make_user(Role.MANAGER),
            "manager elsewhere": make_user(Role.MANAGER, regions=[make_region("South")]),
            "assessor": make_user(Role.ASSESSOR, regions=[north]),
            "staff": make_user(Role.STAFF),
            "shopper": make_user(Role.SHOPPER),
        }
        seen = {who: contact_email(visit, user) for who, user in readers.items()}
        assert seen == {
            "admin": "reply@example.org",
            "manager of the branch": "reply@example.org",
            "head-office manager": "reply@example.org",
            "manager elsewhere": None,
            "assessor": None,
            "staff": None,
            "shopper": None,
        }


def test_flask_surveys_link_prints_a_signed_url_for_the_branch(app, runner, world):
    app.config["APP_URL"] = "https://audit.example.org/"
    result = runner.invoke(args=["surveys", "link", "HRB01"])
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith("https://audit.example.org/survey/")
    staff = runner.invoke(args=["surveys", "link", "HRB01", "--staff", "ST0001"])
    card = runner.invoke(
        args=["surveys", "link", "HRB01", "--staff", "ST0001", "--scorecard", "customer-survey"]
    )
    with app.test_request_context():
        assert read_token(url.rsplit("/", 1)[1]).branch_id == world.branch_id
        named = read_token(staff.output.strip().rsplit("/", 1)[1])
        assert (named.branch_id, named.staff_id) == (world.branch_id, world.staff_id)
        both = read_token(card.output.strip().rsplit("/", 1)[1])
        assert both.scorecard_slug == "customer-survey"
    assert url != staff.output.strip()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE"], "There is no branch with the code 'NOPE'."),
        (["HRB01", "--staff", "NOBODY"], "There is no staff member with the code 'NOBODY'."),
        (["HRB01", "--scorecard", "branch-visit"], "There is no survey card 'branch-visit'."),
    ],
)
def test_flask_surveys_link_says_what_is_wrong(app, runner, world, args, message):
    with app.app_context():
        publish_report_cards()  # branch-visit exists, but is no survey card
        db.session.commit()
    result = runner.invoke(args=["surveys", "link", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_a_staff_member_of_another_branch_gets_no_link(app, runner, world):
    with app.app_context():
        make_staff(make_branch(code="OTH01"), "ST0099", name="Bo Other")
        db.session.commit()
    result = runner.invoke(args=["surveys", "link", "HRB01", "--staff", "ST0099"])
    assert result.exit_code == 1
    assert "Bo Other (ST0099) does not work at" in result.output


def test_without_app_url_the_command_says_the_link_is_a_path(app, runner, world):
    app.config["APP_URL"] = ""
    result = runner.invoke(args=["surveys", "link", "HRB01"])
    assert result.exit_code == 0
    assert "APP_URL is not set" in result.output
    assert result.output.strip().splitlines()[-1].startswith("/survey/")


def test_branch_summary_is_unchanged_by_responses(app, client, world):
    """The branch's mystery-shop summary has no visits while only customers answered."""
    assert client.post(world.path, data=posted(app, world.path)).status_code == 303
    with app.app_context():
        assert figure(ReportFilter(branch_id=world.branch_id)).n == 0
        assert figure(ReportFilter(branch_id=world.branch_id, scorecard="customer-survey")).n == 0


def test_the_response_is_in_the_api_without_its_contact(app, client, world):
    data = posted(app, world.path, contact="y", email="reply@example.org")
    assert client.post(world.path, data=data).status_code == 303
    with app.app_context():
        secret = create_token(make_user(Role.ADMIN), "reader").secret
        db.session.commit()
    listed = client.get("/api/v1/visits", headers={"Authorization": f"Bearer {secret}"})
    assert listed.status_code == 200, listed.get_json()
    items = listed.get_json()["items"]
    assert [(v["scorecard"]["slug"], v["visitor"]) for v in items] == [("customer-survey", None)]
    one = client.get(
        f"/api/v1/visits/{items[0]['id']}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert one.status_code == 200
    assert "reply@example.org" not in one.get_data(as_text=True)
    assert {a["key"] for a in one.get_json()["answers"]} >= {"recommend", "comment"}
