"""Every API error as ``application/problem+json`` (RFC 9457): type, title, status,
detail, and ``errors: [{field, message}]`` when input was refused."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Blueprint, current_app, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from audit.extensions import db

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/v1/"
#: A problem's ``type`` for refused input; plain HTTP errors use about:blank (RFC 9457).
VALIDATION = f"{PREFIX}docs#problem-validation"


class ApiProblem(Exception):
    """Raised anywhere under the API to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        errors: Iterable[Mapping[str, str]] = (),
        title: str | None = None,
        type: str = "about:blank",  # noqa: A002  (the RFC's name)
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.detail = detail
        self.errors = [dict(e) for e in errors]
        self.title = title or HTTPStatus(status).phrase
        self.type = type
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "errors": self.errors,
        }
        answer = current_app.response_class(
            json.dumps(body), status=self.status, mimetype=MEDIA_TYPE
        )
        for name, value in self.headers.items():
            answer.headers[name] = value
        return answer


def invalid(errors: Iterable[Mapping[str, str]], detail: str | None = None) -> ApiProblem:
    """422: what was sent was refused, field by field."""
    errors = list(errors)
    return ApiProblem(
        422,
        detail or "The request was refused: see errors for each field.",
        errors=errors,
        title="Invalid request",
        type=VALIDATION,
    )


def from_pydantic(error: ValidationError, where: str = "") -> ApiProblem:
    """422 from pydantic's errors, each with the dotted path of its field."""
    errors = []
    for item in error.errors(include_url=False):
        path = ".".join(str(p) for p in item["loc"]) or "body"
        errors.append({"field": f"{where}{path}" if where else path, "message": item["msg"]})
    return invalid(errors)


def is_api_request() -> bool:
    return request.path.startswith(PREFIX) or request.path == PREFIX.rstrip("/")


def http_problem(error: HTTPException) -> Response:
    """A werkzeug HTTP error (404, 405, 413…) as a problem; 405 keeps its Allow header."""
    code = error.code or 500
    headers = {}
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = error.description if code != 404 else "There is nothing at this address."
    return ApiProblem(code, detail, headers=headers).response()


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection may be the thing that failed)
        log.warning("rollback failed after an API error", exc_info=True)


def register_handlers(bp: Blueprint) -> None:
    """Problems for everything raised inside the API's views (the app's handlers, which
    draw pages, answer everything else; see :func:`answer_outside_views`)."""

    @bp.errorhandler(ApiProblem)
    def api_problem(error: ApiProblem) -> Response:
        if error.status >= 400:
            _rollback()
        return error.response()

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        _rollback()
        return http_problem(error)

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        _rollback()
        current_app.log_exception((type(error), error, error.__traceback__))
        return ApiProblem(
            500, "Something went wrong on our side; nothing was changed. Try again in a moment."
        ).response()


def answer_outside_views(error: HTTPException) -> Response | None:
    """For the app's error handler: a problem for an API address no view matched (404,
    405), else None. Kept here so the one JSON error format of the API lives in one place."""
    return http_problem(error) if is_api_request() else None
