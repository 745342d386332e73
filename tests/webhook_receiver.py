"""A real HTTP server that receives webhooks: ``http.server`` on 127.0.0.1 in a thread,
started by the test (the ``webhook_receiver`` fixture). It keeps every request it gets
(headers and the raw body) and answers with the status codes it is told, in order
(200 once they run out), or with a redirect."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """What a receiver does: recompute the HMAC of the raw body and compare."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("X-Audit-Signature", ""))


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    #: Status codes for the next answers, first first; 200 when empty.
    answers: list[int] = field(default_factory=list)
    #: When set, every answer is a 307 (method-preserving) redirect to this address.
    redirect_to: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *codes: int) -> None:
        with self.lock:
            self.answers.extend(codes)

    def events(self) -> list[str]:
        return [r.headers.get("X-Audit-Event", "") for r in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers), body))
                code = receiver.answers.pop(0) if receiver.answers else 200
            if receiver.redirect_to:
                self.send_response(307)  # a client following it would POST again
                self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answer = b'{"ok": true}' if code < 300 else b"receiver is down"
            self.send_response(code)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver("")))
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(5)
