"""Scheduled reports: a manager's standing order for a PDF, mailed every week or month.

A subscription names one unit (a branch, a region, or the company as its owner sees it),
a frequency and optionally a scorecard, and the people who receive it: the owner and the
managers they chose (:data:`report_subscription_recipients`). ``last_period_end`` is the
last day of the last period mailed: the job claims a period by moving it forward with a
conditional UPDATE, so two runs never send one period twice. Each period claimed gets a
:class:`ReportMailing`, the mail's outbox row: who has it, and what went wrong until
everyone does, so a mail the SMTP server refused is tried again.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.extensions import db
from audit.models.base import utcnow
from audit.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from audit.models.org import Branch, Region
    from audit.models.user import User


class ReportUnit(enum.StrEnum):
    BRANCH = "branch"
    REGION = "region"
    #: Every branch the owner may see: the company, or a scoped manager's regions.
    COMPANY = "company"


class ReportFrequency(enum.StrEnum):
    WEEKLY = "weekly"  # Monday to Sunday
    MONTHLY = "monthly"  # a calendar month

    @property
    def label(self) -> LazyString:
        """ "Every week", "Every month", in the reader's language when shown."""
        return _l("Every week") if self is ReportFrequency.WEEKLY else _l("Every month")


report_subscription_recipients = Table(
    "report_subscription_recipients",
    db.metadata,
    Column(
        "subscription_id",
        ForeignKey("report_subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class ReportSubscription(db.Model):
    __tablename__ = "report_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit: Mapped[ReportUnit] = mapped_column(str_enum(ReportUnit))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    #: A scorecard slug; None: every scorecard.
    scorecard: Mapped[str | None] = mapped_column(String(80))
    frequency: Mapped[ReportFrequency] = mapped_column(str_enum(ReportFrequency))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last day of the last period claimed and mailed (None: nothing sent yet).
    last_period_end: Mapped[date | None] = mapped_column(Date)
    #: When the mail task last got the SMTP server to take every message, and what went
    #: wrong the last time it did not ("" when nothing did).
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_mail_error: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    branch: Mapped[Branch | None] = relationship()
    region: Mapped[Region | None] = relationship()
    recipients: Mapped[list[User]] = relationship(
        secondary=report_subscription_recipients, order_by="User.name"
    )


class ReportMailing(db.Model):
    """One period's report of one subscription, on its way to the recipients.

    Made with the claim of the period, in the same transaction. The mail task sends it to
    each current recipient who does not have it yet (``sent_to``) and sets ``done_at`` once
    all do; until then ``send-pending-mail`` tries again, for
    :data:`audit.subscriptions.mail.RETRY_DAYS`.
    """

    __tablename__ = "report_mailings"
    __table_args__ = (Index("ix_report_mailings_pending", "done_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("report_subscriptions.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: The stored PDF of each language among the recipients: {"en": key, ...}.
    keys: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    filename: Mapped[str] = mapped_column(String(200))
    #: Ids of the users the SMTP server took the mail for.
    sent_to: Mapped[list[int]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Every current recipient has it (None: still to be mailed or tried again).
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[ReportSubscription] = relationship()
