"""Error pages for people and JSON for API clients; a 500 rolls the session back."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from audit.extensions import db

PAGES = {403: "errors/403.html", 404: "errors/404.html", 413: "errors/413.html"}


def _wants_json() -> bool:
    """JSON for API paths and for clients that prefer it; HTML on a tie (``*/*``, curl)."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            message = error.description
            if error.code == 413:  # said plainly: a phone shows this beside the photo
                limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 1048576
                message = f"This file is too large to upload: the limit is {limit} MB."
            return {"error": error.name, "message": message}, error.code
        template = PAGES.get(error.code or 500)
        if template is None:
            return error
        return render_template(template, error=error), error.code

    @app.errorhandler(500)
    def internal_error(error: Exception):
        db.session.rollback()
        if _wants_json():
            return {"error": "Internal Server Error"}, 500
        return render_template("errors/500.html"), 500
