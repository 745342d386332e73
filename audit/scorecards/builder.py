"""Editing a draft scorecard's plain data, one builder form at a time.

No requests and no database here: functions take the draft's plain data (the
same shape as a YAML file, possibly incomplete) and the values of a form, and
return new data. Nothing is changed in place, so a view can validate the
result with :func:`audit.scorecards.fileformat.definition_from_data` and throw it
away when the form has problems.

Form values are kept close to what a person typed: numbers stay text until
:func:`parse_number` reads them, and text that is not a number is passed on
unchanged, so the file validator reports it with the same message a YAML file
would get ("'points' must be a number, not the text 'ten'").

Errors of the validator carry a path such as ``("sections", 0, "questions",
2, "options", 1, "points")``; :func:`question_problems` and friends map such
a path to the form field that holds the value (the options textarea, "line
2: ...").
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit.scorecards.fileformat import DefinitionError

Data = dict[str, Any]
Path = tuple[str | int, ...]

SETTINGS_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "channel",
    "target",
    "excellence",
    "critical_fail",
    "comment_on_fail",
)
SECTION_FIELDS: tuple[str, ...] = ("key", "title", "weight", "target")
#: Question keys every type has, in file order; the builder form uses the same names.
COMMON_QUESTION_FIELDS: tuple[str, ...] = (
    "key",
    "text",
    "type",
    "points",
    "critical",
    "allow_na",
    "required",
    "comment_on_fail",
    "guidance",
    "evidence",
)
#: Builder form fields that only some question types use (the others are ignored).
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "yes_no": ("points",),
    "scale": ("points", "scale_min", "scale_max", "scale_labels"),
    "choice": ("options",),
    "number": ("points", "unit", "target_min", "target_max", "accept_min", "accept_max"),
    "text": (),
    "nps": (),
}
TYPE_SPECIFIC_FIELDS: tuple[str, ...] = (
    "scale_min",
    "scale_max",
    "scale_labels",
    "options",
    "unit",
    "target_min",
    "target_max",
    "accept_min",
    "accept_max",
)
#: The file key a question form field edits, where the names differ.
_QUESTION_FIELD_OF_KEY: dict[str, str] = {
    "min": "scale_min",
    "max": "scale_max",
    "labels": "scale_labels",
}
#: ... and where a number question's differ from a scale's.
_NUMBER_FIELD_OF_KEY: dict[str, str] = {"min": "accept_min", "max": "accept_max"}
MAX_SUGGESTED_KEY = 40


# --------------------------------------------------------------------------- small parsers


def parse_number(text: object) -> int | float | str | None:
    """What a number box holds: None when blank, a number, or the text as typed."""
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return text
    raw = str(text).strip()
    if not raw:
        return None
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    try:
        number = float(raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw)
    except ValueError:
        return raw
    return number if math.isfinite(number) else raw


def format_number(value: object) -> str:
    """A number as a person would type it back (``5`` rather than ``5.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _lines(text: object) -> list[tuple[int, str]]:
    """Non-blank lines of a textarea with their 1-based line numbers."""
    return [
        (number, line.strip())
        for number, line in enumerate(str(text or "").splitlines(), start=1)
        if line.strip()
    ]


def suggest_key(text: str, taken: Iterable[str] = (), fallback: str = "question") -> str:
    """A key for ``text`` (``"Were you greeted?"`` -> ``were_you_greeted``), unique in ``taken``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if len(key) > MAX_SUGGESTED_KEY:
        cut = key[:MAX_SUGGESTED_KEY]
        key = cut.rsplit("_", 1)[0] if "_" in cut else cut
    key = key or fallback
    used = set(taken)
    candidate, n = key, 2
    while candidate in used:
        candidate = f"{key}_{n}"
        n += 1
    return candidate


# --------------------------------------------------------------------------- reading the draft


def sections_of(data: Mapping[str, Any]) -> list[Any]:
    sections = data.get("sections")
    return sections if isinstance(sections, list) else []


def questions_of(section: object) -> list[Any]:
    if not isinstance(section, dict):
        return []
    questions = section.get("questions")
    return questions if isinstance(questions, list) else []


def get_section(data: Mapping[str, Any], s: int) -> dict[str, Any] | None:
    sections = sections_of(data)
    if 0 <= s < len(sections) and isinstance(sections[s], dict):
        return sections[s]
    return None


def get_question(data: Mapping[str, Any], s: int, q: int) -> dict[str, Any] | None:
    questions = questions_of(get_section(data, s))
    if 0 <= q < len(questions) and isinstance(questions[q], dict):
        return questions[q]
    return None


def _all_questions(data: Mapping[str, Any]) -> list[tuple[int, int, dict[str, Any]]]:
    return [
        (s, q, question)
        for s, section in enumerate(sections_of(data))
        for q, question in enumerate(questions_of(section))
        if isinstance(question, dict)
    ]


def questions_of_all(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every question of the draft, in form order."""
    return [question for _, _, question in _all_questions(data)]


def question_keys(data: Mapping[str, Any], skip: tuple[int, int] | None = None) -> list[str]:
    return [
        question["key"]
        for s, q, question in _all_questions(data)
        if (s, q) != skip and isinstance(question.get("key"), str)
    ]


def section_keys(data: Mapping[str, Any], skip: int | None = None) -> list[str]:
    return [
        section["key"]
        for s, section in enumerate(sections_of(data))
        if s != skip and isinstance(section, dict) and isinstance(section.get("key"), str)
    ]


@dataclass(frozen=True)
class QuestionRef:
    """A question that a ``show_if`` may point at."""

    key: str
    text: str
    type: str


def earlier_questions(data: Mapping[str, Any], s: int, q: int | None) -> list[QuestionRef]:
    """Questions before (s, q) in form order; ``q=None`` means "after the last of section s"."""
    refs = []
    for qs, qq, question in _all_questions(data):
        if qs > s or (qs == s and q is not None and qq >= q):
            break
        key = question.get("key")
        if isinstance(key, str) and key:
            refs.append(
                QuestionRef(
                    key=key, text=_text(question.get("text")), type=_text(question.get("type"))
                )
            )
    return refs


# --------------------------------------------------------------------------- settings


def settings_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "slug": _text(data.get("slug")),
        "title": _text(data.get("title")),
        "description": data.get("description") or "",
        "channel": data.get("channel") or "in_person",
        "target": format_number(data.get("target")),
        "excellence": format_number(data.get("excellence")),
        "critical_fail": data.get("critical_fail") or "zero_visit",
        "comment_on_fail": bool(data.get("comment_on_fail")),
    }


