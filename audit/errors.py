"""Error answers in words: pages for people, JSON a phone can show, 503 when a part is away.

- HTTP errors answer their page, or JSON ``{error, message}`` to clients that prefer it.
- The database or the file store being unavailable (a restart, a full disk) answers
  503 with ``Retry-After`` and a message that says nothing sent was lost: the phone
  keeps its answers and tries again.
- Any other failure answers 500 with a message and the request id, which is also in the
  log line with the traceback (:meth:`audit.AuditFlask.log_exception`).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from audit.extensions import LANGUAGES, db
from audit.storage import StorageUnavailable
from audit.web import request_id

log = logging.getLogger(__name__)

PAGES = {403: "errors/403.html", 404: "errors/404.html", 413: "errors/413.html"}
#: Seconds a client should wait before trying again when the database is away.
DATABASE_RETRY_AFTER = 5
DATABASE_AWAY = _l(
    "The service cannot reach its database just now. Nothing you sent was lost: "
    "try again in a few seconds."
)
INTERNAL = _l(
    "Something went wrong on our side. Nothing you sent was changed: try again in a moment."
)


def wants_json() -> bool:
    """JSON for API paths and for clients that prefer it; HTML on a tie (``*/*``, curl)."""
    return (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best_match(["text/html", "application/json"])
        == "application/json"
    )


def refused(error: Exception, form: Any = None, *, fallback: str | None = None) -> bool:
    """A service said no: undo what the request wrote so far (the one place views roll
    back), and put the message beside the field it is about (the
    :class:`~audit.service_errors.FieldError`'s ``field``, else ``fallback``) when
    ``form`` has that field. False when it belongs to no field: the
    view then flashes it or answers it as it sees fit."""
    _rollback_quietly()
    name = getattr(error, "field", None) or fallback or ""
    field = getattr(form, name, None) if form is not None else None
    if field is None or not hasattr(field, "errors"):
        return False
    field.errors = [*field.errors, str(error)]
    return True


def signed_out_answer():  # noqa: ANN201  (a Flask response tuple)
    """401 for a JSON request whose session has ended: the phone keeps every answer and
    offers "Sign in again" (never the sign-in page, never a CSRF message)."""
    return {
        "error": "signed_out",
        "message": gettext(
            "You are signed out. Sign in again: your answers are kept on this phone."
        ),
        "login_url": url_for("auth.login"),
    }, 401


def _browser_language() -> str:
    """The language of an answer drawn without the database: the browser's. Choosing it as
    pages do could ask the database for the person's own setting
    (:func:`audit.languages.select_language`), the very thing that may have failed."""
    best = request.accept_languages.best_match(LANGUAGES)
    return best or current_app.config["AUDIT_DEFAULT_LANGUAGE"]


def unavailable(message: str, retry_after: int):  # noqa: ANN201
    """503 with Retry-After, in JSON or as a page drawn without the database."""
    headers = {"Retry-After": str(retry_after)}
    with force_locale(_browser_language()):
        if wants_json():
            body = {
                "error": "unavailable",
                "message": str(message),
                "retry_after": retry_after,
                "request_id": request_id.current(),
            }
            return body, 503, headers
        page = render_template(
            "errors/503.html",
            message=message,
            retry_after=retry_after,
            refresh=request.method == "GET",  # reloading a form's POST as a GET would lose it
            request_id=request_id.current(),
        )
    return page, 503, headers


def storage_unavailable(failure: StorageUnavailable):  # noqa: ANN201
    return unavailable(str(failure), failure.retry_after)


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection may be the thing that failed)
        log.warning("rollback failed after an error", exc_info=True)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # A session that expired takes its CSRF token with it: say "signed out", which the
        # phone knows how to answer, rather than blame the token.
        if wants_json() and not current_user.is_authenticated:
            return signed_out_answer()
        return http_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        api_problem = current_app.extensions.get("api_problem")  # audit.api: no view matched
        if api_problem is not None and (problem := api_problem(error)) is not None:
            return problem
        if wants_json():
            message = error.description
            if error.code == 413:  # said plainly: a phone shows this beside the photo
                limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 1048576
                message = gettext(
                    "This file is too large to upload: the limit is %(size)s MB.", size=limit
                )
            return {"error": error.name, "message": message}, error.code
        template = PAGES.get(error.code or 500)
        if template is None:
            return error
        return render_template(template, error=error), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_away(error: Exception):
        if not _is_unavailable(error):  # a fault, not an outage: logged as any other
            current_app.log_exception(sys.exc_info())
            return internal_error(error)
        _rollback_quietly()
        log.warning("database unavailable (request %s): %s", request_id.current(), error)
        return unavailable(DATABASE_AWAY, DATABASE_RETRY_AFTER)

    @app.errorhandler(StorageUnavailable)
    def storage_away(error: StorageUnavailable):
        _rollback_quietly()
        log.warning("file storage unavailable (request %s): %s", request_id.current(), error)
        return storage_unavailable(error)

    @app.errorhandler(500)
    def internal_error(error: Exception):
        _rollback_quietly()
        reference = request_id.current()
        if wants_json():
            with force_locale(_browser_language()):  # the failure may be the database's
                message = gettext("%(message)s (Reference %(id)s.)", message=INTERNAL, id=reference)
            return {"error": "internal_error", "message": message, "request_id": reference}, 500
        try:
            return render_template("errors/500.html", request_id=reference), 500
        except Exception:  # noqa: BLE001  (the page itself needs what just failed)
            with force_locale(_browser_language()):
                return gettext("%(message)s Reference %(id)s.", message=INTERNAL, id=reference), 500


#: SQLite reports a missing table as an OperationalError too: only these mean "try again".
_SQLITE_TRANSIENT = ("locked", "busy", "unable to open", "disk i/o error", "full", "readonly")


def _is_unavailable(error: Exception) -> bool:
    """True for a connection that failed or was lost, a lock not had in time, a deadlock,
    a pool with no connection free: all worth trying again, none the request's fault."""
    if isinstance(error, PoolTimeout | InterfaceError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        text = str(error.orig).lower()
        return any(word in text for word in _SQLITE_TRANSIENT)
    return True
