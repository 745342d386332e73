"""Accounts, roles and the regions a user is limited to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.org import Region, StaffMember


#: werkzeug's own default, for a password set outside an application.
DEFAULT_PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password


def password_hash_method() -> str:
    """The method new passwords are hashed with (the ``PASSWORD_HASH_METHOD`` setting)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_PASSWORD_HASH_METHOD)
    return DEFAULT_PASSWORD_HASH_METHOD


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    ASSESSOR = "assessor"
    SHOPPER = "shopper"
    STAFF = "staff"

    @property
    def label(self) -> str:
        """The role's name in the reader's language (lazy: module-level choices keep it)."""
        return {
            Role.ADMIN: _l("Administrator"),
            Role.MANAGER: _l("Manager"),
            Role.ASSESSOR: _l("Assessor"),
            Role.SHOPPER: _l("Mystery shopper"),
            Role.STAFF: _l("Staff member"),
        }[self]


#: Roles whose access can be limited to some regions.
SCOPED_ROLES = frozenset({Role.MANAGER, Role.ASSESSOR})

user_regions = Table(
    "user_regions",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    #: None until the person chooses a password (an invitation not yet accepted, or an
    #: account that signs in only through single sign-on).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the person took the account up: at creation for an account made with a
    #: password; None while an invitation is pending (the invitation service sets that).
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Two-factor sign-in: the TOTP secret (base32), kept from the start of enrolment;
    #: ``totp_enabled_at`` says when a right code confirmed it.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The 30-second step of the last code accepted, so that no code works twice.
    totp_last_step: Mapped[int | None] = mapped_column()
    #: The identity provider's subject for this account, set at the first SSO sign-in.
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: When the person's identity was erased (audit.privacy.erasure): the row stays, under
    #: a pseudonym, so their visits and the audit trail keep pointing at someone.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The interface language the person chose on the account page ("en", "es"); None:
    #: the browser's Accept-Language, else the installation's AUDIT_DEFAULT_LANGUAGE.
    language: Mapped[str | None] = mapped_column(String(16))

    regions: Mapped[list[Region]] = relationship(secondary=user_regions, order_by="Region.name")
    staff_member: Mapped[StaffMember | None] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    #: The signed-in session this object was loaded for (set by the user loader).
    session_key = None

    def get_id(self) -> str | None:
        """What Flask-Login keeps in the session and remember-me cookies: the key of this
        sign-in's :class:`UserSession`, never the user id, so ending that row ends both."""
        return self.session_key

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, password_hash_method())

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def invitation_pending(self) -> bool:
        return self.joined_at is None

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {Role(r) for r in roles}

    @property
    def is_scoped(self) -> bool:
        """True when this user sees only some regions (an empty scope means all)."""
        return self.role in SCOPED_ROLES and bool(self.regions)

    @property
    def region_ids(self) -> frozenset[int] | None:
        """The regions this user is limited to, or None when unlimited."""
        if not self.is_scoped:
            return None
        return frozenset(r.id for r in self.regions)
