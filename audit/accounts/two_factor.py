"""Two-factor sign-in: TOTP codes from an authenticator app, and single-use recovery codes.

Enrolment keeps the new secret on the user while ``totp_enabled_at`` is still empty,
so the page can be reloaded and the app the person already scanned keeps working;
only a right code from that app turns two-factor sign-in on (and ``two_factor_enabled``
reads ``totp_enabled_at``, so a half-finished enrolment never asks for a code).

**One code, one use.** A code is accepted only for a time step later than the last one
this account used (``users.totp_last_step``), so a code read over a shoulder or from a
log cannot be replayed, whether it was used to sign in, to confirm enrolment, or to turn
the feature off. Only the current and the previous 30-second steps are accepted (a code
typed as it changes still counts); at worst a person waits for the next code. Checking
a code holds the user's row until the caller commits (``FOR UPDATE`` on PostgreSQL;
SQLite writes one at a time), so two workers cannot both accept the same code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
import segno
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import delete, func, select, update

from audit.accounts.secrets import digest, same
from audit.accounts.sessions import end_sessions
from audit.extensions import db
from audit.models import RecoveryCode, User, record_event
from audit.settings import get_role_set

__all__ = [
    "ISSUER",
    "RECOVERY_CODE_COUNT",
    "SECOND_FACTORS",
    "Enrolment",
    "TwoFactorError",
    "admin_reset",
    "check_code",
    "check_password_or_code",
    "confirm_enrolment",
    "disable",
    "enrolment_for",
    "regenerate_recovery_codes",
    "remaining_recovery_codes",
    "required_for",
]

#: The name the authenticator app shows beside the account.
ISSUER = "Service Audit"
RECOVERY_CODE_COUNT = 10
#: Recovery codes avoid letters and digits that look alike (0/o, 1/l/i).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS, _GROUP_LENGTH = 4, 4  # 16 characters: about 79 bits, safe to keep as a digest
#: How a sign-in was proven, by the kind of code that completed it (UserSession.method).
SECOND_FACTORS = {"totp": "password+totp", "recovery": "password+recovery"}


class TwoFactorError(ValueError):
    """A code or a step of enrolment was refused; the message is for the person."""


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret for typing in, and the QR code of it."""

    secret: str
    uri: str
    qr_svg: Markup


def required_for(user: User) -> bool:
    """Whether an administrator made two-factor sign-in compulsory for this user's role."""
    return user.role in get_role_set("two_factor_roles")


def enrolment_for(user: User) -> Enrolment:
    """Start (or go on with) enrolment: a secret kept on the user until it is confirmed."""
    if user.two_factor_enabled:
        raise TwoFactorError(gettext("Two-factor sign-in is already on for this account."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret=user.totp_secret, uri=uri, qr_svg=_qr_svg(uri))


def _qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG, drawn here: the secret never leaves the server."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=gettext("QR code for your authenticator app")
    )
    return Markup(svg)  # noqa: S704  (segno's own markup around our URI, escaped by segno)


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on once ``code`` comes from the enrolled app; returns the
    recovery codes, which are shown this once and kept only as digests."""
    if user.two_factor_enabled or not user.totp_secret:
        raise TwoFactorError(gettext("Start setting up two-factor sign-in first."))
    _lock(user)
    step = _totp_step(user.totp_secret, code, after=None)
    if step is None:
        raise TwoFactorError(
            gettext(
                "That code does not match. Check that the app shows this account and that the "
                "phone's clock is right, then enter the newest code."
            )
        )
    user.totp_enabled_at = datetime.now(UTC)
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    record_event(user, "user.two_factor_enabled", user)
    return codes


def check_code(user: User, code: str) -> str:
    """Check a sign-in code: ``"totp"`` for the app's code, ``"recovery"`` for a recovery
    code (used up by this call). Raises :class:`TwoFactorError` for anything else."""
    if not user.two_factor_enabled or not user.totp_secret:
        raise TwoFactorError(gettext("Two-factor sign-in is not on for this account."))
    cleaned = _digits(code)
    if cleaned is not None:
        _lock(user)
        step = _totp_step(user.totp_secret, cleaned, after=user.totp_last_step)
        if step is None:
            raise TwoFactorError(
                gettext(
                    "That code is wrong or has already been used. Enter the newest code from "
                    "your authenticator app."
                )
            )
        user.totp_last_step = step
        return "totp"
    if _use_recovery_code(user, code):
        return "recovery"
    raise TwoFactorError(gettext("That recovery code is wrong or has already been used."))


def check_password_or_code(user: User, proof: str) -> bool:
    """For turning the feature off or making new codes: the password, or a code."""
    if user.check_password(proof):
        return True
    try:
        check_code(user, proof)
    except TwoFactorError:
        return False
    return True


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of ``user`` with ten new ones (shown once)."""
    if not user.two_factor_enabled:
        raise TwoFactorError(gettext("Two-factor sign-in is not on for this account."))
    codes = _new_recovery_codes(user)
    record_event(user, "user.recovery_codes_regenerated", user)
    return codes


def disable(user: User) -> None:
    """The person turns two-factor sign-in off (the caller checked their password or code)."""
    _remove(user)
    record_event(user, "user.two_factor_disabled", user)


def admin_reset(user: User, admin: User) -> int:
    """A lost device: remove the secret and the codes and end every session of ``user``, who
    signs in again with the password alone (and enrols again where their role requires it).
    Returns how many sessions ended."""
    was_on = user.two_factor_enabled
    _remove(user)
    ended = end_sessions(user, "two_factor_reset")
    record_event(admin, "user.two_factor_reset", user, was_enabled=was_on, sessions_ended=ended)
    return ended


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# --- inside ------------------------------------------------------------------------


def _remove(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=digest(_plain(c))) for c in codes)
    return codes


def _recovery_code() -> str:
    groups = (
        "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LENGTH)) for _ in range(_GROUPS)
    )
    return "-".join(groups)


def _plain(code: str) -> str:
    """A recovery code as it is kept: lower case, without the dashes and spaces people add."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _use_recovery_code(user: User, code: str) -> bool:
    """Mark the matching unused code used; an UPDATE with ``used_at IS NULL`` in its WHERE
    lets only one of two simultaneous uses through."""
    plain = _plain(code)
    if len(plain) != _GROUPS * _GROUP_LENGTH:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest(plain),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def _digits(code: str) -> str | None:
    cleaned = "".join(code.split())
    return cleaned if len(cleaned) == 6 and cleaned.isdigit() else None


def _totp_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The time step ``code`` belongs to (the current or the previous one), or None; steps
    up to ``after`` count as used."""
    cleaned = _digits(code)
    if cleaned is None:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for step in (now, now - 1):
        if after is not None and step <= after:
            continue
        if same(totp.generate_otp(step), cleaned):
            return step
    return None


def _lock(user: User) -> None:
    """Hold the user's row until the caller commits: one code check at a time per account."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
