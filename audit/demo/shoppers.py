"""The demo's mystery shoppers, and a diary that keeps each of them where they could be.

An agency sends several shoppers, each living in one region and shopping its branches;
the internal assessor travels everywhere. :class:`Diary` gives each visit to someone
free at that time who could have got there: no two of a person's visits overlap, and
between two in-person visits there is time to drive from one branch to the other at
:data:`DRIVING_KMH` in a straight line (well inside the ``impossible_travel`` check's
120 km/h), with :data:`PARKING` to spare.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from audit.models import Branch, User
from audit.org.geo import haversine_m

#: The agency's shoppers besides the demo login shopper@demo.test: e-mail, name, region.
AGENCY_SHOPPERS = (
    ("raj.mehta@demo.test", "Raj Mehta", "North"),
    ("nina.kowalczyk@demo.test", "Nina Kowalczyk", "Midlands"),
    ("ben.hartley@demo.test", "Ben Hartley", "Midlands"),
    ("grace.osei@demo.test", "Grace Osei", "South"),
    ("owen.pryce@demo.test", "Owen Pryce", "South"),
)
#: Where the demo login shopper lives.
LOGIN_SHOPPER_REGION = "North"

DRIVING_KMH = 60
PARKING = timedelta(minutes=20)
#: Two visits further apart than this never constrain each other (the travel check looks
#: a day either side).
HORIZON = timedelta(days=1)


@dataclass(frozen=True)
class _Booked:
    start: datetime
    end: datetime
    branch: Branch
    in_person: bool


class Diary:
    """Everyone's visits so far, to find who is free for the next one."""

    def __init__(self) -> None:
        self._booked: dict[int, list[_Booked]] = defaultdict(list)

    def free(
        self, person: User, branch: Branch, start: datetime, end: datetime, in_person: bool
    ) -> bool:
        """Whether ``person`` could make this visit, given the ones they already have."""
        for other in self._booked[person.id]:
            if other.start > end + HORIZON or other.end < start - HORIZON:
                continue
            gap = max(other.start - end, start - other.end)
            if gap < timedelta(minutes=10):
                return False
            if in_person and other.in_person and other.branch.id != branch.id:
                if gap < _drive(other.branch, branch):
                    return False
        return True

    def book(
        self, person: User, branch: Branch, start: datetime, end: datetime, in_person: bool
    ) -> None:
        self._booked[person.id].append(_Booked(start, end, branch, in_person))

    def choose(
        self,
        rng: random.Random,
        people: Sequence[User],
        branch: Branch,
        start: datetime,
        end: datetime,
        in_person: bool,
    ) -> User | None:
        """Someone of ``people`` (in random order) free for the visit, booked; None if
        nobody is."""
        for person in rng.sample(list(people), len(people)):
            if self.free(person, branch, start, end, in_person):
                self.book(person, branch, start, end, in_person)
                return person
        return None

    def visits_near(self, person: User, start: datetime, end: datetime) -> int:
        """How many of ``person``'s visits are within a day of ``start`` to ``end``."""
        return sum(
            1
            for b in self._booked[person.id]
            if b.start <= end + HORIZON and b.end >= start - HORIZON
        )


def _drive(a: Branch, b: Branch) -> timedelta:
    if a.lat is None or a.lng is None or b.lat is None or b.lng is None:
        return PARKING
    km = haversine_m(a.lat, a.lng, b.lat, b.lng) / 1000
    return timedelta(hours=km / DRIVING_KMH) + PARKING
