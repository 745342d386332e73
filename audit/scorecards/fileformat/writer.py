"""A definition -> plain data and YAML, keys in the order of the format (round trips exactly)."""

from __future__ import annotations

from typing import Any

import yaml

from audit.scorecards.definition import (
    Question,
    ScorecardDefinition,
    Section,
)
from audit.scorecards.fileformat.schema import MAP_TAG, STR_TAG
from audit.scorecards.languages import Text

# --------------------------------------------------------------------------- definition -> data


def definition_to_data(defn: ScorecardDefinition) -> dict[str, Any]:
    """Plain data in the file format: keys in DESIGN.md's order, defaults left out.

    JSON-safe apart from the int keys of scale ``labels`` (JSON makes them
    strings, which :func:`definition_from_data` accepts back).
    """
    data: dict[str, Any] = {"slug": defn.slug, "title": defn.title}
    if defn.description is not None:
        data["description"] = defn.description
    data["channel"] = defn.channel
    data["target"] = defn.target
    if defn.excellence is not None:
        data["excellence"] = defn.excellence
    if defn.critical_fail != "zero_visit":
        data["critical_fail"] = defn.critical_fail
    if defn.comment_on_fail:
        data["comment_on_fail"] = True
    if defn.languages:
        data["languages"] = list(defn.languages)
    data["sections"] = [_section_to_data(s) for s in defn.sections]
    return _untranslated(data)


def _untranslated(value: Any) -> Any:
    """Every :class:`Text` as the mapping the file format writes (plain data only)."""
    if isinstance(value, Text):
        return dict(value.translations)
    if isinstance(value, dict):
        return {key: _untranslated(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_untranslated(item) for item in value]
    return value


def _section_to_data(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"key": section.key, "title": section.title}
    if section.weight is not None:
        data["weight"] = section.weight
    if section.target is not None:
        data["target"] = section.target
    data["questions"] = [_question_to_data(q) for q in section.questions]
    return data


def _question_to_data(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"key": q.key, "text": q.text, "type": q.type}
    if q.show_if is not None:
        show: dict[str, Any] = {"question": q.show_if.question}
        if q.show_if.form == "equals" and len(q.show_if.values) == 1:
            show["equals"] = q.show_if.values[0]
        else:
            show["in"] = list(q.show_if.values)
        data["show_if"] = show
    if q.type == "number":
        if q.unit is not None:
            data["unit"] = q.unit
        for bound in ("min", "max"):
            if getattr(q, bound) is not None:
                data[bound] = getattr(q, bound)
        if q.target is not None:
            target = {"min": q.target.min, "max": q.target.max}
            data["target"] = {k: v for k, v in target.items() if v is not None}
    if q.type == "scale":
        data["min"], data["max"] = q.min, q.max
        if q.labels:
            data["labels"] = {k: q.labels[k] for k in sorted(q.labels)}
    if q.type == "choice":
        data["options"] = [{"label": o.label, "points": o.points} for o in q.options]
    elif q.points != 1:
        data["points"] = q.points
    for flag in ("critical", "allow_na", "required", "comment_on_fail"):
        if getattr(q, flag):
            data[flag] = True
    if q.guidance is not None:
        data["guidance"] = q.guidance
    if q.standard is not None:
        data["standard"] = q.standard
    if q.evidence != "none":
        data["evidence"] = q.evidence
    if q.measure is not None:
        data["measure"] = q.measure
    return data


class _Flow(dict[Any, Any]):
    """A small mapping written on one line, as DESIGN.md does: ``target: {max: 5}``."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent lists under their key ("sections:\n  - key: ..."), as DESIGN.md does.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Multi-line text reads best as a literal block; the emitter falls back to
    # quotes wherever a block cannot hold the text exactly.
    # PyYAML writes NEL and the Unicode line/paragraph separators unescaped in
    # plain and single-quoted scalars, where reading folds them into spaces; only
    # double quotes (which escape them) keep them.
    if any(ch in data for ch in "\x85\u2028\u2029"):
        return dumper.represent_scalar(STR_TAG, data, style='"')
    return dumper.represent_scalar(STR_TAG, data, style="|" if "\n" in data else None)


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping(MAP_TAG, data, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)

#: Mappings under these question keys are written in flow style.
_FLOW_KEYS = ("show_if", "target", "labels")


def _flowed(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    sections = []
    for section in data["sections"]:
        section = dict(section)
        questions = []
        for question in section["questions"]:
            question = dict(question)
            for key in _FLOW_KEYS:
                if key in question:
                    question[key] = _Flow(question[key])
            if "options" in question:
                question["options"] = [_Flow(o) for o in question["options"]]
            questions.append(question)
        section["questions"] = questions
        sections.append(section)
    data["sections"] = sections
    return data


def dump_yaml(defn: ScorecardDefinition) -> str:
    """A readable YAML file for ``defn``; ``load_yaml(dump_yaml(d)) == d``."""
    return yaml.dump(
        _flowed(definition_to_data(defn)),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,
    )
