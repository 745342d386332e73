"""``Idempotency-Key`` on creates: the same key and body within a day answer what the
first request answered, without making a second record; the same key with another
body is refused (422). Kept per token, in the database, for :data:`KEEP`: a token's
old answers go when it sends its next key, and everyone's with the daily
``prune-api-answers`` job (an answer is a copy of a record, names and comments included).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import delete, select

from audit.api.problems import VALIDATION, ApiProblem
from audit.extensions import db
from audit.models import IdempotentRequest

F = TypeVar("F", bound=Callable[..., Any])
KEEP = timedelta(hours=24)
HEADER = "Idempotency-Key"
#: Headers of the first answer given again with it.
KEPT_HEADERS = ("Location",)


def prune_stored_answers() -> str:
    """Delete every stored answer older than :data:`KEEP` (the periodic job
    ``prune-api-answers``, :data:`audit.jobs.schedule.SCHEDULE`)."""
    cutoff = datetime.now(UTC) - KEEP
    result = db.session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff)
    )
    db.session.commit()
    hours = int(KEEP.total_seconds() // 3600)
    return f"{result.rowcount or 0} stored API answer(s) older than {hours} hours deleted"


def _fingerprint() -> str:
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = raw
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + body).hexdigest()


def _refuse(message: str) -> ApiProblem:
    return ApiProblem(
        422,
        message,
        errors=[{"field": HEADER, "message": message}],
        type=VALIDATION,
        title="Invalid request",
    )


def idempotent(view: F) -> F:
    """Wrap a create view (inside :func:`audit.api.auth.api_access`, which commits)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise _refuse(f"{HEADER} must be 1 to 255 characters.")
        token_id, now = g.api_token.id, datetime.now(UTC)
        db.session.execute(
            delete(IdempotentRequest).where(
                IdempotentRequest.token_id == token_id, IdempotentRequest.created_at < now - KEEP
            )
        )
        fingerprint = _fingerprint()
        earlier = db.session.scalar(
            select(IdempotentRequest).where(
                IdempotentRequest.token_id == token_id, IdempotentRequest.key == key
            )
        )
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise _refuse(
                    f"This {HEADER} was used for a different request in the last 24 hours."
                )
            answer = current_app.response_class(
                earlier.body, status=earlier.status, mimetype="application/json"
            )
            answer.headers.update(earlier.headers)
            answer.headers["Idempotent-Replayed"] = "true"
            return answer
        answer = current_app.make_response(view(*args, **kwargs))
        if 200 <= answer.status_code < 300:
            db.session.add(
                IdempotentRequest(
                    token_id=token_id,
                    key=key,
                    request_hash=fingerprint,
                    status=answer.status_code,
                    body=answer.get_data(as_text=True),
                    headers={h: answer.headers[h] for h in KEPT_HEADERS if h in answer.headers},
                    created_at=now,
                )
            )
        return answer

    return wrapped  # type: ignore[return-value]
