"""Sending a stored object to a browser that the view has already checked.

The view runs its access check first; only then does :func:`send_stored` answer, in one
of three ways:

- a local folder: the file itself (``send_file``: ranges, ``ETag``, ``304``), or
  for a download (a report PDF) its bytes read whole, as before;
- S3, by default: streamed through the app in chunks (the bucket stays private and
  need not be reachable from browsers);
- S3 with ``STORAGE_REDIRECT=1``: a ``302`` to a presigned URL valid for
  ``STORAGE_URL_SECONDS`` (default 300), which takes the bytes off the web workers.
  The redirect itself is never cached, so an expired URL is never reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO

from flask import Response, abort, current_app, redirect, request, send_file

from audit.storage import storage
from audit.storage.base import CHUNK, ObjectMissing


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()


def send_stored(
    key: str | None,
    mimetype: str,
    *,
    download_name: str | None = None,
    cache_control: str = "private, max-age=86400",
) -> Response:
    """The object under ``key`` (404 when there is none): shown inline, or saved as
    ``download_name`` when one is given. Keys are never rewritten with other bytes, so
    the key is a sound ``ETag``."""
    if not key:
        abort(404)
    store = storage()
    disposition = f'attachment; filename="{download_name}"' if download_name else "inline"
    if current_app.config.get("STORAGE_REDIRECT"):
        url = store.url_for_download(
            key,
            download_name or key.rsplit("/", 1)[-1],
            expires=int(current_app.config.get("STORAGE_URL_SECONDS") or 300),
            content_type=mimetype,
            inline=download_name is None,
        )
        if url is not None:
            response = redirect(url, 302)
            response.headers["Cache-Control"] = "private, no-store"
            return response
    path = store.local_path(key)
    if path is not None and download_name is None:  # a photo: ranges, ETag, 304
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=mimetype, conditional=True)
    elif path is not None:  # a download (a report PDF): read whole, no file left open
        try:
            response = Response(store.get(key), mimetype=mimetype)
        except ObjectMissing:
            abort(404)
    else:
        etag = hashlib.sha256(f"{store.url}|{key}".encode()).hexdigest()[:32]
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            try:
                stream = store.open(key)
            except ObjectMissing:
                abort(404)
            response = Response(_chunks(stream), mimetype=mimetype, direct_passthrough=True)
        response.set_etag(etag)
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
