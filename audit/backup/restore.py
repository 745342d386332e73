"""Restoring a backup: everything checked first, then the database, then the objects.

Nothing is touched until the manifest and every file in the folder match, the backup's
database is the target's kind and of a revision this app knows, and the target database
and storage are both empty. The objects may go to another backend than the one backed
up (a folder's backup into S3, or back).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

from audit.backup import database
from audit.backup.database import KIND_WORDS
from audit.backup.errors import BackupError
from audit.backup.manifest import FILES, Manifest, read, verify
from audit.storage import Storage, StorageError


def restore_backup(
    folder: Path, url: str, store: Storage, say: Callable[[str], None] = lambda line: None
) -> Manifest:
    """Restore the backup in ``folder`` into the database at ``url`` and ``store``."""
    manifest = read(folder)
    verify(folder, manifest)
    check_target(manifest, url, store)
    say(f"Restoring the {KIND_WORDS[manifest.database_kind]} database")
    database.restore(url, folder / manifest.database_file)
    say(f"Restoring {len(manifest.objects)} file(s) into {store.describe()}")
    failed = _put_objects(folder / FILES, manifest, store)
    if failed:
        raise BackupError(
            f"the database was restored, but {len(failed)} file(s) could not be stored in "
            f"{store.describe()}; empty the database and the storage and restore again",
            failed,
        )
    return manifest


def check_target(manifest: Manifest, url: str, store: Storage) -> None:
    """Refuse, saying why, a target this backup cannot go into."""
    kind = database.kind_of(url)
    if manifest.database_kind != kind:
        raise BackupError(
            f"this backup holds a {KIND_WORDS.get(manifest.database_kind, manifest.database_kind)}"
            f" database and DATABASE_URL points at {KIND_WORDS[kind]}; a backup is restored "
            "into the same kind of database (restoring across databases is not offered)"
        )
    revision = manifest.alembic_revision
    if revision is not None and revision not in database.known_revisions():
        raise BackupError(
            f"this backup's database is at migration {revision}, which this version of the "
            "app does not know: restore it with the version that made it"
        )
    missing = database.tool_missing(kind, restoring=True)
    if missing:
        raise BackupError(missing)
    tables = database.existing_tables(url)
    if tables:
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise BackupError(
            f"the database is not empty ({len(tables)} table(s): {shown}); restore into a "
            "new, empty database (do not run `db upgrade` on it first)"
        )
    try:
        store.check()
        first = next(iter(store.keys()), None)
    except StorageError as error:
        raise BackupError(f"the storage cannot be used: {error}") from error
    if first is not None:
        raise BackupError(
            f"the storage {store.describe()} is not empty (it holds {first}); restore into "
            "an empty folder or bucket prefix"
        )


def _put_objects(files: Path, manifest: Manifest, store: Storage) -> list[str]:
    """Store every object and read it back; the problems, one line per failed object."""
    failed = []
    for item in manifest.objects:
        content_type = mimetypes.guess_type(item.key)[0] or "application/octet-stream"
        try:
            with (files / item.key).open("rb") as stream:
                store.put(item.key, stream, content_type)
            found = store.sha256(item.key)
        except StorageError as error:
            failed.append(f"{item.key}: {error}")
            continue
        if found != item.sha256:
            failed.append(f"{item.key}: stored with SHA-256 {found}, not {item.sha256}")
    return failed
