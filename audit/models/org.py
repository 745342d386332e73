"""The organisation: regions, branches and the staff who work in them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime

if TYPE_CHECKING:
    from audit.models.user import User


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    branches: Mapped[list[Branch]] = relationship(back_populates="region", order_by="Branch.name")

    def __repr__(self) -> str:
        return f"<Region {self.name}>"


def installation_zone() -> str:
    """A new branch's zone when none is given: ``AUDIT_DEFAULT_TIMEZONE`` (UTC outside an app)."""
    configured = current_app.config.get("AUDIT_DEFAULT_TIMEZONE") if has_app_context() else None
    return configured or "UTC"


class Branch(db.Model):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text, default="")
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    #: Weekly opening hours in local time, normalised, e.g. ``Mon-Fri 09:00-17:30; Sat
    #: 10:00-16:00`` (audit.org.hours); empty when not known, never "closed all week".
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    #: The IANA name of the zone the branch keeps its clocks in ("Europe/Madrid"): its
    #: visits' days and months, windows and displayed times (audit.org.timezones).
    timezone: Mapped[str] = mapped_column(
        String(64), default=installation_zone, server_default="UTC"
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship(back_populates="branches")
    staff: Mapped[list[StaffMember]] = relationship(
        back_populates="branch", order_by="StaffMember.name"
    )

    def __repr__(self) -> str:
        return f"<Branch {self.code}>"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


class StaffMember(db.Model):
    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    job_title: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    #: The staff member asked not to appear by name among the branch's top performers.
    hide_from_recognition: Mapped[bool] = mapped_column(default=False)
    #: When the person's identity was erased (audit.privacy.erasure); the row stays, under
    #: a pseudonym, so the scores of the visits they served keep counting for someone.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch] = relationship(back_populates="staff")
    user: Mapped[User | None] = relationship(back_populates="staff_member")

    def __repr__(self) -> str:
        return f"<StaffMember {self.code}>"
