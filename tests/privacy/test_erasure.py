"""Erasing a person (``erase user``, ``erase staff``, the administrator's button): no text
column of any table, nor any storage key, still holds their name or e-mail afterwards,
while every dashboard and league figure is what it was; the erasure is an audit event
that names no one, a second one does nothing, and the confirm step is required."""

from __future__ import annotations

from types import SimpleNamespace

import pyotp
from flask import Flask
from sqlalchemy import func, select

from audit.accounts.secrets import digest
from audit.coaching import service as coaching
from audit.extensions import db
from audit.models import (
    AccountLink,
    ApiToken,
    AuditEvent,
    IdempotentRequest,
    LinkPurpose,
    LoginAttempt,
    Notification,
    RecoveryCode,
    Role,
    StaffMember,
    User,
    UserSession,
    Visit,
    record_event,
)
from audit.review import service as review
from audit.settings import SPECS, get_setting
from audit.storage import storage
from tests.builders import (
    SHOPPER_EMAIL,
    SHOPPER_NAME,
    attach_photo,
    make_coaching_world,
    make_note,
    make_user,
)
from tests.privacy.helpers import figures, traces

#: Alice's name and address now, and as they were when her account was made.
ALICE = ("Alice Adams", "alice@example.org", "Alice Brown", "alice.brown@example.org")


def build(app: Flask) -> SimpleNamespace:
    """The coaching world, with Alice (staff ALICE, a login) and the shopper named in
    text across many tables, and every kind of record an account carries. Alice's
    account was made as Alice Brown, alice.brown@example.org (the audit trail says so);
    her first name alone is in the details of events about her note and her visit."""
    with app.app_context():
        world = make_coaching_world()
        alice = world.alice_user
        bob_visit = world.b_one
        bob_visit.answers[0].comment = "Alice Adams covered the till; Bob was away"
        bob_visit.staff_description = "Tall man, Alice Adams beside him"
        to_alice = make_note(world.alice, world.north_manager, "Alice, the queue was long")
        coaching.close(to_alice, world.north_manager, "Alice now greets everyone")
        review.exclude(world.a_wait, world.manager, "Alice was off sick that week")
        make_note(world.bob, world.north_manager, "Ask Alice Adams (alice@example.org) to help")
        record_event(world.manager, "user.created", alice, email="alice.brown@example.org")
        record_event(world.manager, "user.updated", alice, name=["Alice Brown", "Alice Adams"])
        record_event(world.manager, "user.updated", alice, name=["Alice Adams", "A. Adams"])
        record_event(world.manager, "user.created", alice, email="ALICE@example.org")
        db.session.add_all(
            [
                Notification(user=world.bob_user, kind="reply", message="Alice Adams replied"),
                Notification(
                    user=world.manager, kind="note", message="Alice Brown's note to Bob was read"
                ),
                LoginAttempt(email="Alice.Brown@example.org", address="10.1.1.2"),
                Notification(user=alice, kind="note", message="A new note for you"),
                LoginAttempt(email="alice@example.org", address="10.1.1.1"),
                UserSession(
                    user=alice,
                    key_hash=digest("k"),
                    method="password",
                    user_agent="Alice's phone",
                    ip_address="10.1.1.1",
                ),
                AccountLink(
                    user=alice,
                    purpose=LinkPurpose.RESET,
                    token_hash=digest("t"),
                    expires_at=alice.created_at,
                ),
                RecoveryCode(user_id=alice.id, code_hash=digest("r")),
            ]
        )
        token = ApiToken(user=world.manager, name="ci", token_hash=digest("a"), prefix="a")
        db.session.add(token)
        db.session.flush()
        db.session.add(
            IdempotentRequest(
                token_id=token.id,
                key="k1",
                request_hash="h",
                status=201,
                body='{"email": "alice@example.org", "name": "Alice Adams"}',
            )
        )
        alice.totp_secret = pyotp.random_base32()
        alice.sso_subject = "sso|alice"
        photo = attach_photo(world.a_low, None, storage(), "sally_shopper_door.jpg", world.shopper)
        db.session.commit()
        return SimpleNamespace(
            alice_id=alice.id,
            staff_id=world.alice.id,
            photo=photo.stored_name,
            manager=world.manager.email,
        )


