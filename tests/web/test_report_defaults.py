"""What a report shows before anyone chooses: the main mystery-shopping scorecard, the
twelve months ending today, a trend from the first month with visits written "Jun 2026"
with intervals only where they mean something, and only the scorecard's own actions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import Role, Scorecard, VisitStatus
from audit.reporting.months import add_months
from audit.scorecards.fileformat import load_file
from audit.scorecards.store import save_definition
from audit.settings import SPECS
from tests.builders import (
    BRANCH_VISIT,
    make_action,
    make_branch,
    make_region,
    make_user,
    make_visit,
    publish_report_cards,
)
from tests.builders.scorecards import ROOT
from tests.pages import get, login, marked, section
from tests.pdf.reading import Pdf

SURVEY, PHONE = "customer-survey", "phone-enquiry"
TITLES = {
    BRANCH_VISIT: "Branch visit — in-person service",
    SURVEY: "Customer survey card — point of service",
    PHONE: "Phone enquiry — call handling",
}
SETTINGS = {spec.key: spec.default for spec in SPECS}


def today() -> date:
    return datetime.now(UTC).date()


def year_before(day: date) -> date:
    """The same day a year earlier (29 February: the 28th)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else day.day))


@pytest.fixture
def world(ctx):
    """Three published cards at one branch: the customer survey card has the most visits
    (filled in by customers: no visitor), the phone card more shopper visits than the
    branch-visit card, which is the in-person mystery-shopping card."""
    publish_report_cards()
    cards = {}
    for slug in (SURVEY, PHONE):
        version, _ = save_definition(load_file(ROOT / "scorecards" / f"{slug}.yaml"), publish=True)
        cards[slug] = version.scorecard
    cards[BRANCH_VISIT] = db.session.scalars(
        select(Scorecard).where(Scorecard.slug == BRANCH_VISIT)
    ).one()
    branch = make_branch(make_region("North"), "HRB01", "Harbour Lane")
    shopper = make_user(Role.SHOPPER)
    two_months_ago = add_months(today(), -2) + timedelta(days=9)
    last_month = add_months(today(), -1) + timedelta(days=9)
    visits = {}
    for slug, visitor, days in (
        (BRANCH_VISIT, shopper, [two_months_ago] * 2 + [last_month] * 3),
        (PHONE, shopper, [last_month] * 6),
        (SURVEY, None, [last_month] * 9),
    ):
        visits[slug] = [
            make_visit(cards[slug], branch, visitor, day, VisitStatus.APPROVED, percent=80.0 + i)
            for i, day in enumerate(days)
        ]
    admin = make_user(Role.ADMIN)
    manager = make_user(Role.MANAGER)
    db.session.commit()
    return cards, branch, visits, admin.email, manager


def chosen_scorecard(html: str) -> str:
    found = re.search(r'<option value="([^"]*)" selected>', section(html, "f-scorecard"))
    assert found, "no scorecard selected"
    return found.group(1)


