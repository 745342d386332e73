"""The keys of the scorecard format, in the order files write them, and its limits."""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: Column sizes in the database (audit.models.scorecard).
MAX_KEY_LENGTH = 80
MAX_TITLE_LENGTH = 200
#: A question's ``standard`` is one or two sentences staff read at a glance.
MAX_STANDARD_LENGTH = 300

# Keys in the order DESIGN.md writes them; definition_to_data follows this order.
SCORECARD_KEYS: tuple[str, ...] = (
    "slug",
    "title",
    "description",
    "channel",
    "target",
    "excellence",
    "critical_fail",
    "comment_on_fail",
    "languages",
    "sections",
)
SECTION_KEYS: tuple[str, ...] = ("key", "title", "weight", "target", "questions")
QUESTION_KEYS: tuple[str, ...] = (
    "key",
    "text",
    "type",
    "show_if",
    "unit",
    "target",
    "min",
    "max",
    "labels",
    "options",
    "points",
    "critical",
    "allow_na",
    "required",
    "comment_on_fail",
    "guidance",
    "standard",
    "evidence",
    "measure",
)
#: Question keys that only some types accept.
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "yes_no": (),
    "scale": ("min", "max", "labels"),
    "choice": ("options",),
    "number": ("unit", "target", "min", "max"),
    "text": (),
    "nps": (),
}
TYPE_SPECIFIC = frozenset(k for keys in TYPE_KEYS.values() for k in keys)
OPTION_KEYS: tuple[str, ...] = ("label", "points")
NUMBER_TARGET_KEYS: tuple[str, ...] = ("min", "max")
SHOW_IF_KEYS: tuple[str, ...] = ("question", "equals", "in")
NPS_MIN, NPS_MAX = 0, 10

# YAML tags the reader and the writer name.
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
