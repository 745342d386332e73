"""The feedback loop on phones in Chromium: a failed critical item becomes an action, a coaching
note and an appeal, and the amended answer reaches the score, the reports and the PDF.

Daniel (head office) approved and published the visit; Fiona (North) is the reviewer who
decides the appeal; Amira is the adviser the visit names. The shopper, Lucy Adams, must
never be named to Amira.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from audit.demo.load import DEMO_PASSWORD, load_demo
from audit.extensions import db
from audit.models import Action, ActionStatus, AnswerChange, Appeal, AppealStatus, User, Visit
from audit.review import service as review
from audit.scorecards.scoring import score_visit
from audit.scorecards.store import definition_of
from audit.visits.imports import RawVisit, import_records
from audit.visits.scores import answer_values

MANAGER = "manager@demo.test"  # Daniel Okafor: approves, publishes, accepts, coaches
REVIEWER = "north@demo.test"  # Fiona MacLeod: decides the appeal
STAFF = "staff@demo.test"  # Amira Hassan, adviser at Leeds Briggate
SHOPPER = ("Lucy Adams", "shopper@demo.test")
CRITICAL = "offer_honoured"
OFFER_TEXT = (
    "When you asked about the advertised offer, was it confirmed on exactly the advertised terms?"
)

#: Every answer earns full points but the critical offer (refused) and the goodbye.
ANSWERS = {
    "greeted_promptly": "yes",
    "friendly_greeting": "yes",
    "name_badge": "yes",
    "branch_tidy": "yes",
    "wait_minutes": 3,
    "wait_acknowledged": "N/A",
    "open_questions": "yes",
    "listened_fully": "yes",
    "checked_understanding": "yes",
    "empathy": 5,
    "product_knowledge": 5,
    "clear_language": "yes",
    "personal_recommendation": "yes",
    "offer_on_display": "yes",
    CRITICAL: "no",
    "outcome": "Fully",
    "anything_else": "yes",
    "written_information": "yes",
    "thanked": "yes",
    "farewell": "no",
    "visit_summary": "Clear advice, but the advertised 5% ISA rate was refused at the desk.",
    "recommend": 7,
}
COMMENTS = {
    CRITICAL: "The poster offered 5%; the adviser said only 4% was available.",
    "farewell": "No goodbye as I left.",
}


def seed_published_visit(app) -> int:  # noqa: ANN001
    """The demo organisation and one visit naming Amira, approved and published by Daniel."""
    with app.app_context():
        load_demo(visits=False)
        amira = db.session.scalar(select(User).where(User.email == STAFF)).staff_member
        visited = datetime.now(UTC) - timedelta(days=1)
        fields = {
            "external_id": "FEEDBACK-1",
            "branch": "LDS01",
            "scorecard": "branch-visit",
            "visited_at": visited.strftime("%Y-%m-%dT%H:%M:%S"),
            "shopper": SHOPPER[1],
            "staff": amira.code,
            "status": "submitted",
        }
        import_records([RawVisit("[0].", fields, dict(ANSWERS), dict(COMMENTS))])
        visit = db.session.scalar(select(Visit).where(Visit.external_id == "FEEDBACK-1"))
        daniel = db.session.scalar(select(User).where(User.email == MANAGER))
        review.approve(visit, daniel)  # proposes the corrective action
        review.publish(visit, daniel)
        db.session.commit()
        assert visit.critical_failed and visit.percent == 0
        return visit.id


def pct(value: float) -> str:
    """As every page prints a percent."""
    return f"{value:.1f}%"


def open_menu(page) -> None:  # noqa: ANN001
    """On a phone the navigation sits behind the menu button."""
    toggler = page.get_by_role("button", name="Menu")
    if toggler.is_visible():
        toggler.tap()
        page.locator("#main-nav.show").wait_for()


def flash(page, text: str) -> None:  # noqa: ANN001
    page.locator(".alert", has_text=text).first.wait_for()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def test_critical_fail_action_coaching_appeal_and_amendment(live_server, new_phone):
    app, url = live_server.app, live_server.url
    visit_id = seed_published_visit(app)
    errors: list[str] = []

    def phone_page(email: str):  # noqa: ANN202
        page = new_phone().new_page()
        page.on("pageerror", lambda error: errors.append(f"{email}: {error}"))
        live_server.login(page, email, DEMO_PASSWORD)
        return page

    # --- the manager accepts the proposed corrective action --------------------------
    manager = phone_page(MANAGER)
    open_menu(manager)
    manager.get_by_role("link", name="Actions", exact=True).tap()
    manager.get_by_role("link", name="Proposals", exact=True).tap()
    manager.get_by_role("link", name=re.compile("^Critical item failed")).tap()
    manager.wait_for_url(re.compile(r"/actions/\d+$"))
    assert manager.locator("h1").inner_text().lower().endswith("proposed")
    accept = manager.locator("form[action$='/accept']")
    accept.get_by_label("Owner").select_option(label="Amira Hassan (Customer Service Adviser)")
    due = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()
    accept.get_by_label("Due").fill(due)
    accept.get_by_label("Priority").select_option("high")
    accept.get_by_role("button", name="Accept and open").tap()
    flash(manager, "Action accepted and open.")
    with app.app_context():
        action = db.session.scalar(select(Action).where(Action.visit_id == visit_id))
        assert action.status is ActionStatus.OPEN and action.question_key == CRITICAL
        assert action.owner_staff.user.email == STAFF
        assert action.due_on.isoformat() == due and action.priority.value == "high"
        assert action.decided_by.email == MANAGER and action.decided_at is not None

    # --- the manager writes a coaching note from the visit ---------------------------
    manager.goto(f"{url}/review/visits/{visit_id}")
    manager.locator("#coaching-links").get_by_role("link", name="Write coaching note").tap()
    manager.wait_for_url(re.compile(r"/coaching/staff/\d+/notes/new"))
    body = manager.get_by_label("Note")
    assert "farewell" in body.input_value().lower() or "goodbye" in body.input_value().lower()
    body.fill(body.input_value() + "\nAlways honour the rate on the poster.")
    manager.get_by_label("Goal").fill("Check the poster rates at the start of every shift.")
    manager.get_by_label("Follow-up date").fill(
        (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    )
    manager.get_by_role("button", name="Send note").tap()
    flash(manager, "Coaching note sent to Amira Hassan.")

    # --- the staff member reads their feedback, acknowledges and replies -------------
    staff = phone_page(STAFF)
    assert staff.url.endswith("/coaching/me")
    visits = staff.locator("#visits")
    assert pct(0) in visits.inner_text()
    for hidden in SHOPPER:
        assert hidden not in staff.content()
    staff.locator("#coaching a.list-group-item").first.tap()
    staff.wait_for_url(re.compile(r"/coaching/notes/\d+$"))
    assert "Always honour the rate on the poster." in staff.locator(".note-body").first.inner_text()
    staff.get_by_role("button", name="I have read this note").tap()
    flash(staff, "your manager can see you have read the note")
    staff.get_by_label("Reply").fill("Understood: I will check the posters every morning.")
    staff.get_by_role("button", name="Send reply").tap()
    flash(staff, "Reply sent.")
    assert "check the posters every morning" in staff.locator("#replies ~ .card").last.inner_text()
    staff.goto(f"{url}/coaching/me/visits/{visit_id}")
    for hidden in SHOPPER:
        assert hidden not in staff.content()

    # --- the staff member appeals the critical answer --------------------------------
    open_menu(staff)
    staff.get_by_role("link", name="My appeals").tap()
    staff.get_by_role("link", name="Appeal an answer").first.tap()
    staff.wait_for_url(re.compile(rf"/appeals/visits/{visit_id}/new"))
    staff.locator(f"label[for=answer-{CRITICAL}]").tap()
    staff.locator(f"#requested-{CRITICAL}").get_by_label("Yes").check()
    staff.get_by_label("Why it is wrong").fill(
        "The customer asked about the branch-only ISA; its 4% rate was the right one."
    )
    staff.get_by_role("button", name="Send appeal").tap()
    flash(staff, "Appeal sent")
    staff.wait_for_url(re.compile(r"/appeals/\d+$"))
    appeal_path = staff.url.removeprefix(url)
    for hidden in SHOPPER:
        assert hidden not in staff.content()

    # The manager who approved and published the visit may not decide it.
    manager.goto(f"{url}{appeal_path}")
    assert "approved, published or changed" in manager.locator(".alert-info").inner_text()
    assert manager.get_by_role("button", name="Amend and re-score").count() == 0

    # --- another reviewer amends it ----------------------------------------------------
    reviewer = phone_page(REVIEWER)
    assert reviewer.locator("#bell-count").is_visible()  # told of the action and the appeal
    reviewer.goto(f"{url}{appeal_path}")
    reviewer.get_by_label("New answer").select_option("yes")
    reason = "The branch-only ISA poster shows 4%: the offer was honoured."
    reviewer.get_by_label("Why the answer changes").fill(reason)
    reviewer.get_by_role("button", name="Amend and re-score").tap()
    # The shopper's complaint was about the refused offer: it cannot stay beside a pass.
    refusal = reviewer.locator(".invalid-feedback", has_text="no longer fits")
    refusal.wait_for()
    assert reviewer.get_by_label("Why the answer changes").input_value() == reason  # kept
    reviewer.get_by_label("Comment").fill("")
    reviewer.get_by_role("button", name="Amend and re-score").tap()
    flash(reviewer, "Answer amended and recorded.")
    assert reviewer.locator("#appeal-status").inner_text().startswith("Amended")

    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        fiona = db.session.scalar(select(User).where(User.email == REVIEWER))
        # The engine's score for the answers with the critical item passed, not 0 any more.
        amended = {**answer_values(visit), CRITICAL: "yes"}
        expected = score_visit(definition_of(visit.version), amended).percent
        assert not visit.critical_failed and visit.percent == expected and expected > 0
        (change,) = db.session.scalars(
            select(AnswerChange).where(AnswerChange.visit_id == visit_id)
        )
        assert (change.question_key, change.old_value) == (CRITICAL, "no")
        assert change.new_value == "yes"
        assert change.source == "appeal" and change.reason == reason
        assert change.changed_by_id == fiona.id and change.changed_at is not None
        assert (change.percent_before, change.percent_after) == (0, expected)
        appeal = db.session.scalar(select(Appeal).where(Appeal.visit_id == visit_id))
        assert appeal.status is AppealStatus.AMENDED and appeal.answer_change_id == change.id
    new_figure = pct(expected)
    assert f"Score {pct(0)} → {new_figure}" in reviewer.locator("body").inner_text()

    # --- the staff portal, the branch dashboard and the PDF show the new figure ------
    staff.goto(f"{url}/coaching/me")
    assert new_figure in staff.locator("#visits").inner_text()
    assert pct(0) not in staff.locator("#visits").inner_text()
    staff.goto(f"{url}/coaching/me/visits/{visit_id}")
    assert "changed on appeal" in staff.locator("main").inner_text()
    reviewer.goto(f"{url}/review/visits/{visit_id}")
    assert "changed on appeal" in reviewer.locator(f"#answer-{CRITICAL}").inner_text()

    manager.goto(f"{url}/reports/branches/LDS01")
    assert manager.locator("[data-figure=mean] .figure-mean").inner_text() == new_figure

    response = manager.request.get(f"{url}/reports/visits/{visit_id}.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert re.search(rf"{re.escape(new_figure)}\s*VISIT SCORE", text)
    # The amended answer, full points, marked as changed on appeal.
    assert f"{OFFER_TEXT} critical Yes changed on appeal 10 / 10" in text
    assert f"Answer changed on appeal Fiona MacLeod {CRITICAL}: no → yes ({reason})" in text

    # Amira's own copy: the new figure and answer, and still no shopper.
    response = staff.request.get(f"{url}/reports/visits/{visit_id}.pdf")
    assert response.ok
    text = pdf_text(response.body())
    assert new_figure in text and f"{OFFER_TEXT} critical Yes changed on appeal 10 / 10" in text
    assert all(hidden not in text for hidden in SHOPPER)

    assert errors == []
