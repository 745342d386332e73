"""How each demo shopper writes: their own phrasing around what they saw on the day.

A real shopper's note says what went wrong and when, who served, how busy it was and
what else caught their eye; no two visits share all of that. The demo writes the same
way, so an honest visit raises no ``duplicate_text`` (a comment identical, or 90% alike,
to one on a visit at another branch or by another person):

* each shopper has a :class:`Voice` of their own: how they frame a note, open and close
  a summary (two people rarely phrase the same thing the same way);
* every note and summary carries the visit's own circumstances (:class:`Scene`: the day
  and time of day, who served, the queue, something noticed in the branch);
* a :class:`Ledger` remembers what each note was made of, and a new one never repeats
  the thing noticed, nor more than one other circumstance, of a note written on the same
  words at another branch or by another person.

The planted copy (:mod:`audit.demo.planted`) is then the only text found twice.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

#: Things a shopper notices in a branch; one per note, never twice in the same frame.
NOTICED = (
    "the rates board had been updated that morning",
    "a radio was playing quietly in the back office",
    "two advisers were on the phones the whole time",
    "there was a children's corner with crayons by the window",
    "mortgage leaflets were piled up on the side desk",
    "the cash machine outside had an out-of-order sign",
    "a student bank account poster hung by the door",
    "umbrellas were dripping on the mat at the entrance",
    "the manager was walking the floor greeting people",
    "a new ISA poster had gone up in the window",
    "the heating was turned up very high",
    "the queue barrier was folded away against the wall",
    "someone was fixing the lights above the counter",
    "a delivery of stationery was being unpacked at the back",
    "the water cooler by the seats was empty",
    "a fraud awareness leaflet was handed to everyone queuing",
    "the self-service kiosk was showing an error screen",
    "there was a bowl of sweets on the counter",
    "the carpet by the door had just been cleaned",
    "a security guard was chatting with the staff",
    "the branch smelt of fresh coffee from next door",
    "one counter position had a closed sign on it",
    "a charity collection tin sat by the paying-in machine",
    "the blinds were half down against the sun",
    "an elderly customer was being helped with a form",
    "the opening-hours sign on the door was handwritten",
    "the desk tidy held a jar of branded pens",
    "a toddler was crying near the waiting area",
    "the digital screen was cycling through savings rates",
    "new chairs had been put in the waiting area",
    "there were muddy footprints across the entrance",
    "a mortgage appointment was going on in the glass room",
    "the background music was a local radio station",
    "a notice about changes to cheque clearing was taped up",
    "someone had left a shopping bag by the seats",
    "the staff were wearing new green lanyards",
    "a window cleaner was working on the front glass",
    "the till printer was jammed and being cleared",
    "the branch had a notice about a community event",
    "a pensioner was paying in a large bag of coins",
    "the side door to the car park was propped open",
    "a local newspaper was on the table by the seats",
    "the leaflet rack had been reorganised by product",
    "two trainee badges were visible behind the counter",
    "the paying-in machine had a short queue of its own",
    "fresh flowers stood at the end of the counter",
    "a phone kept ringing unanswered in the back office",
    "the clock above the counter was five minutes fast",
)

#: What a caller notices instead.
ON_CALLS = (
    "the hold music was a loop of the same jingle",
    "a recorded message about fraud played before anything else",
    "the line crackled for the first minute",
    "I could hear a printer going in the background",
    "the menu offered five options before a person",
    "someone laughed loudly near the phone",
    "the call dropped once and I rang back",
    "a colleague could be heard asking about a form",
    "the adviser was typing throughout the call",
    "an automated voice read out the branch's opening hours",
    "the line was very quiet, almost an echo",
    "a door banged twice during the call",
    "I was told calls are recorded for training",
    "the greeting was a recorded welcome in two languages",
    "the hold message advertised the regular saver",
    "another phone kept ringing near the adviser",
    "the adviser apologised for a slow system",
    "I heard the branch radio in the background",
    "the menu asked for my postcode, then ignored it",
    "the call was put through to a second desk",
)

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_COUNTS = ("nobody", "one person", "two people", "three people", "four people", "five people")


def day_part(at: datetime) -> str:
    minute = at.hour * 60 + at.minute
    if minute < 10 * 60:
        return "just after opening"
    if minute < 12 * 60:
        return "mid-morning"
    if minute < 14 * 60:
        return "lunchtime"
    if minute < 16 * 60:
        return "mid-afternoon"
    return "late afternoon"


@dataclass(frozen=True)
class Scene:
    """What one note says about the visit beside what went wrong."""

    when: str
    who: str
    queue: str
    noticed: str

    def shared(self, other: Scene) -> int:
        """How many of the circumstances two notes have in common (nobody named is not
        a circumstance: a caller rarely learns a name)."""
        same = (
            self.when == other.when,
            bool(self.who) and self.who == other.who,
            self.queue == other.queue,
            self.noticed == other.noticed,
        )
        return sum(same)


@dataclass(frozen=True)
class Voice:
    """How one person writes. ``notes`` frame a shortfall comment; ``openings`` put the
    brief; ``scenes`` set the visit; ``verdicts`` close a summary, from the best visit to
    the worst. Each uses the fields of :class:`Scene` and ``{comment}``, ``{scenario}``."""

    notes: tuple[str, ...]
    openings: tuple[str, ...]
    scenes: tuple[str, ...]
    verdicts: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    #: How a served person is named: "{first}", "{full}" or with their job.
    served: str = "{first}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text


#: Notes and settings of phone enquiries, whoever rings: the ledger keeps them apart.
CALL_NOTES = (
    "{comment} (Rang {when}, {queue}; {noticed}.)",
    "Call made {when}, {queue}: {comment_lc} During the call {noticed}.",
)
CALL_SCENES = ("I rang {when} and got through {queue}; {noticed}.",)
#: How long a caller waited for someone, by how busy the line was.
_HOLDS = (
    "at the first try",
    "after a few rings",
    "after a minute or so",
    "after two minutes",
    "after three minutes on hold",
    "after nearly five minutes",
)

VOICES: dict[str, Voice] = {
    "shopper@demo.test": Voice(
        notes=(
            "{comment} ({when}; {who} serving, {queue} queuing; {noticed}.)",
            "{when_cap}, {who} on the counter: {comment_lc} Also noted: {noticed}.",
        ),
        openings=("{scenario}.", "Brief: {scenario_lc}."),
        scenes=("Visited {when} with {queue} in the queue; {who} served me. I noticed {noticed}.",),
        verdicts=(
            ("Overall an excellent experience.", "A model visit from start to finish."),
            ("Overall a good experience with a few things to work on.",),
            ("Overall disappointing.", "Not the service the standards describe."),
        ),
    ),
    "raj.mehta@demo.test": Voice(
        notes=(
            "{when_cap}. {comment} {who_cap} was serving and {queue} waiting. Side note: "
            "{noticed}.",
            "{comment} - {who}, {when}, {queue} ahead; {noticed}.",
        ),
        openings=("Scenario: {scenario_lc}.", "My enquiry: {scenario_lc}."),
        scenes=("{when_cap}; {queue} waiting when I arrived, dealt with by {who}; {noticed}.",),
        verdicts=(
            ("Top marks; nothing to add.", "Could not fault it."),
            ("Decent visit, a couple of gaps.", "Mostly good, some points to pick up."),
            ("Below standard overall.", "A poor visit, sadly."),
        ),
        served="{full}",
    ),
    "nina.kowalczyk@demo.test": Voice(
        notes=(
            "Observed {when}: {comment_lc} Staff member: {who}. Queue: {queue}. Also, {noticed}.",
            "{comment} [{who}; {queue} in the queue; {when}] Note that {noticed}.",
        ),
        openings=("As briefed, I {scenario_verb}.", "Purpose of visit: {scenario_lc}."),
        scenes=("Arrived {when}, {queue} queuing; my adviser was {who}; {noticed}.",),
        verdicts=(
            ("An exemplary visit.", "Everything to standard and beyond."),
            ("A sound visit with room for improvement.",),
            ("The visit fell well short of the standard.",),
        ),
        served="{first} ({job})",
    ),
    "ben.hartley@demo.test": Voice(
        notes=(
            "{comment} It was {when} and {queue} waited with me; {who} served. {noticed_cap}.",
            "{who_cap}, {when}: {comment_lc} ({queue} in the queue, {noticed}).",
        ),
        openings=("Went in and {scenario_verb}.", "I {scenario_verb}."),
        scenes=("It was {when}; {queue} before me and {who} looked after me. {noticed_cap}.",),
        verdicts=(
            ("Brilliant from start to finish.", "Genuinely great service."),
            ("Good, but not quite there.", "Fine overall, with a few misses."),
            ("Poor, I'm afraid.", "Would not recommend on this showing."),
        ),
    ),
    "grace.osei@demo.test": Voice(
        notes=(
            "{comment} Context: {when}, {queue} queuing, served by {who}, and {noticed}.",
            "On this visit ({when}, {who}) {comment_lc} Incidentally {noticed}.",
        ),
        openings=("The task: {scenario_lc}.", "{scenario}, as the brief asked."),
        scenes=("{when_cap}, {queue} waiting; {who} helped me and {noticed}.",),
        verdicts=(
            ("Everything I hoped for.", "Excellent throughout."),
            ("A good visit overall, though not perfect.",),
            ("Overall the visit disappointed.", "Several basics were missed."),
        ),
        served="{full}",
    ),
    "owen.pryce@demo.test": Voice(
        notes=(
            "{noticed_cap} ({when}). {comment} {who_cap} was serving; {queue} in front.",
            "{comment} Time: {when}. Adviser: {who}. Queue: {queue}. Also {noticed}.",
        ),
        openings=("Visit brief: {scenario_lc}.", "Mystery shop - {scenario_lc}."),
        scenes=("Time of visit {when}; {queue} ahead; adviser {who}. Observed: {noticed}.",),
        verdicts=(
            ("Faultless.", "An outstanding visit."),
            ("Satisfactory with improvements needed.",),
            ("Unsatisfactory visit.", "Well below what customers should expect."),
        ),
        served="{first} ({job})",
    ),
    "assessor@demo.test": Voice(
        notes=(
            "Audit note ({when}): {comment_lc} Served by {who}; {queue} in the queue; {noticed}.",
            "{comment} Recorded {when}, {who} at the desk, {queue} waiting. {noticed_cap}.",
        ),
        openings=("Unannounced audit: {scenario_lc}.", "Internal audit visit; {scenario_lc}."),
        scenes=("Audit {when}: {queue} waiting on arrival, served by {who}; {noticed}.",),
        verdicts=(
            ("Meets every standard audited.", "A model branch on this visit."),
            ("Mostly compliant; coaching points noted.",),
            ("Significant gaps against the standards.",),
        ),
        served="{full} ({job})",
    ),
}

#: Job titles as shoppers write them.
_JOBS = {
    "Branch Manager": "manager",
    "Customer Service Adviser": "adviser",
    "Mortgage Adviser": "mortgage adviser",
    "Savings Specialist": "savings specialist",
}


def queue_words(people: int, phone: bool = False) -> str:
    """How busy it was: people ahead in the queue, or for a call how long it took."""
    words = _HOLDS if phone else _COUNTS
    return words[min(max(people, 0), len(words) - 1)]


def served_words(voice: Voice, names: Sequence[tuple[str, str]]) -> str:
    """Who served, as ``voice`` names them: (full name, job title) pairs."""
    if not names:
        return "an adviser without a badge"
    return " and ".join(
        voice.served.format(first=full.split()[0], full=full, job=_JOBS.get(job, job.lower()))
        for full, job in names
    )


def when_words(at: datetime) -> str:
    return f"{_WEEKDAYS[at.weekday()]} {day_part(at)}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class Ledger:
    """What the notes written so far were made of, by the words they frame: ``(owner,
    scene)`` per (frame, words), where an owner is (person, branch)."""

    written: dict[tuple[str, str], list[tuple[tuple[int, int], Scene]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def clashes(self, key: tuple[str, str], owner: tuple[int, int], scene: Scene) -> bool:
        """Whether ``scene`` is too like one already written on the same words by someone
        else or at another branch: the same thing noticed, or two other circumstances."""
        return any(
            other != owner and (scene.noticed == seen.noticed or scene.shared(seen) >= 2)
            for other, seen in self.written[key]
        )

    def keep(self, key: tuple[str, str], owner: tuple[int, int], scene: Scene) -> None:
        self.written[key].append((owner, scene))


@dataclass
class Writer:
    """One person writing up one visit."""

    voice: Voice
    owner: tuple[int, int]  # (person id, branch id)
    ledger: Ledger
    at: datetime
    served: str
    queue: str
    phone: bool = False

    def scene(self, rng: random.Random, key: tuple[str, str]) -> Scene:
        """Circumstances for a note framing ``key``; tries other things noticed (and, if
        need be, another way to name the time) until none clashes."""
        when = when_words(self.at)
        for attempt in range(60):
            noticed = rng.choice(ON_CALLS if self.phone else NOTICED)
            if attempt >= 30:  # the same day part twice: say the time instead
                when = f"{_WEEKDAYS[self.at.weekday()]} at {self.at:%H:%M}"
            scene = Scene(when, self.served, self.queue, noticed)
            if not self.ledger.clashes(key, self.owner, scene):
                break
        self.ledger.keep(key, self.owner, scene)
        return scene

    def note(self, rng: random.Random, comment: str) -> str:
        """A shortfall comment in this person's words, with the visit's circumstances."""
        frame = rng.choice(CALL_NOTES if self.phone else self.voice.notes)
        scene = self.scene(rng, (frame, comment))
        return _fill(frame, scene, comment=comment.rstrip())

    def opening(self, rng: random.Random, scenario: str) -> str:
        frame = rng.choice(self.voice.openings)
        verb = _lower_first(scenario)
        return frame.format(scenario=scenario, scenario_lc=verb, scenario_verb=verb)

    def setting(self, rng: random.Random, scenario: str) -> str:
        """The sentence that sets the visit in a summary."""
        frame = rng.choice(CALL_SCENES if self.phone else self.voice.scenes)
        scene = self.scene(rng, (frame, scenario))
        return _fill(frame, scene)

    def verdict(self, rng: random.Random, share: float) -> str:
        best, good, poor = self.voice.verdicts
        return rng.choice(best if share >= 0.95 else good if share >= 0.8 else poor)


def _fill(frame: str, scene: Scene, comment: str = "") -> str:
    values: dict[str, str] = {
        "when": scene.when,
        "who": scene.who,
        "queue": scene.queue,
        "noticed": scene.noticed,
        "comment": comment,
        "comment_lc": _lower_first(comment),
    }
    values.update({f"{k}_cap": _cap(v) for k, v in list(values.items())})
    return frame.format(**values)
