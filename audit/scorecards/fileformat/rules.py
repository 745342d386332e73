"""The rules of the scorecard format on plain data (dicts and lists, as from YAML, JSON or a
web form): every error found, each with the path of the value it is about."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from audit.scorecards.definition import (
    CHANNELS,
    CRITICAL_MODES,
    EVIDENCE_LEVELS,
    MAX_MEASUREMENT,
    MEASURE_SCALES,
    MEASURES,
    QUESTION_TYPES,
    UNSCORED_TYPES,
    Number,
    NumberTarget,
    Option,
    Question,
    ScorecardDefinition,
    Section,
    ShowIf,
    ShowIfValue,
    range_text,
)
from audit.scorecards.fileformat.checks import (
    MISSING,
    Checks,
    QuestionDraft,
    describe,
    fmt,
    is_int,
    path_key,
    unknown_key_message,
)
from audit.scorecards.fileformat.errors import DefinitionError
from audit.scorecards.fileformat.schema import (
    MAX_STANDARD_LENGTH,
    MAX_TITLE_LENGTH,
    NPS_MAX,
    NPS_MIN,
    NUMBER_TARGET_KEYS,
    OPTION_KEYS,
    QUESTION_KEYS,
    SCORECARD_KEYS,
    SECTION_KEYS,
    SHOW_IF_KEYS,
    TYPE_KEYS,
    TYPE_SPECIFIC,
    Path,
)
from audit.scorecards.languages import LANGUAGE_CODE


@dataclass
class Validator(Checks):
    """The rules of the file format, on plain data; errors collect in ``errors``."""

    # ---- the scorecard

    def scorecard(self, data: object) -> ScorecardDefinition | None:
        if data is None:
            self.error(
                (), "the scorecard is empty; it needs slug, title, channel, target and sections"
            )
            return None
        m = self.mapping(data, (), "a scorecard", "slug: ..., title: ..., sections: [...]")
        if m is None:
            return None
        what = "the scorecard"
        self.unknown_keys(m, (), SCORECARD_KEYS, what)
        self.languages = self.language_list(m)
        slug = self.slug(m, "slug", (), what, "branch-visit")
        title = self.text(m, "title", (), what, required=True, max_length=MAX_TITLE_LENGTH)
        description = self.text(m, "description", (), what, required=False)
        channel = self.literal(m, "channel", (), what, CHANNELS, required=True)
        target = self.number(m, "target", (), what, required=True, low=0, high=100)
        excellence = self.number(m, "excellence", (), what, low=0, high=100)
        if target is not None and excellence is not None and excellence < target:
            self.error(
                ("excellence",),
                f"'excellence' ({excellence}) must not be below 'target' ({target}): "
                "it is the mark for exceeding the standard",
            )
        critical_fail = self.literal(m, "critical_fail", (), what, CRITICAL_MODES, required=False)
        comment_on_fail = self.boolean(m, "comment_on_fail", ())
        sections = self.sections(m)
        if self.errors:
            return None
        return ScorecardDefinition(
            slug=cast(str, slug),
            title=cast(str, title),
            channel=cast(Any, channel),
            target=cast(Number, target),
            sections=sections,
            excellence=excellence,
            critical_fail=cast(Any, critical_fail or "zero_visit"),
            comment_on_fail=comment_on_fail,
            description=description,
            languages=self.languages,
        )

    def language_list(self, m: Mapping[Any, Any]) -> tuple[str, ...]:
        """``languages: [en, es]``: the codes its texts are given in, the default first."""
        value = self.get(m, "languages")
        if value is MISSING:
            return ()
        path: Path = ("languages",)
        if not isinstance(value, list) or not value:
            self.error(path, f"'languages' must be a list such as [en, es], not {describe(value)}")
            return ()
        codes: list[str] = []
        for index, code in enumerate(value):
            if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
                self.error(
                    path + (index,),
                    f"{describe(code)} is not a language code (such as en, es or pt-BR)",
                )
            elif code in codes:
                self.error(path + (index,), f"language {code!r} is listed twice")
            else:
                codes.append(code)
        return tuple(codes) if len(codes) == len(value) else ()

    def sections(self, m: Mapping[Any, Any]) -> tuple[Section, ...]:
        value = self.require(m, "sections", (), "the scorecard")
        if value is MISSING:
            return ()
        if not isinstance(value, list):
            self.error(("sections",), f"'sections' must be a list, not {describe(value)}")
            return ()
        if not value:
            self.error(("sections",), "'sections' must list at least one section")
            return ()
        section_paths: dict[str, Path] = {}
        section_parts: list[tuple[dict[str, Any], list[QuestionDraft]]] = []
        drafts: list[QuestionDraft] = []
        for index, item in enumerate(value):
            path: Path = ("sections", index)
            parsed = self.section(item, path)
            if parsed is None:
                continue
            fields, questions = parsed
            key = fields["key"]
            if key is not None:
                if key in section_paths:
                    self.error(
                        path + ("key",),
                        f"duplicate section key '{key}' (also used by section "
                        f"{section_paths[key][1] + 1}); section keys must be unique",
                    )
                else:
                    section_paths[key] = path
            section_parts.append((fields, questions))
            drafts.extend(questions)
        self.check_questions_together(drafts)
        if self.errors:
            return ()
        return tuple(
            Section(
                questions=tuple(_question_from_draft(d) for d in questions),
                **fields,
            )
            for fields, questions in section_parts
        )

    def section(
        self, value: object, path: Path
    ) -> tuple[dict[str, Any], list[QuestionDraft]] | None:
        m = self.mapping(value, path, "each section", "key: ..., title: ..., questions: [...]")
        if m is None:
            return None
        what = "this section"
        self.unknown_keys(m, path, SECTION_KEYS, "a section")
        fields: dict[str, Any] = {
            "key": self.slug(m, "key", path, what),
            "title": self.text(m, "title", path, what, required=True, max_length=MAX_TITLE_LENGTH),
            "weight": self.number(m, "weight", path, what, positive=True),
            "target": self.number(m, "target", path, what, low=0, high=100),
        }
        questions: list[QuestionDraft] = []
        value = self.require(m, "questions", path, what)
        if value is MISSING:
            return fields, questions
        qpath = path + ("questions",)
        if not isinstance(value, list):
            self.error(qpath, f"'questions' must be a list, not {describe(value)}")
        elif not value:
            self.error(qpath, "'questions' must list at least one question")
        else:
            for index, item in enumerate(value):
                draft = self.question(item, qpath + (index,), fields["key"])
                if draft is not None:
                    questions.append(draft)
        return fields, questions

    # ---- one question

    def question(self, value: object, path: Path, section_key: str | None) -> QuestionDraft | None:
        m = self.mapping(value, path, "each question", "key: ..., text: ..., type: ...")
        if m is None:
            return None
        what = "this question"
        qtype = self.literal(m, "type", path, what, QUESTION_TYPES, required=True)
        self.question_keys(m, path, qtype)
        fields: dict[str, Any] = {
            "key": self.slug(m, "key", path, what, "greeted_promptly"),
            "text": self.text(m, "text", path, what, required=True),
            "type": qtype,
            "critical": self.boolean(m, "critical", path),
            "allow_na": self.boolean(m, "allow_na", path),
            "required": self.boolean(m, "required", path),
            "comment_on_fail": self.boolean(m, "comment_on_fail", path),
            "guidance": self.text(m, "guidance", path, what, required=False),
            "standard": self.text(
                m, "standard", path, what, required=False, max_length=MAX_STANDARD_LENGTH
            ),
            "evidence": self.literal(m, "evidence", path, what, EVIDENCE_LEVELS, required=False)
            or "none",
            "measure": self.literal(m, "measure", path, what, MEASURES, required=False),
        }
        draft = QuestionDraft(
            path=path, section_key=section_key, key=fields["key"], type=qtype, fields=fields
        )
        points = self.points(m, path, qtype)
        if points is not None:
            fields["points"] = points
        possible: Number | None = None
        if qtype == "scale":
            possible = points if points is not None else 1
            self.scale(m, path, draft)
        elif qtype == "choice":
            possible = self.options(m, path, draft)
        elif qtype == "number":
            possible = points if points is not None else 1
            self.number_question(m, path, draft)
        elif qtype == "yes_no":
            possible = points if points is not None else 1
        elif qtype in UNSCORED_TYPES:
            possible = 0
        if fields["critical"] and possible == 0:
            self.error(path + ("critical",), _critical_message(cast(str, qtype)))
        if fields["measure"] is not None:
            self.measure_scale(fields["measure"], path, draft)
        show_if = self.get(m, "show_if")
        if show_if is not MISSING:
            draft.show_if_raw = self.mapping(
                show_if, path + ("show_if",), "'show_if'", "question: KEY, equals: VALUE"
            )
        return draft

    def question_keys(self, m: Mapping[Any, Any], path: Path, qtype: str | None) -> None:
        if qtype is None:  # unknown type: only keys no type accepts are surely wrong
            self.unknown_keys(m, path, QUESTION_KEYS, "a question")
            return
        allowed = tuple(k for k in QUESTION_KEYS if k not in TYPE_SPECIFIC or k in TYPE_KEYS[qtype])
        for key in m:
            if key in allowed:
                continue
            if key in TYPE_SPECIFIC:
                owners = " or ".join(t for t, keys in TYPE_KEYS.items() if key in keys)
                self.error(
                    path + (key,),
                    f"'{key}' is not used by {qtype} questions, only by {owners} questions",
                )
            else:
                self.error(path + (path_key(key),), unknown_key_message(key, allowed, "a question"))

    def points(self, m: Mapping[Any, Any], path: Path, qtype: str | None) -> Number | None:
        if self.get(m, "points") is MISSING:
            return None
        if qtype == "choice":
            self.error(
                path + ("points",),
                "a choice question takes its points from its options; "
                "remove 'points' and give each option its points",
            )
            return None
        points = self.number(m, "points", path, "this question", low=0)
        if points is not None and qtype in UNSCORED_TYPES and points != 0:
            self.error(
                path + ("points",),
                f"{qtype} questions are never scored, so 'points' must be 0 or left out",
            )
            return None
        return points

    def scale(self, m: Mapping[Any, Any], path: Path, draft: QuestionDraft) -> None:
        what = "a scale question"
        low = self.integer(m, "min", path, what, required=True)
        high = self.integer(m, "max", path, what, required=True)
        fields = draft.fields
        fields["min"], fields["max"] = low, high
        if low is not None and high is not None:
            if low >= high:
                self.error(path + ("max",), f"'max' ({high}) must be greater than 'min' ({low})")
            else:
                draft.scale = (low, high)
        fields["labels"] = self.labels(m, path, draft.scale)

    def labels(
        self, m: Mapping[Any, Any], path: Path, scale: tuple[int, int] | None
    ) -> dict[int, str]:
        value = self.get(m, "labels")
        if value is MISSING:
            return {}
        lpath = path + ("labels",)
        labels = self.mapping(value, lpath, "'labels'", "{1: Poor, 5: Excellent}")
        result: dict[int, str] = {}
        for key, text in (labels or {}).items():
            kpath = lpath + (path_key(key),)
            point: int | None = None
            if is_int(key):
                point = key
            elif isinstance(key, str) and re.fullmatch(r"-?[0-9]+", key.strip()):
                point = int(key)  # JSON turns the int keys of stored definitions into strings
            if point is None:
                self.error(kpath, f"scale labels need whole-number keys, not {describe(key)}")
                continue
            if scale is not None and not scale[0] <= point <= scale[1]:
                self.error(kpath, f"label {point} is outside the scale {scale[0]}..{scale[1]}")
                continue
            if point in result:
                self.error(kpath, f"label {point} is given twice")
                continue
            label = self.text_value(text, kpath, f"label {point}")
            if label is not None:
                if not label.strip():
                    self.error(kpath, f"label {point} must not be empty")
                else:
                    result[point] = label
        return result

    def options(self, m: Mapping[Any, Any], path: Path, draft: QuestionDraft) -> Number | None:
        """Check the options; return the best option's points (None if unknown)."""
        value = self.require(m, "options", path, "a choice question")
        if value is MISSING:
            return None
        opath = path + ("options",)
        if not isinstance(value, list):
            self.error(opath, f"'options' must be a list, not {describe(value)}")
            return None
        if len(value) < 2:
            self.error(opath, f"a choice question needs at least two options, not {len(value)}")
            return None
        options: list[Option] = []
        complete = True
        for index, item in enumerate(value):
            ipath = opath + (index,)
            o = self.mapping(item, ipath, "each option", "{label: Fully, points: 10}")
            if o is None:
                complete = False
                continue
            self.unknown_keys(o, ipath, OPTION_KEYS, "an option")
            label = self.text(o, "label", ipath, "this option", required=True)
            points = self.number(o, "points", ipath, "this option", low=0)
            if label is None or (points is None and self.get(o, "points") is not MISSING):
                complete = False
                continue
            if any(existing.label == label for existing in options):
                self.error(ipath + ("label",), f"option {label!r} is listed twice")
                complete = False
                continue
            options.append(Option(label=label, points=points if points is not None else 0))
        draft.fields["options"] = tuple(options)
        draft.option_labels = tuple(o.label for o in options) if complete else None
        if not complete:
            return None
        return max(o.points for o in options)

    def number_question(self, m: Mapping[Any, Any], path: Path, draft: QuestionDraft) -> None:
        draft.fields["unit"] = self.text(m, "unit", path, "this question", required=False)
        # The answers that can be a measurement at all (optional): others are refused.
        low, high = (
            self.number(m, bound, path, "this question", low=-MAX_MEASUREMENT, high=MAX_MEASUREMENT)
            for bound in ("min", "max")
        )
        if low is not None and high is not None and low >= high:
            self.error(path + ("max",), f"'max' ({high}) must be greater than 'min' ({low})")
            low = high = None
        draft.fields["min"], draft.fields["max"] = low, high
        value = self.get(m, "target")
        if value is MISSING:
            self.error(
                path,
                "a number question needs 'target', the range that earns the points, "
                "e.g. target: {max: 5}",
            )
            return
        tpath = path + ("target",)
        t = self.mapping(value, tpath, "'target'", "{min: 0, max: 5}")
        if t is None:
            return
        self.unknown_keys(t, tpath, NUMBER_TARGET_KEYS, "a number target")
        low = self.number(t, "min", tpath, "'target'")
        high = self.number(t, "max", tpath, "'target'")
        if self.get(t, "min") is MISSING and self.get(t, "max") is MISSING:
            self.error(tpath, "'target' needs 'min', 'max' or both")
        elif low is not None and high is not None and low > high:
            self.error(tpath + ("min",), f"target 'min' ({low}) is above 'max' ({high})")
        elif not self.target_reachable(draft, low, high):
            accepted = range_text(draft.fields["min"], draft.fields["max"])
            self.error(tpath, f"the target can never be met: answers are limited to {accepted}")
        else:
            draft.fields["target"] = NumberTarget(min=low, max=high)

    @staticmethod
    def target_reachable(draft: QuestionDraft, low: Number | None, high: Number | None) -> bool:
        accept_low, accept_high = draft.fields["min"], draft.fields["max"]
        if accept_high is not None and low is not None and low > accept_high:
            return False
        return not (accept_low is not None and high is not None and high < accept_low)

    def measure_scale(self, measure: str, path: Path, draft: QuestionDraft) -> None:
        """A ``measure`` needs the scale its figure is defined on: NPS counts 9-10 and 0-6
        of 0-10, CSAT the 4-5 of 1-5, CES averages 1-7."""
        low, high = MEASURE_SCALES[measure]
        if draft.type is None or (measure == "nps" and draft.type == "nps"):
            return  # an unknown type is reported already
        if draft.type == "scale" and draft.scale == (low, high):
            return
        if draft.type == "scale" and draft.scale is None:
            return  # the scale itself is wrong, already reported
        wanted = f"a {low}..{high} scale" + (" or an nps question" if measure == "nps" else "")
        found = (
            f"a {draft.scale[0]}..{draft.scale[1]} scale"
            if draft.scale is not None
            else f"{'an' if draft.type == 'nps' else 'a'} {draft.type} question"
        )
        self.error(
            path + ("measure",),
            f"'measure: {measure}' needs {wanted} (type: scale, min: {low}, max: {high}), "
            f"not {found}",
        )

    # ---- checks that look at several questions

    def check_questions_together(self, drafts: list[QuestionDraft]) -> None:
        by_key: dict[str, QuestionDraft] = {}
        for index, draft in enumerate(drafts):
            draft.index = index
            if draft.key is None:
                continue
            first = by_key.get(draft.key)
            if first is not None:
                self.error(
                    draft.path + ("key",),
                    f"duplicate question key '{draft.key}' (also used in section "
                    f"'{first.section_key}'); answers are stored by question key, so keys "
                    "must be unique across the whole scorecard",
                )
            else:
                by_key[draft.key] = draft
        for draft in drafts:
            if draft.show_if_raw is not None:
                draft.show_if = self.show_if(draft, by_key)

    def show_if(self, draft: QuestionDraft, by_key: dict[str, QuestionDraft]) -> ShowIf | None:
        raw = cast(dict[str, Any], draft.show_if_raw)
        path = draft.path + ("show_if",)
        self.unknown_keys(raw, path, SHOW_IF_KEYS, "show_if")
        ref = self.slug(raw, "question", path, "'show_if'", "greeted_promptly")
        has_equals, has_in = "equals" in raw, "in" in raw
        values: list[tuple[object, Path]] = []
        form = "in" if has_in else "equals"
        if has_equals and has_in:
            self.error(path, "show_if takes either 'equals' or 'in', not both")
        elif not (has_equals or has_in):
            self.error(path, "show_if needs 'equals: VALUE' or 'in: [VALUE, ...]'")
        elif has_equals:
            if raw["equals"] is None:
                self.error(path + ("equals",), "'equals' needs a value")
            elif isinstance(raw["equals"], list | dict):
                self.error(
                    path + ("equals",),
                    f"'equals' takes one value, not {describe(raw['equals'])}; use 'in' for a list",
                )
            else:
                values.append((raw["equals"], path + ("equals",)))
        elif not isinstance(raw["in"], list) or not raw["in"]:
            self.error(path + ("in",), f"'in' must be a non-empty list, not {describe(raw['in'])}")
        else:
            values.extend((v, path + ("in", i)) for i, v in enumerate(raw["in"]))
        if ref is None:
            return None
        controller = by_key.get(ref)
        if controller is None:
            self.error(path + ("question",), f"show_if refers to an unknown question '{ref}'")
            return None
        if controller is draft:
            self.error(path + ("question",), "a question cannot be shown depending on itself")
            return None
        if controller.index > draft.index:
            self.error(
                path + ("question",),
                f"show_if must refer to an earlier question; '{ref}' comes later in the form",
            )
            return None
        checked: list[ShowIfValue] = []
        for value, vpath in values:
            good = self.show_if_value(value, vpath, controller)
            if good is None:
                continue
            if good in checked:
                self.error(vpath, f"{fmt(good)} is listed twice")
                continue
            checked.append(good)
        if len(checked) != len(values) or not values:
            return None
        return ShowIf(question=ref, values=tuple(checked), form=cast(Any, form))

    def show_if_value(
        self, value: object, path: Path, controller: QuestionDraft
    ) -> ShowIfValue | None:
        ref, ctype = controller.key, controller.type
        if ctype == "yes_no":
            if isinstance(value, bool):
                return "yes" if value else "no"
            if isinstance(value, str) and value.lower() in ("yes", "no"):
                return value.lower()
            self.error(
                path,
                f"'{ref}' is a yes/no question: compare with yes or no, not {describe(value)}",
            )
            return None
        if ctype in ("choice", "text"):
            text = self.text_value(value, path, "the value", translatable=False)
            if text is None or ctype == "text" or controller.option_labels is None:
                return text
            if text not in controller.option_labels:
                self.error(
                    path,
                    f"{text!r} is not an option of '{ref}' "
                    f"(options: {', '.join(controller.option_labels)})",
                )
                return None
            return text
        if ctype in ("scale", "nps"):
            bounds = (NPS_MIN, NPS_MAX) if ctype == "nps" else controller.scale
            if not is_int(value):
                self.error(
                    path,
                    f"'{ref}' is a {ctype} question: compare with a whole number, "
                    f"not {describe(value)}",
                )
                return None
            number = cast(int, value)
            if bounds is not None and not bounds[0] <= number <= bounds[1]:
                self.error(
                    path,
                    f"{number} is outside the range of '{ref}' ({bounds[0]}..{bounds[1]})",
                )
                return None
            return number
        if ctype == "number":
            return self.number_value(value, path, "the value")
        return None  # the controller's own type is invalid, already reported


def _critical_message(qtype: str) -> str:
    if qtype in UNSCORED_TYPES:
        reason = f"{qtype} questions are never scored"
    elif qtype == "choice":
        reason = "its best option is worth 0 points"
    else:
        reason = "it has points: 0"
    return f"'critical: true' needs a question that can earn points, but {reason}"


def _question_from_draft(draft: QuestionDraft) -> Question:
    return Question(show_if=draft.show_if, **draft.fields)


def definition_from_data(
    data: object,
) -> tuple[ScorecardDefinition | None, list[DefinitionError]]:
    """Validate plain data (as from ``yaml.safe_load``, JSON or the builder).

    Returns the definition and no errors, or ``None`` and every error found
    (each with a ``path``, without lines).
    """
    return checked_definition(data, {}, frozenset())


def checked_definition(
    data: object, texts: Mapping[Path, str], invalid: frozenset[Path]
) -> tuple[ScorecardDefinition | None, list[DefinitionError]]:
    validator = Validator(texts=texts, invalid=invalid)
    definition = validator.scorecard(data)
    if validator.errors:
        return None, validator.errors
    return definition, []
