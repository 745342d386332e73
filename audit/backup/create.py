"""Making a backup: the database dump first, then every stored object, then the manifest.

The dump comes first so that every file it refers to is already stored when the objects
are copied (a photo is stored before its record commits); an object uploaded while the
backup runs is copied too, harmlessly, and one deleted meanwhile is left out and named in
the manifest's ``left_out``, which create and restore both print.
The manifest is written last: a folder without one is not a backup, and restore says so.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from audit.backup import database
from audit.backup.errors import BackupError
from audit.backup.manifest import FILES, Manifest, StoredObject, file_digest
from audit.storage import ObjectMissing, Storage, StorageError
from audit.storage.base import CHUNK


def create_backup(
    url: str, store: Storage, out: Path, say: Callable[[str], None] = lambda line: None
) -> Manifest:
    """Back up the database at ``url`` and every object of ``store`` into ``out``, which
    must be a new or empty folder. On failure nothing is left in ``out``."""
    kind = database.kind_of(url)
    if out.exists() and not out.is_dir():
        raise BackupError(f"{out} is a file, not a folder")
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; back up into a new or empty folder")
    missing = database.tool_missing(kind)
    if missing:
        raise BackupError(missing)
    out.mkdir(parents=True, exist_ok=True)
    try:
        return _write(url, kind, store, out, say)
    except BaseException:
        _empty(out)
        raise


def _write(url: str, kind: str, store: Storage, out: Path, say: Callable[[str], None]) -> Manifest:
    dump_name = database.DUMP_FILES[kind]
    say(f"Dumping the {database.KIND_WORDS[kind]} database")
    database.dump(url, out / dump_name)
    size, sha256 = file_digest(out / dump_name)
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        database_kind=kind,
        database_file=dump_name,
        database_size=size,
        database_sha256=sha256,
        alembic_revision=database.current_revision(url),
        storage=store.describe(),
    )
    files = out / FILES
    say(f"Copying the files from {store.describe()}")
    try:
        for key in store.keys():
            try:
                manifest.objects.append(_copy_out(store, key, files / key))
            except ObjectMissing:
                manifest.left_out.append(key)
    except StorageError as error:
        raise BackupError(f"the storage could not be read: {error}") from error
    manifest.write(out)
    return manifest


def _copy_out(store: Storage, key: str, path: Path) -> StoredObject:
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with store.open(key) as stream, path.open("wb") as file:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            file.write(chunk)
    return StoredObject(key, size, digest.hexdigest())


def _empty(folder: Path) -> None:
    """Remove what this run wrote (the folder was empty when it started)."""
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
