"""The shopper's phone at 360 and 390 px: thumb-sized targets, an honest send step,
sent visits that open, and a start button where the assignment is.

Tap targets are measured from their bounding boxes: at least 44 × 44 px and at least
8 px from any other target. Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from audit.demo.load import DEMO_PASSWORD, load_demo
from audit.extensions import db
from audit.models import Branch, Scorecard, StaffMember, User, Visit, VisitStatus
from audit.shop.service import DraftData, save_draft, submit
from tests.builders import S, make_assignment, started_draft

SHOTS = Path("/tmp/shots")
WIDTHS = [360, 390]
SHOPPER = "shopper@demo.test"

#: Every question of the branch-visit card answered in full.
FULL = {
    "greeted_promptly": "yes",
    "friendly_greeting": "yes",
    "name_badge": "yes",
    "branch_tidy": "yes",
    "wait_minutes": 3,
    "wait_acknowledged": "na",
    "open_questions": "yes",
    "listened_fully": "yes",
    "checked_understanding": "yes",
    "empathy": 5,
    "product_knowledge": 5,
    "clear_language": "yes",
    "personal_recommendation": "yes",
    "offer_on_display": "no",
    "outcome": "Fully",
    "anything_else": "yes",
    "written_information": "yes",
    "thanked": "yes",
    "farewell": "yes",
    "adviser_description": "Amira (badge), first desk",
    "visit_summary": "Greeted at once; clear advice on the ISA.",
    "recommend": 9,
}
#: Answers that fall short of full points; the card asks for a comment on each.
SHORT = {"friendly_greeting": "no", "empathy": 3, "thanked": "no", "farewell": "no"}


def _card() -> Scorecard:
    return db.session.scalar(select(Scorecard).where(Scorecard.slug == "branch-visit"))


def _branch(code: str) -> Branch:
    return db.session.scalar(select(Branch).where(Branch.code == code))


def _shopper() -> User:
    return db.session.scalar(select(User).where(User.email == SHOPPER))


def _details(visit: Visit, **answers: object) -> DraftData:
    staff = db.session.scalars(
        select(StaffMember.id).where(StaffMember.branch_id == visit.branch_id)
    ).first()
    now = datetime.now(UTC)
    return DraftData(
        answers=dict(answers),
        started_at=(now - timedelta(minutes=40)).isoformat(),
        ended_at=(now - timedelta(minutes=15)).isoformat(),
        staff_ids=[staff],
    )


def draft_with(app, code: str, answers: dict[str, object], comments=None) -> int:  # noqa: ANN001
    """A draft of the demo shopper at branch ``code`` holding these answers (saved as the
    phone saves them), from an accepted assignment; returns the visit's id."""
    with app.app_context():
        visit = started_draft(_card(), _branch(code), _shopper())
        db.session.flush()
        data = _details(visit, **answers)
        data.comments = dict(comments or {})
        assert save_draft(visit, data, _shopper()) == []
        db.session.commit()
        return visit.id


def seed(app) -> dict[str, int]:  # noqa: ANN001
    """The demo organisation, and for the demo shopper: an offer (Leeds), an accepted
    assignment not started (York), a draft (Manchester) and a sent visit (Newcastle)."""
    with app.app_context():
        load_demo(visits=False)
        shopper, card = _shopper(), _card()
        offered = make_assignment(card, _branch("LDS01"), shopper, status=S.OFFERED)
        accepted = make_assignment(
            card, _branch("YRK01"), shopper, status=S.ACCEPTED, scenario="Ask about an ISA."
        )
        db.session.commit()
        ids = {"offered": offered.id, "accepted": accepted.id}
    ids["draft"] = draft_with(app, "MAN01", {"greeted_promptly": "yes"})
    sent = draft_with(
        app,
        "NCL01",
        {**FULL, "farewell": "no"},
        {"farewell": "No goodbye; the adviser turned to the next customer."},
    )
    with app.app_context():
        visit = db.session.get(Visit, sent)
        submit(visit, "t" * 32, _shopper())
        db.session.commit()
        assert visit.status is VisitStatus.SUBMITTED
    ids["sent"] = sent
    return ids


