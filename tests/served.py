"""Serve an app for real: a threaded WSGI server on 127.0.0.1 and a free port.

Race and failure tests send real HTTP requests from several threads at once,
so requests interleave inside the server as they would behind gunicorn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class _ClosesOnce:
    """A response body whose ``close`` runs once, whoever calls it first."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self.body = body
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            getattr(self.body, "close", lambda: None)()


def _closing(app: WSGIApplication) -> WSGIApplication:
    """Keep each response body in its environ, so a dropped connection can close it.

    Werkzeug closes the body after reading what is left of the request; when the
    browser has reset the connection (it navigated away mid-file), that read raises
    and an open static file is left to the garbage collector: a ResourceWarning,
    which this suite turns into an error.
    """

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = _ClosesOnce(app(environ, start_response))
        environ["tests.body"] = body
        return body

    return wrapped


class QuietHandler(WSGIRequestHandler):
    """Logs nothing (one line per request drowns the output); records what was asked
    in ``server.seen`` and how it was answered in ``server.answered``."""

    def connection_dropped(
        self, error: BaseException, environ: WSGIEnvironment | None = None
    ) -> None:
        body = (environ or {}).get("tests.body")
        if body is not None:
            body.close()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?")[0]
        self.server.seen.append((self.command, path))  # type: ignore[attr-defined]
        status = getattr(code, "value", code)
        self.server.answered.append((self.command, path, int(status)))  # type: ignore[attr-defined]


@contextmanager
def serve(app: Flask) -> Iterator[BaseWSGIServer]:
    """Serve ``app`` from a thread until the block ends; ``server.url`` is its address."""
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True, request_handler=QuietHandler)
    server.seen = []  # type: ignore[attr-defined]
    server.answered = []  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
