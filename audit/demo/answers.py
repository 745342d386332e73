"""One demo visit's answers and comments, drawn from its branch's profile."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from audit.demo.profiles import (
    BUSY_PENALTY,
    CONTROLLER_YES,
    CRITICAL_SLIPS,
    DIFFICULTY,
    NA_RATE,
    _sigmoid,
)
from audit.demo.voices import Writer
from audit.demo.words import CUSTOMER_NAMES, FAILURE_COMMENTS, GOOD_NEWS, SURVEY_COMMENTS
from audit.models import StaffMember
from audit.scorecards.definition import Question, ScorecardDefinition
from audit.scorecards.scoring import (
    NA,
    AnswerValue,
    hidden_questions,
    question_earned,
)

# --------------------------------------------------------------------------- one visit


@dataclass
class _Draft:
    """One visit being made up: its circumstances, and the answers so far."""

    slug: str
    definition: ScorecardDefinition
    rng: random.Random
    skill: float
    busy: bool
    slip_rate: float
    at: datetime
    staff: list[StaffMember]
    staff_description: str = ""
    values: dict[str, AnswerValue] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)
    #: How the visitor writes it up (None: the comments as the banks word them).
    writer: Writer | None = None
    #: Each comment as the bank words it, before the writer puts it their own way.
    plain: dict[str, str] = field(default_factory=dict)

    def chance(self, key: str, base: float = 0.0) -> float:
        """Chance that this visit meets the standard ``key``."""
        hard = DIFFICULTY.get((self.slug, key), 0.0)
        if self.busy:
            hard += BUSY_PENALTY.get((self.slug, key), 0.0)
        return _sigmoid(self.skill + base - hard)

    def fraction(self, key: str, spread: float = 0.8) -> float:
        """Where on a scale (0 = worst, 1 = best) this visit lands for ``key``."""
        hard = DIFFICULTY.get((self.slug, key), 0.0)
        if self.busy:
            hard += BUSY_PENALTY.get((self.slug, key), 0.0)
        return _sigmoid(self.skill - hard + self.rng.gauss(0, spread))

    def score_so_far(self) -> float:
        """Earned / possible over the scored answers given so far (1.0 when none)."""
        earned = possible = 0.0
        for question in self.definition.questions():
            value = self.values.get(question.key)
            if value is None or value is NA or not question.scored:
                continue
            earned += question_earned(question, value)
            possible += question.possible
        return earned / possible if possible else 1.0


def _first_name(draft: _Draft) -> str:
    return draft.staff[0].name.split()[0] if draft.staff else "the adviser"


def _yes(draft: _Draft, probability: float) -> str:
    return "yes" if draft.rng.random() < probability else "no"


def _timed(
    ok_range: tuple[int, int], bad_range: tuple[int, int], fact: str
) -> Callable[[Question, _Draft], AnswerValue]:
    def make(question: Question, draft: _Draft) -> AnswerValue:
        ok = draft.rng.random() < draft.chance(question.key, 0.9)
        value = draft.rng.randint(*(ok_range if ok else bad_range))
        draft.facts[fact] = value
        return value

    return make


def _wait_minutes(question: Question, draft: _Draft) -> AnswerValue:
    if draft.rng.random() < draft.chance(question.key, 0.9):
        value = draft.rng.choice((0, 0, 0, 1, 1, 2, 2, 3, 4, 5))
    else:
        value = draft.rng.randint(6, 18 if draft.busy else 12)
    draft.facts["minutes"] = value
    return value


def _wait_acknowledged(question: Question, draft: _Draft) -> AnswerValue:
    if draft.values.get("wait_minutes") == 0:
        return NA
    return _yes(draft, draft.chance(question.key))


def _complaints_policy(question: Question, draft: _Draft) -> AnswerValue:
    solved = draft.values.get("solution_offered") == "Resolved on the spot to my satisfaction"
    if solved and draft.rng.random() < 0.8:
        return NA
    return _yes(draft, draft.chance(question.key))


def _contact_ok(question: Question, draft: _Draft) -> AnswerValue:
    unhappy = isinstance(draft.values.get("csat"), int) and draft.values["csat"] <= 2
    return _yes(draft, 0.5 if unhappy else CONTROLLER_YES[(draft.slug, question.key)])


def _contact_details(question: Question, draft: _Draft) -> AnswerValue:
    name = draft.rng.choice(CUSTOMER_NAMES)
    if draft.rng.random() < 0.6:
        return f"{name}, 07700 900{draft.rng.randint(100, 999)}"
    return f"{name}, {name.split()[0].lower()}.{draft.rng.randint(10, 99)}@example.com"


def _survey_comment(question: Question, draft: _Draft) -> AnswerValue:
    if draft.rng.random() < 0.5:
        return None
    csat = draft.values.get("csat")
    mood = "happy" if csat == 5 else "fine" if csat == 4 else "unhappy"
    return draft.rng.choice(SURVEY_COMMENTS[mood]).format(name=_first_name(draft))


def _adviser_description(question: Question, draft: _Draft) -> AnswerValue:
    if draft.staff_description:
        return draft.staff_description
    if not draft.staff:
        return None
    if draft.writer is not None:  # as they name people; short, as a name is
        badge = ", no badge" if draft.values.get("name_badge") == "no" else ""
        return draft.writer.served + badge
    people = "; ".join(f"{m.name}, {m.job_title}" for m in draft.staff)
    if draft.values.get("name_badge") == "no":
        return f"{people} (name from the desk plate, no badge)"
    return people


def _summary(question: Question, draft: _Draft) -> AnswerValue:
    rng = draft.rng
    good = [
        text.format(name=_first_name(draft))
        for (slug, key), text in GOOD_NEWS.items()
        if slug == draft.slug
        and (q := draft.definition.question(key)) is not None
        and (value := draft.values.get(key)) is not None
        and value is not NA
        and question_earned(q, value) >= q.possible
    ]
    bad = list(draft.plain.values())
    if draft.writer is not None:
        return _written_up(draft, good, bad)
    parts = [str(draft.facts["scenario"]) + "."]
    if draft.slug == "phone-enquiry" and draft.values.get("identified") == "yes":
        parts.append(f"Spoke to {_first_name(draft)}.")
    elif draft.slug != "phone-enquiry" and draft.staff:
        parts.append(f"Served by {_first_name(draft)}.")
    parts.extend(rng.sample(good, min(len(good), rng.randint(1, 2))))
    if bad:
        parts.append(("However: " if good else "") + " ".join(bad[:3]))
    share = draft.score_so_far()
    parts.append(
        "Overall an excellent experience."
        if share >= 0.95
        else "Overall a good experience with a few things to work on."
        if share >= 0.8
        else "Overall disappointing."
    )
    return " ".join(p for p in parts if p)


def _written_up(draft: _Draft, good: list[str], bad: list[str]) -> str:
    """A summary in the writer's words: the brief, the visit's setting, what went well and
    what did not in the order they come to mind, and a verdict."""
    rng, writer = draft.rng, draft.writer
    assert writer is not None  # noqa: S101
    scenario = str(draft.facts["scenario"])
    praise = rng.sample(good, min(len(good), rng.randint(1, 2)))
    faults = " ".join(bad[:3])
    if not faults:
        points = praise
    elif praise and rng.random() < 0.5:
        points = [faults, "On the plus side: " + " ".join(praise)]
    else:
        points = [*praise, ("However: " if praise else "") + faults]
    parts = [writer.opening(rng, scenario), writer.setting(rng, scenario), *points]
    parts.append(writer.verdict(rng, draft.score_so_far()))
    return " ".join(p for p in parts if p)


def _recommend(question: Question, draft: _Draft) -> AnswerValue:
    if draft.slug == "customer-survey" and draft.rng.random() < 0.08:
        return None  # the customer skipped it
    share = draft.score_so_far()
    critical = any(
        draft.values.get(q.key) == "no" for q in draft.definition.questions() if q.critical
    )
    mean = 10.6 * share - 0.4 - (3 if critical else 0)
    return max(0, min(10, round(draft.rng.gauss(mean, 1.2))))


SPECIAL: dict[tuple[str, str], Callable[[Question, _Draft], AnswerValue]] = {
    ("branch-visit", "wait_minutes"): _wait_minutes,
    ("branch-visit", "wait_acknowledged"): _wait_acknowledged,
    ("branch-visit", "adviser_description"): _adviser_description,
    ("branch-visit", "visit_summary"): _summary,
    ("phone-enquiry", "rings_to_answer"): _timed((1, 3), (4, 9), "rings"),
    ("phone-enquiry", "seconds_to_person"): _timed((8, 60), (65, 210), "seconds"),
    ("phone-enquiry", "hold_seconds"): _timed((15, 60), (75, 260), "hold"),
    ("phone-enquiry", "call_summary"): _summary,
    ("complaint-handling", "complaints_policy_given"): _complaints_policy,
    ("complaint-handling", "complaint_summary"): _summary,
    ("customer-survey", "contact_ok"): _contact_ok,
    ("customer-survey", "contact_details"): _contact_details,
    ("customer-survey", "comment"): _survey_comment,
}


def _value(question: Question, draft: _Draft) -> AnswerValue:
    key = (draft.slug, question.key)
    if key in SPECIAL:
        return SPECIAL[key](question, draft)
    rng = draft.rng
    if question.allow_na and rng.random() < NA_RATE.get(key, 0.0):
        return NA
    if question.type == "nps":
        return _recommend(question, draft)
    if question.type == "text":
        return None
    if question.critical and key in CRITICAL_SLIPS:
        share, base = CRITICAL_SLIPS[key]
        return "no" if rng.random() < base + share * draft.slip_rate else "yes"
    if question.type == "yes_no":
        if not question.scored:
            return _yes(draft, CONTROLLER_YES.get(key, 0.5))
        return _yes(draft, draft.chance(question.key))
    if question.type == "scale":
        low, high = question.min or 0, question.max or 0
        return low + round(draft.fraction(question.key) * (high - low))
    if question.type == "choice":
        options = sorted(question.options, key=lambda o: -o.points)
        index = int((1 - draft.fraction(question.key)) * len(options))
        return options[min(index, len(options) - 1)].label
    if question.type == "number":
        target = question.target
        if target is None:
            return rng.randint(0, 10)
        inside = rng.random() < draft.chance(question.key, 0.9)
        low = target.min if target.min is not None else 0
        high = target.max if target.max is not None else low + 10
        return rng.randint(int(low), int(high)) if inside else int(high) + rng.randint(1, 10)
    return None  # pragma: no cover - every type is handled above


def _failure_comment(question: Question, value: AnswerValue, draft: _Draft) -> str:
    bank = FAILURE_COMMENTS.get((draft.slug, question.key))
    choices: Sequence[str] | None = None
    if isinstance(bank, Mapping):
        if question.type == "scale" and isinstance(value, int):
            tier = "good" if value == (question.max or 0) - 1 else "poor"
        elif question.type == "number":
            tier = "busy" if draft.busy else "quiet"
        else:
            tier = str(value)
        choices = bank.get(tier)
    elif bank:
        choices = bank
    if not choices:
        return f"Below the standard: {question.text}"
    facts = {"name": _first_name(draft), "day": draft.at.strftime("%A"), **draft.facts}
    return draft.rng.choice(choices).format(**facts)


def _comment(question: Question, value: AnswerValue, draft: _Draft) -> None:
    if value is None or value is NA or not question.scored:
        return
    if question_earned(question, value) >= question.possible:
        return
    needed = draft.definition.comment_on_fail or question.comment_on_fail
    if needed or ((draft.slug, question.key) in FAILURE_COMMENTS and draft.rng.random() < 0.6):
        plain = draft.plain[question.key] = _failure_comment(question, value, draft)
        writer = draft.writer
        draft.comments[question.key] = plain if writer is None else writer.note(draft.rng, plain)


def fill_answers(draft: _Draft) -> None:
    """Answer every visible question in form order; hidden questions stay unanswered."""
    for question in draft.definition.questions():
        if question.show_if is not None and question.key in hidden_questions(
            draft.definition, draft.values
        ):
            continue
        value = _value(question, draft)
        if value is None:
            continue
        draft.values[question.key] = value
        _comment(question, value, draft)


def requires_evidence(definition: ScorecardDefinition) -> bool:
    return any(q.evidence == "required" for q in definition.questions())
