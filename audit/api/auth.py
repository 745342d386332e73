"""Who is calling: ``Authorization: Bearer TOKEN`` and nothing else (no cookies, so no
CSRF), the token's person checked by the same roles as the web views, its scopes
narrowing further, and its requests counted against the rate limit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from audit.access import MANAGERS
from audit.accounts.api_tokens import allows, authenticate
from audit.api.problems import ApiProblem
from audit.api.ratelimit import count_request
from audit.extensions import db
from audit.models import ApiToken, Role, User

F = TypeVar("F", bound=Callable[..., Any])

#: The API's own description: readable without a token.
OPEN_ENDPOINTS = frozenset({"api.openapi", "api.docs"})
CHALLENGE = 'Bearer realm="api"'


def authenticate_request() -> None:
    """Before every API view: find the token, count the request, refuse what must be."""
    if request.endpoint in OPEN_ENDPOINTS:
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(
            401,
            "Send an API token as 'Authorization: Bearer TOKEN'.",
            headers={"WWW-Authenticate": CHALLENGE},
        )
    token = authenticate(secret.strip())
    if token is None:
        raise ApiProblem(
            401,
            "This token is not valid: unknown, revoked or expired, or its account is deactivated.",
            headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'},
        )
    allowance = count_request(token.id)
    db.session.commit()  # the count and "last used" stand whatever the view does
    g.api_token, g.api_allowance = token, allowance
    if allowance.exceeded:
        raise ApiProblem(
            429,
            f"This token may make {allowance.limit} requests a minute: try again in "
            f"{allowance.reset} seconds.",
            headers={"Retry-After": str(allowance.reset)},
        )


def add_rate_headers(response: Response) -> Response:
    allowance = g.get("api_allowance")
    if allowance is not None:
        response.headers.update(allowance.headers())
    return response


def api_token() -> ApiToken:
    return g.api_token


def api_user() -> User:
    """The person the request acts as: the token's, never a browser session's."""
    return g.api_token.user


def api_access(resource: str, *, write: bool = False, roles: Iterable[Role] = MANAGERS):  # noqa: ANN201
    """Limit an API view to ``roles`` (admins always pass, as with
    :func:`audit.access.roles_required`) and to tokens whose scopes reach ``resource``.
    A writing view's changes are committed when it returns, together with anything the
    layers in between added (the idempotency record)."""
    allowed = frozenset(Role(r) for r in roles) | {Role.ADMIN}
    scope = f"{resource}:{'write' if write else 'read'}"

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            token = g.get("api_token")
            if token is None:  # pragma: no cover  (authenticate_request ran first)
                raise ApiProblem(401, headers={"WWW-Authenticate": CHALLENGE})
            if token.user.role not in allowed:
                raise ApiProblem(403, f"A {token.user.role.label.lower()} may not use {scope}.")
            if not allows(token, resource, write):
                raise ApiProblem(403, f"This token's scopes do not include {scope}.")
            answer = view(*args, **kwargs)
            if write:
                try:
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    raise ApiProblem(
                        409,
                        "This clashed with a change made at the same moment (the same "
                        "code or Idempotency-Key): nothing was changed; try again.",
                    ) from None
            return answer

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        wrapped.api_scope = scope  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate
