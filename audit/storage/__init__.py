"""Where files live: one :class:`Storage` per app, chosen by ``STORAGE_URL``.

- ``file:///ABSOLUTE/PATH`` (:class:`~audit.storage.local.LocalStorage`): a folder; the
  default is ``file://`` + ``UPLOAD_FOLDER`` (``instance/uploads``), as before.
- ``s3://BUCKET[/PREFIX]`` (:class:`~audit.storage.s3.S3Storage`): any S3-compatible
  store, through boto3 and the standard ``AWS_*`` variables.

:func:`storage` gives the app's store, made once and kept in ``app.extensions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from threading import Lock
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app

from audit.storage.base import (
    ObjectMissing,
    Storage,
    StorageConfigError,
    StorageError,
    StorageUnavailable,
    check_key,
)

__all__ = [
    "ObjectMissing",
    "Storage",
    "StorageConfigError",
    "StorageError",
    "StorageUnavailable",
    "check_key",
    "open_storage",
    "storage",
    "storage_url",
]

_EXTENSION = "audit.storage"
_lock = Lock()


def storage_url(config: Mapping[str, Any]) -> str:
    """``STORAGE_URL``, or the upload folder as a ``file://`` URL when it is not set."""
    url = config.get("STORAGE_URL")
    if url:
        return str(url)
    return Path(config["UPLOAD_FOLDER"]).resolve().as_uri()


def open_storage(url: str, config: Mapping[str, Any] | None = None) -> Storage:
    """The store a ``STORAGE_URL`` names; :class:`StorageConfigError` for any other URL."""
    config = config or {}
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise StorageConfigError(f"STORAGE_URL must be file:///ABSOLUTE/PATH, not {url}")
        from audit.storage.local import LocalStorage

        return LocalStorage(path)
    if parts.scheme == "s3":
        from audit.storage.s3 import S3Storage

        return S3Storage(
            url,
            addressing_style=config.get("S3_ADDRESSING_STYLE") or "path",
            timeout=float(config.get("STORAGE_TIMEOUT") or 10),
        )
    raise StorageConfigError(
        f"STORAGE_URL must be file:///ABSOLUTE/PATH or s3://BUCKET[/PREFIX], not {url!r}"
    )


def storage(app: Flask | None = None) -> Storage:
    """The app's store (in an app context when ``app`` is not given).

    Made on first use and kept on ``app.extensions``; made anew only when the
    configured URL changes (a test pointing the upload folder elsewhere).
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = storage_url(app.config)
    current = app.extensions.get(_EXTENSION)
    if current is None or current[0] != url:
        with _lock:
            current = app.extensions.get(_EXTENSION)
            if current is None or current[0] != url:
                current = (url, open_storage(url, app.config))
                app.extensions[_EXTENSION] = current
    return current[1]
