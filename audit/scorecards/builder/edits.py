"""Settings, sections and questions: a form's values -> new draft data (never in place)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from audit.scorecards.builder.fields import (
    SETTINGS_FIELDS,
    TYPE_FIELDS,
    Data,
    _all_questions,
    _lines,
    _text,
    format_number,
    parse_number,
    question_keys,
    section_keys,
    suggest_key,
)
from audit.scorecards.builder.translations import (
    carry_translations,
    in_default_language,
    languages_of,
)

# --------------------------------------------------------------------------- settings


def settings_values(data: Mapping[str, Any]) -> dict[str, Any]:
    data = in_default_language(data, languages_of(data))
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
    settings = carry_translations(data, settings_data(values), languages_of(data))
    settings.pop("slug", None)
    ordered: Data = {"slug": new.pop("slug", None)}
    ordered.update(settings)
    ordered.update(new)
    ordered.setdefault("sections", [])
    return ordered


# --------------------------------------------------------------------------- sections


def section_values(section: Mapping[str, Any], languages: Sequence[str] = ()) -> dict[str, Any]:
    """Form values for a section; texts in the default wording of ``languages``."""
    section = in_default_language(section, languages)
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
    section = carry_translations(old, section, languages_of(new))
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
    """A question built from a form: the data, plus which editor row each option came from."""

    question: Data
    #: Form field -> problems found while reading the form (before file validation). A row's
    #: field is named like the form's, by row position: ``options-2-points``.
    problems: dict[str, list[str]] = field(default_factory=dict)
    #: Option index -> position of the options row it came from (empty rows are skipped).
    option_rows: list[int] = field(default_factory=list)
    #: Scale point -> position of the scale-labels row it came from.
    label_rows: dict[int | str, int] = field(default_factory=dict)

    def add_problem(self, name: str, message: str) -> None:
        self.problems.setdefault(name, []).append(message)


def question_values(question: Mapping[str, Any], languages: Sequence[str] = ()) -> dict[str, Any]:
    """Form values for an existing question; texts in the default wording of ``languages``."""
    question = in_default_language(question, languages)
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
        "standard": question.get("standard") or "",
        "evidence": question.get("evidence") or "none",
        "measure": question.get("measure") or "",
        "scale_min": format_number(question.get("min")),
        "scale_max": format_number(question.get("max")),
        "scale_labels": [],
        "options": [],
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
        values["scale_labels"] = [
            {"point": format_number(k), "label": _text(v)} for k, v in ordered
        ]
    options = question.get("options")
    if isinstance(options, list):
        values["options"] = [_option_row(o) for o in options if isinstance(o, dict)]
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


def _option_row(option: Mapping[str, Any]) -> dict[str, str]:
    return {"label": _text(option.get("label")), "points": format_number(option.get("points"))}


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
    standard = str(values.get("standard") or "").strip()
    if standard:
        question["standard"] = standard
    evidence = _text(values.get("evidence"))
    if evidence and evidence != "none":
        question["evidence"] = evidence
    measure = _text(values.get("measure"))
    if measure:
        question["measure"] = measure
    return edit


def _rows(rows: object) -> list[Mapping[str, Any]]:
    """The rows of an options editor as posted (a list of small dicts; anything else: none)."""
    if not isinstance(rows, list | tuple):
        return []
    return [row if isinstance(row, Mapping) else {} for row in rows]


def _read_options(rows: object, edit: QuestionEdit) -> list[Data]:
    """Option rows (label, points) -> options. Empty rows are skipped; blank points are 0."""
    options = []
    for position, row in enumerate(_rows(rows)):
        label = _text(row.get("label"))
        points = parse_number(row.get("points"))
        if not label and points is None:
            continue
        if not label:
            edit.add_problem(
                f"options-{position}-label",
                gettext("Give this option a label, or clear its points to remove the row"),
            )
            continue
        option: Data = {"label": label}
        if points is not None:
            option["points"] = points
        options.append(option)
        edit.option_rows.append(position)
    return options


def _read_labels(rows: object, edit: QuestionEdit) -> dict[int | str, str]:
    """Scale-label rows (point, label) -> scale labels; empty rows are skipped."""
    labels: dict[int | str, str] = {}
    for position, row in enumerate(_rows(rows)):
        text = _text(row.get("point"))
        label = _text(row.get("label"))
        if not text and not label:
            continue
        if not text:
            edit.add_problem(
                f"scale_labels-{position}-point",
                gettext("Which point of the scale is this label for?"),
            )
            continue
        point = parse_number(text)
        if not isinstance(point, int):
            edit.add_problem(
                f"scale_labels-{position}-point",
                gettext("The point must be a whole number of the scale, not “%(text)s”", text=text),
            )
            continue
        if point in labels:
            edit.add_problem(
                f"scale_labels-{position}-point",
                gettext("Point %(point)s is labelled twice", point=point),
            )
            continue
        if not label:
            edit.add_problem(
                f"scale_labels-{position}-label",
                gettext("Give point %(point)s a label, or clear the row", point=point),
            )
            continue
        labels[point] = label
        edit.label_rows[point] = position
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
    questions[q] = carry_translations(questions[q], question, languages_of(new))
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
