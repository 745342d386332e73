"""A reviewer's answer edit that is refused: every problem at once, at the visit's address."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AnswerChange
from tests.builders import import_visits, make_world

SAID = "Looked at the screen, not at me"


@pytest.fixture
def visit_id(app, auth) -> int:
    """A submitted Leeds visit whose empathy (4 of 5) carries the shopper's comment."""
    with app.app_context():
        world = make_world()
        (visit,) = import_visits(
            {
                "external_id": "EDIT",
                "visited_at": "2026-05-02T09:00:00",
                "comments": {"empathy": SAID},
            }
        )
        db.session.commit()
        auth.login(world.manager.email)
        return visit.id


def editor_of(html: str) -> str:
    """The empathy answer's editor: its <form> … </form>."""
    start = html.index('id="answer-empathy"')
    return html[html.index("<form", start) : html.index("</form>", start)]


def messages(html: str) -> list[str]:
    found = re.findall(r'class="invalid-feedback"[^>]*>(.*?)</div>', editor_of(html), re.S)
    return [" ".join(m.split()) for m in found]


def test_a_refused_edit_lists_the_missing_reason_and_the_unfit_comment_together(
    app, client, visit_id
):
    page = client.get(f"/review/visits/{visit_id}").get_data(as_text=True)
    action = re.search(r'action="([^"]+)"', editor_of(page)).group(1).replace("&amp;", "&")
    response = client.post(action, data={"q-empathy-value": "5", "q-empathy-comment": SAID})
    assert response.status_code == 422
    said = messages(response.get_data(as_text=True))
    assert any("Say why you are changing this answer" in m for m in said), said
    assert any("no longer fits" in m for m in said), said
    # Only the reason missing now: the comment is rewritten, so one message is left.
    response = client.post(
        action, data={"q-empathy-value": "5", "q-empathy-comment": "Kind and patient."}
    )
    said = messages(response.get_data(as_text=True))
    assert len(said) == 1 and "Say why" in said[0]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnswerChange)) == 0


def test_the_editor_posts_to_the_visit_page_so_a_refusal_keeps_its_address(app, client, visit_id):
    page = client.get(f"/review/visits/{visit_id}").get_data(as_text=True)
    action = re.search(r'action="([^"]+)"', editor_of(page)).group(1).replace("&amp;", "&")
    assert action == f"/review/visits/{visit_id}?edit=empathy#answer-empathy"
    response = client.post(action.split("#")[0], data={"q-empathy-value": "9"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "9 is outside 1 to 5" in html
    assert re.search(r'id="answer-empathy".*?<details class="mt-2" open>', html, re.S)
    # Reloading that address shows the visit with the same answer's editor open.
    reloaded = client.get(f"/review/visits/{visit_id}?edit=empathy").get_data(as_text=True)
    assert re.search(r'id="answer-empathy".*?<details class="mt-2" open>', reloaded, re.S)
    assert reloaded.count('<details class="mt-2" open>') == 1
    # A good edit posted there is saved, and the page comes back as itself.
    response = client.post(
        action.split("#")[0],
        data={"q-empathy-value": "5", "q-empathy-comment": "", "q-empathy-reason": "Receipt"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/visits/{visit_id}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnswerChange)) == 1