def read_figures(app: Flask) -> dict:
    with app.app_context():
        result = figures()
        db.session.remove()
        return result


def test_erasing_a_staff_member_with_a_login_leaves_no_trace(app: Flask, runner):
    built = build(app)
    assert len(traces(app, *ALICE)) >= 8
    assert "audit_events.details (first name)" in traces(app, first_names=("Alice",))
    before = read_figures(app)

    result = runner.invoke(args=["erase", "staff", "ALICE", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Erased: now Erased person #{built.alice_id}." in result.output

    assert traces(app, *ALICE, first_names=("Alice",)) == []
    assert read_figures(app) == before
    with app.app_context():
        user = db.session.get(User, built.alice_id)
        member = db.session.get(StaffMember, built.staff_id)
        assert (user.name, user.email) == (
            f"Erased person #{user.id}",
            f"erased-{user.id}@erased.invalid",
        )
        assert (member.name, member.code, member.email) == (user.name, f"ERASED-{member.id}", None)
        assert not user.active and user.erased_at and member.erased_at
        assert (user.password_hash, user.totp_secret, user.sso_subject) == (None, None, None)
        for model in (UserSession, AccountLink, RecoveryCode, Notification):
            owned = select(func.count()).select_from(model).where(model.user_id == user.id)
            assert db.session.scalar(owned) == 0, model
        # The first name alone goes from the note to her; the visits stay hers.
        assert "Alice" not in " ".join(db.session.scalars(select(Visit.staff_description)))
        served = db.session.scalar(
            select(func.count())
            .select_from(Visit)
            .join(Visit.staff)
            .where(StaffMember.id == member.id)
        )
        assert served == 3
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["user.erased", "staff.erased"]))
        ).all()
        assert sorted(e.action for e in events) == ["staff.erased", "user.erased"]
        assert all(e.details == {"reason": "request"} and e.actor is None for e in events)


def test_erasing_a_shopper_keeps_visits_photos_and_figures(app: Flask, backend: str, runner):
    built = build(app)
    before = read_figures(app)
    with app.app_context():
        keys_before = set(storage().keys())
    assert built.photo in keys_before

    result = runner.invoke(args=["erase", "user", SHOPPER_EMAIL.upper(), "--yes"])
    assert result.exit_code == 0, result.output

    assert traces(app, SHOPPER_NAME, SHOPPER_EMAIL, "sally_shopper") == []
    assert read_figures(app) == before
    with app.app_context():
        keys = set(storage().keys())
        assert keys == keys_before  # the photos stay (scores and appeals rest on them)
        assert not [key for key in keys if "sally" in key.lower() or "shopper" in key.lower()]
        shopper = db.session.scalar(select(User).where(User.role == Role.SHOPPER))
        visits = db.session.scalar(
            select(func.count()).select_from(Visit).where(Visit.visitor_id == shopper.id)
        )
        assert shopper.name.startswith("Erased person #") and visits == 5


