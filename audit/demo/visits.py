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

Who went, when, and what they wrote are believable too, so an honest visit raises no trust
signal (:mod:`audit.demo.planted` adds the few that do):

* several shoppers, each shopping their own region's branches, and the assessor's audits
  anywhere; a visit goes to someone free who could have driven there
  (:mod:`audit.demo.shoppers`);
* every visit starts after its branch opens and ends before it closes (its opening hours
  in ``branches.csv``), read in UTC or in British summer time alike;
* each shopper writes in their own words about their own day (:mod:`audit.demo.voices`).

The generator is deterministic for a given seed and "today".

Scorecards with an ``evidence: required`` question (email and web chat) get no
visits: such a visit can only be submitted with a photo, and the demo has no
real photos to attach; pretending it had would make the submission check lie.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from audit.demo.answers import _Draft, fill_answers, requires_evidence
from audit.demo.profiles import (
    DAYS_BACK,
    EXTRA_VOLUMES,
    FLUSH_EVERY,
    IN_PERSON_MINUTES,
    PERIODS,
    PROFILES,
    VOLUMES,
    WEAK_BRANCH,
    BranchProfile,
    DemoVisitError,
)
from audit.demo.shoppers import Diary
from audit.demo.voices import VOICES, Ledger, Writer, queue_words, served_words
from audit.demo.words import (
    EXCLUSION_REASONS,
    PHONE_VOICES,
    RETURN_REASONS,
    SCENARIOS,
    STAFF_DESCRIPTIONS,
)
from audit.extensions import db
from audit.models import Branch, ScorecardVersion, StaffMember, User, Visit, VisitStatus
from audit.org.hours import OpeningHours, parse_hours
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
    started: datetime
    ended: datetime


#: A visit starts at least OPEN_MARGIN after the branch opens and ends CLOSE_MARGIN before
#: it closes by the clock the times are stored in (UTC): inside the opening hours whether
#: they are read in UTC or in British summer time, an hour ahead.
OPEN_MARGIN = timedelta(minutes=5)
CLOSE_MARGIN = timedelta(minutes=60)
#: Most branches are open on Saturdays; a demo branch without hours keeps these.
USUAL_HOURS = "Mon-Sat 09:00-17:00"


def _opening_days(today: date) -> list[date]:
    first = today - timedelta(days=DAYS_BACK)
    days = (first + timedelta(days=n) for n in range(DAYS_BACK))
    return [d for d in days if d.weekday() < 6]  # Monday to Saturday


def _hours(branch: Branch) -> OpeningHours:
    hours = parse_hours(branch.opening_hours) or parse_hours(USUAL_HOURS)
    assert hours is not None  # noqa: S101
    return hours


