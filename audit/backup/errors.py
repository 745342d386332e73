"""The one error of the backup package."""

from __future__ import annotations


class BackupError(Exception):
    """A backup could not be made or restored; ``str()`` says why in plain words, and
    ``problems`` lists every file or check that failed (one line each)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
