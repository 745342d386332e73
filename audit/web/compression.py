"""gzip for text responses (HTML, CSS, JS, JSON, SVG) when the browser accepts it.

The embedded setup (one process, no proxy in front) would otherwise send
Bootstrap's 230 KB stylesheet as it is to a phone; gzipped it is 31 KB. Behind
a proxy that compresses, set ``GZIP_RESPONSES=0`` or leave it: a response that
already has a Content-Encoding is passed through untouched.

- Static files are compressed once per version (their ETag) and kept in memory.
- The ETag of a compressed response becomes weak (W/"…"), as nginx does, so
  ``If-None-Match`` still answers 304 and the two encodings are never confused.
- BREACH: pages carry a CSRF token and are compressed. The session cookie is
  SameSite=Lax, so a third-party page cannot make the browser send the many
  authenticated requests with attacker-chosen content that the attack needs.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict

from flask import Response, request

COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    }
)
#: Smaller bodies gain nothing worth the header.
MIN_SIZE = 500
LEVEL = 6
_STATIC_CACHE: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_STATIC_CACHE_SIZE = 64


def _accepts_gzip() -> bool:
    for part in request.headers.get("Accept-Encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _compress(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def gzip_response(response: Response) -> Response:
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or request.method == "HEAD"
    ):
        return response
    response.vary.add("Accept-Encoding")
    if not _accepts_gzip():
        return response
    etag, _ = response.get_etag()
    if response.direct_passthrough:  # a file (static or send_file)
        key = (request.path, etag or "")
        body = _STATIC_CACHE.get(key) if etag else None
        if body is None:
            response.direct_passthrough = False
            data = response.get_data()
            if len(data) < MIN_SIZE:
                return response
            body = _compress(data)
            if etag:
                _STATIC_CACHE[key] = body
                while len(_STATIC_CACHE) > _STATIC_CACHE_SIZE:
                    _STATIC_CACHE.popitem(last=False)
        else:
            close = getattr(response.response, "close", None)
            if close is not None:
                close()
    elif response.is_streamed:
        return response
    else:
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        body = _compress(data)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        response.set_etag(etag, weak=True)
    return response
