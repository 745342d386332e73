"""Static URLs that change when the file does (``?v=`` + a hash of its content).

The service worker (static/js/sw.js) keeps such files cache-first: a new
release has new URLs, so a phone never runs yesterday's script with today's
page. The hash is computed once per file version (path and modification time).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for


@lru_cache(maxsize=128)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def content_version(filename: str) -> str | None:
    """A short hash of static/FILENAME, or None when there is no such file."""
    folder = current_app.static_folder
    if folder is None:
        return None
    path = Path(folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


def versioned_static(filename: str) -> str:
    """``url_for('static', filename=...)`` with ``?v=`` the file's content hash."""
    version = content_version(filename)
    if version is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)