def settings_data(values: Mapping[str, Any]) -> Data:
    """The scorecard-level keys a settings form gives (empty boxes leave keys out)."""
    data: Data = {}
    for name in ("slug", "title", "description"):
        text = values.get(name)
        if text is not None and str(text).strip():
            data[name] = str(text).strip()
    if values.get("channel"):
        data["channel"] = values["channel"]
    for name in ("target", "excellence"):
        number = parse_number(values.get(name))
        if number is not None:
            data[name] = number
    if values.get("critical_fail") and values["critical_fail"] != "zero_visit":
        data["critical_fail"] = values["critical_fail"]
    if values.get("comment_on_fail"):
        data["comment_on_fail"] = True
    return data


def apply_settings(data: Mapping[str, Any], values: Mapping[str, Any]) -> Data:
    """``data`` with its scorecard-level settings replaced; the slug never changes."""
    new = copy.deepcopy(dict(data))
    for name in SETTINGS_FIELDS:
        new.pop(name, None)
    settings = settings_data(values)
    settings.pop("slug", None)
    ordered: Data = {"slug": new.pop("slug", None)}
    ordered.update(settings)
    ordered.update(new)
    ordered.setdefault("sections", [])
    return ordered


# --------------------------------------------------------------------------- sections


def section_values(section: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "key": _text(section.get("key")),
        "title": _text(section.get("title")),
        "weight": format_number(section.get("weight")),
        "target": format_number(section.get("target")),
    }


def apply_section(
    data: Mapping[str, Any], s: int | None, values: Mapping[str, Any]
) -> tuple[Data, int]:
    """Add a section (``s=None``) or replace section ``s``'s settings; returns (data, index)."""
    new = copy.deepcopy(dict(data))
    sections = new.setdefault("sections", [])
    if not isinstance(sections, list):
        sections = new["sections"] = []
    title = _text(values.get("title"))
    key = _text(values.get("key")) or (
        suggest_key(title, section_keys(new, skip=s), fallback="section") if title else ""
    )
    section: Data = {}
    if key:
        section["key"] = key
    if title:
        section["title"] = title
    for name in ("weight", "target"):
        number = parse_number(values.get(name))
        if number is not None:
            section[name] = number
    if s is None:
        section["questions"] = []
        sections.append(section)
        return new, len(sections) - 1
    old = sections[s] if isinstance(sections[s], dict) else {}
    section["questions"] = old.get("questions", [])
    sections[s] = section
    return new, s


