"""YAML text -> plain data with the line of every value, then the rules; errors as FILE:LINE."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, cast

import yaml

from audit.scorecards.definition import (
    ScorecardDefinition,
)
from audit.scorecards.fileformat.checks import fmt, is_int, path_key
from audit.scorecards.fileformat.errors import DefinitionError, ScorecardFileError
from audit.scorecards.fileformat.rules import checked_definition
from audit.scorecards.fileformat.schema import MAP_TAG, MERGE_TAG, SEQ_TAG, Path

# --------------------------------------------------------------------------- YAML -> data

#: Guards against alias bombs ("billion laughs"); real scorecards are far smaller.
_MAX_NODES = 100_000


class _Invalid:
    pass


_INVALID = _Invalid()


class _TooLarge(Exception):
    pass


class _TreeBuilder:
    """Builds plain data from composed YAML nodes, remembering where each path is."""

    def __init__(self) -> None:
        self.lines: dict[Path, int] = {}
        self.texts: dict[Path, str] = {}
        self.invalid: set[Path] = set()
        self.errors: list[DefinitionError] = []
        self._constructor = yaml.SafeLoader("")
        self._active: set[int] = set()
        self._count = 0

    def error(self, path: Path, line: int, message: str, *, unreadable: bool = True) -> Any:
        """Report a problem; return the placeholder left in place of an unreadable value."""
        self.errors.append(DefinitionError(path, message, line=line))
        if unreadable:
            self.invalid.add(path)
        return _INVALID

    def build(self, node: yaml.Node, path: Path, line: int) -> Any:
        self.lines.setdefault(path, line)
        self._count += 1
        if self._count > _MAX_NODES:
            raise _TooLarge
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._active:
            return self.error(path, _line(node), "an alias refers to a node that contains it")
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != SEQ_TAG:
                    return self.error(path, _line(node), f"unsupported YAML tag {node.tag}")
                return [
                    self.build(item, path + (i,), _line(item)) for i, item in enumerate(node.value)
                ]
            return self._mapping(cast(yaml.MappingNode, node), path)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path) -> Any:
        if node.tag != MAP_TAG:
            return self.error(path, _line(node), f"unsupported YAML tag {node.tag}")
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merges.append(value_node)
                continue
            key = self._key(key_node, path)
            if key is _INVALID:
                continue
            line = _line(key_node)
            if key in first_line:
                self.error(
                    path + (path_key(key),),
                    line,
                    f"duplicate key {fmt(key)} (first given on line {first_line[key]})",
                    unreadable=False,
                )
                continue
            first_line[key] = line
            result[key] = self.build(value_node, path + (path_key(key),), line)
        for merge in merges:  # "<<: *defaults": keys given explicitly win
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for source in sources:
                merged = self.build(source, path, _line(source))
                if not isinstance(merged, dict):
                    self.error(path, _line(source), "'<<' can only merge mappings")
                    continue
                for key, value in merged.items():
                    result.setdefault(key, value)
        return result

    def _key(self, node: yaml.Node, path: Path) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.error(path, _line(node), "a mapping key must be a plain value")
            return _INVALID
        value = self._construct(node, path)
        if value is _INVALID or isinstance(value, str) or is_int(value):
            return value
        return node.value  # a key written `yes:` or `1.5:` means the text as written

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        value = self._construct(node, path)
        if value is _INVALID:
            return value
        if node.style is None and not isinstance(value, str):
            self.texts[path] = node.value
        return value

    def _construct(self, node: yaml.ScalarNode, path: Path) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            self.error(path, _line(node), str(exc.problem))
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            self.error(path, _line(node), f"{node.value!r} is not a valid {node.tag} value")
        return _INVALID


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _line_of(path: Path, lines: Mapping[Path, int]) -> int | None:
    """The line of ``path``, or of its nearest ancestor that exists in the file."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def _syntax_error(exc: yaml.YAMLError, text: str) -> DefinitionError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem and exc.context_mark is not None:
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        return DefinitionError((), message, line=mark.line + 1 if mark is not None else None)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return DefinitionError(
            (), f"character {exc.character!r} is not allowed in YAML ({exc.reason})", line=line
        )
    return DefinitionError((), f"YAML error: {exc}")


def parse_yaml(
    text: str, filename: str = "<string>"
) -> tuple[ScorecardDefinition | None, list[DefinitionError]]:
    """Parse YAML text; return the definition or ``None`` and every error, with lines."""
    builder = _TreeBuilder()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = None if root is None else builder.build(root, (), _line(root))
    except yaml.YAMLError as exc:
        return None, [_with_place(_syntax_error(exc, text), filename, None)]
    except _TooLarge:
        error = DefinitionError((), "the file has too many values (aliases expanding?)", 1)
        return None, [_with_place(error, filename, None)]
    except RecursionError:
        error = DefinitionError((), "the file is nested too deeply", 1)
        return None, [_with_place(error, filename, None)]
    builder.lines.setdefault((), 1)
    definition, errors = checked_definition(data, builder.texts, frozenset(builder.invalid))
    located = [_with_place(e, filename, builder.lines) for e in builder.errors + errors]
    located.sort(key=lambda e: e.line if e.line is not None else 0)
    if located:
        return None, located
    return definition, []


def _with_place(
    error: DefinitionError, filename: str, lines: Mapping[Path, int] | None
) -> DefinitionError:
    line = error.line
    if line is None and lines is not None:
        line = _line_of(error.path, lines)
    return DefinitionError(error.path, error.message, line=line, file=filename)


def load_yaml(text: str, filename: str = "<string>") -> ScorecardDefinition:
    """Parse YAML text into a definition; raise :class:`ScorecardFileError` listing every error."""
    definition, errors = parse_yaml(text, filename)
    if definition is None:
        raise ScorecardFileError(errors)
    return definition


def _read_text(path: str | os.PathLike[str]) -> str:
    name = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        error = DefinitionError((), f"cannot read file: {reason}", file=name)
        raise ScorecardFileError([error]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start : exc.start + 1].hex()
        message = f"the file is not UTF-8 text (byte 0x{byte}); save it as UTF-8"
        raise ScorecardFileError([DefinitionError((), message, line=line, file=name)]) from None


def load_file(path: str | os.PathLike[str]) -> ScorecardDefinition:
    """Load a scorecard file; raise :class:`ScorecardFileError` for any problem, unreadable too."""
    return load_yaml(_read_text(path), os.fspath(path))


def validate_file(path: str | os.PathLike[str]) -> list[DefinitionError]:
    """Every problem of a scorecard file; an empty list means it is valid."""
    try:
        load_file(path)
    except ScorecardFileError as failure:
        return failure.errors
    return []