def test_without_yes_nothing_changes_and_a_second_erasure_does_nothing(app: Flask, runner):
    built = build(app)
    before = traces(app, *ALICE)
    asked = runner.invoke(args=["erase", "user", "alice@example.org"])
    assert asked.exit_code == 1
    assert "add --yes to erase" in asked.output and "user_sessions deleted: 1" in asked.output
    assert traces(app, *ALICE) == before

    assert runner.invoke(args=["erase", "user", "alice@example.org", "--yes"]).exit_code == 0
    again = runner.invoke(args=["erase", "staff", f"ERASED-{built.staff_id}", "--yes"])
    assert again.output == f"Already erased: Erased person #{built.alice_id}.\n"
    with app.app_context():
        count = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.erased")
        )
        assert db.session.scalar(count) == 1

    by_id = runner.invoke(args=["erase", "user", "--id", str(built.alice_id), "--yes"])
    assert by_id.output == f"Already erased: Erased person #{built.alice_id}.\n"

    for args, message in (
        (["nobody@example.org"], "No account has the e-mail 'nobody@example.org'."),
        (["--id", "9999"], "No account has the id '9999'."),
        (["--id", "alice"], "'alice' is not a record id (a whole number)."),
    ):
        refused = runner.invoke(args=["erase", "user", *args, "--yes"])
        assert refused.exit_code == 1 and message in refused.output, refused.output


def test_a_staff_member_without_a_login_and_the_last_administrator(app: Flask, runner):
    with app.app_context():
        world = make_coaching_world()
        carol = world.carol
        carol.user = None
        admin = make_user(Role.ADMIN, email="root@example.org", name="Root Admin")
        db.session.commit()
        carol_id, admin_id = carol.id, admin.id
    before = read_figures(app)
    result = runner.invoke(args=["erase", "staff", "CAROL", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Erased: now Erased staff member #{carol_id}." in result.output
    assert traces(app, "Carol Clark") == ["users.name"]  # her former login, now unlinked
    assert read_figures(app) == before

    refused = runner.invoke(args=["erase", "user", "root@example.org", "--yes"])
    assert refused.exit_code == 1
    assert "last active administrator" in refused.output
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.id == admin_id)) == "Root Admin"


def test_the_administrators_button_asks_for_confirmation(app: Flask, client, auth):
    built = build(app)
    with app.app_context():
        admin = make_user(Role.ADMIN, email="root@example.org", name="Root Admin")
        db.session.commit()
        admin_id = admin.id
    page = f"/admin/privacy/users/{built.alice_id}/erase"

    auth.login(built.manager)
    assert client.get(page).status_code == 403
    auth.logout()
    auth.login("root@example.org")
    shown = client.get(page)
    assert shown.status_code == 200
    assert f"Erased person #{built.alice_id}" in shown.text and "alice@example.org" in shown.text
    edit = client.get(f"/admin/users/{built.alice_id}").text
    assert page in edit
    assert "Keep photos (days)" in client.get("/admin/settings").text
    blank = {spec.key: spec.default for spec in SPECS} | {"retention_photo_days": ""}
    assert client.post("/admin/settings", data=blank).status_code == 302
    with app.app_context():
        assert get_setting("retention_photo_days") == 0  # empty: keep forever
        assert get_setting("retention_comment_days") == 1095

    wrong = client.post(page, data={"confirm": "bob@example.org"})
    assert wrong.status_code == 400 and "Type alice@example.org exactly" in wrong.text
    assert traces(app, *ALICE)

    erased = client.post(page, data={"confirm": " Alice@Example.org "})
    assert erased.status_code == 302
    assert traces(app, *ALICE) == []
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.erased"))
        assert (event.actor_id, event.subject_id, event.details) == (
            admin_id,
            built.alice_id,
            {"reason": "request"},
        )
    assert "already been erased" in client.get(page).text

    own = client.post(
        f"/admin/privacy/users/{admin_id}/erase", data={"confirm": "root@example.org"}
    )
    assert own.status_code == 400 and "cannot erase your own account" in own.text
    staff_page = client.get(f"/org/staff/{built.staff_id}")
    assert f"/admin/privacy/staff/{built.staff_id}/erase" not in staff_page.text  # erased
    reactivate = client.post(f"/admin/users/{built.alice_id}/active", follow_redirects=True)
    assert "This account was erased: invite the person again instead." in reactivate.text
    with app.app_context():
        assert db.session.get(User, built.alice_id).active is False
