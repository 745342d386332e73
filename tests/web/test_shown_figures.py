"""Figures on one screen agree with each other: a difference beside two rounded figures is
the difference of the figures as shown, on the page and in its PDF, and a CSV's interval
ends are the ones the page shows (within 0–100)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from audit.extensions import db
from audit.models import Role
from tests.builders import (
    BRANCH_VISIT,
    add_visits,
    make_branch,
    make_region,
    make_staff,
    make_user,
    publish_report_cards,
)
from tests.pages import get, login, marked
from tests.pdf.reading import Pdf

ARGS = {"period": "custom", "from": "2026-05-01", "to": "2026-05-31", "scorecard": BRANCH_VISIT}
AT = datetime(2026, 5, 10, 11, tzinfo=UTC)


@pytest.fixture
def admin(ctx) -> str:
    """Harbour Lane averages 86.24 (shown 86.2%); the company 83.96 (shown 84.0%): the
    difference of the shown figures is +2.2 points, of the unrounded ones 2.28. Quayside's
    Bob scores 100, 100 and 95, whose t interval runs past 100."""
    publish_report_cards()
    region = make_region("North")
    harbour = make_branch(region, "HRB01", "Harbour Lane")
    quay = make_branch(region, "QAY01", "Quayside")
    add_visits(harbour, (86.24, 86.24), at=AT, staff=[make_staff(harbour, "ANN", name="Ann")])
    add_visits(quay, (100, 100, 95), at=AT, staff=[make_staff(quay, "BOB", name="Bob")])
    add_visits(quay, (36.28,), at=AT)
    email = make_user(Role.ADMIN).email
    db.session.commit()
    return email


def test_a_difference_is_that_of_the_figures_shown_on_the_page_and_in_the_pdf(client, admin):
    login(client, admin)
    html = get(client, "/reports/branches/HRB01", **ARGS)
    assert "86.2%" in marked(html, "figure").found["mean"]
    company = marked(html, "benchmark").found["company"]
    assert "84.0%" in company
    assert "+2.2 pts" in company and "+2.3" not in company

    response = client.get("/reports/branches/HRB01.pdf", query_string=ARGS)
    assert response.status_code == 200
    text = Pdf(response.data).flat
    row = re.search(r"Company average 84\.0% \d+ ([+−-]\d+\.\d)", text)
    assert row, text
    assert row.group(1) == "+2.2"


def test_the_csv_interval_is_the_one_the_page_shows(client, admin):
    login(client, admin)
    response = client.get("/reports/branches/QAY01/staff.csv", query_string=ARGS)
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    bob = rows["BOB"]
    assert bob["mean_percent"] == "98.33"
    assert float(bob["ci95_high"]) == 100.0
    assert 0 <= float(bob["ci95_low"]) < 98.33
    html = get(client, "/reports/branches/QAY01", **ARGS)
    low = f"{float(bob['ci95_low']):.1f}%"
    assert f"95% CI {low}–100.0%" in html
