"""Feedback in the PDFs: corrective actions and appeal figures in the branch report, open
coaching notes in the staff report (still without the shopper), and appeals with their
outcome in the visit report, where answers changed on appeal are told apart from
corrections made in review."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from tests.builders import (
    APPELLANT_MANAGER_NAME,
    DECIDER_NAME,
    GREETED,
    REPORT_SHOPPER_EMAIL,
    REPORT_SHOPPER_NAME,
    REVIEWER_NAME,
    make_report_feedback_world,
)
from tests.conftest import AuthActions

PERIOD = {"period": "custom", "from": "2026-01-01", "to": "2026-11-30", "scorecard": "branch-visit"}
QUESTION_TEXT = "Did a member of staff acknowledge you within 60 seconds of coming in?"


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split()
    )


@pytest.fixture
def world(app: Flask) -> SimpleNamespace:
    with app.app_context():
        return make_report_feedback_world()


def download(client: FlaskClient, url: str) -> bytes:
    response = client.get(url, query_string=PERIOD)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return response.data


def test_branch_pdf_lists_its_own_actions_and_appeal_figures(
    client: FlaskClient, auth: AuthActions, world: SimpleNamespace
) -> None:
    auth.login(world.small.north_manager)
    data = download(client, f"/reports/branches/{world.small.codes['N1']}.pdf")
    text = pdf_text(data)
    assert "Corrective actions" in text
    signage = r"Fix the queue signage Medium priority open Nadia Staffwell 20 Dec 2026"
    assert re.search(signage, text), text
    assert "Retrain on greetings Medium priority in progress" in text
    assert "Repaint the counter Medium priority" in text and "01 Jun 2026" in text
    for absent in (
        "Proposed never accepted",
        "Dismissed as noise",
        "Castle Gate own action",
        "Seafront secret action",
    ):
        assert absent not in text
    # 5 published visits at N1: the story visit (amended, and an upheld one) and another upheld;
    # the withdrawn appeal does not count. 2 of 5 appealed, 1 amended.
    assert "2 of 5 published visits appealed (40%), 1 amended (20%)" in text
    # Another region's branch PDF stays out of reach.
    assert (
        client.get(
            f"/reports/branches/{world.small.codes['S1']}.pdf", query_string=PERIOD
        ).status_code
        == 403
    )


def test_staff_pdf_lists_open_notes_and_never_the_shopper(
    client: FlaskClient, auth: AuthActions, world: SimpleNamespace
) -> None:
    auth.login(world.small.north_manager)
    text = pdf_text(download(client, f"/reports/staff/{world.small.staff_code}.pdf"))
    assert "Open coaching notes" in text
    assert "Greet every customer within a minute" in text
    assert "follow-up 15 Dec 2026 · acknowledged 02 Nov 2026" in text
    assert "Offer a follow-up call" in text
    assert "follow-up 10 Jan 2027 · not acknowledged yet" in text
    assert "A goal already closed" not in text and "Colin" not in text
    for secret in (REPORT_SHOPPER_NAME, "Quartermaine", REPORT_SHOPPER_EMAIL):
        assert secret not in text


def test_visit_pdf_for_a_manager_names_who_appealed_and_decided(
    client: FlaskClient, auth: AuthActions, world: SimpleNamespace
) -> None:
    auth.login(world.admin)
    text = pdf_text(download(client, f"/reports/visits/{world.small.visit_id}.pdf"))
    appeals = text.split("Appeals", 1)[1].split("Review history", 1)[0]
    assert "I greeted the customer at the door" in appeals and "amended" in appeals
    assert "Branch manager disputes empathy" in appeals and "upheld" in appeals
    assert "The answer stands on the notes" in appeals and "Upheld — the answer stands" in appeals
    assert (
        APPELLANT_MANAGER_NAME in appeals
        and DECIDER_NAME in appeals
        and "Nadia Staffwell" in appeals
    )
    history = text.split("Review history", 1)[1]
    changed = f"{GREETED}: no → yes (The video shows the greeting)"
    assert f"Answer changed on appeal {DECIDER_NAME} {changed}" in history
    assert f"Answer changed by the reviewer {REVIEWER_NAME}" in history
    assert "corrected in review before publication" not in history


def test_visit_pdf_for_the_staff_member_shows_their_appeal_by_role(
    client: FlaskClient, auth: AuthActions, world: SimpleNamespace
) -> None:
    auth.login(world.small.staff_email)
    text = pdf_text(download(client, f"/reports/visits/{world.small.visit_id}.pdf"))
    appeals = text.split("Appeals", 1)[1].split("Review history", 1)[0]
    assert "A staff member" in appeals and "I greeted the customer at the door" in appeals
    assert "amended" in appeals and "The video shows the greeting" in appeals
    assert "Branch manager disputes empathy" not in text  # someone else's appeal
    history = text.split("Review history", 1)[1]
    assert f"Answer changed on appeal {GREETED}: no → yes" in history
    assert "1 answer corrected before publication" in history  # the review change only
    for secret in (
        REPORT_SHOPPER_NAME,
        "Quartermaine",
        REPORT_SHOPPER_EMAIL,
        REVIEWER_NAME,
        DECIDER_NAME,
        APPELLANT_MANAGER_NAME,
    ):
        assert secret not in text
