"""The typed, immutable form of a scorecard version.

Everything that reads a scorecard (scoring, forms, builder, reports) works on
these dataclasses. They are produced by :mod:`audit.scorecards.fileformat` from YAML
(or from the builder's data) only after validation, so code that receives a
``ScorecardDefinition`` may trust it: keys are unique, references resolve and
numbers are in range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

QuestionType = Literal["yes_no", "scale", "choice", "number", "text", "nps"]
CriticalMode = Literal["zero_visit", "zero_section", "flag_only"]
Channel = Literal["in_person", "phone", "email", "chat", "web", "survey"]
Measure = Literal["nps", "csat", "ces"]
Evidence = Literal["none", "optional", "required"]

QUESTION_TYPES: tuple[str, ...] = ("yes_no", "scale", "choice", "number", "text", "nps")
CRITICAL_MODES: tuple[str, ...] = ("zero_visit", "zero_section", "flag_only")
#: ``survey``: filled in by customers themselves on the public survey page; never a
#: mystery-shop figure (see audit/surveys/).
CHANNELS: tuple[str, ...] = ("in_person", "phone", "email", "chat", "web", "survey")
#: Customer-voice measures a question may carry, each with the scale it must use
#: (nps: 0-10, as an nps question or a 0..10 scale; csat: 1..5; ces: 1..7).
MEASURES: tuple[str, ...] = ("nps", "csat", "ces")
MEASURE_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
EVIDENCE_LEVELS: tuple[str, ...] = ("none", "optional", "required")

#: Types that can never earn points, whatever ``points`` says.
UNSCORED_TYPES: frozenset[str] = frozenset({"text", "nps"})

Number = int | float
#: The largest number answer that can be a measurement of a visit (minutes, pounds,
#: metres...): a number question without its own ``min``/``max`` refuses anything beyond.
MAX_MEASUREMENT = 1_000_000_000


def range_text(low: Number | None, high: Number | None) -> str:
    """A range as a person reads it: "0 to 120", "at least 0", "at most 120"."""
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    if low is not None:
        return f"at least {low:g}"
    return f"at most {high:g}" if high is not None else "any number"


#: A value a ``show_if`` compares with: "yes"/"no", an option label, or a number.
ShowIfValue = str | int | float


@dataclass(frozen=True)
class Option:
    label: str
    points: Number = 0


@dataclass(frozen=True)
class NumberTarget:
    """Inclusive bounds a number answer must fall within to earn its points."""

    min: Number | None = None
    max: Number | None = None

    def contains(self, value: Number) -> bool:
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)


@dataclass(frozen=True)
class ShowIf:
    """Show a question only when an earlier answer matches.

    ``form`` remembers whether the file said ``equals`` or ``in`` so that an
    export writes back what was read.
    """

    question: str
    values: tuple[ShowIfValue, ...]
    form: Literal["equals", "in"] = "equals"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    type: QuestionType
    points: Number = 1
    critical: bool = False
    allow_na: bool = False
    required: bool = False
    comment_on_fail: bool = False
    guidance: str | None = None
    #: The standard in words for staff ("Greet every customer within 60 seconds"),
    #: shown in their feedback instead of the shopper's question; never scored.
    standard: str | None = None
    evidence: Evidence = "none"
    #: Which customer-voice figure (NPS, CSAT, CES) this question's answers feed.
    measure: Measure | None = None
    show_if: ShowIf | None = None
    # scale: the ends of the scale (whole numbers); number: the answers accepted at all
    min: Number | None = None
    max: Number | None = None
    labels: dict[int, str] = field(default_factory=dict)
    # choice
    options: tuple[Option, ...] = ()
    # number
    unit: str | None = None
    target: NumberTarget | None = None

    @property
    def possible(self) -> Number:
        """Full points for this question; 0 for an unscored one."""
        if self.type in UNSCORED_TYPES:
            return 0
        if self.type == "choice":
            return max((o.points for o in self.options), default=0)
        return self.points

    @property
    def scored(self) -> bool:
        return self.possible > 0

    def option(self, label: str) -> Option | None:
        return next((o for o in self.options if o.label == label), None)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]
    weight: Number | None = None
    target: Number | None = None


@dataclass(frozen=True)
class ScorecardDefinition:
    slug: str
    title: str
    channel: Channel
    target: Number
    sections: tuple[Section, ...]
    excellence: Number | None = None
    critical_fail: CriticalMode = "zero_visit"
    comment_on_fail: bool = False
    description: str | None = None
    #: The languages its texts are given in, the default first (empty: one language,
    #: plain texts). A translated text is a :class:`audit.scorecards.languages.Text`.
    languages: tuple[str, ...] = ()

    def questions(self) -> list[Question]:
        """Every question in form order."""
        return [q for s in self.sections for q in s.questions]

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions() if q.key == key), None)

    def section_of(self, question_key: str) -> Section | None:
        return next(
            (s for s in self.sections if any(q.key == question_key for q in s.questions)),
            None,
        )

    @property
    def weighted(self) -> bool:
        return any(s.weight is not None for s in self.sections)
