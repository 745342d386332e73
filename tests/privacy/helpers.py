"""Stored files through the app's storage (either backend), a read of every figure a
manager sees, to compare before and after, and :func:`traces` of a person left behind."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import JSON, String, Text, cast, func, or_, select

from audit.extensions import db
from audit.models import AuditEvent
from audit.photos.uploads import store_photo
from audit.reporting.filters import ReportFilter
from audit.reporting.league import branch_league, staff_league
from audit.reporting.summary import summary
from audit.storage import storage
from tests.images import jpeg

MAY = ReportFilter(date(2026, 5, 1), date(2026, 5, 31), "rules-card")


def store_pair() -> tuple[str, str]:
    """A photo and its thumbnail stored as an upload is, in the app's storage; their keys."""
    return store_photo(jpeg((32, 24), exif=False), storage(), 10_000_000).names


def figures(flt: ReportFilter = MAY) -> dict[str, Any]:
    """The company figure and the branch and staff leagues, keyed by unit id."""
    figure = summary(flt).figure
    leagues = {}
    for name, league in (
        ("branches", branch_league(flt, min_visits=1)),
        ("staff", staff_league(flt, min_visits=1)),
    ):
        leagues[name] = {
            entry.id: (entry.rank, entry.figure.n, round(entry.figure.mean or 0, 9))
            for entry in league.entries
        }
    return {"company": (figure.n, round(figure.mean or 0, 9), figure.critical_fails), **leagues}


def traces(app: Flask, *needles: str, first_names: tuple[str, ...] = ()) -> list[str]:
    """``table.column`` of every text or JSON column of every table holding a needle
    (pass former names and addresses too), and ``audit_events.details (first name)``
    when an event's details still hold one of ``first_names`` alone (a copy of a tied
    record's text)."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not needles or not isinstance(column.type, String | Text | JSON):
                    continue
                if _holds(table, column, needles):
                    found.append(f"{table.name}.{column.name}")
        if first_names and _holds(AuditEvent.__table__, AuditEvent.details, first_names):
            found.append("audit_events.details (first name)")
        db.session.remove()
    return found


def _holds(table: Any, column: Any, needles: tuple[str, ...]) -> bool:
    searched = func.lower(cast(column, Text))
    hit = or_(*(searched.like(f"%{n.lower()}%") for n in needles))
    return bool(db.session.scalar(select(func.count()).select_from(table).where(hit)))
