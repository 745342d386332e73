"""Stored files (photos, thumbnails, evidence): their names, and how they follow the database.

Photos are stored as ``YYYY/MM/<uuid>.jpg`` (and ``..._thumb.jpg``), never a name a
user chose; the name is the object's key in :func:`audit.storage.storage`, whichever
backend holds it, and is what the database row keeps.

Files follow the database transaction (:func:`register_file_cleanup`, called by
the app factory): a file stored during a transaction that does not commit is
deleted when it ends, and a file whose record is deleted goes only once that
delete is committed. So a rollback, a failed commit or an error page never
leaves a file without its record, nor a record without its file.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from audit.extensions import db
from audit.storage.base import Storage, StorageUnavailable

__all__ = [
    "StorageUnavailable",
    "delete_when_committed",
    "keep_if_committed",
    "new_names",
    "put_pair",
    "register_file_cleanup",
]


def new_names(now: datetime | None = None) -> tuple[str, str]:
    """A fresh (photo, thumbnail) key pair: ``YYYY/MM/<uuid>.jpg`` and ``..._thumb.jpg``."""
    now = now or datetime.now(UTC)
    stem = f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}"
    return f"{stem}.jpg", f"{stem}_thumb.jpg"


def put_pair(
    store: Storage, name: str, data: bytes, second: str, second_data: bytes, content_type: str
) -> None:
    """Store two objects that only make sense together (a photo and its thumbnail):
    both are stored, or neither is (:class:`StorageUnavailable` then)."""
    store.put(name, data, content_type)
    try:
        store.put(second, second_data, content_type)
    except BaseException:
        store.discard(name)
        raise


# --- files that follow the transaction ---------------------------------------------

_NEW = "files_stored_in_transaction"
_DOOMED = "files_deleted_in_transaction"
Entry = tuple[Any, Storage, tuple[str, ...]]  # (transaction, store, names)


def _current_transaction() -> Any:
    session = db.session()  # the request's Session behind the scoped proxy
    return session.get_nested_transaction() or session.get_transaction()


def keep_if_committed(store: Storage, *names: str) -> None:
    """Files just stored for records of this transaction: deleted unless it commits
    (a savepoint rolled back takes the files stored within it)."""
    db.session.info.setdefault(_NEW, []).append((_current_transaction(), store, names))


def delete_when_committed(store: Storage, *names: str) -> None:
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
        store.discard(*names)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    """A rollback (of the whole transaction or of a savepoint): its new files go, and the
    files of records it had deleted stay."""
    for key, delete in ((_NEW, True), (_DOOMED, False)):
        kept: list[Entry] = []
        for entry in session.info.get(key, []):
            if _within(entry[0], previous_transaction):
                if delete:
                    entry[1].discard(*entry[2])
            else:
                kept.append(entry)
        session.info[key] = kept


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is not None:
        return
    # Still listed here: the transaction ended without a commit (closed, or an error).
    for _, store, names in session.info.pop(_NEW, []):
        store.discard(*names)
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
