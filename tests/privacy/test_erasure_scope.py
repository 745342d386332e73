"""What an erasure reaches and what it leaves alone: settings, links, numbers and JSON
keys keep their values whatever the person was called; a former address, a first name
copied into the audit trail, a webhook body or a stored API answer, a photo's file name
quoted by a trust signal and the PDFs of their report subscriptions go; a name is found in
any case, accents included."""

from __future__ import annotations

import json
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from audit.accounts.users import create_user, update_user
from audit.api.visit_reading import visit_detail
from audit.api.visit_schemas import MANAGER
from audit.coaching import service as coaching
from audit.extensions import db
from audit.models import (
    ApiToken,
    AuditEvent,
    IdempotentRequest,
    Notification,
    ReportSubscription,
    Role,
    Setting,
    Visit,
    VisitSignal,
    WebhookDelivery,
    WebhookEndpoint,
    record_event,
)
from audit.privacy.erasure import COPIED_AS, erase, find_staff, find_user
from audit.privacy.free_text import LEFT_OUT, free_text
from audit.privacy.rewrite import text_columns
from audit.review import service as review
from audit.settings import get_role_set, set_role_set
from audit.storage import storage
from audit.subscriptions.periods import Period
from audit.subscriptions.service import create_subscription, pdf_key
from audit.trust.service import compute_visit_signals
from audit.webhooks.emitting import new_delivery
from audit.webhooks.events import EVENTS
from audit.webhooks.payloads import record_data
from tests.builders import (
    SHOPPER_EMAIL,
    attach_photo,
    import_visits,
    make_coaching_world,
    make_note,
    make_user,
    make_world,
)
from tests.builders.org import make_staff
from tests.conftest import TEST_PASSWORD
from tests.privacy.helpers import traces


