"""``manifest.json``: what a backup folder holds, and checking that it still does.

The manifest names the database dump and every stored object with its size and
SHA-256, and carries a ``checksum`` over its own content, so an edited manifest is
refused as surely as an edited file. :func:`verify` reads every file back before a
restore touches anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.backup.errors import BackupError
from audit.storage.base import CHUNK, is_key

FORMAT = "service-audit-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILES = "files"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str  # ISO 8601 with its UTC offset
    database_kind: str  # "postgresql" or "sqlite"
    database_file: str
    database_size: int
    database_sha256: str
    alembic_revision: str | None  # the database's, None when it was never stamped
    storage: str  # the store backed up, in words (no secrets)
    objects: list[StoredObject] = field(default_factory=list)
    #: Keys listed when the copy began and deleted before they were read: the dump,
    #: taken first, may still name them (a photo retention removed meanwhile, say).
    left_out: list[str] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "created_at": self.created_at,
            "alembic_revision": self.alembic_revision,
            "database": {
                "kind": self.database_kind,
                "file": self.database_file,
                "size": self.database_size,
                "sha256": self.database_sha256,
            },
            "storage": self.storage,
            "objects": [
                {"key": o.key, "size": o.size, "sha256": o.sha256}
                for o in sorted(self.objects, key=lambda o: o.key)
            ],
            "left_out": sorted(self.left_out),
        }

    @property
    def total_bytes(self) -> int:
        return sum(o.size for o in self.objects)

    def write(self, folder: Path) -> None:
        content = self.content()
        content["checksum"] = _checksum(content)
        (folder / MANIFEST).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def _checksum(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """(size, sha256) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def read(folder: Path) -> Manifest:
    """The manifest of the backup in ``folder``; :class:`BackupError` when it is missing,
    not one of ours, or changed since it was written."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder")
    if not path.is_file():
        raise BackupError(f"{path}: no manifest here; this is not a finished backup")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(content, dict) or content.get("format") != FORMAT:
            raise BackupError(f"{path}: not a Service Audit backup manifest")
        if content.get("version") != VERSION:
            raise BackupError(
                f"{path}: backup format version {content.get('version')!r}; "
                f"this version of the app reads version {VERSION}"
            )
        checksum = content.pop("checksum", None)
        if checksum != _checksum(content):
            raise BackupError(f"{path}: the manifest was changed after the backup was made")
        database = content["database"]
        return Manifest(
            created_at=content["created_at"],
            database_kind=database["kind"],
            database_file=database["file"],
            database_size=int(database["size"]),
            database_sha256=database["sha256"],
            alembic_revision=content["alembic_revision"],
            storage=content["storage"],
            objects=[
                StoredObject(o["key"], int(o["size"]), o["sha256"]) for o in content["objects"]
            ],
            left_out=[str(key) for key in content.get("left_out", [])],  # not in older ones
        )
    except BackupError:
        raise
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{path}: not a readable backup manifest ({error})") from error


def verify(folder: Path, manifest: Manifest) -> None:
    """Read back the dump and every object and compare sizes and hashes with the manifest.

    Raises :class:`BackupError` listing every file that is missing, different or not in
    the manifest; returns only when all of them match.
    """
    problems: list[str] = []
    database = folder / manifest.database_file
    if "/" in manifest.database_file or manifest.database_file.startswith("."):
        problems.append(f"{manifest.database_file}: not a file name")
    else:
        _check(
            database,
            manifest.database_file,
            manifest.database_size,
            manifest.database_sha256,
            problems,
        )
    files = folder / FILES
    listed = set()
    for item in manifest.objects:
        if not is_key(item.key):
            problems.append(f"{FILES}/{item.key}: not a storage key")
            continue
        listed.add(item.key)
        _check(files / item.key, f"{FILES}/{item.key}", item.size, item.sha256, problems)
    if files.is_dir():
        for path in sorted(p for p in files.rglob("*") if p.is_file()):
            key = path.relative_to(files).as_posix()
            if key not in listed:
                problems.append(f"{FILES}/{key}: not in the manifest")
    if problems:
        raise BackupError(
            f"{folder}: {len(problems)} file(s) do not match the manifest; nothing was restored",
            problems,
        )


def _check(path: Path, name: str, size: int, sha256: str, problems: list[str]) -> None:
    if not path.is_file():
        problems.append(f"{name}: missing")
        return
    found_size, found_sha = file_digest(path)
    if found_size != size:
        problems.append(f"{name}: {found_size} bytes, the manifest says {size}")
    elif found_sha != sha256:
        problems.append(f"{name}: SHA-256 {found_sha} differs from the manifest's {sha256}")
