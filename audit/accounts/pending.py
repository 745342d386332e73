"""A sign-in half done: the password was right, the second step is still to come.

It lives in the Flask session under its own key, never through Flask-Login, so while it
waits nobody is signed in: every page still sends the person to the sign-in page. It
holds who, whether to remember them, where to go next, what the second step is (a code,
or enrolment where the role requires two-factor sign-in) and when the password was
accepted; after :data:`PENDING_FOR` it is void and the password must be given again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from flask import session

from audit.accounts.two_factor import required_for
from audit.extensions import db
from audit.models import User

PENDING_FOR = timedelta(minutes=5)
_KEY = "pending_sign_in"


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    remember: bool
    next_url: str | None
    #: "code": ask for a code; "enrol": set two-factor sign-in up first.
    step: str


def begin(user: User, *, remember: bool, next_url: str | None, step: str) -> None:
    session[_KEY] = {
        "user_id": user.id,
        "remember": bool(remember),
        "next": next_url,
        "step": step,
        "at": time.time(),
    }


def pending(step: str) -> PendingSignIn | None:
    """The pending sign-in waiting for ``step``, if there is one, it is fresh and its user
    may still sign in; a stale one is forgotten."""
    data = session.get(_KEY)
    if not isinstance(data, dict) or data.get("step") != step:
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_FOR.total_seconds():
        forget()
        return None
    user = db.session.get(User, data.get("user_id"))
    if user is None or not user.active:
        forget()
        return None
    return PendingSignIn(
        user=user, remember=bool(data.get("remember")), next_url=data.get("next"), step=step
    )


def forget() -> None:
    session.pop(_KEY, None)


def second_step(user: User) -> str | None:
    """What sign-in still needs after a right password: "code" when the account has
    two-factor sign-in on, "enrol" when its role requires it and it is not set up yet."""
    if user.two_factor_enabled:
        return "code"
    if required_for(user):
        return "enrol"
    return None