def delete_section(data: Mapping[str, Any], s: int) -> Data:
    new = copy.deepcopy(dict(data))
    del new["sections"][s]
    return new


def move_section(data: Mapping[str, Any], s: int, step: int) -> tuple[Data, int]:
    """Move section ``s`` one place up (step -1) or down (+1); returns (data, new index)."""
    new = copy.deepcopy(dict(data))
    sections = new["sections"]
    target = s + step
    if not 0 <= target < len(sections):
        return new, s
    sections[s], sections[target] = sections[target], sections[s]
    return new, target


# --------------------------------------------------------------------------- questions


@dataclass
class QuestionEdit:
    """A question built from a form: the data, plus what the textareas' lines mean."""

    question: Data
    #: Form field -> problems found while reading the form (before file validation).
    problems: dict[str, list[str]] = field(default_factory=dict)
    #: Option index -> line of the options textarea it came from.
    option_lines: list[int] = field(default_factory=list)
    #: Scale point -> line of the labels textarea.
    label_lines: dict[int | str, int] = field(default_factory=dict)


def question_values(question: Mapping[str, Any]) -> dict[str, Any]:
    """Form values for an existing question."""
    values: dict[str, Any] = {
        "key": _text(question.get("key")),
        "text": question.get("text") or "",
        "type": question.get("type") or "yes_no",
        "points": format_number(question.get("points")),
        "critical": bool(question.get("critical")),
        "allow_na": bool(question.get("allow_na")),
        "required": bool(question.get("required")),
        "comment_on_fail": bool(question.get("comment_on_fail")),
        "guidance": question.get("guidance") or "",
        "evidence": question.get("evidence") or "none",
        "scale_min": format_number(question.get("min")),
        "scale_max": format_number(question.get("max")),
        "scale_labels": "",
        "options": "",
        "unit": question.get("unit") or "",
        "target_min": "",
        "target_max": "",
        "accept_min": format_number(question.get("min")),
        "accept_max": format_number(question.get("max")),
        "show_if_question": "",
        "show_if_mode": "equals",
        "show_if_values": "",
    }
    labels = question.get("labels")
    if isinstance(labels, dict):
        ordered = sorted(labels.items(), key=lambda item: _label_sort_key(item[0]))
        values["scale_labels"] = "\n".join(f"{k} = {v}" for k, v in ordered)
    options = question.get("options")
    if isinstance(options, list):
        values["options"] = "\n".join(_option_line(o) for o in options if isinstance(o, dict))
    target = question.get("target")
    if isinstance(target, dict):
        values["target_min"] = format_number(target.get("min"))
        values["target_max"] = format_number(target.get("max"))
    show_if = question.get("show_if")
    if isinstance(show_if, dict):
        values["show_if_question"] = _text(show_if.get("question"))
        if "in" in show_if:
            values["show_if_mode"] = "in"
            wanted = show_if["in"] if isinstance(show_if["in"], list) else [show_if["in"]]
        else:
            wanted = [show_if.get("equals")]
        shown = [_show_value_text(v) for v in wanted if v is not None]
        joiner = "\n" if any("," in v for v in shown) else ", "
        values["show_if_values"] = joiner.join(shown)
    return values


def _label_sort_key(key: object) -> tuple[int, float | str]:
    number = parse_number(key)
    return (0, number) if isinstance(number, int | float) else (1, str(key))


def _option_line(option: Mapping[str, Any]) -> str:
    label = _text(option.get("label"))
    if option.get("points") is None:
        return label
    return f"{label} | {format_number(option.get('points'))}"


def _show_value_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return format_number(value)


