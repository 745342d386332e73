"""Four visits to look at twice, planted among the demo's honest ones so the trust pages
(review page, Trust → Signals, ``flask trust report``) have something true to show.

* **A reused photo.** Shoppers photograph the offer poster when there is one; a handful of
  visits carry a photo of their own. Weeks after one of them, another shopper sends the
  same picture, saved again smaller, with a visit at another branch: ``photo_reuse`` on
  that later visit (the earlier one sent it first).
* **A copied comment.** A shopper pastes the summary of an earlier visit at another
  branch into a later one: ``duplicate_text`` on both visits.
* **An impossible trip.** A shopper's morning visit in the North, then one recorded in
  Bristol some forty minutes after it ended: ``impossible_travel`` on both.
* **A visit outside the opening hours.** A Saturday afternoon visit recorded at a branch
  that closes at one: ``outside_hours``.

Every other visit raises nothing: shoppers write in their own words about their own day
(:mod:`audit.demo.voices`), go only where they could have driven to
(:mod:`audit.demo.shoppers`) and visit while the branch is open. :data:`PLANTED_SIGNALS`
is what ``flask trust compute`` finds on the whole demo.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from audit.demo.visits import DemoVisitSummary, VisitMaker
from audit.extensions import db
from audit.models import (
    Attachment,
    AttachmentKind,
    Branch,
    SignalKind,
    User,
    Visit,
    VisitStatus,
)
from audit.org.hours import parse_hours
from audit.photos.images import process_image
from audit.shop.attachments import stored_attachment
from audit.storage import Storage
from audit.trust.service import compute_signals

__all__ = ["HONEST_PHOTOS", "PLANTED_SIGNALS", "plant_cases"]

#: The signals the planted cases raise, by kind: all the demo has.
PLANTED_SIGNALS: dict[SignalKind, int] = {
    SignalKind.PHOTO_REUSE: 1,
    SignalKind.DUPLICATE_TEXT: 2,
    SignalKind.IMPOSSIBLE_TRAVEL: 2,
    SignalKind.OUTSIDE_HOURS: 1,
}
#: Visits with an offer poster photo of their own.
HONEST_PHOTOS = 4
#: Where the impossible trip ends: Bristol, over 200 km from every northern branch.
FAR_BRANCH = "BRS01"
PHOTO_QUESTION = "offer_on_display"
#: A clear margin from "now": the planted visits have been reviewed and published.
OLDEST_DAYS, NEWEST_DAYS = 150, 30


def plant_cases(summary: DemoVisitSummary, store: Storage) -> list[Visit]:
    """Plant the four cases among the visits of ``summary``; returns the visits whose
    signals are computed at once (the planted ones and those with a photo: the others
    raise none, which ``flask trust compute`` confirms)."""
    maker = summary.maker
    rng = maker.rng
    usable = [
        visit
        for visit, slug in summary.made
        if slug == "branch-visit"
        and visit.status is VisitStatus.PUBLISHED
        and not visit.excluded
        and visit.visitor is not None
        and maker.today - timedelta(days=OLDEST_DAYS)
        <= visit.visited_at.date()
        <= maker.today - timedelta(days=NEWEST_DAYS)
    ]
    with_photos = _photos(rng, usable, store)
    rest = [v for v in usable if v not in with_photos]
    copied = _copied_summary(rest)
    rest = [v for v in rest if v not in copied]
    trip = _impossible_trip(maker, rest)
    closed = _outside_hours(maker, [v for v in rest if v not in trip])
    db.session.flush()
    return sorted({*with_photos, *copied, *trip, closed}, key=lambda v: (v.visited_at, v.id))


def compute_planted(visits: Sequence[Visit], store: Storage) -> int:
    """Store the signals of ``visits`` (in the order they were made: a photo's first
    sending is hashed before it is compared); returns how many."""
    return sum(len(compute_signals(visit, store)) for visit in visits)


# --- photos ----------------------------------------------------------------------------


def _photos(rng: random.Random, usable: Sequence[Visit], store: Storage) -> list[Visit]:
    """HONEST_PHOTOS visits that saw an offer poster send a photo of it; then a visit by
    someone else, at another branch, sends the first of them again."""
    posters = [v for v in usable if _answer(v, PHOTO_QUESTION) == "yes"]
    chosen = sorted(rng.sample(posters, HONEST_PHOTOS), key=lambda v: v.visited_at)
    for number, visit in enumerate(chosen):
        _attach(visit, _jpeg(_poster(number), (640, 480), 88), store)
    original = chosen[0]
    reuser = next(
        v
        for v in posters
        if v not in chosen
        and v.visitor_id != original.visitor_id
        and v.branch_id != original.branch_id
        and v.visited_at - original.visited_at > timedelta(days=14)
    )
    _attach(reuser, _jpeg(_poster(0), (480, 360), 70), store)  # saved again, smaller
    return [*chosen, reuser]


def _answer(visit: Visit, key: str) -> str | None:
    answer = visit.answer(key)
    return answer.value_text if answer is not None else None


def _poster(number: int) -> Image.Image:
    """A made-up photo of an offer poster: a wall, the poster, its blocks of colour and
    words, laid out by ``number`` (other numbers look nothing alike to a photo hash)."""
    rng = random.Random(1000 + number)
    colour = lambda: (rng.randrange(256), rng.randrange(256), rng.randrange(256))  # noqa: E731
    image = Image.new("RGB", (640, 480), colour())
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randrange(640), rng.randrange(480)
        draw.rectangle([x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 200)], colour())
    draw.text((rng.randrange(40, 400), rng.randrange(40, 400)), "FIXED RATE SAVER", colour())
    return image


def _jpeg(image: Image.Image, size: tuple[int, int], quality: int) -> bytes:
    buffer = io.BytesIO()
    image.resize(size).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _attach(visit: Visit, data: bytes, store: Storage) -> Attachment:
    """The photo stored as the phone's upload stores one, taken during the visit."""
    image = process_image(data, max_bytes=len(data) + 1)
    assert visit.started_at is not None  # noqa: S101
    attachment = stored_attachment(
        image,
        store,
        question_key=PHOTO_QUESTION,
        kind=AttachmentKind.PHOTO,
        original_name=f"IMG_{visit.visited_at:%Y%m%d_%H%M}.jpg",
        captured_at=visit.started_at + timedelta(minutes=3),
        user=visit.visitor,
    )
    visit.attachments.append(attachment)
    return attachment


