"""Is this process ready for traffic? The parts it needs answer: database, storage, Redis.

Each part is checked in its own thread, all at once, and given ``READINESS_TIMEOUT``
seconds: a database or a disk that hangs (a dropped network route, a stuck NFS mount)
must make ``/readyz`` say so in time for the load balancer, not hang with it. A check
that has not answered by then is reported as timed out; its thread is a daemon and
ends whenever the call it is stuck in does.

The answer names each part with "ok" or a short reason: the exception's class and the
first line of its message, cut to :data:`MAX_REASON` characters, with any password of
the configured URLs blanked out.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import make_url, text

from audit.extensions import db

OK = "ok"
MAX_REASON = 200
#: Redis gets less than the overall timeout: a closed port answers at once, a black hole
#: must not use up the whole budget.
REDIS_SOCKET_TIMEOUT = 1.0


@dataclass(frozen=True)
class Readiness:
    """Each part's answer ("ok" or why not) in the order checked."""

    parts: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(answer == OK for answer in self.parts.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, answer in self.parts.items() if answer != OK]

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "ok" if self.ready else "unavailable"}
        if not self.ready:
            body["failed"] = self.failed
        body["checks"] = self.parts
        return body


# --- the parts -------------------------------------------------------------------------


def check_database(app: Flask) -> None:
    """``SELECT 1`` on a connection of the app's own pool."""
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def check_storage(app: Flask) -> None:
    """The file store answers and can take objects: the configured backend's own
    ``check()`` (local folder or S3, :mod:`audit.storage`).

    The fallback, for a storage package without that interface, is the one seam to
    remove once every backend has it: the upload folder must take a small file.
    """
    import audit.storage as files

    store_of = getattr(files, "storage", None)
    if callable(store_of):
        with app.app_context():
            store_of(app).check()
        return
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".ready-") as probe:
        probe.write(b"ok")
        probe.flush()


def check_redis(app: Flask) -> None:
    """PING the Redis of ``REDIS_URL`` with a short socket timeout."""
    from redis import Redis

    client = Redis.from_url(
        app.config["REDIS_URL"],
        socket_timeout=REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=REDIS_SOCKET_TIMEOUT,
    )
    try:
        client.ping()
    finally:
        client.close()


def parts_for(app: Flask) -> dict[str, Callable[[Flask], None]]:
    """The checks this app needs: Redis only when it is configured."""
    parts: dict[str, Callable[[Flask], None]] = {
        "database": check_database,
        "storage": check_storage,
    }
    if app.config.get("REDIS_URL"):
        parts["redis"] = check_redis
    return parts


# --- running them ----------------------------------------------------------------------


def _secrets(app: Flask) -> list[str]:
    """Passwords inside the configured URLs, never to be shown in an answer."""
    found = []
    for key in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL"):
        value = app.config.get(key)
        if not value:
            continue
        try:
            password = make_url(str(value)).password
        except Exception:  # noqa: S112 - an unparsable URL has no password to hide
            continue
        if password:
            found.append(str(password))
    return found


def reason(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """A short, single-line account of ``error`` (the driver's own error when wrapped)."""
    cause = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
    lines = str(cause).strip().splitlines()
    message = lines[0].strip() if lines else ""
    for secret in secrets:
        message = message.replace(secret, "***")
    text_ = f"{type(cause).__name__}: {message}" if message else type(cause).__name__
    return text_ if len(text_) <= MAX_REASON else text_[: MAX_REASON - 1] + "…"


def check(app: Flask) -> Readiness:
    """Run every part's check at once; wait at most ``READINESS_TIMEOUT`` seconds in all."""
    timeout = float(app.config.get("READINESS_TIMEOUT") or 2)
    secrets = _secrets(app)
    parts = parts_for(app)
    answers: dict[str, str] = {}

    def run(name: str, probe: Callable[[Flask], None]) -> None:
        try:
            probe(app)
        except Exception as error:
            answers[name] = reason(error, secrets)
        else:
            answers[name] = OK

    threads = {
        name: threading.Thread(target=run, args=(name, probe), name=f"ready-{name}", daemon=True)
        for name, probe in parts.items()
    }
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    return Readiness({name: answers.get(name, f"no answer within {timeout:g} s") for name in parts})
