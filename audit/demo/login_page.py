"""The demo's logins on the sign-in page, while the demo's accounts exist.

The accounts live on the reserved ``demo.test`` domain, so they exist only where
``flask demo`` (``make run``) loaded them; a real organisation's sign-in page shows none.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from audit.demo.load import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin
from audit.extensions import db
from audit.models import User


def demo_logins() -> list[DemoLogin]:
    """The demo logins whose accounts exist and are active (one query)."""
    emails = [login.email for login in DEMO_LOGINS]
    present = set(db.session.scalars(select(User.email).where(User.email.in_(emails), User.active)))
    return [login for login in DEMO_LOGINS if login.email in present]


def register(app: Flask) -> None:
    app.add_template_global(demo_logins)
    app.add_template_global(DEMO_PASSWORD, "demo_password")
