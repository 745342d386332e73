"""Customer survey responses from the public page: who may answer again, and who may be
contacted.

A response itself is a :class:`~audit.models.visit.Visit` of a survey scorecard (no
visitor). These rows hold what a visit has no place for:

- :class:`SurveyResponse`: the keys the abuse limits count by (a device cookie and the
  sender's address, both as keyed hashes, never the address itself);
- :class:`SurveyContact`: the e-mail a customer left to be contacted, kept out of the
  answers so that exports, the API and staff never carry it; only managers of the
  branch read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime

if TYPE_CHECKING:
    from audit.models.org import Branch
    from audit.models.visit import Visit

#: The longest e-mail address there can be (RFC 5321: 64 + 1 + 255, capped at 254 by 3696).
MAX_EMAIL_LENGTH = 254


class SurveyResponse(db.Model):
    """One response sent through the public page, for counting responses per device and
    per address at a branch in a day."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_device", "branch_id", "device_key", "created_at"),
        Index("ix_survey_responses_address", "branch_id", "address_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    #: SHA-256 (hex) of the device cookie's random value.
    device_key: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA256 (hex) of the sender's IP address under the app's secret.
    address_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship()
    branch: Mapped[Branch] = relationship()


class SurveyContact(db.Model):
    """The e-mail a customer left with a response, agreeing to be contacted about it."""

    __tablename__ = "survey_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    email: Mapped[str] = mapped_column(String(MAX_EMAIL_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship()
    branch: Mapped[Branch] = relationship()
