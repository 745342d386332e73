"""Objects as files under one folder (``STORAGE_URL=file:///ABSOLUTE/PATH``, the default).

A key is a relative path under the root. Writes go to a temporary file beside the
target, are flushed to disk and then renamed over it, so a reader never sees half a
file and a failed write (a full or read-only disk) leaves none.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from audit.storage.base import Data, ObjectMissing, Storage, StorageUnavailable, check_key, is_key

_TEMP_PREFIX = ".upload-"


def unavailable(error: OSError, action: str = "stored") -> StorageUnavailable:
    """The OS's failure in words a person uploading understands."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        why = StorageUnavailable.FULL
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = StorageUnavailable.REFUSING
    else:
        why = StorageUnavailable.AWAY
    failure = StorageUnavailable(why, action=action)
    failure.__cause__ = error
    return failure


class LocalStorage(Storage):
    """Files under ``root``, named by their keys."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.url = self.root.resolve().as_uri()

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def local_path(self, key: str) -> Path | None:
        return self.path(key)

    def put(self, key: str, data: Data, content_type: str = "application/octet-stream") -> None:
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=_TEMP_PREFIX)
        except OSError as error:
            raise unavailable(error) from error
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(data, bytes | bytearray | memoryview):
                    handle.write(data)
                else:
                    shutil.copyfileobj(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException as error:
            Path(temp).unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise unavailable(error) from error
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
            raise ObjectMissing(key) from error
        except OSError as error:
            raise unavailable(error, "read") from error

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError as error:
            raise ObjectMissing(key) from error
        except OSError as error:
            raise unavailable(error, "read") from error

    def delete(self, *keys: str) -> None:
        failed: OSError | None = None
        for key in keys:
            try:
                self.path(key).unlink(missing_ok=True)
            except OSError as error:
                failed = error
        if failed is not None:
            raise unavailable(failed, "removed")

    def keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return iter(())
        found = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            base = Path(dirpath).relative_to(self.root)
            for name in filenames:
                key = (base / name).as_posix()
                if key.startswith(prefix) and is_key(key):
                    found.append(key)
        return iter(sorted(found))

    def check(self) -> None:
        """The folder exists (made when missing) and takes a small file."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".ready-") as probe:
                probe.write(b"ok")
                probe.flush()
        except OSError as error:
            raise unavailable(error).not_ready() from error