def _time_of_day(
    rng: random.Random, hours: OpeningHours, day: date, slug: str
) -> tuple[datetime, datetime, datetime] | None:
    """(visited, started, ended) on ``day`` inside the branch's hours (with the margins);
    None when the branch is closed that day."""
    low, high = IN_PERSON_MINUTES[slug]
    early = int(OPEN_MARGIN.total_seconds() // 60) + 5  # started up to 5 minutes before
    late = int(CLOSE_MARGIN.total_seconds() // 60) + high
    windows = [(a + early, b - late) for a, b in hours.spans(day.weekday()) if b - late > a + early]
    if not windows:
        return None
    lunch = [(max(a, 12 * 60), min(b, 13 * 60 + 59)) for a, b in windows]
    lunch = [(a, b) for a, b in lunch if a <= b]
    if lunch and rng.random() < 0.3:  # the lunchtime rush
        first, last = rng.choice(lunch)
    else:
        first, last = rng.choices(windows, weights=[b - a + 1 for a, b in windows])[0]
    minute = rng.randint(first, last)
    at = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=UTC)
    started = at - timedelta(minutes=rng.randint(1, 5))
    return at, started, at + timedelta(minutes=rng.randint(low, high))


def _timetable(
    rng: random.Random, branches: Sequence[Branch], slugs: Sequence[str], today: date
) -> list[_Slot]:
    days = _opening_days(today)
    span = len(days)
    slots: list[_Slot] = []
    for branch in branches:
        hours = _hours(branch)
        for slug in slugs:
            low, high = EXTRA_VOLUMES.get((branch.code, slug), VOLUMES[slug])
            for period in range(PERIODS):
                period_days = days[period * span // PERIODS : (period + 1) * span // PERIODS]
                for _ in range(rng.randint(low, high)):
                    index = period * span // PERIODS + rng.randrange(len(period_days))
                    times = _time_of_day(rng, hours, days[index], slug)
                    if times is None:
                        continue
                    progress = index / max(span - 1, 1)
                    slots.append(_Slot(branch, slug, times[0], progress, *times[1:]))
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


@dataclass
class VisitMaker:
    """What making one demo visit needs, kept for the visits planted afterwards
    (:mod:`audit.demo.planted`)."""

    rng: random.Random
    versions: Mapping[str, ScorecardVersion]
    definitions: Mapping[str, ScorecardDefinition]
    question_rows: Mapping[str, Mapping[str, int]]
    staff_of: Mapping[int, list[StaffMember]]
    profiles: Mapping[str, BranchProfile]
    offsets: Mapping[int, float]
    diary: Diary
    ledger: Ledger
    now: datetime
    today: date

    def slot(self, branch: Branch, slug: str, day: date, minute: int) -> _Slot:
        """A visit to ``branch`` on ``day`` at ``minute`` past midnight (UTC)."""
        at = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=UTC)
        low, high = IN_PERSON_MINUTES[slug]
        first = self.today - timedelta(days=DAYS_BACK)
        progress = (day - first).days / DAYS_BACK
        started = at - timedelta(minutes=self.rng.randint(1, 5))
        return _Slot(branch, slug, at, progress, started, at + timedelta(minutes=high))

    def make(self, slot: _Slot, visitor: User | None, slip_rate: float | None = None) -> Visit:
        """The visit of ``slot`` by ``visitor``, scored, in the session; ``slip_rate``
        instead of the branch's chance that a critical promise is broken."""
        slug = slot.slug
        profile = self.profiles[slot.branch.code]
        if slip_rate is not None:
            profile = replace(profile, slip_rate=slip_rate)
        visit = _make_visit(
            self.rng,
            slot,
            self.versions[slug],
            self.definitions[slug],
            self.question_rows[slug],
            self.staff_of[slot.branch.id],
            profile,
            self.offsets,
            visitor,
            self.ledger,
            self.now,
        )
        db.session.add(visit)
        return visit


@dataclass(frozen=True)
class DemoVisitSummary:
    visits: int
    by_scorecard: dict[str, int]
    #: The visits made, with their scorecard's slug.
    made: list[tuple[Visit, str]]
    #: To make more, where everyone was and what they wrote included.
    maker: VisitMaker


def generate_visits(
    *,
    seed: int,
    branches: Sequence[Branch],
    versions: Mapping[str, ScorecardVersion],
    shoppers: Mapping[str, Sequence[User]],
    assessor: User,
    returned_by: User,
    today: date | None = None,
) -> DemoVisitSummary:
    """Add about six months of scored visits for ``branches`` to the session (flushed).

    ``versions`` maps slug to the published version to use; scorecards that need a photo
    as evidence are left out (see the module docstring). ``shoppers`` are the shoppers of
    each region (by its name); visits go to whoever of them is free and could have got
    there (:class:`audit.demo.shoppers.Diary`), the assessor's audits anywhere.
    ``returned_by`` is the shopper whose visits are sent back for fixing.
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
    # In the order they were created, however ``b.staff`` happened to be loaded (it is
    # ordered by name when read from the database): the same seed makes the same visits.
    staff_of = {
        b.id: sorted((m for m in b.staff if m.active), key=lambda m: m.id) for b in branches
    }
    profiles = {b.code: PROFILES.get(b.code) or _ordinary_profile(rng) for b in branches}
    maker = VisitMaker(
        rng=rng,
        versions=versions,
        definitions=definitions,
        question_rows={slug: {q.key: q.id for q in versions[slug].questions} for slug in slugs},
        staff_of=staff_of,
        profiles=profiles,
        offsets={m.id: rng.gauss(0, 0.35) for b in branches for m in staff_of[b.id]},
        diary=Diary(),
        ledger=Ledger(),
        now=now,
        today=today,
    )

    counts: dict[str, int] = dict.fromkeys(slugs, 0)
    made: list[tuple[Visit, str]] = []
    slots = _timetable(rng, branches, slugs, today)
    weak = [i for i, slot in enumerate(slots) if _weak_shop(slot)]
    last_chances = set(weak[-BREACH_CHANCES:])
    breached = False
    for index, slot in enumerate(slots):
        regional = shoppers[slot.branch.region.name]
        visitor = _visitor(rng, slot, maker.diary, regional, assessor)
        if visitor is False:
            continue  # nobody free could have got there: the visit is not made
        # The weak branch's story needs a broken promise: when chance gave none, one of
        # its last visits finds the offer not honoured (the same draws, another outcome).
        forced = index in last_chances and not breached
        visit = maker.make(slot, visitor, slip_rate=1.0 if forced else None)
        breached = breached or (_weak_shop(slot) and visit.critical_failed)
        made.append((visit, slot.slug))
        counts[slot.slug] += 1
        if len(made) % FLUSH_EVERY == 0:
            db.session.flush()
    for visit in _to_return(maker, made, branches, shoppers, returned_by):
        made.append((visit, "branch-visit"))
        counts["branch-visit"] += 1
    _return_and_exclude(rng, made, returned_by)
    latest = _in_review(maker, made, shoppers)
    if latest is not None:
        made.append((latest, "branch-visit"))
        counts["branch-visit"] += 1
    db.session.flush()
    return DemoVisitSummary(visits=len(made), by_scorecard=counts, made=made, maker=maker)


#: The weak branch's last visits that may be made to break its critical promise.
BREACH_CHANCES = 5


def _weak_shop(slot: _Slot) -> bool:
    return slot.branch.code == WEAK_BRANCH and slot.slug == "branch-visit"


#: The staff login's branch: the demo's activity has her dispute a visit still in review.
STORY_BRANCH = "LDS01"


def _in_review(
    maker: VisitMaker, made: Sequence[tuple[Visit, str]], shoppers: Mapping[str, Sequence[User]]
) -> Visit | None:
    """A branch visit at STORY_BRANCH in the last days, still in review, if chance left it
    none (the appeals of :mod:`audit.demo.activity_feedback` need one); None otherwise."""
    waiting = (VisitStatus.SUBMITTED, VisitStatus.APPROVED)
    for visit, slug in made:
        if visit.branch.code == STORY_BRANCH and slug == "branch-visit" and visit.status in waiting:
            return None
    branch = next(v.branch for v, _ in made if v.branch.code == STORY_BRANCH)
    found = _sent_lately(maker, [branch], shoppers[branch.region.name], 1, 10 * 60 + 30)
    return found[0] if found else None


#: How many visits of the demo shopper are sent back for fixing.
RETURNED = 2


def _to_return(
    maker: VisitMaker,
    made: Sequence[tuple[Visit, str]],
    branches: Sequence[Branch],
    shoppers: Mapping[str, Sequence[User]],
    shopper: User,
) -> list[Visit]:
    """Visits ``shopper`` sent in the last days, to be sent back, when chance left them
    fewer than :data:`RETURNED` waiting for review (their latest were all reviewed)."""
    waiting = sum(
        1
        for visit, slug in made
        if visit.visitor is shopper
        and visit.status is VisitStatus.SUBMITTED
        and slug != "customer-survey"
    )
    if waiting >= RETURNED:
        return []
    regions = [name for name, people in shoppers.items() if shopper in people]
    near = [b for b in branches if b.region.name in regions] or list(branches)
    return _sent_lately(maker, near, [shopper], RETURNED - waiting, 14 * 60 + 30)


def _sent_lately(
    maker: VisitMaker, branches: Sequence[Branch], people: Sequence[User], wanted: int, minute: int
) -> list[Visit]:
    """Up to ``wanted`` branch visits by the first of ``people`` free, to the first of
    ``branches`` they could reach, one a day (Monday to Saturday) in the last week at
    ``minute`` past midnight: sent, not yet reviewed."""
    found: list[Visit] = []
    for back in range(1, 8):
        day = maker.today - timedelta(days=back)
        if len(found) == wanted or day.weekday() > 5:
            continue
        for branch in branches:
            slot = maker.slot(branch, "branch-visit", day, minute)
            free = (
                person
                for person in people
                if maker.diary.free(person, branch, slot.started, slot.ended, True)
            )
            person = next(free, None)
            if person is None:
                continue
            maker.diary.book(person, branch, slot.started, slot.ended, True)
            visit = maker.make(slot, person)
            visit.status = VisitStatus.SUBMITTED  # sent, not yet reviewed
            visit.approved_at = visit.published_at = None
            visit.updated_at = visit.submitted_at
            found.append(visit)
            break
    return found


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
    visitor: User | None,
    ledger: Ledger,
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
    if visitor is not None:
        draft.writer = _writer(rng, visitor, slot, draft, ledger)
    fill_answers(draft)
    if slug == "phone-enquiry" and draft.values.get("identified") == "no":
        draft.staff, draft.staff_description = [], rng.choice(PHONE_VOICES)

    problems = submission_problems(definition, draft.values, draft.comments)
    if problems:
        raise DemoVisitError(f"{slug} at {slot.branch.code}: {problems}")

    visit = Visit(
        scorecard_id=version.scorecard_id,
        version=version,
        branch=slot.branch,
        visitor=visitor,
        visited_at=at,
        started_at=slot.started,
        ended_at=slot.ended,
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


def _writer(
    rng: random.Random, visitor: User, slot: _Slot, draft: _Draft, ledger: Ledger
) -> Writer:
    """How ``visitor`` writes this visit up: their voice, and what the day was like."""
    voice = VOICES[visitor.email]
    phone = slot.slug == "phone-enquiry"
    people = rng.randint(2, 5) if draft.busy else rng.randint(0, 2)
    # A caller learns a name only if the adviser gives one (known once the form is filled).
    served = "" if phone else served_words(voice, [(m.name, m.job_title) for m in draft.staff])
    return Writer(
        voice,
        (visitor.id, slot.branch.id),
        ledger,
        slot.at,
        served,
        queue_words(people, phone),
        phone=phone,
    )


def _visitor(
    rng: random.Random, slot: _Slot, diary: Diary, shoppers: Sequence[User], assessor: User
) -> User | None | Literal[False]:
    """Who makes the visit: nobody for a customer's survey card, the assessor for some
    branch visits (unannounced internal audits), else a shopper of the branch's region;
    False when nobody free could have got there."""
    if slot.slug == "customer-survey":
        return None  # filled in by the customer, typed in by the branch
    people = list(shoppers)
    if slot.slug == "branch-visit" and rng.random() < 0.25:
        people = [assessor]
    in_person = slot.slug != "phone-enquiry"
    chosen = diary.choose(rng, people, slot.branch, slot.started, slot.ended, in_person)
    if chosen is None and people == [assessor]:
        chosen = diary.choose(rng, shoppers, slot.branch, slot.started, slot.ended, in_person)
    return False if chosen is None else chosen


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
