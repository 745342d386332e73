"""Six months of believable demo visits, so every page has something true to show.

The visits are made up, but the scores are not: every answer is valid for its
scorecard (hidden questions left empty, N/A only where allowed, a comment on
every answer below full points where the scorecard asks for one), every visit
passes :func:`audit.scorecards.scoring.submission_problems`, and its stored score is what
:func:`audit.visits.scores.store_score` computes from the stored answers.

What makes the figures believable is a small model of service quality:

* every branch has a service level (in log-odds) that may drift over the six
  months: York is strong, Coventry weak (and now and then refuses an
  advertised offer, which fails the whole visit), Brighton improves steadily
  under a new manager, the others sit in between with their own noise;
* every staff member has a skill offset of their own;
* some standards are missed everywhere (a personal recommendation, a proper
  farewell, checking understanding, recapping a call), and waits are longer
  at lunchtime and on Saturdays.

The generator is deterministic for a given seed and "today".

Scorecards with an ``evidence: required`` question (email and web chat) get no
visits: such a visit can only be submitted with a photo, and the demo has no
real photos to attach; pretending it had would make the submission check lie.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from audit.extensions import db
from audit.models import Branch, ScorecardVersion, StaffMember, User, Visit, VisitStatus
from audit.scorecards.definition import Question, ScorecardDefinition
from audit.scorecards.scoring import (
    NA,
    AnswerValue,
    hidden_questions,
    question_earned,
    submission_problems,
)
from audit.visits.scores import set_answer, store_score

STRONG_BRANCH = "YRK01"
WEAK_BRANCH = "COV01"
IMPROVING_BRANCH = "BTN01"

#: The visits cover the days from this many days ago up to yesterday.
DAYS_BACK = 182
PERIODS = 6  # about a month each
FLUSH_EVERY = 150

#: Visits per branch per period (inclusive range), for the scorecards that get visits.
VOLUMES: dict[str, tuple[int, int]] = {
    "branch-visit": (2, 4),
    "customer-survey": (4, 6),
    "phone-enquiry": (0, 2),
    "complaint-handling": (0, 1),
}

#: Branches on an action plan are shopped more often: per-branch overrides of VOLUMES.
EXTRA_VOLUMES: dict[tuple[str, str], tuple[int, int]] = {
    (WEAK_BRANCH, "branch-visit"): (5, 6),
    (IMPROVING_BRANCH, "branch-visit"): (4, 6),
}

IN_PERSON_MINUTES: dict[str, tuple[int, int]] = {
    "branch-visit": (10, 40),
    "complaint-handling": (15, 45),
    "phone-enquiry": (4, 15),
    "customer-survey": (1, 3),
}


class DemoVisitError(RuntimeError):
    """A generated visit broke the scoring rules: a bug in the generator."""


@dataclass(frozen=True)
class BranchProfile:
    """Service level in log-odds at the start and end of the period, and promise-breaking."""

    start: float
    end: float
    slip_rate: float  # chance that a critical promise is broken when it is tested
    story: str = ""

    def level(self, progress: float) -> float:
        return self.start + (self.end - self.start) * progress


PROFILES: dict[str, BranchProfile] = {
    STRONG_BRANCH: BranchProfile(2.95, 3.05, 0.0, "strong: consistently excellent"),
    WEAK_BRANCH: BranchProfile(1.0, 1.0, 0.12, "weak: short-staffed, offers not honoured"),
    IMPROVING_BRANCH: BranchProfile(0.9, 3.0, 0.03, "improving: new manager, coaching plan"),
}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# --------------------------------------------------------------------------- the model

#: How hard a standard is (log-odds subtracted from the visit's skill). Common failure points
#: across the company are the positive numbers.
DIFFICULTY: dict[tuple[str, str], float] = {
    ("branch-visit", "greeted_promptly"): 0.3,
    ("branch-visit", "name_badge"): -0.6,
    ("branch-visit", "branch_tidy"): -0.8,
    ("branch-visit", "wait_acknowledged"): 0.5,
    ("branch-visit", "open_questions"): 0.3,
    ("branch-visit", "listened_fully"): -0.3,
    ("branch-visit", "checked_understanding"): 1.0,
    ("branch-visit", "empathy"): 0.4,
    ("branch-visit", "clear_language"): -0.2,
    ("branch-visit", "personal_recommendation"): 1.5,
    ("branch-visit", "next_steps_agreed"): 0.6,
    ("branch-visit", "anything_else"): 0.6,
    ("branch-visit", "thanked"): -0.5,
    ("branch-visit", "farewell"): 1.3,
    ("phone-enquiry", "identified"): 0.4,
    ("phone-enquiry", "used_name"): 1.0,
    ("phone-enquiry", "clarifying_questions"): 0.6,
    ("phone-enquiry", "checked_understanding"): 0.7,
    ("phone-enquiry", "asked_before_hold"): 0.6,
    ("phone-enquiry", "thanked_for_holding"): 0.5,
    ("phone-enquiry", "callback_time_agreed"): 0.6,
    ("phone-enquiry", "recap"): 1.3,
    ("phone-enquiry", "anything_else"): 0.5,
    ("complaint-handling", "quiet_place_offered"): 0.9,
    ("complaint-handling", "clarifying_questions"): 0.2,
    ("complaint-handling", "acknowledged_feelings"): 0.5,
    ("complaint-handling", "apology"): 0.2,
    ("complaint-handling", "complaint_recorded"): 0.4,
    ("complaint-handling", "solution_offered"): 0.9,
    ("complaint-handling", "follow_up_date"): 0.6,
    ("complaint-handling", "escalation_explained"): 1.3,
    ("complaint-handling", "complaints_policy_given"): 1.2,
    ("complaint-handling", "checked_satisfied"): 0.5,
    ("complaint-handling", "thanked_for_feedback"): 0.8,
    # Customers rate more kindly than trained shoppers.
    ("customer-survey", "csat"): -1.1,
    ("customer-survey", "ease"): -0.6,
    ("customer-survey", "needs_met"): -1.0,
}

#: Standards that suffer when the branch is busy (lunchtime, Saturdays): extra difficulty.
BUSY_PENALTY: dict[tuple[str, str], float] = {
    ("branch-visit", "greeted_promptly"): 1.2,
    ("branch-visit", "wait_minutes"): 1.8,
    ("branch-visit", "wait_acknowledged"): 0.8,
    ("branch-visit", "listened_fully"): 0.4,
    ("branch-visit", "anything_else"): 0.5,
    ("phone-enquiry", "rings_to_answer"): 1.5,
    ("phone-enquiry", "seconds_to_person"): 1.5,
    ("phone-enquiry", "hold_seconds"): 1.0,
    ("complaint-handling", "quiet_place_offered"): 0.8,
    ("customer-survey", "ease"): 0.9,
}

#: Chance of "yes" for the unscored yes/no questions that decide what is asked next.
CONTROLLER_YES: dict[tuple[str, str], float] = {
    ("branch-visit", "offer_on_display"): 0.45,
    ("phone-enquiry", "put_on_hold"): 0.35,
    ("phone-enquiry", "callback_offered"): 0.25,
    ("customer-survey", "contact_ok"): 0.15,
}

#: Chance of N/A, for questions that allow it and where N/A is not decided by other answers.
NA_RATE: dict[tuple[str, str], float] = {
    ("branch-visit", "written_information"): 0.12,
    ("complaint-handling", "quiet_place_offered"): 0.3,
    ("complaint-handling", "honest_explanation"): 0.2,
    ("complaint-handling", "follow_up_kept"): 0.08,
    ("phone-enquiry", "used_name"): 0.15,
}

#: Critical promises: how much of the branch's slip rate applies, plus a company-wide base.
CRITICAL_SLIPS: dict[tuple[str, str], tuple[float, float]] = {
    ("branch-visit", "offer_honoured"): (1.0, 0.0),
    ("phone-enquiry", "information_accurate"): (0.4, 0.01),
    ("phone-enquiry", "callback_kept"): (1.0, 0.03),
    ("complaint-handling", "took_ownership"): (0.8, 0.03),
    ("complaint-handling", "follow_up_kept"): (1.0, 0.05),
}

# --------------------------------------------------------------------------- words

SCENARIOS: dict[str, Sequence[str]] = {
    "branch-visit": (
        "Asked about saving a £6,000 bonus towards a house deposit in about two years",
        "Asked how to transfer a cash ISA from another bank",
        "Asked how much we could borrow for a first home on two salaries",
        "Asked about opening a children's savings account for my nephew",
        "Asked about switching my fixed-rate mortgage, which ends in four months",
        "Asked about the regular saver advertised in the window",
        "Asked how to add my partner to my easy-access savings account",
    ),
    "phone-enquiry": (
        "Called to ask the rate and notice period on the 90-day saver",
        "Called to ask how to add a second person to my savings account",
        "Called to ask whether I could overpay my mortgage without a charge",
        "Called to book a mortgage appointment for a Saturday morning",
        "Called to ask what ID I need to open an account for my daughter",
    ),
    "complaint-handling": (
        "Complained that a promised call-back about my mortgage switch never came",
        "Complained about a £25 charge on my account that nobody had told me about",
        "Complained that my change of address was not made after two requests",
        "Complained that my replacement card was sent to my old address",
        "Complained that my ISA transfer had taken five weeks",
    ),
}

STAFF_DESCRIPTIONS = (
    "Tall man with glasses at the mortgage desk",
    "Young woman with a blue lanyard at the first counter position",
    "Older man in a grey suit, seemed to be the manager",
    "Woman with short red hair at the enquiries desk",
    "Man with a beard and a navy jumper at the second window",
    "Adviser with a dark ponytail at the desk by the window",
)

PHONE_VOICES = (
    "Did not give a name; young-sounding man",
    "Did not give a name; woman with a soft Scottish accent",
    "Did not give a name; older-sounding man, spoke quickly",
    "Did not give a name; woman who said she was 'one of the advisers'",
)

EXCLUSION_REASONS = (
    "Shopper recognised by staff",
    "Visit made outside the assigned window",
    "Fire alarm evacuation during the visit",
    "Shopper had visited the same branch the week before",
    "Branch short-staffed after a reported security incident; agreed with the area manager",
)

RETURN_REASONS = (
    "Please add the adviser's name or a short description: the summary mentions two people.",
    "Please say which offer poster you saw and where it was displayed in the branch.",
    "The wait time and the times in your notes don't agree; please check and confirm.",
)

#: What went wrong, for answers below full points. A list for any shortfall; a dict keyed by
#: "good" (one step below the top of a scale), "poor" (lower), or a choice option's label.
FAILURE_COMMENTS: dict[tuple[str, str], Sequence[str] | Mapping[str, Sequence[str]]] = {
    ("branch-visit", "greeted_promptly"): (
        "Nobody looked up for about two minutes; both advisers were on the phone.",
        "Stood inside the door for over a minute while two staff chatted behind the counter.",
        "Not acknowledged until I reached the front of the queue.",
        "The adviser at the desk was on a call and made no eye contact.",
    ),
    ("branch-visit", "friendly_greeting"): (
        "Opened with 'Next' and no smile.",
        "Greeted with 'Yes?' without looking up from the screen.",
        "No hello; the adviser started with 'Account number?'.",
    ),
    ("branch-visit", "name_badge"): (
        "No badge visible; the lanyard was turned round.",
        "Badge hidden under a cardigan; could not read the name.",
        "Not wearing a badge.",
    ),
    ("branch-visit", "branch_tidy"): (
        "Leaflet rack half empty and a poster for an offer that had already ended.",
        "Stacked delivery boxes next to the seating area.",
        "Bin overflowing by the cash machine; a coffee cup left on the counter.",
        "Broken blind in the window and an out-of-date rate board.",
    ),
    ("branch-visit", "wait_minutes"): {
        "busy": (
            "Waited {minutes} minutes; only one adviser on the counter at lunchtime.",
            "Waited {minutes} minutes; queue of six and two windows closed on a busy {day}.",
            "Waited {minutes} minutes; staff on lunch breaks at the same time.",
        ),
        "quiet": (
            "Waited {minutes} minutes; one adviser was dealing with a long cash transaction "
            "and nobody else came through.",
            "Waited {minutes} minutes; three staff visible but only one serving.",
            "Waited {minutes} minutes although the branch was quiet; the adviser was on a "
            "personal call.",
        ),
    },
    ("branch-visit", "wait_acknowledged"): (
        "Nobody acknowledged the queue in {minutes} minutes.",
        "No apology or thanks for waiting when I was called forward.",
    ),
    ("branch-visit", "open_questions"): (
        "Went straight to the ISA leaflet without asking what I was saving for.",
        "Only closed questions: 'Do you bank with us?', 'Is it for you?'.",
    ),
    ("branch-visit", "listened_fully"): (
        "Cut in after my first sentence to say 'you'll want the fixed rate'.",
        "Talked over me twice while I explained my deadline.",
    ),
    ("branch-visit", "checked_understanding"): (
        "Didn't recap my need, then suggested an account for a different purpose.",
        "No summary before moving on to rates.",
        "Never checked what I'd said; assumed I wanted instant access.",
    ),
    ("branch-visit", "empathy"): {
        "good": (
            "Picked up on my house move but didn't mention it again.",
            "Friendly and sympathetic, but never came back to my deadline.",
        ),
        "poor": (
            "Didn't react when I said I was worried about the deadline.",
            "Polite but distant; my situation was never mentioned.",
            "Seemed in a hurry; said 'everyone's in the same boat'.",
        ),
    },
    ("branch-visit", "product_knowledge"): {
        "good": (
            "Checked the withdrawal rules with a colleague; otherwise answered everything.",
            "Had to look up the notice period on the system; correct when found.",
        ),
        "poor": (
            "Said the bonus rate lasts two years; the leaflet says 12 months.",
            "Unsure whether an existing ISA could be transferred; guessed 'probably'.",
            "Could not say what the early repayment charge would be.",
        ),
    },
    ("branch-visit", "clear_language"): (
        "Used 'LTV' and 'ERC' without explaining them.",
        "Talked about 'AER versus gross' without saying what either meant.",
    ),
    ("branch-visit", "personal_recommendation"): (
        "Handed me the savings leaflet and said 'it's all in there'.",
        "Recommended the account they 'recommend to everyone', not linked to my plans.",
        "No recommendation at all; told me to look on the website.",
        "Suggested the easy-access saver though I'd said I wouldn't touch the money for years.",
    ),
    ("branch-visit", "offer_honoured"): (
        "Window poster advertises 5.10% fixed; the adviser said that rate 'finished last week'.",
        "The adviser added a £10,000 minimum deposit that is not on the poster.",
        "Did not know about the cashback offer on the counter card; said it was online only.",
    ),
    ("branch-visit", "outcome"): {
        "Partly": (
            "Got the rates but was told to come back for an appointment to get a quote.",
            "Answered the ISA question but not the transfer one.",
        ),
        "Not at all": (
            "Left with no quote and no appointment; told to 'try the website'.",
            "Told the mortgage adviser was busy and to come back another day; nothing booked.",
        ),
    },
    ("branch-visit", "next_steps_agreed"): (
        "Said 'someone will be in touch' with no date.",
        "No next step offered; I had to ask how to book.",
    ),
    ("branch-visit", "anything_else"): (
        "Ended with 'right then' and turned to the next customer.",
        "Not asked if there was anything else.",
    ),
    ("branch-visit", "written_information"): (
        "Asked for the rates in writing; told the printer was broken.",
        "No leaflet or card offered; rates only given verbally.",
    ),
    ("branch-visit", "thanked"): (
        "No thanks; the adviser turned to the screen as I stood up.",
        "Mumbled 'cheers' while calling the next customer.",
    ),
    ("branch-visit", "farewell"): (
        "No goodbye; the adviser was already calling the next person.",
        "No eye contact at the end, just 'bye'.",
        "Said goodbye but no use of my name and no invitation to come back.",
    ),
    ("phone-enquiry", "rings_to_answer"): (
        "Answered after {rings} rings.",
        "{rings} rings before the menu picked up.",
    ),
    ("phone-enquiry", "seconds_to_person"): (
        "{seconds} seconds in the menu and queue before a person answered.",
        "Five-option menu; reached a person after {seconds} seconds.",
    ),
    ("phone-enquiry", "identified"): (
        "Answered 'Hello, building society' with no name.",
        "Gave the branch name but not their own.",
    ),
    ("phone-enquiry", "offered_help"): ("Just said 'Hello?'.", "Answered with 'Yep?'."),
    ("phone-enquiry", "tone"): {
        "good": ("Polite but sounded rushed towards the end.",),
        "poor": (
            "Flat and impatient; sighed when I asked them to repeat the rate.",
            "Background chatter and sounded distracted throughout.",
        ),
    },
    ("phone-enquiry", "listened"): (
        "Interrupted before I'd finished explaining the joint account question.",
    ),
    ("phone-enquiry", "clarifying_questions"): (
        "Went straight to a standard answer without asking about my situation.",
    ),
    ("phone-enquiry", "used_name"): ("Took my name at the start but never used it.",),
    ("phone-enquiry", "information_accurate"): (
        "Told me the notice period is 30 days; it is 90 days for this account.",
        "Quoted last month's rate of 4.25%; the current rate is 4.05%.",
        "Said I could withdraw without penalty; the account has a 90-day loss of interest.",
    ),
    ("phone-enquiry", "clear_explanation"): ("Used 'AER' and 'tiered rate' without explaining.",),
    ("phone-enquiry", "checked_understanding"): ("Never checked the answer made sense to me.",),
    ("phone-enquiry", "asked_before_hold"): ("Put on hold mid-sentence without a word.",),
    ("phone-enquiry", "hold_seconds"): (
        "On hold for {hold} seconds with no update.",
        "Two holds, {hold} seconds in total; music very loud.",
    ),
    ("phone-enquiry", "thanked_for_holding"): ("Came back with 'right' and no thanks.",),
    ("phone-enquiry", "callback_time_agreed"): ("Promised a call back 'later', no time given.",),
    ("phone-enquiry", "callback_number_confirmed"): (
        "Didn't confirm my number; assumed the one on screen.",
    ),
    ("phone-enquiry", "callback_kept"): (
        "Call-back promised for the next morning never came.",
        "Called back two days later than agreed.",
    ),
    ("phone-enquiry", "recap"): ("Call ended without a summary of what was agreed.",),
    ("phone-enquiry", "anything_else"): ("Not asked if there was anything else.",),
    ("phone-enquiry", "thanked_for_calling"): ("Ended the call abruptly with 'OK, bye'.",),
    ("complaint-handling", "acknowledged_promptly"): (
        "The adviser finished typing an email before looking up.",
        "Told 'one sec' and waited while she sorted paperwork.",
    ),
    ("complaint-handling", "quiet_place_offered"): (
        "Discussed my account details at the open counter with a queue behind me.",
    ),
    ("complaint-handling", "stayed_calm"): {
        "good": ("Calm throughout, though a little guarded at first.",),
        "poor": (
            "Became defensive when I mentioned the missed call-back.",
            "Sighed and folded arms while I explained.",
        ),
    },
    ("complaint-handling", "no_interruptions"): (
        "Interrupted twice to say it was 'a head office thing'.",
    ),
    ("complaint-handling", "clarifying_questions"): (
        "Didn't ask for the reference number or dates before answering.",
    ),
    ("complaint-handling", "acknowledged_feelings"): {
        "good": ("Said 'I can see why that's frustrating' but didn't pick up on my deadline.",),
        "poor": (
            "Brushed off the impact: 'these things happen'.",
            "No acknowledgement of what the missed payment meant for me.",
        ),
    },
    ("complaint-handling", "apology"): {
        "Brief or scripted apology": ("Scripted 'sorry for any inconvenience'.",),
        "No apology": ("No apology at any point.",),
    },
    ("complaint-handling", "took_ownership"): (
        "Blamed head office: 'It's their system, there's nothing I can do.'",
        "Told me to phone the complaints line myself.",
        "Said the mistake was mine for not checking the statement.",
    ),
    ("complaint-handling", "honest_explanation"): ("Gave no explanation, just 'it happens'.",),
    ("complaint-handling", "complaint_recorded"): (
        "Nothing written down and no reference given.",
        "Made a note on paper but gave no reference.",
    ),
    ("complaint-handling", "solution_offered"): {
        "Clear solution agreed, to be completed later": (
            "Refund agreed but it needs head office sign-off, so not done on the spot.",
            "Correction agreed; the adviser will put it through tomorrow.",
        ),
        "Options offered but nothing agreed": (
            "Offered to raise it or for me to write in; nothing agreed.",
        ),
        "Sympathy only, no solution": ("Sympathised but offered no way to put it right.",),
    },
    ("complaint-handling", "follow_up_date"): ("Said 'we'll be in touch soon' with no date.",),
    ("complaint-handling", "escalation_explained"): (
        "Had to ask what happens if I'm not happy; then told about the complaints team.",
        "No mention of the complaints procedure or the ombudsman.",
    ),
    ("complaint-handling", "complaints_policy_given"): (
        "No leaflet or link to the complaints procedure offered.",
    ),
    ("complaint-handling", "checked_satisfied"): ("Didn't check I was happy with the outcome.",),
    ("complaint-handling", "thanked_for_feedback"): ("No thanks for raising the complaint.",),
    ("complaint-handling", "follow_up_kept"): (
        "The call promised by Friday never came; I chased on Monday.",
        "The refund arrived four days after the agreed date.",
    ),
}

#: What went well, for the written summaries.
GOOD_NEWS: dict[tuple[str, str], str] = {
    ("branch-visit", "greeted_promptly"): "Acknowledged with a smile as soon as I came in.",
    ("branch-visit", "listened_fully"): "Let me explain everything before answering.",
    (
        "branch-visit",
        "empathy",
    ): "Picked up on my deadline straight away and kept coming back to it.",
    ("branch-visit", "product_knowledge"): "Knew the rules and rates without having to check.",
    ("branch-visit", "personal_recommendation"): (
        "Recommended the one-year fixed saver because I'd said I need the money next year."
    ),
    ("branch-visit", "offer_honoured"): "Confirmed the window offer exactly as advertised.",
    ("branch-visit", "farewell"): "Used my name when saying goodbye and invited me back.",
    ("phone-enquiry", "identified"): "Answered with the branch name and {name}'s own name.",
    ("phone-enquiry", "information_accurate"): "Everything I was told matched the brief.",
    ("phone-enquiry", "recap"): "Summed up the answer and next step before ending the call.",
    ("phone-enquiry", "tone"): "Warm, unhurried tone throughout.",
    ("complaint-handling", "took_ownership"): "Said 'I'll take care of this for you' and did.",
    ("complaint-handling", "apology"): "Apologised specifically for what had gone wrong.",
    ("complaint-handling", "acknowledged_feelings"): "Recognised how stressful it had been.",
    ("complaint-handling", "escalation_explained"): "Explained the complaints procedure unasked.",
}

SURVEY_COMMENTS: dict[str, Sequence[str]] = {
    "happy": (
        "{name} was brilliant and sorted everything in one go.",
        "Friendly and quick, thank you.",
        "Really helpful with my ISA transfer.",
        "Always a pleasure coming in here.",
        "Thank you {name} for your patience with my mum.",
    ),
    "fine": (
        "Good service, bit of a queue though.",
        "Helpful, but I had to come back with my passport.",
        "Fine, but nobody told me about the new rates.",
    ),
    "unhappy": (
        "Waited far too long, only one person serving at lunchtime.",
        "Nobody seemed to know the answer about the fixed rate.",
        "Felt rushed.",
        "Told the rate in the window had ended but the poster is still up.",
        "Had to explain everything twice.",
    ),
}

CUSTOMER_NAMES = (
    "Margaret Cole",
    "Dev Mistry",
    "Hannah Price",
    "Peter O'Neill",
    "Sarah Lloyd",
    "Imran Aziz",
    "Joan Fisher",
    "Tomasz Wiśniewski",
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
    people = "; ".join(f"{m.name}, {m.job_title}" for m in draft.staff)
    if not people:
        return None
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
    bad = list(draft.comments.values())
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
        draft.comments[question.key] = _failure_comment(question, value, draft)


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


# --------------------------------------------------------------------------- the timetable


@dataclass
class _Slot:
    branch: Branch
    slug: str
    at: datetime
    progress: float  # 0 at the start of the six months, 1 at the end


def _opening_days(today: date) -> list[date]:
    first = today - timedelta(days=DAYS_BACK)
    days = (first + timedelta(days=n) for n in range(DAYS_BACK))
    return [d for d in days if d.weekday() < 6]  # Monday to Saturday


def _time_of_day(rng: random.Random) -> time:
    if rng.random() < 0.3:  # the lunchtime rush
        minute = rng.randint(12 * 60, 13 * 60 + 59)
    else:
        minute = rng.randint(9 * 60 + 5, 16 * 60 + 30)
    return time(minute // 60, minute % 60)


def _timetable(
    rng: random.Random, branches: Sequence[Branch], slugs: Sequence[str], today: date
) -> list[_Slot]:
    days = _opening_days(today)
    span = len(days)
    slots: list[_Slot] = []
    for branch in branches:
        for slug in slugs:
            low, high = EXTRA_VOLUMES.get((branch.code, slug), VOLUMES[slug])
            for period in range(PERIODS):
                period_days = days[period * span // PERIODS : (period + 1) * span // PERIODS]
                for _ in range(rng.randint(low, high)):
                    index = period * span // PERIODS + rng.randrange(len(period_days))
                    at = datetime.combine(days[index], _time_of_day(rng), tzinfo=UTC)
                    progress = index / max(span - 1, 1)
                    slots.append(_Slot(branch, slug, at, progress))
    slots.sort(key=lambda s: (s.at, s.branch.code, s.slug))
    return slots


# --------------------------------------------------------------------------- people


def _pick_staff(rng: random.Random, slug: str, staff: Sequence[StaffMember]) -> list[StaffMember]:
    def weight(member: StaffMember) -> float:
        title = member.job_title
        if slug == "phone-enquiry":
            return 4.0 if title == "Customer Service Adviser" else 0.5
        if slug == "complaint-handling":
            return 3.0 if title == "Branch Manager" else 1.5
        return {"Customer Service Adviser": 3.0, "Branch Manager": 1.0}.get(title, 2.0)

    first = rng.choices(staff, weights=[weight(m) for m in staff])[0]
    if slug in ("branch-visit", "complaint-handling") and rng.random() < 0.15:
        second = rng.choice([m for m in staff if m is not first])
        return [first, second]
    return [first]


# --------------------------------------------------------------------------- statuses


def _review_timeline(rng: random.Random, visit: Visit, slug: str, now: datetime) -> None:
    """Submission, approval and publication times; the status is what has happened by now."""
    assert visit.ended_at is not None  # noqa: S101
    if slug == "customer-survey":  # cards are typed in at the end of the day
        submitted = visit.ended_at + timedelta(minutes=rng.randint(30, 240))
    else:
        submitted = visit.ended_at + timedelta(minutes=rng.randint(20, 300))
    approved = submitted + timedelta(hours=rng.uniform(20, 170))
    published = approved + timedelta(hours=rng.uniform(24, 190))
    visit.submitted_at = min(submitted, now)
    visit.scored_at = visit.submitted_at
    visit.draft_saved_at = visit.ended_at
    visit.created_at = visit.started_at or visit.visited_at
    if published <= now:
        visit.status = VisitStatus.PUBLISHED
        visit.approved_at, visit.published_at = approved, published
    elif approved <= now:
        visit.status = VisitStatus.APPROVED
        visit.approved_at = approved
    else:
        visit.status = VisitStatus.SUBMITTED
    visit.updated_at = visit.published_at or visit.approved_at or visit.submitted_at


# --------------------------------------------------------------------------- the whole lot


@dataclass(frozen=True)
class DemoVisitSummary:
    visits: int
    by_scorecard: dict[str, int]


def generate_visits(
    *,
    seed: int,
    branches: Sequence[Branch],
    versions: Mapping[str, ScorecardVersion],
    shopper: User,
    assessor: User,
    today: date | None = None,
) -> DemoVisitSummary:
    """Add about six months of scored visits for ``branches`` to the session (flushed).

    ``versions`` maps slug to the published version to use; scorecards that need a photo
    as evidence are left out (see the module docstring).
    """
    rng = random.Random(seed)
    if today is None:
        now = datetime.now(UTC)
        today = now.date()
    else:  # as if loaded early that morning
        now = datetime.combine(today, time(8), tzinfo=UTC)
    definitions = {slug: version.parsed() for slug, version in versions.items()}
    slugs = [
        slug for slug in VOLUMES if slug in definitions and not requires_evidence(definitions[slug])
    ]
    question_rows = {slug: {q.key: q.id for q in versions[slug].questions} for slug in slugs}
    staff_of = {b.id: [m for m in b.staff if m.active] for b in branches}
    profiles = {b.code: PROFILES.get(b.code) or _ordinary_profile(rng) for b in branches}
    offsets = {m.id: rng.gauss(0, 0.35) for b in branches for m in staff_of[b.id]}

    counts: dict[str, int] = dict.fromkeys(slugs, 0)
    made: list[tuple[Visit, str]] = []
    for n, slot in enumerate(_timetable(rng, branches, slugs, today), start=1):
        visit = _make_visit(
            rng,
            slot,
            versions[slot.slug],
            definitions[slot.slug],
            question_rows[slot.slug],
            staff_of[slot.branch.id],
            profiles[slot.branch.code],
            offsets,
            shopper,
            assessor,
            now,
        )
        db.session.add(visit)
        made.append((visit, slot.slug))
        counts[slot.slug] += 1
        if n % FLUSH_EVERY == 0:
            db.session.flush()
    _return_and_exclude(rng, made, shopper)
    db.session.flush()
    return DemoVisitSummary(visits=len(made), by_scorecard=counts)


def _ordinary_profile(rng: random.Random) -> BranchProfile:
    level = rng.uniform(2.2, 2.6)
    return BranchProfile(level, level + rng.uniform(-0.2, 0.2), rng.uniform(0.0, 0.015))


def _make_visit(
    rng: random.Random,
    slot: _Slot,
    version: ScorecardVersion,
    definition: ScorecardDefinition,
    question_rows: Mapping[str, int],
    staff: Sequence[StaffMember],
    profile: BranchProfile,
    offsets: Mapping[int, float],
    shopper: User,
    assessor: User,
    now: datetime,
) -> Visit:
    slug = slot.slug
    served = _pick_staff(rng, slug, staff)
    skill = (
        profile.level(slot.progress)
        + sum(offsets[m.id] for m in served) / len(served)
        + rng.gauss(0, 0.45)
    )
    at = slot.at
    busy = at.weekday() == 5 or 12 <= at.hour < 14
    draft = _Draft(slug, definition, rng, skill, busy, profile.slip_rate, at, list(served))
    if slug in SCENARIOS:
        draft.facts["scenario"] = rng.choice(SCENARIOS[slug])
    if slug in ("branch-visit", "complaint-handling") and rng.random() < 0.1:
        draft.staff, draft.staff_description = [], rng.choice(STAFF_DESCRIPTIONS)
    fill_answers(draft)
    if slug == "phone-enquiry" and draft.values.get("identified") == "no":
        draft.staff, draft.staff_description = [], rng.choice(PHONE_VOICES)

    problems = submission_problems(definition, draft.values, draft.comments)
    if problems:
        raise DemoVisitError(f"{slug} at {slot.branch.code}: {problems}")

    low, high = IN_PERSON_MINUTES[slug]
    visit = Visit(
        scorecard_id=version.scorecard_id,
        version=version,
        branch=slot.branch,
        visitor=_visitor(rng, slug, shopper, assessor),
        visited_at=at,
        started_at=at - timedelta(minutes=rng.randint(1, 5)),
        ended_at=at + timedelta(minutes=rng.randint(low, high)),
        staff=draft.staff,
        staff_description=draft.staff_description,
    )
    for question in definition.questions():
        value = draft.values.get(question.key)
        comment = draft.comments.get(question.key)
        if value is not None or comment:
            set_answer(visit, question, value, comment, question_rows=question_rows)
    store_score(visit, definition)
    _review_timeline(rng, visit, slug, now)
    return visit


def _visitor(rng: random.Random, slug: str, shopper: User, assessor: User) -> User | None:
    if slug == "customer-survey":
        return None  # filled in by the customer, typed in by the branch
    if slug == "branch-visit" and rng.random() < 0.25:
        return assessor  # unannounced internal audits
    return shopper


def _return_and_exclude(
    rng: random.Random, made: Sequence[tuple[Visit, str]], shopper: User
) -> None:
    waiting = [
        v
        for v, slug in made
        if v.status is VisitStatus.SUBMITTED and v.visitor is shopper and slug != "customer-survey"
    ]
    for visit in rng.sample(waiting, min(2, len(waiting))):
        visit.status = VisitStatus.RETURNED
        visit.return_reason = rng.choice(RETURN_REASONS)
    published = [
        v
        for v, slug in made
        if v.status is VisitStatus.PUBLISHED and v.visitor is shopper and slug != "customer-survey"
    ]
    for visit in rng.sample(published, min(len(EXCLUSION_REASONS), len(published))):
        visit.excluded = True
        visit.exclusion_reason = rng.choice(EXCLUSION_REASONS)
