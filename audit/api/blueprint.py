"""The ``/api/v1/`` blueprint: bearer tokens instead of cookies (so no CSRF), problem
documents for every error, rate-limit headers, ETags on reads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, request
from werkzeug.wrappers import Response

from audit.api.auth import add_rate_headers, authenticate_request
from audit.api.problems import answer_outside_views, register_handlers
from audit.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_request)
register_handlers(bp)


@bp.after_request
def conditional_reads(response: Response) -> Response:
    """An ETag on every successful JSON read; If-None-Match with it answers 304."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype == "application/json"
    ):
        response.add_etag()
        response.headers["Cache-Control"] = "private, no-cache"
        response.make_conditional(request)
    return response


bp.after_request(add_rate_headers)


#: The largest id a record can have; a larger one in an address names no record.
MAX_ID = 2_147_483_647


@bp.url_value_preprocessor
def ids_in_range(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """404 for an id no database column can hold, before it reaches a query (where it
    would overflow the integer type instead of finding nothing)."""
    for name, value in (values or {}).items():
        if name.endswith("_id") and isinstance(value, int) and value > MAX_ID:
            abort(404)


def register_api(app: Flask) -> None:
    """Register the API's views (each module adds its own to ``bp``)."""
    from audit.api import (  # noqa: F401  (views register on bp)
        action_routes,
        appeal_routes,
        assignment_routes,
        coaching_routes,
        docs_routes,
        org_routes,
        report_routes,
        scorecard_routes,
        user_routes,
        visit_routes,
        webhook_routes,
    )
    from audit.api.webhook_payloads import register_webhook_payloads

    register_webhook_payloads()  # webhooks carry records as the API returns them
    csrf.exempt(bp)
    app.register_blueprint(bp)
    # The app's HTTP error handler asks this for addresses under /api/v1/ no view matched.
    app.extensions["api_problem"] = answer_outside_views
