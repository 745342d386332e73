"""Every request, timed once: into the latency histogram and as one log line.

The clock starts in a thin WSGI wrapper, before Flask's own ``before_request``
functions (sign-in, CSRF, the shop's checks), so their time counts too; it stops in an
``after_request`` function, which Flask runs for answers from views, error handlers and
refusals alike. The time to stream a body (a PDF download) is not included.

The log line goes to the ``audit.requests`` logger at INFO: method, path, endpoint,
status, duration_ms, request_id, user_id (when the request already knew who is signed
in, or whose API token it carried: logging never loads a user) and remote_addr. Probes
(``/healthz``, ``/readyz``, ``/metrics``) log at INFO like every other request: one
line per request is the rule, and a prober that stopped asking, or a scraper that
nobody expected, shows in the log only if its requests are there. Whoever finds them
too many filters on the ``endpoint`` field, where the lines are collected.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import inspect

from audit.metrics import REQUEST_SECONDS
from audit.web import request_id

log = logging.getLogger("audit.requests")

STARTED = "audit.started"
UNMATCHED = "unmatched"  # no route: a raw path would make a label value per typo and scanner
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Parts of a URL that are secrets (single-use links): shown as *** in the log line.
SECRET_ARGS = ("token", "secret")


class StampStart:
    """WSGI middleware: note when the request arrived, before Flask sees it."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[STARTED] = time.perf_counter()
        return self.wsgi_app(environ, start_response)


def status_class(code: int) -> str:
    return f"{code // 100}xx"


def _signed_in_user_id() -> int | None:
    token = g.get("api_token")  # an API call acts as its token's person
    if token is not None:
        return token.user_id
    user = g.get("_login_user")  # Flask-Login's own slot: set only if something asked
    # The row's identity, not ``user.id``: after the view's commit the attributes are
    # expired, and reading one would reload the user (a query per request, for a log).
    state = inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None


def _logged_path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if any(word in name.lower() for word in SECRET_ARGS) and str(value):
            path = path.replace(str(value), "***")
    return path


def observe(response: Response) -> Response:
    started = request.environ.get(STARTED)
    seconds = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.endpoint or UNMATCHED
    method = request.method if request.method in METHODS else "OTHER"
    REQUEST_SECONDS.labels(endpoint, method, status_class(response.status_code)).observe(seconds)

    duration_ms = round(seconds * 1000, 1)
    fields = {
        "method": request.method,
        "path": _logged_path(),
        "endpoint": endpoint,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "request_id": request_id.current(),
        "user_id": _signed_in_user_id(),
        "remote_addr": request.remote_addr,
    }
    log.info(
        "%s %s %s %.1f ms",
        request.method,
        fields["path"],
        response.status_code,
        duration_ms,
        extra={"fields": fields, "request_id": fields["request_id"]},
    )
    return response


def register(app: Flask) -> None:
    app.wsgi_app = StampStart(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(observe)