def phone_page(live_server, new_phone, width: int):  # noqa: ANN001, ANN201
    page = new_phone(viewport={"width": width, "height": 740}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    live_server.login(page, SHOPPER, DEMO_PASSWORD)
    return page


def shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


#: Every tap target of the page as [description, x, y, width, height, fixed] (page
#: coordinates; fixed: in a bar that stays put while the page scrolls under it). A checkbox
#: or radio inside (or tied to) a label is tapped through that label, so the label is the
#: target; a file input inside a label button is that button; what a closed <details>
#: holds cannot be tapped.
TARGETS_JS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  const seen = new Set();
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio], input[type=file]')) {
      const tied = el.id && document.querySelector(`label[for="${el.id}"]`);
      target = el.closest('label') || tied || el;
    }
    if (seen.has(target)) continue;
    seen.add(target);
    const style = getComputedStyle(target);
    const box = target.getBoundingClientRect();
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (target.closest('.visually-hidden-focusable')) continue;
    const folded = target.closest('details:not([open])');
    if (folded && target !== folded.querySelector('summary')) continue;
    const name = (target.id ? '#' + target.id + ' ' : '') +
      (target.getAttribute('aria-label') || target.textContent || target.name || target.tagName)
        .trim().replace(/\\s+/g, ' ').slice(0, 40);
    let fixed = false;
    for (let up = target; up && up !== document.body; up = up.parentElement) {
      const position = getComputedStyle(up).position;
      if (position === 'fixed' || position === 'sticky') { fixed = true; break; }
    }
    out.push([name, box.left + scrollX, box.top + scrollY, box.width, box.height, fixed]);
  }
  return out;
}"""


def target_problems(page) -> list[str]:  # noqa: ANN001
    """Targets under 44 × 44 px, and pairs of targets closer than 8 px to each other."""
    targets = page.evaluate(TARGETS_JS)
    problems = [
        f"{name}: {w:.0f} × {h:.0f}"
        for name, _, _, w, h, _ in targets
        if w < 43.5 or h < 43.5  # sub-pixel layout: 43.6 is 44 on the screen
    ]
    for i, (name, x, y, w, h, fixed) in enumerate(targets):
        for other, x2, y2, w2, h2, fixed2 in targets[i + 1 :]:
            if fixed != fixed2:  # the page scrolls under a bar: that is not crowding
                continue
            inside = (x <= x2 and y <= y2 and x + w >= x2 + w2 and y + h >= y2 + h2) or (
                x2 <= x and y2 <= y and x2 + w2 >= x + w and y2 + h2 >= y + h
            )
            if inside:
                continue
            dx = max(x2 - (x + w), x - (x2 + w2), 0)
            dy = max(y2 - (y + h), y - (y2 + h2), 0)
            if (dx**2 + dy**2) ** 0.5 < 7.5:
                problems.append(f"{name} / {other}: {max(dx, dy):.1f} px apart")
    return problems


# --- tap targets ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_the_shoppers_pages_have_thumb_sized_targets_apart(live_server, new_phone, width):
    ids = seed(live_server.app)
    page = phone_page(live_server, new_phone, width)
    base = live_server.url

    pages = {
        "home": "/shop/",
        "assignment": f"/assignments/{ids['accepted']}/offer",
        "offer (accepted from home)": f"/assignments/{ids['offered']}/offer",
        "form": f"/shop/visits/{ids['draft']}",
        "sent": f"/shop/visits/{ids['sent']}",
    }
    found = {}
    for name, path in pages.items():
        page.goto(base + path)
        page.wait_for_load_state()
        if name == "form":
            # Every step of the form, the send step last.
            steps = page.locator(".visit-section").count()
            for step in range(steps):
                page.wait_for_timeout(150)
                found[f"form step {step + 1}"] = target_problems(page)
                shot(page, f"phone-{width}-form-{step + 1}")
                if step < steps - 1:
                    page.locator("[data-next]").tap()
            continue
        shot(page, f"phone-{width}-{name}")
        found[name] = target_problems(page)
        if name == "home":
            # Accepting the offer: home again, with the message saying so.
            page.get_by_role("button", name="Accept").tap()
            page.locator(".alert-dismissible").wait_for()
            shot(page, f"phone-{width}-home-accepted")
            found["home, offer accepted"] = target_problems(page)
    crowded = {name: problems for name, problems in found.items() if problems}
    assert crowded == {}, "\n".join(f"{k}: {'; '.join(v)}" for k, v in crowded.items())
    assert page.errors == []


# --- the send step -----------------------------------------------------------------------


def counter_and_list(page) -> tuple[int, int, int]:  # noqa: ANN001
    """(done, of, still to do) as the page shows them: "N of M done" and the list."""
    page.wait_for_timeout(250)  # the figures are refreshed just after a change
    count = page.locator("[data-answered]").inner_text()
    match = re.fullmatch(r"(\d+) of (\d+) done", count.strip())
    assert match, count
    items = page.locator("[data-missing-list] li").count()
    title = page.locator("[data-check-title]").inner_text()
    if items:
        assert title == f"Still to do before you send ({items})", title
    else:
        assert title == "Ready to send", title
    return int(match.group(1)), int(match.group(2)), items


@pytest.mark.parametrize("width", WIDTHS)
def test_the_counter_and_the_list_agree_and_a_short_answer_asks_for_its_comment(
    live_server, new_phone, width
):
    seed(live_server.app)
    visit_id = draft_with(live_server.app, "LDS01", {**FULL, **SHORT})
    page = phone_page(live_server, new_phone, width)
    page.goto(f"{live_server.url}/shop/visits/{visit_id}")

    # Every answer is given, four of them fall short without a comment: the page says
    # four things are left, on the counter and on the list, on every step.
    steps = page.locator(".visit-section").count()
    for _ in range(steps - 1):
        page.locator("[data-next]").tap()
    done, total, left = counter_and_list(page)
    assert left == 4 and total - done == 4, (done, total, left)
    assert page.locator("[data-missing-list]").inner_text().count("Add a comment") == 4
    assert not page.locator("[data-check-note]").is_visible()
    shot(page, f"send-{width}-four-left")

    # Going back to a question from the list: its comment box is required and says why.
    page.locator("[data-missing-list] a").first.tap()
    comment = page.locator("#answer-friendly_greeting-comment")
    assert comment.is_visible()
    assert comment.get_attribute("aria-required") == "true"
    why = page.locator("#answer-friendly_greeting-comment-why")
    assert "less than full points" in why.inner_text()
    assert comment.get_attribute("aria-describedby") and "comment-why" in (
        comment.get_attribute("aria-describedby")
    )

    # Tapping the full answer makes it optional at once; a short one makes it required.
    page.locator('label[for="answer-friendly_greeting-yes"]').tap()
    assert comment.get_attribute("aria-required") != "true"
    assert not why.is_visible()
    done, total, left = counter_and_list(page)
    assert (total - done, left) == (3, 3)
    page.locator('label[for="answer-friendly_greeting-no"]').tap()
    assert comment.get_attribute("aria-required") == "true"
    assert why.is_visible() and "less than full points" in why.inner_text()
    done, total, left = counter_and_list(page)
    assert (total - done, left) == (4, 4)
    shot(page, f"send-{width}-comment-required")

    # Writing the comments clears them one by one, counter and list together.
    for left_before in range(len(SHORT), 0, -1):
        while page.locator("[data-next]").is_visible():
            page.locator("[data-next]").tap()
        done, total, left = counter_and_list(page)
        assert (total - done, left) == (left_before, left_before)
        link = page.locator("[data-missing-list] a").first
        key = link.get_attribute("data-go")
        link.tap()
        page.locator(f"#answer-{key}-comment").fill("What happened, in a few words.")
    while page.locator("[data-next]").is_visible():
        page.locator("[data-next]").tap()
    done, total, left = counter_and_list(page)
    assert (done, left) == (total, 0)
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reopened_draft_missing_comments_is_not_ready_to_send(live_server, new_phone, width):
    seed(live_server.app)
    visit_id = draft_with(live_server.app, "LDS01", {**FULL, "farewell": "no"})
    page = phone_page(live_server, new_phone, width)
    page.goto(f"{live_server.url}/shop/visits/{visit_id}")
    while page.locator("[data-next]").is_visible():
        page.locator("[data-next]").tap()
    page.wait_for_timeout(250)
    assert page.locator("[data-check-title]").inner_text() == "Still to do before you send (1)"
    assert "Add a comment" in page.locator("[data-missing-list]").inner_text()
    done, total, left = counter_and_list(page)
    assert (total - done, left) == (1, 1)

    # Send is at hand on the last step, wherever the shopper has scrolled.
    send = page.locator("#submit-button")
    for y in (0, 100_000):
        page.evaluate(f"window.scrollTo(0, {y})")
        box = send.bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= 740, (y, box)
    send.tap()
    message = page.locator("#send-message")
    message.wait_for(state="visible")
    assert "still missing" in message.inner_text()
    with live_server.app.app_context():
        assert db.session.get(Visit, visit_id).status is VisitStatus.DRAFT

    # The comment is written: ready, and sent.
    page.locator("[data-missing-list] a").first.tap()
    page.locator("#answer-farewell-comment").fill("No goodbye.")
    while page.locator("[data-next]").is_visible():
        page.locator("[data-next]").tap()
    page.wait_for_function(
        "() => document.querySelector('[data-check-title]').textContent === 'Ready to send'"
    )
    send.tap()
    page.locator("[data-sent]").wait_for()
    with live_server.app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.status is VisitStatus.SUBMITTED
        assert visit.answer("farewell").comment == "No goodbye."
    assert page.errors == []


# --- home, assignment, sent visits ------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_a_sent_visit_opens_read_only_with_the_answers_as_sent(live_server, new_phone, width):
    ids = seed(live_server.app)
    page = phone_page(live_server, new_phone, width)
    page.goto(f"{live_server.url}/shop/")
    page.locator("[data-sent-visits] a", has_text="Newcastle Grey Street").tap()
    page.wait_for_url(re.compile(rf"/shop/visits/{ids['sent']}$"))
    shot(page, f"sent-{width}")
    answers = page.locator("[data-answers]")
    text = answers.inner_text()
    assert "Were you given a friendly farewell" in text
    assert "No goodbye; the adviser turned to the next customer." in text
    assert "Greeted at once; clear advice on the ISA." in text
    # Nothing to change, and never a score.
    assert page.locator("main input:not([type=hidden]), main textarea, main select").count() == 0
    assert not re.search(r"\d\s*%|points|score", page.locator("main").inner_text(), re.I)
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_an_accepted_assignment_starts_from_its_own_page(live_server, new_phone, width):
    ids = seed(live_server.app)
    page = phone_page(live_server, new_phone, width)
    page.goto(f"{live_server.url}/assignments/{ids['accepted']}/offer")
    page.locator("input[name=share_location]").uncheck()
    page.get_by_role("button", name="Start the visit").tap()
    page.wait_for_url(re.compile(r"/shop/visits/\d+$"))
    assert page.locator("#visit-form").is_visible()
    with live_server.app.app_context():
        visit = db.session.get(Visit, int(page.url.rsplit("/", 1)[1]))
        assert visit.assignment_id == ids["accepted"] and visit.start_lat is None

    # Back on the assignment page: the visit is under way, so it continues it.
    page.goto(f"{live_server.url}/assignments/{ids['accepted']}/offer")
    page.get_by_role("link", name="Continue the visit").tap()
    page.wait_for_url(re.compile(r"/shop/visits/\d+$"))
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_assessors_audit_start_has_thumb_sized_targets(live_server, new_phone, width):
    with live_server.app.app_context():
        load_demo(visits=False)
        db.session.commit()
    page = new_phone(viewport={"width": width, "height": 740}).new_page()
    live_server.login(page, "assessor@demo.test", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/shop/audits/new")
    shot(page, f"phone-{width}-new-audit")
    assert target_problems(page) == []
    assert page.locator("label.start-share input[name=share_location]").is_checked()