def test_a_name_that_is_also_a_role_leaves_settings_and_symbols_alone(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        root = make_user(Role.ADMIN, email="root@example.org", name="Root Person")
        set_role_set("two_factor_roles", {Role.ADMIN, Role.MANAGER}, root)
        named_admin = make_user(Role.MANAGER, email="old@example.org", name="Admin")
        record_event(root, "user.created", root, email="root@example.org", role="admin")
        world.b_one.staff_description = "Admin stood at the till"
        db.session.commit()
        setting_events = select(AuditEvent.details).where(AuditEvent.action == "setting.changed")
        before = db.session.scalars(setting_events).all()

        erase(named_admin, root)
        db.session.commit()

        stored = db.session.scalar(select(Setting.value).where(Setting.key == "two_factor_roles"))
        assert stored == ["admin", "manager"]
        assert get_role_set("two_factor_roles") == {Role.ADMIN, Role.MANAGER}
        assert db.session.scalars(setting_events).all() == before
        created = select(AuditEvent.details).where(
            AuditEvent.action == "user.created", AuditEvent.subject_id == root.id
        )
        assert db.session.scalar(created) == {"email": "root@example.org", "role": "admin"}
        described = db.session.get(Visit, world.b_one.id).staff_description
        assert described == f"Erased person #{named_admin.id} stood at the till"


def test_staff_codes_in_links_and_numbers_stay_and_json_text_stays_json(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        world.carol.code = "104"
        manager = world.manager
        token = ApiToken(user=manager, name="ci", token_hash="a" * 64, prefix="a")
        db.session.add_all(
            [
                token,
                Notification(user=manager, kind="x", message="Visit 104 due", link="/visits/104"),
                Notification(user=manager, kind="y", message="Ask BOB; see /staff/BOB and BOB-2"),
            ]
        )
        db.session.flush()
        answer = {"id": 104, "staff": [{"code": "104", "name": "Carol Clark"}], "next": "/104"}
        body = json.dumps(answer, separators=(",", ":"), sort_keys=True) + "\n"
        db.session.add(
            IdempotentRequest(token_id=token.id, key="k", request_hash="h", status=200, body=body)
        )
        db.session.commit()
        carol_user_id = world.carol_user.id

        erase(world.carol, None)
        erase(find_staff("BOB"), None)
        db.session.commit()

        notes = select(Notification.message, Notification.link).where(
            Notification.user_id == manager.id
        )
        bob = world.bob_user.id
        assert sorted(db.session.execute(notes).all()) == [
            (f"Ask Erased person #{bob}; see /staff/BOB and BOB-2", ""),
            ("Visit 104 due", "/visits/104"),
        ]
        stored = db.session.scalar(select(IdempotentRequest.body))
        pseudonym = f"Erased person #{carol_user_id}"
        answer["staff"] = [{"code": "104", "name": pseudonym}]
        assert stored == json.dumps(answer, separators=(",", ":"), sort_keys=True) + "\n"


def test_a_former_address_recorded_when_the_account_was_made_goes_too(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        root = make_user(Role.ADMIN, email="root@example.org", name="Root Person")
        jane = create_user(
            email="jane.maiden@example.org",
            name="Jane Maiden",
            role=Role.SHOPPER,
            password=TEST_PASSWORD,
            actor=root,
        )
        db.session.commit()
        update_user(
            jane,
            email="jane.married@example.org",
            name="Jane Married",
            role=Role.SHOPPER,
            region_ids=[],
            actor=root,
        )
        world.b_one.answers[0].comment = "Sent to jane.maiden@example.org by mistake"
        db.session.commit()
        assert len(traces(app, "jane.maiden@example.org")) == 2  # the comment, the event

        erase(jane, root)
        db.session.commit()

    assert traces(app, "jane.maiden@example.org", "jane.married@example.org") == []


def test_an_address_and_name_the_account_had_between_changes_go_too(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        root = make_user(Role.ADMIN, email="root@example.org", name="Root Person")
        kim = make_user(Role.SHOPPER, email="kim.first@example.org", name="Kim First")
        for email, name in (("kim.second@example.org", "Kim Second"), ("k3@example.org", "K3")):
            update_user(kim, email=email, name=name, role=Role.SHOPPER, region_ids=[], actor=root)
            db.session.commit()
        world.b_one.answers[0].comment = "Kim Second (kim.second@example.org) was lovely"
        db.session.commit()

        erase(kim, root)
        db.session.commit()

    assert traces(app, "kim.second@example.org", "Kim Second") == []


def test_first_names_go_from_the_audit_events_of_records_tied_to_the_person(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        note = make_note(world.alice, world.north_manager, "The queue was long")
        coaching.close(note, world.north_manager, "Alice now greets everyone")
        review.exclude(world.a_wait, world.manager, "Alice was off sick that week")
        review.exclude(world.b_one, world.manager, "Alice from head office covered for Bob")
        db.session.commit()

        erase(find_staff("ALICE"), None)
        db.session.commit()

        reasons = {
            event.subject_id: event.details.get("reason") or event.details.get("closing_note")
            for event in db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action.in_(["coaching_note.closed", "visit.excluded"])
                )
            )
        }
        pseudonym = f"Erased person #{world.alice_user.id}"
        assert reasons[note.id] == f"{pseudonym} now greets everyone"
        assert reasons[world.a_wait.id] == f"{pseudonym} was off sick that week"
        # Bob's visit is not hers: a first name alone there may be anyone's.
        assert reasons[world.b_one.id] == "Alice from head office covered for Bob"


def test_first_names_go_from_webhook_bodies_about_records_tied_to_the_person(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        to_alice = make_note(world.alice, world.north_manager, "Alice, the queue was long")
        to_bob = make_note(world.bob, world.north_manager, "Alice from head office will help")
        hook = WebhookEndpoint(url="https://hooks.example.org/", events=[], secret="s")  # noqa: S106
        for note in (to_alice, to_bob):
            new_delivery(hook, "coaching_note.created", record_data(note))
        db.session.commit()

        erase(find_staff("ALICE"), None)
        db.session.commit()

        sent = [json.loads(body) for body in db.session.scalars(select(WebhookDelivery.body))]
        assert {body["data"]["id"]: body["data"]["body"] for body in sent} == {
            to_alice.id: f"Erased person #{world.alice_user.id}, the queue was long",
            # Bob's note is not hers: a first name alone there may be anyone's.
            to_bob.id: "Alice from head office will help",
        }
        assert {body["event"] for body in sent} == {"coaching_note.created"}


def test_first_names_go_from_stored_api_answers_about_records_tied_to_the_person(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        world.a_low.answers[0].comment = "Alice was friendly"
        world.b_one.answers[0].comment = "Alice covered for Bob"
        token = ApiToken(user=world.manager, name="ci", token_hash="a" * 64, prefix="a")
        db.session.add(token)
        db.session.flush()
        for visit in (world.a_low, world.b_one):
            created = IdempotentRequest(
                token_id=token.id,
                key=visit.external_id,
                request_hash="h",
                status=201,
                body=visit_detail(visit, MANAGER).model_dump_json(),
                headers={"Location": f"/api/v1/visits/{visit.id}"},
            )
            db.session.add(created)
        db.session.commit()

        erase(find_staff("ALICE"), None)
        db.session.commit()

        answers = [json.loads(body) for body in db.session.scalars(select(IdempotentRequest.body))]
        comments = {a["id"]: {answer["comment"] for answer in a["answers"]} for a in answers}
        assert f"Erased person #{world.alice_user.id} was friendly" in comments[world.a_low.id]
        assert "Alice covered for Bob" in comments[world.b_one.id]


def test_every_record_webhooks_carry_is_named_as_the_erasure_expects(app: Flask):
    assert {event.split(".")[0] for event in EVENTS} == {e for e, _ in COPIED_AS.values()}
    assert set(COPIED_AS) <= set(db.metadata.tables)
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    for _event, collection in COPIED_AS.values():
        assert any(rule.startswith(f"/api/v1/{collection}/<int:") for rule in rules), collection


def test_a_photos_file_name_goes_from_the_trust_signals_that_quoted_it(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        photo = attach_photo(world.a_low, None, storage(), "IMG_sally_shopper.jpg", world.shopper)
        photo.captured_at = world.a_low.visited_at - timedelta(days=3)
        db.session.commit()
        compute_visit_signals([world.a_low.id])
        signals = select(VisitSignal.detail).where(VisitSignal.visit_id == world.a_low.id)
        assert any("IMG_sally_shopper.jpg" in d for d in db.session.scalars(signals))

        erase(find_user(SHOPPER_EMAIL), None)
        db.session.commit()

        stored = sorted(db.session.scalars(signals))
        assert f"Photo {photo.id} taken 3 d before the visit started." in stored
        assert not [d for d in stored if "sally" in d.lower()]
        compute_visit_signals([world.a_low.id])  # the checks say the same of it now
        assert sorted(db.session.scalars(signals)) == stored


def test_erasing_an_owner_deletes_the_pdfs_their_subscriptions_sent(app: Flask, backend: str):
    april = Period(date(2026, 4, 1), date(2026, 4, 30))
    with app.app_context():
        world = make_coaching_world()
        owned = create_subscription(world.manager, unit="company", frequency="monthly")
        kept = create_subscription(world.north_manager, unit="company", frequency="monthly")
        db.session.commit()
        owned_id = owned.id
        owned_pdf, kept_pdf = pdf_key(owned.id, april, "en"), pdf_key(kept.id, april, "en")
        for key in (owned_pdf, kept_pdf):
            storage().put(key, b"%PDF-1.4", "application/pdf")

        person = erase(world.manager, None)
        db.session.commit()

        assert person.changes["report_subscriptions deleted"] == 1
        assert not storage().exists(owned_pdf) and storage().exists(kept_pdf)
        assert db.session.get(ReportSubscription, owned_id) is None
        deleted = select(AuditEvent.subject_id).where(
            AuditEvent.action == "report_subscription.deleted"
        )
        assert db.session.scalars(deleted).all() == [owned_id]


def test_a_name_with_accents_is_found_in_any_case(app: Flask):
    with app.app_context():
        world = make_coaching_world()
        world.alice.name = world.alice_user.name = "Zoë Dupont"
        world.b_one.staff_description = "ZOË DUPONT stood at the till"
        record_event(world.manager, "visit.excluded", world.b_one, reason="ZOË DUPONT was off")
        db.session.add(Notification(user=world.bob_user, kind="x", message="zoë dupont replied"))
        db.session.commit()

        erase(find_staff("ALICE"), None)
        db.session.commit()

        pseudonym = f"Erased person #{world.alice_user.id}"
        visit = db.session.get(Visit, world.b_one.id)
        assert visit.staff_description == f"{pseudonym} stood at the till"
        excluded = select(AuditEvent.details).where(AuditEvent.action == "visit.excluded")
        assert db.session.scalar(excluded) == {"reason": f"{pseudonym} was off"}
        messages = select(Notification.message).where(Notification.user_id == world.bob_user.id)
        assert db.session.scalars(messages).all() == [f"{pseudonym} replied"]


def test_every_text_column_is_swept_or_left_out_on_purpose(app: Flask):
    swept = {
        f"{table.name}.{column.name}" for table, columns, _ in free_text() for column in columns
    }
    unclassified = [
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in text_columns(table)
        if f"{table.name}.{column.name}" not in swept | LEFT_OUT
        and f"{table.name}.*" not in LEFT_OUT
    ]
    assert unclassified == []
    assert not swept & LEFT_OUT


def test_another_persons_name_in_a_body_about_a_tied_record_stays_whole(app: Flask):
    """A visit's body names each person in a field of their own (visitor.name,
    staff[].name): erasing Alice Adams, who served, replaces her name there and leaves
    the shopper Alice Walker's as it is (not "Erased staff member #1 Walker")."""
    with app.app_context():
        world = make_world()
        make_user(Role.SHOPPER, email="walker@example.org", name="Alice Walker")
        make_staff(world.leeds, code="ALICE", name="Alice Adams")
        db.session.commit()
        (visit,) = import_visits(
            {"external_id": "V1", "staff": "ALICE", "shopper": "walker@example.org"}
        )
        hook = WebhookEndpoint(url="https://hooks.example.org/", events=[], secret="s")  # noqa: S106
        new_delivery(hook, "visit.submitted", record_data(visit))
        db.session.commit()

        erased = erase(find_staff("ALICE"), None)
        db.session.commit()

        body = json.loads(db.session.scalars(select(WebhookDelivery.body)).one())
        assert body["data"]["visitor"]["name"] == "Alice Walker"
        assert [member["name"] for member in body["data"]["staff"]] == [erased.pseudonym]


def test_a_first_name_goes_from_the_visit_events_of_an_answer_the_person_edited(app: Flask):
    """An edit's reason is recorded in its visit's events: erasing the manager who wrote
    it takes their first name from there too, though the visit is not otherwise theirs."""
    with app.app_context():
        make_world()
        dora = make_user(Role.MANAGER, email="dora@example.org", name="Dora Reviewer")
        (visit,) = import_visits({"external_id": "V1", "status": "approved"})
        review.edit_answer(visit, "summary", "Fine enough", None, dora, "Dora rang the branch")
        db.session.commit()

        erase(find_user("dora@example.org"), None)
        db.session.commit()

        edited = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "visit.answer_edited")
        ).one()
        assert "Dora" not in json.dumps(edited) and "rang the branch" in edited["reason"]
