"""Reading CSV uploads so that every problem can be reported as FILE:LINE: message.

Shared by every all-or-nothing import (branches and staff in ``org``, invitations in
``accounts``): it sits at the root of the package so that neither area imports the other
for it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LineError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ImportFailed(Exception):
    """Nothing was written; ``errors`` says why, line by line."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class CsvRow:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


@dataclass
class CsvTable:
    file: str
    columns: list[str]
    rows: list[CsvRow] = field(default_factory=list)
    #: Lines that could not be read as rows (wrong number of values); the importer
    #: reports them together with its own findings.
    errors: list[LineError] = field(default_factory=list)


def decode(data: bytes, file: str) -> str:
    """UTF-8 (with or without a byte-order mark), or an error naming the first bad line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFailed(
            [
                LineError(
                    file,
                    line,
                    "the file is not UTF-8 text; save it as 'CSV UTF-8' and try again",
                )
            ]
        ) from None


def read_table(
    data: bytes, file: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> CsvTable:
    """Parse a CSV with a header row; raise ImportFailed for a bad header or encoding."""
    text = decode(data, file)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([LineError(file, 1, "the file is empty")]) from None
    columns = [c.strip().lower() for c in header]
    errors: list[LineError] = []
    for column in required:
        if column not in columns:
            errors.append(LineError(file, 1, f"missing column '{column}'"))
    known = set(required) | set(optional)
    for column in columns:
        if column and column not in known:
            expected = ", ".join((*required, *optional))
            errors.append(LineError(file, 1, f"unknown column '{column}' (expected: {expected})"))
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            errors.append(LineError(file, 1, f"column '{column}' appears twice"))
        seen.add(column)
    if errors:
        raise ImportFailed(errors)
    table = CsvTable(file=file, columns=columns)
    for line, record in _records(reader, file):
        if not any(cell.strip() for cell in record):
            continue  # blank lines are harmless
        if len(record) != len(columns):
            table.errors.append(
                LineError(file, line, f"expected {len(columns)} values, found {len(record)}")
            )
            continue
        table.rows.append(CsvRow(line, dict(zip(columns, record, strict=True))))
    return table


def fail_if_any(errors: list[LineError]) -> None:
    """Raise ImportFailed with the errors in line order, if there are any."""
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line))


def _records(reader: Iterator[list[str]], file: str) -> Iterator[tuple[int, list[str]]]:
    """Yield each record with the line it starts on (quoted fields may span lines)."""
    start = reader.line_num + 1  # type: ignore[attr-defined]
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1  # type: ignore[attr-defined]
    except csv.Error as error:
        raise ImportFailed([LineError(file, start, f"unreadable CSV: {error}")]) from None


class LineProblems:
    """What is wrong with an import, each problem on its line of ``file``; an importer
    collects them all, then :meth:`raise_if_any` refuses the file, naming every line."""

    def __init__(self, table: CsvTable, file: str) -> None:
        self.file = file
        self.errors: list[LineError] = list(table.errors)

    def add(self, row: CsvRow, message: str) -> None:
        self.errors.append(LineError(self.file, row.line, message))

    def on_line(self, row: CsvRow) -> bool:
        return any(e.line == row.line for e in self.errors)

    def required(self, row: CsvRow, column: str, limit: int) -> str:
        """The row's ``column``, stripped; a problem when it is empty or too long."""
        value = row.get(column)
        if not value:
            self.add(row, f"{column} is empty")
        elif len(value) > limit:
            self.add(row, f"{column} is longer than {limit} characters")
        return value

    def raise_if_any(self) -> None:
        fail_if_any(self.errors)
