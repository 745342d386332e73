from __future__ import annotations

from sqlalchemy import select

from audit.extensions import db
from audit.models import AuditEvent, Role, User
from tests.builders import make_region, make_user


def _admin(app, auth) -> int:
    with app.app_context():
        admin = make_user(Role.ADMIN)
        db.session.commit()
        email, admin_id = admin.email, admin.id
    auth.login(email)
    return admin_id


def _get_user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_admin_lists_and_filters_users(app, client, auth):
    _admin(app, auth)
    with app.app_context():
        make_user(Role.SHOPPER, name="Sally Shopper")
        make_user(Role.STAFF, name="Stan Staff", active=False)
        db.session.commit()
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Sally Shopper" in page
    assert "Stan Staff" not in page  # inactive hidden by default
    page = client.get("/admin/users?status=all&role=staff").get_data(as_text=True)
    assert "Stan Staff" in page and "Sally Shopper" not in page
    page = client.get("/admin/users?q=sally").get_data(as_text=True)
    assert "Sally Shopper" in page


def test_admin_creates_a_scoped_manager(app, client, auth):
    _admin(app, auth)
    with app.app_context():
        north = make_region("North")
        db.session.commit()
        north_id = north.id
    response = client.post(
        "/admin/users/new",
        data={
            "email": "New.Manager@Example.org",
            "name": "Nora North",
            "role": "manager",
            "regions": [north_id],
            "password": "long enough password",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = _get_user("new.manager@example.org")
        assert user.role is Role.MANAGER
        assert [r.name for r in user.regions] == ["North"]
        assert user.check_password("long enough password")
        assert (
            db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject_id == user.id))
            == "user.created"
        )


def test_create_user_form_keeps_input_and_explains_errors(app, client, auth):
    _admin(app, auth)
    with app.app_context():
        existing = make_user(Role.SHOPPER).email
        db.session.commit()
    response = client.post(
        "/admin/users/new",
        data={"email": existing, "name": "Typed Name", "role": "shopper", "password": "short"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Another account already uses this email." in page
    assert "Use at least 10 characters" in page
    assert 'value="Typed Name"' in page


def test_region_scope_only_for_managers_and_assessors(app, client, auth):
    _admin(app, auth)
    with app.app_context():
        region_id = make_region().id
        db.session.commit()
    response = client.post(
        "/admin/users/new",
        data={
            "email": "s@example.org",
            "name": "S",
            "role": "shopper",
            "regions": [region_id],
            "password": "long enough password",
        },
    )
    assert "Only managers and assessors can be limited to regions." in response.get_data(
        as_text=True
    )


def test_admin_changes_role_and_scope(app, client, auth):
    _admin(app, auth)
    with app.app_context():
        user = make_user(Role.SHOPPER)
        region = make_region("Midlands")
        db.session.commit()
        user_id, email, region_id = user.id, user.email, region.id
    response = client.post(
        f"/admin/users/{user_id}",
        data={"email": email, "name": "Promoted", "role": "assessor", "regions": [region_id]},
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.role is Role.ASSESSOR
        assert user.region_ids == {region_id}
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.updated")
        ).one()
        assert event.details["role"] == ["shopper", "assessor"]
        assert event.details["name"][1] == "Promoted" and "email" not in event.details


def test_admin_deactivates_and_reactivates(app, client, auth):
    _admin(app, auth)
    with app.app_context():
        user = make_user(Role.SHOPPER)
        db.session.commit()
        user_id = user.id
    client.post(f"/admin/users/{user_id}/active")
    with app.app_context():
        assert db.session.get(User, user_id).active is False
    client.post(f"/admin/users/{user_id}/active")
    with app.app_context():
        assert db.session.get(User, user_id).active is True


def test_admin_cannot_deactivate_or_demote_themselves(app, client, auth):
    admin_id = _admin(app, auth)
    response = client.post(f"/admin/users/{admin_id}/active", follow_redirects=True)
    assert b"You cannot deactivate your own account." in response.data
    with app.app_context():
        admin = db.session.get(User, admin_id)
        assert admin.active
        email = admin.email
    response = client.post(
        f"/admin/users/{admin_id}", data={"email": email, "name": "Me", "role": "staff"}
    )
    assert b"You cannot remove your own administrator role." in response.data


def test_admin_resets_a_password(app, client, auth):
    _admin(app, auth)
    with app.app_context():
        user = make_user(Role.STAFF)
        db.session.commit()
        user_id = user.id
    response = client.post(
        f"/admin/users/{user_id}/password",
        data={"password": "brand new secret", "confirm": "brand new secret"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).check_password("brand new secret")
    response = client.post(
        f"/admin/users/{user_id}/password", data={"password": "brand new secret", "confirm": "x"}
    )
    assert response.status_code == 400
    assert b"The two passwords differ." in response.data


def test_cli_creates_user_with_password(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "cli@example.org",
            "--name",
            "Cli User",
            "--role",
            "assessor",
            "--password",
            "from the cli!",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = _get_user("cli@example.org")
        assert user.role is Role.ASSESSOR and user.check_password("from the cli!")


def test_cli_prompts_for_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "prompt@example.org", "--name", "P", "--role", "staff"],
        input="typed secret\ntyped secret\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _get_user("prompt@example.org").check_password("typed secret")


def test_cli_refuses_duplicates_and_bad_roles(app, runner):
    args = [
        "users",
        "create",
        "--email",
        "dup@example.org",
        "--name",
        "D",
        "--password",
        "long enough passphrase",
    ]
    assert runner.invoke(args=[*args, "--role", "staff"]).exit_code == 0
    result = runner.invoke(args=[*args, "--role", "staff"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert runner.invoke(args=[*args, "--role", "wizard"]).exit_code == 2


def test_admin_changes_settings_within_limits(app, client, auth):
    from audit.settings import SPECS, get_setting

    _admin(app, auth)
    with app.app_context():
        assert get_setting("shopper_lockout_days") == 90
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="90"' in page
    data = {
        **{spec.key: spec.default for spec in SPECS},
        "shopper_lockout_days": 60,
        "min_visits_to_rank": 5,
    }
    assert client.post("/admin/settings", data=data).status_code == 302
    response = client.post("/admin/settings", data={**data, "min_visits_to_rank": 0})
    assert b"Number must be between 1 and 100" in response.data
    with app.app_context():
        assert get_setting("shopper_lockout_days") == 60
        assert get_setting("min_visits_to_rank") == 5
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "setting.changed")
        ).all()
        assert {e.details["key"] for e in events} == {"shopper_lockout_days", "min_visits_to_rank"}
