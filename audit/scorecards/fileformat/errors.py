"""Errors in a scorecard definition: where (a path in the data, a line in the file) and what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audit.scorecards.fileformat.schema import Path

# --------------------------------------------------------------------------- errors


def format_path(path: Path) -> str:
    """``("sections", 0, "title")`` -> ``"sections[0].title"`` (for messages without lines)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a scorecard definition.

    ``path`` locates it in the data (what the builder highlights); ``line`` and
    ``file`` are filled in by the YAML layer.
    """

    path: Path
    message: str
    line: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = [part for part in (self.file, self.line) if part is not None]
        if where:
            return ":".join(str(part) for part in where) + f": {self.message}"
        if self.path:
            return f"{format_path(self.path)}: {self.message}"
        return self.message


class ScorecardFileError(Exception):
    """A scorecard file that cannot be loaded; ``errors`` lists every problem."""

    def __init__(self, errors: Sequence[DefinitionError]) -> None:
        self.errors: list[DefinitionError] = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