def build_question(
    data: Mapping[str, Any],
    values: Mapping[str, Any],
    s: int,
    q: int | None,
) -> QuestionEdit:
    """Plain question data from a question form's values (``q=None`` for a new question)."""
    qtype = _text(values.get("type")) or "yes_no"
    edit = QuestionEdit(question={})
    question = edit.question
    text = str(values.get("text") or "").strip()
    key = _text(values.get("key"))
    if not key and text:
        key = suggest_key(text, question_keys(data, skip=(s, q) if q is not None else None))
    if key:
        question["key"] = key
    if text:
        question["text"] = text
    question["type"] = qtype
    uses = TYPE_FIELDS.get(qtype, ())

    show_if = _build_show_if(data, values)
    if show_if is not None:
        question["show_if"] = show_if
    if qtype == "number":
        unit = _text(values.get("unit"))
        if unit:
            question["unit"] = unit
        target = {
            name: number
            for name, number in (
                ("min", parse_number(values.get("target_min"))),
                ("max", parse_number(values.get("target_max"))),
            )
            if number is not None
        }
        if target:
            question["target"] = target
        for name, key_name in (("accept_min", "min"), ("accept_max", "max")):
            number = parse_number(values.get(name))
            if number is not None:
                question[key_name] = number
    if qtype == "scale":
        for name, key_name in (("scale_min", "min"), ("scale_max", "max")):
            number = parse_number(values.get(name))
            if number is not None:
                question[key_name] = number
        labels = _read_labels(values.get("scale_labels"), edit)
        if labels:
            question["labels"] = labels
    if qtype == "choice":
        options = _read_options(values.get("options"), edit)
        if options:
            question["options"] = options
    if "points" in uses:
        points = parse_number(values.get("points"))
        if points is not None:
            question["points"] = points
    for flag in ("critical", "allow_na", "required", "comment_on_fail"):
        if values.get(flag):
            question[flag] = True
    guidance = str(values.get("guidance") or "").strip()
    if guidance:
        question["guidance"] = guidance
    evidence = _text(values.get("evidence"))
    if evidence and evidence != "none":
        question["evidence"] = evidence
    return edit


def _read_options(text: object, edit: QuestionEdit) -> list[Data]:
    """``Label | points`` lines -> options; a line without ``|`` is an option worth 0."""
    options = []
    for number, line in _lines(text):
        label, bar, points = line.rpartition("|")
        option: Data
        if bar:
            option = {"label": label.strip()}
            value = parse_number(points)
            if value is not None:
                option["points"] = value
        else:
            option = {"label": line}
        options.append(option)
        edit.option_lines.append(number)
    return options


def _read_labels(text: object, edit: QuestionEdit) -> dict[int | str, str]:
    """``1 = Not at all`` lines -> scale labels."""
    labels: dict[int | str, str] = {}
    for number, line in _lines(text):
        match = re.match(r"^\s*([^=:]+?)\s*[=:]\s*(.*)$", line)
        if match is None:
            edit.problems.setdefault("scale_labels", []).append(
                f"line {number}: write a point and its label, e.g. '1 = Not at all'"
            )
            continue
        point = parse_number(match.group(1))
        key: int | str = point if isinstance(point, int) else match.group(1)
        if key in labels:
            edit.problems.setdefault("scale_labels", []).append(
                f"line {number}: label {key} is given twice (first on line {edit.label_lines[key]})"
            )
            continue
        labels[key] = match.group(2).strip()
        edit.label_lines[key] = number
    return labels


def _build_show_if(data: Mapping[str, Any], values: Mapping[str, Any]) -> Data | None:
    ref = _text(values.get("show_if_question"))
    if not ref:
        return None
    controller = next((qq for _, _, qq in _all_questions(data) if qq.get("key") == ref), None)
    ctype = controller.get("type") if controller else None
    raw = str(values.get("show_if_values") or "")
    labels = [
        o.get("label")
        for o in (controller.get("options") or [] if controller else [])
        if isinstance(o, dict)
    ]
    if "\n" in raw.strip():
        parts = [line for _, line in _lines(raw)]
    elif raw.strip() in labels:
        parts = [raw.strip()]  # one option label that contains a comma
    else:
        parts = [part.strip() for part in raw.split(",") if part.strip()]
    wanted = [_show_value(part, ctype) for part in parts]
    show: Data = {"question": ref}
    if not wanted:
        return show  # the validator says that a value is needed
    if values.get("show_if_mode") == "in" or len(wanted) > 1:
        show["in"] = wanted
    else:
        show["equals"] = wanted[0]
    return show


def _show_value(text: str, ctype: object) -> object:
    if ctype == "yes_no":
        return text.lower()
    if ctype in ("choice", "text"):
        return text
    number = parse_number(text)
    return text if number is None else number


def apply_question(
    data: Mapping[str, Any], s: int, q: int | None, question: Mapping[str, Any]
) -> tuple[Data, int]:
    """Add (``q=None``) or replace a question of section ``s``; returns (data, index)."""
    new = copy.deepcopy(dict(data))
    section = new["sections"][s]
    questions = section.setdefault("questions", [])
    if q is None:
        questions.append(copy.deepcopy(dict(question)))
        return new, len(questions) - 1
    questions[q] = copy.deepcopy(dict(question))
    return new, q


