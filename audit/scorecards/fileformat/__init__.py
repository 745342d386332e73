"""Scorecard files: YAML <-> :class:`ScorecardDefinition`, with errors that point at lines.

Two layers, so that the browser scorecard builder can reuse the rules:

* the validation core, :func:`definition_from_data`, checks plain data (dicts
  and lists as from ``yaml.safe_load``, JSON or a web form) and returns
  errors that carry a *path* such as ``("sections", 0, "questions", 2,
  "points")``;
* the YAML layer, :func:`load_yaml`, composes the text into nodes (which know
  their line), builds the plain data itself and maps every error path back
  to a line. It builds the data itself because PyYAML silently keeps the last
  of two equal mapping keys, and a scorecard with ``points`` given twice is a
  mistake worth reporting.

A file with any error yields no definition, and every error of a file is
reported, not just the first.
"""

from audit.scorecards.fileformat.errors import DefinitionError, ScorecardFileError, format_path
from audit.scorecards.fileformat.reader import load_file, load_yaml, parse_yaml, validate_file
from audit.scorecards.fileformat.rules import definition_from_data
from audit.scorecards.fileformat.writer import definition_to_data, dump_yaml

__all__ = [
    "DefinitionError",
    "ScorecardFileError",
    "definition_from_data",
    "definition_to_data",
    "dump_yaml",
    "format_path",
    "load_file",
    "load_yaml",
    "parse_yaml",
    "validate_file",
]
