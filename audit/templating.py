"""Filters and globals available to every template."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from audit.models import Role


def format_datetime(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    return value.strftime(fmt) if value else ""


def format_date(value: datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def register(app: Flask) -> None:
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_global(Role, "Role")
