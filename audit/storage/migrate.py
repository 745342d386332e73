"""Copy every stored object from one storage to another, verifying each by SHA-256.

Used by ``flask --app wsgi storage migrate --to URL`` (:mod:`audit.storage.cli`) to
move an installation from its folder to S3 or back. Keys are the same on both sides,
so the database needs no change: point ``STORAGE_URL`` at the target afterwards.
Running it again is safe: an object already in the target with the same hash is
skipped, and one that differs is copied over.
"""

from __future__ import annotations

import hashlib
import mimetypes
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from audit.storage.base import CHUNK, Storage, StorageError

#: Objects larger than this are spooled to a temporary file rather than kept in memory.
SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class Summary:
    copied: int = 0
    skipped: int = 0
    bytes_copied: int = 0
    #: (key, what went wrong) for every object not verified in the target.
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def lines(self) -> list[str]:
        megabytes = self.bytes_copied / 1024 / 1024
        said = [
            f"copied and verified: {self.copied} ({megabytes:.1f} MB)",
            f"already there with the same hash: {self.skipped}",
            f"failed: {len(self.failed)}",
        ]
        return said + [f"  {key}: {why}" for key, why in self.failed]


def _copy(source: Storage, target: Storage, key: str) -> tuple[str, int]:
    """Copy one object, hashing it on the way; returns (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        with source.open(key) as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
        spool.seek(0)
        target.put(key, spool, content_type)  # type: ignore[arg-type]
    return digest.hexdigest(), size


def migrate(
    source: Storage,
    target: Storage,
    say: Callable[[str], None] = lambda line: None,
) -> Summary:
    """Copy every object of ``source`` missing or different in ``target``, then read it
    back from ``target`` and compare hashes. Goes on past a failure; the summary lists
    each one."""
    summary = Summary()
    for key in source.keys():
        try:
            if target.exists(key) and target.sha256(key) == source.sha256(key):
                summary.skipped += 1
                continue
            expected, size = _copy(source, target, key)
            found = target.sha256(key)
        except StorageError as error:
            summary.failed.append((key, str(error)))
            say(f"{key}: {error}")
            continue
        if found != expected:
            summary.failed.append((key, f"hash mismatch: sent {expected}, stored {found}"))
            say(f"{key}: hash mismatch")
            continue
        summary.copied += 1
        summary.bytes_copied += size
        say(f"{key}: copied")
    return summary
