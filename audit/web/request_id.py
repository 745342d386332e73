"""A request id for every request: taken from ``X-Request-Id`` when a proxy sent a sane one,
made up otherwise; sent back in the response header, written in every log line and shown
on error answers, so a person's "it failed at 10:42" finds its traceback."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-Id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def current() -> str | None:
    """This request's id (None outside a request)."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if _SANE.fullmatch(offered) else uuid.uuid4().hex
    return g.request_id


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current() or "-"
        return True


def _send_back(response: Response) -> Response:
    response.headers[HEADER] = current() or ""
    return response


def _take() -> None:
    current()  # a before_request function that returned the id would answer with it


def register(app: Flask) -> None:
    app.before_request(_take)
    app.after_request(_send_back)
