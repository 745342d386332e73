"""Account management, shared by the admin pages and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import select

from audit.accounts.email_address import normalise_email
from audit.accounts.sessions import end_sessions
from audit.extensions import db
from audit.models import SCOPED_ROLES, Region, Role, User, record_event
from audit.service_errors import FieldError


class AccountError(FieldError):
    pass


def create_user(
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    region_ids: Iterable[int] = (),
    actor: User | None = None,
) -> User:
    try:
        email = normalise_email(email)
    except ValueError as error:
        raise AccountError(f"email {email!r}: {error}") from None
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise AccountError(f"unknown role {role!r}; use one of: {allowed}") from None
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"an account with the email {email} already exists")
    user = User(email=email, name=name.strip(), role=role)
    user.set_password(password)
    user.regions = _regions(role, region_ids)
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.created", user, email=email, role=role.value)
    return user


def update_user(
    user: User, *, email: str, name: str, role: Role | str, region_ids: Iterable[int], actor: User
) -> None:
    role = Role(role)
    email, name = normalise_email(email), name.strip()
    changes = {}
    if user.role != role:
        changes["role"] = [user.role.value, role.value]
    # Before and after: who the account was is kept, so an erasure finds a former
    # address or name in what was written before the change.
    if user.email != email:
        changes["email"] = [user.email, email]
    if user.name != name:
        changes["name"] = [user.name, name]
    user.email = email
    user.name = name
    user.role = role
    user.regions = _regions(role, region_ids)
    record_event(actor, "user.updated", user, **changes)


def set_active(user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AccountError(gettext("You cannot deactivate your own account."))
    if active and user.erased_at is not None:
        raise AccountError(gettext("This account was erased: invite the person again instead."))
    user.active = active
    record_event(actor, "user.activated" if active else "user.deactivated", user)
    if not active:
        end_sessions(user, "deactivated")


def reset_password(user: User, password: str, actor: User | None) -> None:
    """An administrator sets a new password: every session of the user ends."""
    user.set_password(password)
    if user.joined_at is None:
        user.joined_at = datetime.now(UTC)
    record_event(actor, "user.password_reset", user)
    end_sessions(user, "password_reset")


def _regions(role: Role, region_ids: Iterable[int]) -> list[Region]:
    ids = list(region_ids)
    if role not in SCOPED_ROLES or not ids:
        return []
    return list(db.session.scalars(select(Region).where(Region.id.in_(ids))))
