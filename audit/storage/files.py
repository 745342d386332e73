"""Stored files (photos, thumbnails, evidence): where they live and how they follow the database.

:class:`FileStore` keeps files under one folder (``UPLOAD_FOLDER``) as
``YYYY/MM/<uuid>.jpg``, never a name a user chose; writes are atomic and a
write that fails (a full or read-only disk) raises :class:`StorageUnavailable`
and leaves nothing behind.

Files follow the database transaction (:func:`register_file_cleanup`, called by
the app factory): a file stored during a transaction that does not commit is
deleted when it ends, and a file whose record is deleted goes only once that
delete is committed. So a rollback, a failed commit or an error page never
leaves a file without its record, nor a record without its file.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from audit.extensions import db

log = logging.getLogger(__name__)


class StorageUnavailable(OSError):
    """The file store could not take a file (full, read-only, gone); nothing was kept.

    ``str()`` says so in words for the person uploading; it is worth trying again
    later, unlike :class:`UploadRefused`.
    """

    #: Seconds after which trying again is reasonable (the HTTP Retry-After).
    retry_after = 60

    def __init__(self, cause: OSError) -> None:
        if cause.errno in (errno.ENOSPC, errno.EDQUOT):
            why = "the server's storage is full"
        elif cause.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            why = "the server's storage is not accepting files"
        else:
            why = "the server's storage did not answer"
        super().__init__(
            cause.errno,
            f"The photo could not be stored: {why}. Your answers are safe; "
            "try the photo again in a few minutes.",
        )

    def __str__(self) -> str:
        return str(self.strerror)


_NAME = re.compile(r"\d{4}/\d{2}/[0-9a-f]{32}(?:_thumb)?\.jpg")


class FileStore:
    """Files under one folder, named ``YYYY/MM/<uuid>.jpg``; never a name a user chose.

    The interface (save, open, path, delete) is what an object-storage version
    would implement too.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def new_names(self, now: datetime | None = None) -> tuple[str, str]:
        """A fresh (file, thumbnail) name pair."""
        now = now or datetime.now(UTC)
        stem = f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}"
        return f"{stem}.jpg", f"{stem}_thumb.jpg"

    def path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a stored file name: {name!r}")
        return self.root / name

    def save(self, name: str, data: bytes) -> None:
        """Write atomically: a reader never sees half a file, and a failed write leaves none.

        Raises :class:`StorageUnavailable` when the folder cannot take the file.
        """
        target = self.path(name)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        except OSError as error:
            raise StorageUnavailable(error) from error
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, target)
        except BaseException as error:
            Path(temp).unlink(missing_ok=True)
            if isinstance(error, OSError) and not isinstance(error, StorageUnavailable):
                raise StorageUnavailable(error) from error
            raise

    def save_pair(self, name: str, data: bytes, second: str, second_data: bytes) -> None:
        """Save two files that only make sense together (a photo and its thumbnail):
        both are stored, or neither is."""
        self.save(name, data)
        try:
            self.save(second, second_data)
        except BaseException:
            self.delete(name)
            raise

    def open(self, name: str) -> io.BufferedReader:
        return self.path(name).open("rb")

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, *names: str) -> None:
        """Remove files; one that cannot be removed is logged, never raised (the caller
        has nothing better to do with it than go on)."""
        for name in names:
            try:
                self.path(name).unlink(missing_ok=True)
            except OSError as error:
                log.warning("could not delete stored file %s: %s", name, error)


# --- files that follow the transaction ---------------------------------------------

_NEW = "files_stored_in_transaction"
_DOOMED = "files_deleted_in_transaction"
Entry = tuple[Any, "FileStore", tuple[str, ...]]  # (transaction, store, names)


def _current_transaction() -> Any:
    session = db.session()  # the request's Session behind the scoped proxy
    return session.get_nested_transaction() or session.get_transaction()


def keep_if_committed(store: FileStore, *names: str) -> None:
    """Files just stored for records of this transaction: deleted unless it commits
    (a savepoint rolled back takes the files stored within it)."""
    db.session.info.setdefault(_NEW, []).append((_current_transaction(), store, names))


def delete_when_committed(store: FileStore, *names: str) -> None:
    """Files of records deleted in this transaction: removed once it has committed."""
    db.session.info.setdefault(_DOOMED, []).append((_current_transaction(), store, names))


def _within(transaction: Any, outer: Any) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outcome is still open
        return
    session.info.pop(_NEW, None)
    for _, store, names in session.info.pop(_DOOMED, []):
        store.delete(*names)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    """A rollback (of the whole transaction or of a savepoint): its new files go, and the
    files of records it had deleted stay."""
    for key, delete in ((_NEW, True), (_DOOMED, False)):
        kept: list[Entry] = []
        for entry in session.info.get(key, []):
            if _within(entry[0], previous_transaction):
                if delete:
                    entry[1].delete(*entry[2])
            else:
                kept.append(entry)
        session.info[key] = kept


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is not None:
        return
    # Still listed here: the transaction ended without a commit (closed, or an error).
    for _, store, names in session.info.pop(_NEW, []):
        store.delete(*names)
    session.info.pop(_DOOMED, None)


def register_file_cleanup() -> None:
    """Tie stored files to the session's transactions (idempotent; the app factory calls it)."""
    for name, listener in (
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_soft_rollback),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