# --- a copied comment ------------------------------------------------------------------


def _copied_summary(usable: Sequence[Visit]) -> list[Visit]:
    """A shopper's summary pasted into their visit at another branch three weeks on."""
    for earlier in usable:
        later = next(
            (
                v
                for v in usable
                if v.visitor_id == earlier.visitor_id
                and v.branch_id != earlier.branch_id
                and v.visited_at - earlier.visited_at > timedelta(days=21)
            ),
            None,
        )
        if later is not None:
            original = earlier.answer("visit_summary")
            pasted = later.answer("visit_summary")
            assert original is not None and pasted is not None  # noqa: S101
            pasted.value_text = original.value_text
            return [earlier, later]
    raise RuntimeError("the demo has no shopper with two visits to copy between")


# --- an impossible trip ----------------------------------------------------------------


def _impossible_trip(maker: VisitMaker, usable: Sequence[Visit]) -> list[Visit]:
    """A northern shopper's weekday morning visit, and one recorded in Bristol some forty
    minutes after it ended, on a day with no other visit of theirs near it."""
    far = db.session.scalars(select(Branch).where(Branch.code == FAR_BRANCH)).one()
    for first in usable:
        visitor = first.visitor
        assert visitor is not None and first.ended_at is not None  # noqa: S101
        day = first.visited_at.date()
        if first.branch.region.name != "North" or day.weekday() > 4:
            continue
        start = first.ended_at + timedelta(minutes=45)
        minute = start.hour * 60 + start.minute
        if minute > 13 * 60 or not _alone(maker, visitor, first):
            continue
        second = maker.make(maker.slot(far, "branch-visit", day, minute), visitor)
        maker.diary.book(visitor, far, second.started_at, second.ended_at, True)
        return [first, second]
    raise RuntimeError("the demo has no morning visit to plant an impossible trip after")


def _alone(maker: VisitMaker, visitor: User, visit: Visit) -> bool:
    """Whether ``visit`` is the visitor's only one within a day either side."""
    assert visit.started_at is not None and visit.ended_at is not None  # noqa: S101
    return maker.diary.visits_near(visitor, visit.started_at, visit.ended_at) == 1


# --- outside the opening hours ---------------------------------------------------------


def _outside_hours(maker: VisitMaker, usable: Sequence[Visit]) -> Visit:
    """A Saturday visit at 14:20 at a branch that closes at 13:00 on Saturdays, by a
    shopper of its region who was nowhere else that weekend."""
    branches = {v.branch for v in usable}
    closing = [b for b in branches if _saturday_close(b) == 13 * 60]
    minute = 14 * 60 + 20
    for branch in sorted(closing, key=lambda b: b.code):
        people = sorted(
            {v.visitor for v in usable if v.branch.region_id == branch.region_id and v.visitor},
            key=lambda u: u.id,
        )
        for day in _saturdays(maker.today):
            slot = maker.slot(branch, "branch-visit", day, minute)
            for person in people:
                if maker.diary.free(person, branch, slot.started, slot.ended, True):
                    visit = maker.make(slot, person)
                    maker.diary.book(person, branch, slot.started, slot.ended, True)
                    return visit
    raise RuntimeError("the demo has no Saturday to plant a visit outside the hours on")


def _saturday_close(branch: Branch) -> int | None:
    hours = parse_hours(branch.opening_hours)
    spans = hours.spans(5) if hours else ()
    return spans[-1][1] if spans else None


def _saturdays(today: date) -> list[date]:
    first = today - timedelta(days=OLDEST_DAYS)
    days = (first + timedelta(days=n) for n in range(OLDEST_DAYS - NEWEST_DAYS))
    return [d for d in days if d.weekday() == 5]