def test_reports_open_on_the_main_mystery_shopping_scorecard(client, world):
    _, _, _, admin, _ = world
    login(client, admin)
    # Automatic: the in-person card shoppers visit, not the survey card with most visits.
    html = get(client, "/reports/")
    assert chosen_scorecard(html) == BRANCH_VISIT
    assert f"· {TITLES[BRANCH_VISIT]} ·" in html

    # An administrator chooses another main scorecard; the settings page says which
    # card the automatic choice would be.
    page = get(client, "/admin/settings")
    assert f"Choose automatically (now: {TITLES[BRANCH_VISIT]})" in page
    response = client.post("/admin/settings", data={**SETTINGS, "main_scorecard": PHONE})
    assert response.status_code == 302
    assert chosen_scorecard(get(client, "/reports/")) == PHONE
    assert chosen_scorecard(get(client, "/reports/branches/HRB01")) == PHONE
    assert chosen_scorecard(get(client, "/reports/", scorecard=SURVEY)) == SURVEY

    # A card that is not published is refused beside the field; nothing changes.
    response = client.post("/admin/settings", data={**SETTINGS, "main_scorecard": "nope"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert chosen_scorecard(get(client, "/reports/")) == PHONE

    # Back to the automatic choice.
    client.post("/admin/settings", data={**SETTINGS, "main_scorecard": ""})
    assert chosen_scorecard(get(client, "/reports/")) == BRANCH_VISIT


def test_last_12_months_end_today(client, world):
    _, _, _, admin, _ = world
    login(client, admin)
    start = year_before(today()) + timedelta(days=1)
    html = get(client, "/reports/")
    assert f"{start:%d %b %Y} to {today():%d %b %Y}" in html
    assert '<option value="12m" selected>Last 12 months</option>' in html
    # Whole months stay available by name.
    html = get(client, "/reports/", period="full-12m")
    last = add_months(today(), 0) - timedelta(days=1)
    assert f"{add_months(today(), -12):%d %b %Y} to {last:%d %b %Y}" in html


def test_trend_starts_with_the_first_month_with_visits(client, world):
    _, _, _, admin, _ = world
    login(client, admin)
    html = get(client, "/reports/branches/HRB01", scorecard=BRANCH_VISIT)
    trend = section(html, "trend-h", "sections-h")
    # The chart is drawn wide and narrow (for phones); read the wide drawing.
    chart = trend.split('<div class="chart-narrow">')[0]
    assert '<div class="chart-narrow">' in trend
    first, second = add_months(today(), -2), add_months(today(), -1)
    labels = re.findall(r'data-label="([^"]+)"', chart)
    assert labels == [f"{first:%b %Y}", f"{second:%b %Y}"]  # points; then this month, empty
    texts = re.findall(r">([A-Z][a-z]{2} \d{4})<", chart)
    assert texts == [f"{first:%b %Y}", f"{second:%b %Y}", f"{today():%b %Y}"]
    tips = dict(re.findall(r"<title>([A-Z][a-z]{2} \d{4}): ([^<]*)</title>", chart))
    assert "95% CI" not in tips[f"{first:%b %Y}"]  # 2 visits: no interval
    assert "(n=2)" in tips[f"{first:%b %Y}"]
    assert "95% CI" in tips[f"{second:%b %Y}"]  # 3 visits
    assert "95% interval, months with 3 or more visits" in chart


def test_actions_of_another_scorecard_stay_off_the_page(client, world):
    cards, branch, visits, admin, manager = world
    survey_question = make_action(branch, "Call back unhappy customers", by=manager)
    survey_question.scorecard, survey_question.question_key = cards[SURVEY], "csat"
    branch_question = make_action(branch, "Greet at the door", by=manager)
    branch_question.scorecard = cards[BRANCH_VISIT]
    branch_question.question_key = "greeted_promptly"
    make_action(branch, "Mend the front door", by=manager)  # about no scorecard
    make_action(branch, "Answer the survey comment", by=manager, visit=visits[SURVEY][0])
    db.session.commit()
    login(client, admin)

    def titles(scorecard: str) -> set[str]:
        html = get(client, "/reports/branches/HRB01", scorecard=scorecard)
        found = marked(section(html, "actions-h", "top-h"), "action").found.values()
        return {text.split(" Medium priority")[0] for text in found}

    everyday = {"Mend the front door"}
    assert titles(BRANCH_VISIT) == {"Greet at the door", *everyday}
    assert titles(SURVEY) == {
        "Call back unhappy customers",
        "Answer the survey comment",
        *everyday,
    }
    assert titles(PHONE) == everyday
    assert len(titles("all")) == 4

    response = client.get("/reports/branches/HRB01.pdf", query_string={"scorecard": BRANCH_VISIT})
    pdf = Pdf(response.data).flat
    assert "Greet at the door" in pdf and "Mend the front door" in pdf
    assert "Call back unhappy customers" not in pdf and "Answer the survey comment" not in pdf