def delete_question(data: Mapping[str, Any], s: int, q: int) -> Data:
    new = copy.deepcopy(dict(data))
    del new["sections"][s]["questions"][q]
    return new


def move_question(data: Mapping[str, Any], s: int, q: int, step: int) -> tuple[Data, int, int]:
    """Move a question one place up or down; past a section's edge it joins the next one.

    Returns (data, section index, question index) of where it went.
    """
    new = copy.deepcopy(dict(data))
    sections = new["sections"]
    questions = sections[s].setdefault("questions", [])
    target = q + step
    if 0 <= target < len(questions):
        questions[q], questions[target] = questions[target], questions[q]
        return new, s, target
    other = s + step
    if not 0 <= other < len(sections) or not isinstance(sections[other], dict):
        return new, s, q
    moving = questions.pop(q)
    other_questions = sections[other].setdefault("questions", [])
    if step < 0:
        other_questions.append(moving)
        return new, other, len(other_questions) - 1
    other_questions.insert(0, moving)
    return new, other, 0


# --------------------------------------------------------------------------- errors -> fields


@dataclass
class FormProblems:
    """Validator errors sorted onto a form: beside a field, or above the form."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, name: str | None, message: str) -> None:
        if name is None:
            if message not in self.general:
                self.general.append(message)
            return
        messages = self.fields.setdefault(name, [])
        if message not in messages:
            messages.append(message)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


_MISSING_KEY = re.compile(r"missing required key '([a-z_]+)'")


def _missing_key(message: str) -> str | None:
    match = _MISSING_KEY.search(message)
    return match.group(1) if match else None


def settings_problems(
    errors: Iterable[DefinitionError], fields: Sequence[str] = SETTINGS_FIELDS
) -> FormProblems:
    """The errors a settings form owns: everything outside ``sections``.

    ``fields`` names the form's fields (the new-scorecard form adds ``slug``).
    """
    problems = FormProblems()
    for error in errors:
        path = error.path
        if path and path[0] == "sections":
            continue
        if not path:
            missing = _missing_key(error.message)
            if missing == "sections" or "'sections'" in error.message:
                continue
            if missing in fields:
                problems.add(missing, _required_message(missing))
            else:
                problems.add(None, error.message)
            continue
        name = path[0]
        problems.add(name if name in fields else None, error.message)
    return problems


def section_problems(errors: Iterable[DefinitionError], s: int) -> FormProblems:
    """The errors a section form owns: the section's own keys, not its questions."""
    problems = FormProblems()
    for error in errors:
        path = error.path
        if path[:2] != ("sections", s):
            continue
        tail = path[2:]
        if tail and tail[0] == "questions":
            continue
        if not tail:
            missing = _missing_key(error.message)
            if missing == "questions":
                continue
            if missing in SECTION_FIELDS:
                problems.add(missing, _required_message(missing))
            else:
                problems.add(None, error.message)
            continue
        name = tail[0]
        problems.add(name if name in SECTION_FIELDS else None, error.message)
    return problems


def question_problems(
    errors: Iterable[DefinitionError], s: int, q: int, edit: QuestionEdit | None = None
) -> FormProblems:
    """The errors a question form owns, each beside the field that holds the value."""
    problems = FormProblems()
    if edit is not None:
        for name, messages in edit.problems.items():
            for message in messages:
                problems.add(name, message)
    prefix = ("sections", s, "questions", q)
    for error in errors:
        if error.path[:4] != prefix:
            continue
        name, message = _question_field(error.path[4:], error.message, edit)
        problems.add(name, message)
    return problems


def _question_field(tail: Path, message: str, edit: QuestionEdit | None) -> tuple[str | None, str]:
    if not tail:
        missing = _missing_key(message)
        if missing is not None:
            name = _field_of_key(missing, edit)
            if name in COMMON_QUESTION_FIELDS or name in TYPE_SPECIFIC_FIELDS:
                return name, _required_message(missing)
        if "needs 'target'" in message:
            return (
                "target_max",
                "give the range that earns the points: a minimum, a maximum or both",
            )
        return None, message
    head = tail[0]
    if head == "options":
        if len(tail) > 1 and isinstance(tail[1], int):
            line = _line_for(edit.option_lines if edit else None, tail[1])
            return "options", f"line {line}: {message}"
        return "options", message
    if head == "labels":
        if len(tail) > 1 and edit is not None:
            point = tail[1]
            line = edit.label_lines.get(point) or edit.label_lines.get(str(point))
            if line is None and isinstance(point, str):
                number = parse_number(point)
                line = edit.label_lines.get(number) if isinstance(number, int) else None
            if line is not None:
                return "scale_labels", f"line {line}: {message}"
        return "scale_labels", message
    if head == "target":
        if len(tail) > 1 and tail[1] in ("min", "max"):
            return f"target_{tail[1]}", message
        return "target_max", message
    if head == "show_if":
        if len(tail) > 1 and tail[1] == "question":
            return "show_if_question", message
        return "show_if_values", message
    name = _field_of_key(str(head), edit)
    if name in COMMON_QUESTION_FIELDS or name in TYPE_SPECIFIC_FIELDS:
        return name, message
    return None, message


