"""The bell: unread count on every page, the list, open / mark read / mark all, and e-mail."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from audit.coaching import service
from audit.extensions import db
from audit.models import CoachingNote, Notification, Role, User
from audit.notifications.service import notify
from audit.tasks import wait_for_tasks
from tests.builders import make_coaching_world, make_user
from tests.statements import recorded_statements


@pytest.fixture
def people(app) -> SimpleNamespace:
    with app.app_context():
        ann = make_user(Role.MANAGER, name="Ann Manager")
        ben = make_user(Role.SHOPPER, name="Ben Shopper")
        notify([ann], "test", "First for Ann", "/coaching/")
        notify([ann], "test", "Second for Ann", "/notifications/")
        (bens,) = notify([ben], "test", "Only for Ben", "/shop/")
        db.session.commit()
        return SimpleNamespace(ann=ann.email, ben=ben.email, ann_id=ann.id, bens=bens.id)


def bell_count(html: str) -> int:
    match = re.search(r'id="bell-count"[^>]*>(\d+)<', html)
    return int(match.group(1)) if match else 0


def unread(app, email: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.message)
                .join(User, User.id == Notification.user_id)
                .where(User.email == email, Notification.read_at.is_(None))
                .order_by(Notification.id)
            )
        )


def test_the_bell_shows_the_unread_count_with_one_count_query(app, client, auth, people):
    auth.login(people.ann)
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as statements:
        html = client.get("/coaching/").get_data(as_text=True)
    assert bell_count(html) == 2
    assert 'href="/notifications/"' in html
    counts = [s for s in statements if "count(" in s.lower() and "notifications" in s.lower()]
    assert len(counts) == 1, counts
    auth.logout()
    auth.login(people.ben)
    assert bell_count(client.get("/shop/").get_data(as_text=True)) == 1


def test_list_open_mark_read_and_mark_all(app, client, auth, people):
    auth.login(people.ann)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "First for Ann" in html and "Second for Ann" in html and "Only for Ben" not in html
    ids = [int(i) for i in re.findall(r'/notifications/(\d+)/open"', html)]
    assert len(ids) == 2
    newest, oldest = ids
    response = client.post(f"/notifications/{oldest}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/coaching/"
    assert unread(app, people.ann) == ["Second for Ann"]
    html = client.get("/notifications/?show=unread").get_data(as_text=True)
    assert "Second for Ann" in html and "First for Ann" not in html
    assert bell_count(html) == 1
    client.post(f"/notifications/{newest}/read")
    assert unread(app, people.ann) == []
    with app.app_context():
        notify([db.session.get(User, people.ann_id)], "test", "Third", "/")
        notify([db.session.get(User, people.ann_id)], "test", "Fourth", "/")
        db.session.commit()
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "2 notifications marked as read." in response.get_data(as_text=True)
    assert unread(app, people.ann) == [] and unread(app, people.ben) == ["Only for Ben"]


def test_someone_elses_notification_is_404(client, auth, people):
    auth.login(people.ann)
    assert client.post(f"/notifications/{people.bens}/open").status_code == 404
    assert client.post(f"/notifications/{people.bens}/read").status_code == 404


@pytest.mark.parametrize("link", ["https://evil.example", "//evil.example/x", "/\\evil.example"])
def test_links_stay_inside_the_app(ctx, link):
    with pytest.raises(ValueError, match="inside the app"):
        notify([make_user()], "test", "x", link)


def test_coaching_events_ring_the_bell_and_send_mail(app, client, auth, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.test")
    with app.app_context():
        world = make_coaching_world()
        note = service.create_note(
            world.north_manager, world.alice, "Please read", visit=world.a_low
        )
        db.session.commit()
        note_id, alice, author = note.id, world.alice_user.email, world.north_manager.email
    wait_for_tasks()  # the mail goes out from a background task
    (to_alice,) = smtp_server.inbox.messages
    assert to_alice[0] == [alice]
    assert f"https://audit.example.test/coaching/notes/{note_id}" in to_alice[1].get_content()

    auth.login(alice)
    assert bell_count(client.get("/coaching/me").get_data(as_text=True)) == 1
    client.post(f"/coaching/notes/{note_id}/acknowledge")
    wait_for_tasks()  # each answer's mail is a task of its own, in no set order
    client.post(f"/coaching/notes/{note_id}/reply", data={"body": "Thanks"})
    wait_for_tasks()
    recipients = [r for r, _ in smtp_server.inbox.messages[1:]]
    subjects = [m["Subject"] for _, m in smtp_server.inbox.messages[1:]]
    assert recipients == [[author], [author]]
    assert subjects == [
        "[Service Audit] Alice Adams acknowledged your coaching note.",
        "[Service Audit] Alice Adams replied to your coaching note.",
    ]
    auth.logout()
    auth.login(author)
    assert bell_count(client.get("/coaching/").get_data(as_text=True)) == 2
    with app.app_context():
        assert db.session.get(CoachingNote, note_id).acknowledged_at is not None
        assert all(n.emailed_at is not None for n in db.session.scalars(select(Notification)))
