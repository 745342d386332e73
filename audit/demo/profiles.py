"""Who the demo branches are and how they score: profiles, volumes, the model of quality."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