def _field_of_key(key: str, edit: QuestionEdit | None) -> str:
    """The form field that holds a question's file key (min and max differ by type)."""
    if edit is not None and edit.question.get("type") == "number" and key in _NUMBER_FIELD_OF_KEY:
        return _NUMBER_FIELD_OF_KEY[key]
    return _QUESTION_FIELD_OF_KEY.get(key, key)


def _line_for(lines: Sequence[int] | None, index: int) -> int:
    if lines and 0 <= index < len(lines):
        return lines[index]
    return index + 1


_REQUIRED_MESSAGES = {
    "options": "a choice question needs its options, one per line: Label | points",
    "min": "a scale question needs its lowest point",
    "max": "a scale question needs its highest point",
}


def _required_message(key: str) -> str:
    return _REQUIRED_MESSAGES.get(key, f"'{key}' is required")


def duplicate_key_problem(
    data: Mapping[str, Any], key: object, s: int, q: int | None
) -> str | None:
    """A message when another question uses ``key`` (the validator reports only the later one)."""
    if not isinstance(key, str) or not key:
        return None
    for qs, qq, question in _all_questions(data):
        if (qs, qq) == (s, q) or question.get("key") != key:
            continue
        section = get_section(data, qs) or {}
        where = section.get("title") or section.get("key") or f"section {qs + 1}"
        return (
            f"'{key}' is already the key of question {qq + 1} in '{where}'; "
            "answers are stored by key, so keys must be unique across the scorecard"
        )
    return None


def duplicate_section_key_problem(
    data: Mapping[str, Any], key: object, s: int | None
) -> str | None:
    if not isinstance(key, str) or not key:
        return None
    if key in section_keys(data, skip=s):
        return f"'{key}' is already the key of another section; section keys must be unique"
    return None


# --------------------------------------------------------------------------- the problems panel


@dataclass(frozen=True)
class Problem:
    """One problem of a draft, with where it is and which page fixes it."""

    message: str
    where: str
    #: ("settings",), ("section", s), ("question", s, q) or ("sections",).
    target: tuple[Any, ...]


def locate(data: Mapping[str, Any], errors: Iterable[DefinitionError]) -> list[Problem]:
    """Describe each error's place in words and name the builder page that fixes it."""
    problems = []
    for error in errors:
        path = error.path
        if len(path) >= 4 and path[0] == "sections" and path[2] == "questions":
            s, q = path[1], path[3]
            if isinstance(s, int) and isinstance(q, int) and get_question(data, s, q) is not None:
                question = get_question(data, s, q) or {}
                label = question.get("key") or _short(question.get("text")) or "(new)"
                detail = _detail(path[4:])
                problems.append(
                    Problem(
                        error.message,
                        f"Section {s + 1}, question {q + 1} ({label}){detail}",
                        ("question", s, q),
                    )
                )
                continue
        if len(path) >= 2 and path[0] == "sections" and isinstance(path[1], int):
            s = path[1]
            if get_section(data, s) is not None:
                section = get_section(data, s) or {}
                label = section.get("title") or section.get("key") or "(untitled)"
                problems.append(
                    Problem(error.message, f"Section {s + 1} ({label})", ("section", s))
                )
                continue
        if path and path[0] == "sections" or "'sections'" in error.message:
            problems.append(Problem(error.message, "Sections", ("sections",)))
            continue
        problems.append(Problem(error.message, "Settings", ("settings",)))
    return problems


def _detail(tail: Path) -> str:
    if not tail:
        return ""
    words = {
        "min": "scale min",
        "max": "scale max",
        "labels": "labels",
        "show_if": "show if",
    }
    head = tail[0]
    return f", {words.get(str(head), str(head))}"


def _short(text: object, length: int = 40) -> str:
    value = _text(text)
    return value if len(value) <= length else value[: length - 1] + "…"
