"""Staff portal, coaching notes and kudos through the web: isolation, scope and the flows."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from audit.coaching import recognition, service
from audit.extensions import db
from audit.models import AuditEvent, CoachingNote, Kudos, StaffMember, Visit
from tests.builders import SHOPPER_EMAIL, SHOPPER_NAME, make_coaching_world

#: Text that belongs to someone other than Alice, or to nobody yet: never on her pages.
FOREIGN = (
    SHOPPER_NAME,
    SHOPPER_EMAIL,
    "BOB-PRIVATE-COMMENT",
    "CAROL-PRIVATE-COMMENT",
    "UNPUBLISHED-COMMENT",
    "NOTE-FOR-BOB",
    "BOB-REPLY",
    "KUDOS-FOR-BOB",
)


@pytest.fixture
def w(app) -> SimpleNamespace:
    """The coaching world, with a note and kudos for Bob and a note for Alice; ids only."""
    with app.app_context():
        world = make_coaching_world()
        bob_note = service.create_note(world.manager, world.bob, "NOTE-FOR-BOB", visit=world.b_one)
        service.reply(bob_note, world.bob_user, "BOB-REPLY")
        # Bob is not on A_TOP; kudos for him need a visit naming him above excellence.
        world.a_top.staff.append(world.bob)
        bob_kudos = recognition.send_kudos(world.manager, world.bob, world.a_top, "KUDOS-FOR-BOB")
        world.a_top.staff.remove(world.bob)
        alice_note = service.create_note(
            world.north_manager,
            world.alice,
            "Eye contact, please.",
            goal="Look up when greeting",
            visit=world.a_low,
        )
        db.session.commit()
        ids = {
            name: getattr(world, name).id
            for name in (
                "a_low",
                "a_top",
                "a_wait",
                "b_one",
                "c_one",
                "alice",
                "bob",
                "carol",
                "leeds",
                "bristol",
            )
        }
        emails = {
            name: getattr(world, name).email
            for name in ("manager", "north_manager", "alice_user", "bob_user")
        }
        return SimpleNamespace(
            **ids,
            **emails,
            bob_note=bob_note.id,
            bob_kudos=bob_kudos.id,
            alice_note=alice_note.id,
        )


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def internal_links(html: str) -> set[str]:
    return {
        link
        for link in re.findall(r'href="(/[^"#]*)', html)
        if not link.startswith(("/static/", "/bootstrap/", "//"))
    }


def crawl(client, start: list[str]) -> dict[str, str]:
    """Every page reachable by GET links from ``start``, as url -> html (200s only)."""
    pages: dict[str, str] = {}
    todo = list(start)
    while todo:
        url = todo.pop()
        if url in pages:
            continue
        response = client.get(url)
        if response.status_code != 200:
            pages[url] = ""
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        todo.extend(internal_links(html) - pages.keys())
    return pages


# --- staff isolation --------------------------------------------------------------


def test_staff_land_on_their_feedback(client, auth, w):
    auth.login(w.alice_user)
    assert client.get("/").headers["Location"] == "/coaching/me"


def test_staff_see_their_own_published_feedback_and_coaching(client, auth, w):
    auth.login(w.alice_user)
    html = text_of(client.get("/coaching/me"))
    assert f"/coaching/me/visits/{w.a_low}" in html and f"/coaching/me/visits/{w.a_top}" in html
    assert f"/coaching/me/visits/{w.a_wait}" not in html
    assert "Looked at the screen, not at me" in html  # to work on, with the comment
    assert f"/coaching/notes/{w.alice_note}" in html and "Look up when greeting" in html
    assert 'class="chart chart-trend"' in html and "My average score by month" in html
    visit = text_of(client.get(f"/coaching/me/visits/{w.a_low}"))
    assert "Things to work on" in visit and "What went well" in visit
    assert "Warm hello at the door" in visit and "7.5 of 10 points" in visit
    assert "75.8%" in visit


def test_no_staff_reachable_page_names_the_shopper_or_shows_others_results(client, auth, w):
    auth.login(w.alice_user)
    pages = crawl(
        client,
        [
            "/",
            "/coaching/me",
            "/coaching/me?months=3",
            f"/coaching/me/visits/{w.a_low}",
            f"/coaching/me/visits/{w.a_top}",
            f"/coaching/notes/{w.alice_note}",
            "/notifications/",
        ],
    )
    reached = [url for url, html in pages.items() if html]
    assert len(reached) >= 7, reached
    for url, html in pages.items():
        for secret in FOREIGN:
            assert secret not in html, (url, secret)
    # The shopper's name appears on the manager's review page: the check can fail.
    auth.logout()
    auth.login(w.manager)
    assert SHOPPER_NAME in text_of(client.get(f"/review/visits/{w.a_low}"))


#: Not Alice's: another staff member's or branch's visit, her own unpublished one, Bob's note.
NOT_HERS = (
    "/coaching/me/visits/{b_one}",
    "/coaching/me/visits/{c_one}",
    "/coaching/me/visits/{a_wait}",
    "/coaching/me/visits/999999",
    "/coaching/notes/{bob_note}",
    "/coaching/notes/999999",
)


def test_staff_get_404_for_anything_not_theirs(client, auth, w):
    auth.login(w.alice_user)
    for url in NOT_HERS:
        assert client.get(url.format(**vars(w))).status_code == 404, url


def test_staff_cannot_act_on_another_staff_members_note(client, auth, app, w):
    auth.login(w.alice_user)
    assert client.post(f"/coaching/notes/{w.bob_note}/acknowledge").status_code == 404
    assert client.post(f"/coaching/notes/{w.bob_note}/reply", data={"body": "hi"}).status_code == (
        404
    )
    assert client.post(f"/coaching/notes/{w.alice_note}/close").status_code == 403
    for url in ("/coaching/", f"/coaching/staff/{w.alice}/notes/new", f"/review/visits/{w.a_low}"):
        assert client.get(url).status_code == 403, url
    with app.app_context():
        note = db.session.get(CoachingNote, w.bob_note)
        assert note.acknowledged_at is None and len(note.replies) == 1


def test_staff_never_see_others_kudos_or_unpublished_scores_in_figures(client, auth, app, w):
    with app.app_context():  # this month, so the portal's period holds them whatever the date
        midnight = datetime.combine(date.today(), time(), UTC)
        db.session.execute(
            update(Visit)
            .where(Visit.id.in_([w.a_low, w.a_top, w.a_wait]))
            .values(visited_at=midnight, local_day=midnight.date().isoformat())  # a UTC branch
        )
        db.session.commit()
    month = date.today().strftime("%b %Y")  # written as everywhere: "Jun 2026"
    auth.login(w.alice_user)
    html = text_of(client.get("/coaching/me"))
    assert "KUDOS-FOR-BOB" not in html
    # The trend rests on her two published visits, not the approved one.
    assert re.search(rf"<td>{month}</td>\s*<td>2</td>\s*<td>87.9%</td>", html), html
    auth.logout()
    auth.login(w.bob_user)
    html = text_of(client.get("/coaching/me"))
    assert "KUDOS-FOR-BOB" in html and "Eye contact, please." not in html


def test_staff_can_hide_from_top_performers(client, auth, app, w):
    auth.login(w.alice_user)
    response = client.post("/coaching/me/recognition", data={"hide": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(StaffMember, w.alice).hide_from_recognition is True
        assert (
            db.session.scalar(
                select(AuditEvent.action).where(
                    AuditEvent.subject_type == "staff_members", AuditEvent.subject_id == w.alice
                )
            )
            == "staff_member.recognition_visibility"
        )
    html = text_of(client.get("/coaching/me"))
    assert re.search(r'<input checked[^>]*name="hide"', html), html
    client.post("/coaching/me/recognition", data={})
    with app.app_context():
        assert db.session.get(StaffMember, w.alice).hide_from_recognition is False


def test_a_staff_account_without_a_staff_record_sees_an_explanation(client, auth, app):
    from tests.builders import make_user

    with app.app_context():
        email = make_user("staff").email
        db.session.commit()
    auth.login(email)
    assert "not linked to a staff record" in text_of(client.get("/coaching/me"))


# --- manager scope ----------------------------------------------------------------


def test_a_regional_manager_cannot_coach_outside_their_regions(client, auth, app, w):
    auth.login(w.north_manager)
    for url in (
        f"/coaching/staff/{w.carol}/notes/new",
        f"/coaching/staff/{w.carol}/notes/new?visit={w.c_one}",
        f"/coaching/staff/{w.carol}/kudos/new?visit={w.c_one}",
        f"/coaching/?branch={w.bristol}",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(f"/coaching/staff/{w.carol}/notes/new", data={"body": "Hello"})
    assert response.status_code == 403
    with app.app_context():
        carol_note = service.create_note(
            _user(w.manager),
            db.session.get(StaffMember, w.carol),
            "south note",
        )
        db.session.commit()
        carol_note_id = carol_note.id
    assert client.get(f"/coaching/notes/{carol_note_id}").status_code == 403
    assert client.post(f"/coaching/notes/{carol_note_id}/close").status_code == 403
    assert client.post(
        f"/coaching/notes/{carol_note_id}/reply", data={"body": "x"}
    ).status_code == (403)
    overview = text_of(client.get("/coaching/?status=all"))
    assert "Carol Clark" not in overview and "Alice Adams" in overview
    auth.logout()
    auth.login(w.manager)
    assert "Carol Clark" in text_of(client.get("/coaching/?status=all"))


def _user(email: str):
    from audit.models import User

    return db.session.scalar(select(User).where(User.email == email))


def test_notes_need_a_visit_that_names_the_staff_member(client, auth, w):
    auth.login(w.manager)
    assert client.get(f"/coaching/staff/{w.alice}/notes/new?visit={w.b_one}").status_code == 404
    assert client.get(f"/coaching/staff/{w.bob}/kudos/new").status_code == 404


# --- the flows --------------------------------------------------------------------


def test_note_loop_write_acknowledge_reply_close(client, auth, app, w):
    auth.login(w.north_manager)
    review = text_of(client.get(f"/review/visits/{w.a_low}"))
    assert f'href="/coaching/staff/{w.alice}/notes/new?visit={w.a_low}"' in review
    assert "Send kudos" not in review  # 75.8% is below the excellence mark
    form = text_of(client.get(f"/coaching/staff/{w.alice}/notes/new?visit={w.a_low}"))
    assert "Looked at the screen, not at me" in form and "Warm hello" not in form
    follow_up = (date.today() + timedelta(days=14)).isoformat()
    response = client.post(
        f"/coaching/staff/{w.alice}/notes/new?visit={w.a_low}",
        data={
            "body": "Let us talk about empathy.",
            "goal": "Listen first",
            "follow_up_on": follow_up,
        },
    )
    assert response.status_code == 302
    note_id = int(response.headers["Location"].rsplit("/", 1)[1])
    past = client.post(
        f"/coaching/staff/{w.alice}/notes/new",
        data={"body": "x", "follow_up_on": "2020-01-01"},
    )
    assert "cannot be in the past" in text_of(past)

    overview = text_of(client.get("/coaching/?status=unacknowledged"))
    assert f"/coaching/notes/{note_id}" in overview

    auth.logout()
    auth.login(w.alice_user)
    page = text_of(client.get(f"/coaching/notes/{note_id}"))
    assert "Let us talk about empathy." in page and "I have read this note" in page
    assert f"/coaching/me/visits/{w.a_low}" in page
    assert client.post(f"/coaching/notes/{note_id}/acknowledge").status_code == 302
    assert (
        client.post(f"/coaching/notes/{note_id}/reply", data={"body": "OK, will do"}).status_code
        == 302
    )
    page = text_of(client.get(f"/coaching/notes/{note_id}"))
    assert "OK, will do" in page and "I have read this note" not in page

    auth.logout()
    auth.login(w.north_manager)
    assert f"/coaching/notes/{note_id}" not in text_of(
        client.get("/coaching/?status=unacknowledged")
    )
    client.post(f"/coaching/notes/{note_id}/reply", data={"body": "Great"})
    client.post(f"/coaching/notes/{note_id}/close", data={"closing_note": "Done"})
    assert "Closed on" in text_of(client.get(f"/coaching/notes/{note_id}"))
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.subject_type == "coaching_notes", AuditEvent.subject_id == note_id
                )
                .order_by(AuditEvent.id)
            )
        )
    assert actions == [
        "coaching_note.created",
        "coaching_note.acknowledged",
        "coaching_note.replied",
        "coaching_note.replied",
        "coaching_note.closed",
    ]


def test_kudos_from_an_excellent_visit_reach_the_staff_member(client, auth, app, w):
    auth.login(w.manager)
    review = text_of(client.get(f"/review/visits/{w.a_top}"))
    kudos_url = f"/coaching/staff/{w.alice}/kudos/new?visit={w.a_top}"
    assert f'href="{kudos_url}"' in review
    form = text_of(client.get(kudos_url))
    assert "Truly listened to my worries" in form and SHOPPER_NAME not in form
    response = client.post(
        kudos_url, data={"message": "Superb, Alice!", "quoted": "Truly listened"}
    )
    assert response.status_code == 302
    low = client.get(f"/coaching/staff/{w.alice}/kudos/new?visit={w.a_low}")
    assert low.status_code == 302  # not excellent: sent back with a message
    with app.app_context():
        assert db.session.scalar(select(Kudos.message).where(Kudos.staff_member_id == w.alice)) == (
            "Superb, Alice!"
        )
    auth.logout()
    auth.login(w.alice_user)
    html = text_of(client.get("/coaching/me"))
    assert "Superb, Alice!" in html and "Truly listened" in html
