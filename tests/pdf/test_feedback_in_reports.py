"""Issue 6 in the PDFs: corrective actions and appeal figures in the branch report, open
coaching notes in the staff report (still without the shopper), and appeals with their
outcome in the visit report, where answers changed on appeal are told apart from
corrections made in review."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from audit.extensions import db
from audit.models import (
    Action,
    ActionKind,
    ActionPriority,
    ActionStatus,
    AnswerChange,
    Appeal,
    AppealStatus,
    Branch,
    CoachingNote,
    Role,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from tests.builders import make_staff, make_user
from tests.conftest import AuthActions
from tests.pdf.conftest import SHOPPER_EMAIL, SHOPPER_NAME
from tests.pdf.small import build_small

PERIOD = {"period": "custom", "from": "2026-01-01", "to": "2026-11-30", "scorecard": "branch-visit"}
QUESTION = "greeted_promptly"
QUESTION_TEXT = "Did a member of staff acknowledge you within 60 seconds of coming in?"
REVIEWER = "Rita Reviewer"
DECIDER = "Dora Decider"
APPELLANT_MANAGER = "Mona Manager"


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split()
    )


def _action(branch: Branch, title: str, status: ActionStatus, **fields: object) -> None:
    db.session.add(
        Action(
            branch=branch,
            kind=ActionKind.MANUAL,
            status=status,
            priority=ActionPriority.MEDIUM,
            title=title,
            **fields,
        )
    )


@pytest.fixture
def world(app: Flask) -> SimpleNamespace:
    with app.app_context():
        small = build_small()
        branches = {
            k: db.session.scalars(select(Branch).where(Branch.code == c)).one()
            for k, c in small.codes.items()
        }
        n1 = branches["N1"]
        nadia = db.session.scalars(
            select(StaffMember).where(StaffMember.code == small.staff_code)
        ).one()
        staff_user = nadia.user
        manager = db.session.scalars(select(User).where(User.email == small.north_manager)).one()
        reviewer = make_user(Role.MANAGER, name=REVIEWER)
        decider = make_user(Role.MANAGER, name=DECIDER)
        appellant = make_user(Role.MANAGER, name=APPELLANT_MANAGER)

        # Actions: three of N1's count, the proposal, the dismissed one and other branches' do not.
        _action(
            n1,
            "Fix the queue signage",
            ActionStatus.OPEN,
            owner_staff=nadia,
            due_on=date(2026, 12, 20),
        )
        _action(n1, "Retrain on greetings", ActionStatus.IN_PROGRESS, owner_user=manager)
        _action(
            n1, "Repaint the counter", ActionStatus.DONE, closed_at=datetime(2026, 6, 1, tzinfo=UTC)
        )
        _action(n1, "Proposed never accepted", ActionStatus.PROPOSED)
        _action(n1, "Dismissed as noise", ActionStatus.DISMISSED)
        _action(branches["N2"], "Castle Gate own action", ActionStatus.OPEN)
        _action(branches["S1"], "Seafront secret action", ActionStatus.OPEN)

        # The visit naming Nadia: a correction in review, then two appeals.
        visit = db.session.get(Visit, small.visit_id)
        visit.published_at = datetime.now(UTC) - timedelta(days=2)
        at = visit.visited_at
        db.session.add(
            AnswerChange(
                visit=visit,
                question_key="empathy",
                old_value="2",
                new_value="4",
                reason="The photo shows the badge",
                source="review",
                changed_by=reviewer,
                changed_at=at + timedelta(hours=20),
            )
        )
        change = AnswerChange(
            visit=visit,
            question_key=QUESTION,
            old_value="no",
            new_value="yes",
            reason="The video shows the greeting",
            source="appeal",
            changed_by=decider,
            changed_at=at + timedelta(days=5),
            percent_before=88,
            percent_after=92,
        )
        db.session.add(change)
        db.session.flush()
        db.session.add_all(
            [
                Appeal(
                    visit=visit,
                    question_key=QUESTION,
                    raised_by=staff_user,
                    reason="I greeted the customer at the door",
                    status=AppealStatus.AMENDED,
                    decided_by=decider,
                    decided_at=at + timedelta(days=5),
                    decision_note="The video shows the greeting",
                    answer_change_id=change.id,
                    created_at=at + timedelta(days=4),
                ),
                Appeal(
                    visit=visit,
                    question_key="empathy",
                    raised_by=appellant,
                    reason="Branch manager disputes empathy",
                    status=AppealStatus.UPHELD,
                    decided_by=decider,
                    decided_at=at + timedelta(days=6),
                    decision_note="The answer stands on the notes",
                    created_at=at + timedelta(days=4, hours=1),
                ),
            ]
        )
        # Appeals at N1: N1 has 5 published visits; another one upheld, one withdrawn.
        others = db.session.scalars(
            select(Visit)
            .where(
                Visit.branch_id == n1.id,
                Visit.status == VisitStatus.PUBLISHED,
                Visit.id != visit.id,
            )
            .order_by(Visit.id)
        ).all()
        db.session.add(
            Appeal(visit=others[0], question_key=QUESTION, reason="x", status=AppealStatus.UPHELD)
        )
        db.session.add(
            Appeal(
                visit=others[1], question_key=QUESTION, reason="y", status=AppealStatus.WITHDRAWN
            )
        )

        # Coaching notes: two open ones for Nadia (one acknowledged), a closed one, a colleague's.
        db.session.add_all(
            [
                CoachingNote(
                    staff_member=nadia,
                    author=manager,
                    visit=visit,
                    body="Look up when the door opens.",
                    goal="Greet every customer within a minute",
                    follow_up_on=date(2026, 12, 15),
                    acknowledged_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
                ),
                CoachingNote(
                    staff_member=nadia,
                    author=manager,
                    body="Offer a call back when a question stays open.",
                    goal="Offer a follow-up call",
                    follow_up_on=date(2027, 1, 10),
                ),
                CoachingNote(
                    staff_member=nadia,
                    author=manager,
                    body="Done and dusted.",
                    goal="A goal already closed",
                    closed_at=datetime(2026, 10, 1, tzinfo=UTC),
                ),
                CoachingNote(
                    staff_member=make_staff(n1, name="Colin Colleague"),
                    author=manager,
                    body="Private to Colin.",
                    goal="Colin's own goal",
                ),
            ]
        )
        db.session.commit()
        return SimpleNamespace(small=small, admin=make_admin())


def make_admin() -> str:
    admin = make_user(Role.ADMIN)
    db.session.commit()
    return admin.email


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
    assert re.search(r"Fix the queue signage medium open Nadia Staffwell 20 Dec 2026", text), text
    assert "Retrain on greetings medium in progress" in text
    assert "Repaint the counter medium" in text and "01 Jun 2026" in text
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
    for secret in (SHOPPER_NAME, "Quartermaine", SHOPPER_EMAIL):
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
    assert APPELLANT_MANAGER in appeals and DECIDER in appeals and "Nadia Staffwell" in appeals
    history = text.split("Review history", 1)[1]
    changed = f"{QUESTION}: no → yes (The video shows the greeting)"
    assert f"Answer changed on appeal {DECIDER} {changed}" in history
    assert f"Answer corrected in review {REVIEWER}" in history
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
    assert f"Answer changed on appeal {QUESTION}: no → yes" in history
    assert "1 answer corrected before publication" in history  # the review change only
    for secret in (
        SHOPPER_NAME,
        "Quartermaine",
        SHOPPER_EMAIL,
        REVIEWER,
        DECIDER,
        APPELLANT_MANAGER,
    ):
        assert secret not in text
