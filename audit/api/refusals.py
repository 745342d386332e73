"""Refusals as problems, for views that call an area's service.

A service's refusal (:class:`~audit.service_errors.FieldError`) is 422 naming the field
it belongs to, as the API calls it, or 409 when it belongs to no field (the record's
state refuses the request: a decided appeal, a closed note). A record named in a body
that the caller may not reach is 422 naming that field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from werkzeug.exceptions import HTTPException

from audit.api.problems import ApiProblem, invalid
from audit.models import User
from audit.service_errors import FieldError

T = TypeVar("T")


def refusal(
    error: FieldError, names: Mapping[str, str] | None = None, *, fallback: str | None = None
) -> ApiProblem:
    """``names`` maps the service's field names to the API's (``branch`` → ``branch_id``);
    ``fallback`` is the field of a refusal that names none, where one is plainly meant
    (as the web form puts "Write the note." beside the note)."""
    field = error.field or fallback
    if field is None:
        return ApiProblem(409, str(error))
    return invalid([{"field": (names or {}).get(field, field), "message": str(error)}])


def sent_record(
    guard: Callable[[int, User], T], record_id: int, field: str, what: str, user: User
) -> T:
    """The record ``guard`` (an :mod:`audit.access` loader) gives ``user``, else 422
    naming ``field``: one the caller may not reach reads the same as one that does not
    exist, so a body cannot be used to learn what is outside their reach."""
    try:
        return guard(record_id, user)
    except HTTPException:
        raise invalid(
            [{"field": field, "message": f"There is no {what} {record_id} you may use."}]
        ) from None
