"""Serve an app for real: a threaded WSGI server on 127.0.0.1 and a free port.

Race and failure tests send real HTTP requests from several threads at once,
so requests interleave inside the server as they would behind gunicorn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """Logs nothing (one line per request drowns the output); records what was asked
    in ``server.seen`` and how it was answered in ``server.answered``."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?")[0]
        self.server.seen.append((self.command, path))  # type: ignore[attr-defined]
        status = getattr(code, "value", code)
        self.server.answered.append((self.command, path, int(status)))  # type: ignore[attr-defined]


@contextmanager
def serve(app: Flask) -> Iterator[BaseWSGIServer]:
    """Serve ``app`` from a thread until the block ends; ``server.url`` is its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
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
