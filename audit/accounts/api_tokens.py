"""Personal API tokens: made, looked up, listed and revoked.

A token acts as its person through the same access rules as the web pages; its scopes
(``RESOURCE:read`` / ``RESOURCE:write``) only ever narrow what their role allows, and a
token without scopes carries every right of the role. Only the SHA-256 digest is kept:
the token itself is shown once, when it is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from audit.accounts.secrets import digest, new_secret, same
from audit.extensions import db
from audit.models import ApiToken, User, record_event
from audit.service_errors import FieldError

#: What a scope may name; each API resource adds itself here.
API_RESOURCES: tuple[str, ...] = (
    "regions",
    "branches",
    "staff",
    "reports",
    "users",
    "scorecards",
    "assignments",
    "visits",
    "actions",
    "appeals",
    "coaching-notes",
    "webhooks",
)
#: Every scope a token may carry, e.g. ``branches:read``.
SCOPES: tuple[str, ...] = tuple(f"{r}:{a}" for r in API_RESOURCES for a in ("read", "write"))
#: What every token starts with, so a leaked one is recognised (secret scanners, logs).
TOKEN_PREFIX = "sat_"  # noqa: S105  (a marker, not a secret)
#: "last used" is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
MAX_EXPIRY_DAYS = 3650
NAME_MAX = 80


class TokenError(FieldError):
    """A token that cannot be made or changed as asked."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: the row, and the secret shown once and never again."""

    row: ApiToken
    secret: str


def normalise_scopes(scopes: Iterable[str]) -> list[str]:
    """Scopes sorted, without repeats; raises TokenError naming an unknown one."""
    cleaned = sorted({s.strip().lower() for s in scopes if s.strip()})
    unknown = [s for s in cleaned if s not in SCOPES]
    if unknown:
        raise TokenError(
            gettext(
                "Unknown scope %(scopes)s: use RESOURCE:read or RESOURCE:write "
                "with RESOURCE one of %(resources)s.",
                scopes=", ".join(unknown),
                resources=", ".join(API_RESOURCES),
            ),
            field="scopes",
        )
    return cleaned


def create_token(
    user: User,
    name: str,
    scopes: Iterable[str] = (),
    expires_days: int | None = None,
    actor: User | None = None,
) -> NewToken:
    """A new token for ``user`` (added to the session and recorded; the caller commits)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(
            gettext("Give the token a name, e.g. the system that will use it."), "name"
        )
    if len(name) > NAME_MAX:
        raise TokenError(gettext("Keep the name under %(max)s characters.", max=NAME_MAX), "name")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise TokenError(
            gettext("Expiry must be 1 to %(max)s days.", max=MAX_EXPIRY_DAYS), "expires_days"
        )
    if not user.active:
        raise TokenError(gettext("This account is deactivated: it cannot have API tokens."))
    secret = TOKEN_PREFIX + new_secret()
    now = datetime.now(UTC)
    row = ApiToken(
        user=user,
        name=name,
        token_hash=digest(secret),
        prefix=secret[:10],
        scopes=normalise_scopes(scopes),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(row)
    db.session.flush()
    record_event(
        actor or user,
        "user.api_token_created",
        user,
        token_id=row.id,
        name=name,
        scopes=row.scopes,
        expires_at=row.expires_at.isoformat() if row.expires_at else None,
    )
    return NewToken(row, secret)


def token_is_live(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return (
        token.revoked_at is None
        and (token.expires_at is None or token.expires_at > now)
        and token.user.active
    )


def authenticate(secret: str) -> ApiToken | None:
    """The live token with this secret, or None: unknown, revoked, expired, or its person
    deactivated. The lookup is by digest, so the time taken tells nothing about how
    much of a guess was right; the digest is compared again in constant time."""
    if not secret or len(secret) > 200:
        return None
    wanted = digest(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == wanted))
    if token is None or not same(token.token_hash, wanted):
        return None
    now = datetime.now(UTC)
    if not token_is_live(token, now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
    return token


def revoke_token(token: ApiToken, actor: User) -> bool:
    """Revoke ``token`` (recorded); False when it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = datetime.now(UTC)
    record_event(actor, "user.api_token_revoked", token.user, token_id=token.id, name=token.name)
    return True


def tokens_of(user: User, *, include_revoked: bool = False) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def allows(token: ApiToken, resource: str, write: bool) -> bool:
    """Whether the token's scopes reach ``resource`` (write implies read); no scopes: all."""
    if not token.scopes:
        return True
    wanted = {f"{resource}:write"} if write else {f"{resource}:read", f"{resource}:write"}
    return bool(wanted & set(token.scopes))
