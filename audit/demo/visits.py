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

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from audit.demo.answers import _Draft, fill_answers, requires_evidence
from audit.demo.profiles import (
    DAYS_BACK,
    EXTRA_VOLUMES,
    FLUSH_EVERY,
    IN_PERSON_MINUTES,
    PERIODS,
    PROFILES,
    VOLUMES,
    BranchProfile,
    DemoVisitError,
)
from audit.demo.words import (
    EXCLUSION_REASONS,
    PHONE_VOICES,
    RETURN_REASONS,
    SCENARIOS,
    STAFF_DESCRIPTIONS,
)
from audit.extensions import db
from audit.models import Branch, ScorecardVersion, StaffMember, User, Visit, VisitStatus
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.scoring import (
    submission_problems,
)
from audit.scorecards.store import definition_of
from audit.visits.scores import set_answer, store_score

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
    definitions = {slug: definition_of(version) for slug, version in versions.items()}
    slugs = [
        slug for slug in VOLUMES if slug in definitions and not requires_evidence(definitions[slug])
    ]
    question_rows = {slug: {q.key: q.id for q in versions[slug].questions} for slug in slugs}
    # In the order they were created, however ``b.staff`` happened to be loaded (it is
    # ordered by name when read from the database): the same seed makes the same visits.
    staff_of = {
        b.id: sorted((m for m in b.staff if m.active), key=lambda m: m.id) for b in branches
    }
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
    # Customers' answers draw from a stream of their own (one draw of the main one), so a
    # change to the survey card never moves the mystery-shop visits that follow.
    answers_rng = random.Random(rng.random()) if slug == "customer-survey" else rng
    draft = _Draft(slug, definition, answers_rng, skill, busy, profile.slip_rate, at, list(served))
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
