"""The storage interface: objects under keys, on a local folder or an S3-compatible store.

Every file the app keeps outside the database (photos, thumbnails, action and appeal
evidence, finished report PDFs and their job status) goes through :class:`Storage`.
The database stores keys (``2026/05/<uuid>.jpg``, ``reports/<id>/report.pdf``), never
paths, so the same rows work on either backend and ``storage migrate`` can move the
objects without touching the database.

A key is made of ``/``-separated parts of letters, digits, ``.``, ``_`` and ``-``, none
starting with a dot: no ``..``, no absolute paths, no hidden temporary files.
"""

from __future__ import annotations

import hashlib
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

#: What a caller may hand to :meth:`Storage.put`.
Data = bytes | BinaryIO

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*")
MAX_KEY = 512


class StorageError(Exception):
    """The storage did not do what was asked; ``str()`` says what, in words."""


class StorageConfigError(StorageError, ValueError):
    """``STORAGE_URL`` names no storage this app knows."""


class ObjectMissing(StorageError, LookupError):
    """No object is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no stored object {key!r}")
        self.key = key


class StorageUnavailable(StorageError):
    """The store could not take or give an object (full, read-only, not answering);
    nothing half-done was kept. Worth trying again later.

    ``why`` is the reason in words ("the server's storage is full"); ``str()`` makes the
    whole sentence, about ``subject`` ("The file", "The photo") and ``action``
    ("stored", "read"), with ``advice``. :meth:`about` rewords it for one kind of upload.
    """

    #: Seconds after which trying again is reasonable (the HTTP Retry-After).
    retry_after = 60

    FULL = "the server's storage is full"
    REFUSING = "the server's storage is not accepting files"
    AWAY = "the server's storage did not answer"

    def __init__(
        self,
        why: str,
        *,
        action: str = "stored",
        subject: str = "The file",
        advice: str = "Try again in a few minutes.",
    ) -> None:
        self.why, self.action, self.subject, self.advice = why, action, subject, advice
        super().__init__(str(self))

    def about(self, subject: str, advice: str, action: str | None = None) -> StorageUnavailable:
        """The same failure told about ``subject`` (e.g. "The photo")."""
        copy = StorageUnavailable(
            self.why, action=action or self.action, subject=subject, advice=advice
        )
        copy.__cause__ = self.__cause__
        return copy

    def not_ready(self, advice: str = "Try again in a few minutes.") -> StorageUnavailable:
        """The same failure told as a readiness check's answer."""
        return self.about("The storage", advice, action="reached")

    def __str__(self) -> str:
        return f"{self.subject} could not be {self.action}: {self.why}. {self.advice}"


def check_key(key: str) -> str:
    """``key`` when it is a valid key; ValueError otherwise (a bug or a forged name)."""
    if not isinstance(key, str) or len(key) > MAX_KEY or not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def is_key(name: str) -> bool:
    return len(name) <= MAX_KEY and _KEY.fullmatch(name) is not None


def sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


class Storage(ABC):
    """Objects under keys. Every method raises :class:`StorageUnavailable` when the store
    cannot be reached or refuses, and ValueError for a key that is not one."""

    #: The ``STORAGE_URL`` this store was opened from.
    url: str

    @abstractmethod
    def put(self, key: str, data: Data, content_type: str = "application/octet-stream") -> None:
        """Store ``data`` (bytes or a binary stream) under ``key``, replacing what was there.

        Returns only once the object is stored whole; otherwise raises
        :class:`StorageUnavailable` and leaves nothing (not half an object) behind.
        """

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A binary stream of the object (the caller closes it); :class:`ObjectMissing`."""

    def get(self, key: str) -> bytes:
        """The whole object; :class:`ObjectMissing` when there is none."""
        with self.open(key) as stream:
            return stream.read()

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int:
        """Bytes in the object; :class:`ObjectMissing` when there is none."""

    def sha256(self, key: str) -> str:
        """The SHA-256 of the object's bytes as read back now (hex)."""
        with self.open(key) as stream:
            return sha256_of(stream)

    @abstractmethod
    def delete(self, *keys: str) -> None:
        """Remove objects; a key with no object is no error. Raises
        :class:`StorageUnavailable` (after trying every key) when one could not go."""

    def discard(self, *keys: str) -> None:
        """Remove objects, logging rather than raising a failure (for cleanups, whose
        caller has nothing better to do with it than go on)."""
        try:
            self.delete(*keys)
        except (StorageError, ValueError) as error:
            log.warning("could not delete %s: %s", keys, error)

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key starting with ``prefix``, in order. Objects whose names are not keys
        (a console's folder marker, another program's files) are not listed: migrating,
        backing up and restoring see only what the app stored."""

    @abstractmethod
    def check(self) -> None:
        """Readiness: returns when the store answers and can take objects, else raises
        :class:`StorageUnavailable` saying why (for ``/readyz``)."""

    def url_for_download(
        self,
        key: str,
        filename: str,
        expires: int = 300,
        content_type: str | None = None,
        inline: bool = False,
    ) -> str | None:
        """A short-lived URL a browser can fetch the object from directly (saved as
        ``filename``, or shown when ``inline``), or None when the app must stream it
        itself (a local folder)."""
        return None

    def local_path(self, key: str) -> Path | None:
        """The object's file when it is one on this machine (to serve it with ranges and
        to let the PDF renderer read it); None on a remote store."""
        return None

    def describe(self) -> str:
        """The store in words for messages (no secrets: keys live in the environment)."""
        return self.url
