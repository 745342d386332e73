"""Creating assignments and moving them through their life; nothing here knows of requests.

Life of an assignment::

    offered ──accept──> accepted ──(visit submitted)──> submitted ──> completed
       │                  │
       ├──decline─────────┴──> declined
       ├──cancel (offered, accepted, overdue) ──> cancelled
       └──window over, nothing submitted (mark_overdue) ──> overdue ──> submitted (late)

Every change writes an :class:`AuditEvent`; the caller commits. Transitions use a
guarded UPDATE (``WHERE status IN allowed``) so two people acting at once (a manager
cancelling while the shopper accepts) cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from audit.access import branch_in_scope, scope_branches
from audit.assignments.lockout import LockoutHit, lockout_conflicts
from audit.extensions import db
from audit.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Branch,
    Region,
    Role,
    Scorecard,
    ScorecardVersion,
    User,
    VersionStatus,
    Visit,
    VisitStatus,
    record_event,
    record_new,
)
from audit.org.timezones import branch_today, branch_zone, today_in
from audit.service_errors import FieldError
from audit.settings import get_setting
from audit.trust.rating import ShopperRating, below_minimum, shopper_ratings
from audit.webhooks.emitting import emit

S = AssignmentStatus

#: Roles an assignment can be offered to.
VISITOR_ROLES = (Role.SHOPPER, Role.ASSESSOR)
#: Statuses that do not count towards the lockout: the visit never happened.
CANCELLABLE = (S.OFFERED, S.ACCEPTED, S.OVERDUE)
DECLINABLE = (S.OFFERED, S.ACCEPTED)
SUBMITTABLE = (S.OFFERED, S.ACCEPTED, S.OVERDUE)
#: A visit can be started from these (a late visit is still a visit).
STARTABLE = (S.ACCEPTED, S.OVERDUE)
#: Each status in words, as a badge or a sentence shows it (:func:`status_word`).
STATUS_WORDS = {
    S.OFFERED: _l("offered"),
    S.ACCEPTED: _l("accepted"),
    S.DECLINED: _l("declined"),
    S.SUBMITTED: _l("submitted"),
    S.COMPLETED: _l("completed"),
    S.CANCELLED: _l("cancelled"),
    S.OVERDUE: _l("overdue"),
}
#: What :func:`_require` says when a change is not allowed, by the change.
REFUSALS = {
    "accepted": _l("An assignment that is %(status)s cannot be accepted."),
    "declined": _l("An assignment that is %(status)s cannot be declined."),
    "cancelled": _l("An assignment that is %(status)s cannot be cancelled."),
    "submitted": _l("An assignment that is %(status)s cannot be submitted."),
    "completed": _l("An assignment that is %(status)s cannot be completed."),
}


def status_word(status: AssignmentStatus) -> str:
    """ "offered", "overdue"… in the reader's language."""
    return str(STATUS_WORDS[status])


# --- errors ------------------------------------------------------------------


class AssignmentError(FieldError):
    """Base class: something a person asked for that cannot be done."""


class AssignmentStateError(AssignmentError):
    """A status change that the assignment's current status does not allow."""


class AssignmentValidationError(AssignmentError):
    """Input that cannot make an assignment; ``problems`` are (field name, message) pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(message for _, message in self.problems))


class LockoutConflict(AssignmentError):
    """The shopper was at some of the branches too recently; override with a reason."""

    def __init__(
        self, conflicts: Sequence[LockoutHit], days: int, *, reason_missing: bool = False
    ) -> None:
        self.conflicts = list(conflicts)
        self.days = days
        #: The override was asked for but without a reason, so it did not count.
        self.reason_missing = reason_missing
        names = ", ".join(f"{hit.branch.label} ({hit.last_date.isoformat()})" for hit in conflicts)
        super().__init__(
            gettext("within the %(days)s-day lockout: %(names)s", days=days, names=names)
        )


class RatingTooLow(AssignmentError):
    """The visitor's rating is below the scorecard's minimum (or they are not yet
    rated); a manager may offer anyway with a reason."""

    def __init__(
        self, shopper: User, rating: ShopperRating, minimum: int, *, reason_missing: bool = False
    ) -> None:
        self.shopper = shopper
        self.rating = rating
        self.minimum = minimum
        #: The override was asked for but without a reason, so it did not count.
        self.reason_missing = reason_missing
        if rating.value is None:
            text = gettext(
                "%(name)s is not yet rated (%(reviewed)s of %(needed)s reviewed visits); this "
                "scorecard asks for a rating of at least %(minimum)s.",
                name=shopper.name,
                reviewed=rating.reviewed,
                needed=rating.needed,
                minimum=minimum,
            )
        else:
            text = gettext(
                "%(name)s's rating is %(rating)s, below the %(minimum)s this scorecard asks for.",
                name=shopper.name,
                rating=rating.value,
                minimum=minimum,
            )
        super().__init__(text, field="shopper")


def today(branch: Branch | None = None, now: datetime | None = None) -> date:
    """Today (or the day at ``now``) on ``branch``'s calendar; without a branch, the
    installation's default zone's.

    A window's dates are the branch's dates: a window ending on the 31st in Tokyo is
    open until midnight there, whatever the server's clock says.
    """
    return today_in(branch_zone(branch), now)


# --- choices for forms (scoped to the person filling them in) ----------------


def scorecard_choices() -> list[SelectChoice]:
    """Scorecards that have a published version: the only ones a visit can be made with."""
    published = (
        select(ScorecardVersion.scorecard_id)
        .where(ScorecardVersion.status == VersionStatus.PUBLISHED)
        .scalar_subquery()
    )
    cards = db.session.scalars(
        select(Scorecard).where(Scorecard.id.in_(published)).order_by(Scorecard.title)
    )
    return [SelectChoice(0, gettext("— choose a scorecard —"))] + [
        SelectChoice(
            card.id,
            card.title
            if card.min_rating is None
            else gettext(
                "%(title)s · needs a rating of %(minimum)s",
                title=card.title,
                minimum=card.min_rating,
            ),
        )
        for card in cards
    ]


def visitor_choices(
    placeholder: str | None = None,
    *,
    active_only: bool = True,
    with_ratings: bool = False,
) -> list[SelectChoice]:
    """Shoppers and assessors (only active ones unless ``active_only`` is off), with
    each one's rating when ``with_ratings`` (computed for all of them at once), after
    ``placeholder`` ("— choose a shopper —" by default)."""
    query = select(User).where(User.role.in_(VISITOR_ROLES)).order_by(User.name, User.id)
    if active_only:
        query = query.where(User.active.is_(True))
    users = list(db.session.scalars(query))
    ratings = shopper_ratings([u.id for u in users]) if with_ratings else {}

    def label(user: User) -> str:
        text = f"{user.name} · {user.role.label}"
        rating = ratings.get(user.id)
        if rating is not None:
            text += (
                gettext(" · rating %(rating)s", rating=rating.value)
                if rating.rated
                else gettext(" · not yet rated")
            )
        return text

    first = SelectChoice(0, placeholder or gettext("— choose a shopper —"))
    return [first] + [SelectChoice(u.id, label(u)) for u in users]


def _branches_in_scope(actor: User, *, active_only: bool = True) -> Select:
    query = (
        select(Branch)
        .join(Branch.region)
        .options(joinedload(Branch.region))
        .order_by(Region.name, Branch.name)
    )
    if active_only:
        query = query.where(Branch.active.is_(True))
    return scope_branches(query, actor)


def branch_choices(actor: User, *, active_only: bool = True) -> list[SelectChoice]:
    """Branches in the actor's scope, grouped by region (an ``<optgroup>`` each)."""
    branches = db.session.scalars(_branches_in_scope(actor, active_only=active_only))
    return [SelectChoice(b.id, b.label, optgroup=b.region.name) for b in branches]


class RegionBranches(NamedTuple):
    """A region and its active branches in the actor's scope, for the branch picker."""

    region: Region
    branches: list[Branch]


def branches_by_region(actor: User) -> list[RegionBranches]:
    """The branches an assignment can go to, grouped by region, both in name order."""
    groups: dict[int, RegionBranches] = {}
    for branch in db.session.scalars(_branches_in_scope(actor)):
        groups.setdefault(branch.region_id, RegionBranches(branch.region, [])).branches.append(
            branch
        )
    return list(groups.values())


def region_choices(actor: User) -> list[SelectChoice]:
    """Regions in scope that have active branches, with how many."""
    query = (
        select(Region, func.count(Branch.id))
        .join(Branch, (Branch.region_id == Region.id) & Branch.active.is_(True))
        .group_by(Region.id, Region.name)
        .order_by(Region.name)
    )
    rows = db.session.execute(scope_branches(query, actor)).all()
    return [
        SelectChoice(
            r.id,
            ngettext(
                "All %(num)d branch in %(region)s",
                "All %(num)d branches in %(region)s",
                n,
                region=r.name,
            ),
        )
        for r, n in rows
    ]


def expand_selection(
    actor: User, branch_ids: Iterable[int], region_ids: Iterable[int]
) -> list[Branch]:
    """The branches picked one by one plus every active branch of the regions picked.

    Only branches in the actor's scope are returned; an id outside it is ignored
    here and refused by :func:`create_assignments` if it ever gets that far.
    """
    branch_ids, region_ids = set(branch_ids), set(region_ids)
    if not branch_ids and not region_ids:
        return []
    query = _branches_in_scope(actor).where(
        Branch.id.in_(branch_ids) | Branch.region_id.in_(region_ids)
    )
    return list(db.session.scalars(query))


# --- the lockout -------------------------------------------------------------


class LockoutPreview(NamedTuple):
    """What :func:`create_assignments` would refuse, shown while the form is filled in."""

    days: int
    #: By branch id: the branches in scope the shopper is locked out of.
    hits: dict[int, LockoutHit]


def lockout_preview(actor: User, shopper: User | None, window_start: date | None) -> LockoutPreview:
    """Which of the branches ``actor`` may offer ``shopper`` is locked out of, for a window
    starting ``window_start``; nothing when either is unknown. The same rule as
    :func:`lockout_conflicts`: the server still decides when the offer is sent."""
    days = get_setting("shopper_lockout_days")
    if shopper is None or shopper.role not in VISITOR_ROLES or window_start is None:
        return LockoutPreview(days, {})
    branches = db.session.scalars(_branches_in_scope(actor)).all()
    hits = lockout_conflicts(shopper, branches, window_start, days)
    return LockoutPreview(days, {hit.branch.id: hit for hit in hits})


# --- creating ----------------------------------------------------------------


def _problems(
    scorecard: Scorecard | None,
    branches: Sequence[Branch],
    shopper: User | None,
    window_start: date | None,
    window_end: date | None,
    actor: User,
    now: date | None,
) -> list[tuple[str, str]]:
    """What is wrong with an offer; ``now`` is "today" for every branch (else each
    branch's own today)."""
    problems: list[tuple[str, str]] = []
    if scorecard is None or scorecard.latest_published is None:
        problems.append(("scorecard", gettext("Choose a scorecard that has a published version.")))
    if shopper is None or not shopper.active or shopper.role not in VISITOR_ROLES:
        problems.append(("shopper", gettext("Choose an active mystery shopper or assessor.")))
    if window_start is None:
        problems.append(("window_start", gettext("Give the first day of the visit window.")))
    if window_end is None:
        problems.append(("window_end", gettext("Give the last day of the visit window.")))
    elif window_start is not None and window_end < window_start:
        problems.append(("window_end", gettext("The window cannot end before it starts.")))
    elif any(window_end < (now or today(branch)) for branch in branches or [None]):
        problems.append(
            ("window_end", gettext("The window has already ended; choose a later end date."))
        )
    if not branches:
        problems.append(("branches", gettext("Choose at least one branch or region.")))
    for branch in branches:
        if not branch.active:
            problems.append(("branches", gettext("%(branch)s is inactive.", branch=branch.label)))
        elif not branch_in_scope(branch, actor):
            problems.append(
                ("branches", gettext("%(branch)s is outside your regions.", branch=branch.label))
            )
        elif (
            shopper is not None
            and shopper.role is Role.ASSESSOR
            and not branch_in_scope(branch, shopper)
        ):
            problems.append(
                (
                    "branches",
                    gettext(
                        "%(branch)s is outside %(name)s's regions.",
                        branch=branch.label,
                        name=shopper.name,
                    ),
                )
            )
    return problems


def create_assignments(
    scorecard: Scorecard | None,
    branches: Iterable[Branch],
    shopper: User | None,
    window_start: date | None,
    window_end: date | None,
    scenario: str,
    actor: User,
    override_lockout: bool = False,
    override_reason: str = "",
    *,
    override_rating: bool = False,
    rating_override_reason: str = "",
    now: date | None = None,
) -> list[Assignment]:
    """Offer ``shopper`` one assignment per branch; the caller commits.

    Raises :class:`AssignmentValidationError` for bad input;
    :class:`RatingTooLow` when the scorecard has a ``min_rating`` the shopper's
    rating does not reach (or they are not yet rated), unless ``override_rating`` is
    set with a reason; and :class:`LockoutConflict` when the shopper was at some
    branches within the lockout period, unless ``override_lockout`` is set with a
    reason. Overridden assignments carry the flag and the reason.
    """
    unique: dict[int, Branch] = {}
    for branch in branches:
        unique.setdefault(branch.id, branch)
    chosen = sorted(unique.values(), key=lambda b: (b.region.name, b.name))
    override_reason = (override_reason or "").strip()
    problems = _problems(scorecard, chosen, shopper, window_start, window_end, actor, now)
    if problems:
        raise AssignmentValidationError(problems)
    assert scorecard is not None and shopper is not None and window_start and window_end  # noqa: S101

    rating_reason = (rating_override_reason or "").strip()
    low = below_minimum(shopper, scorecard)
    if (
        low is not None
        and scorecard.min_rating is not None
        and not (override_rating and rating_reason)
    ):
        raise RatingTooLow(shopper, low, scorecard.min_rating, reason_missing=override_rating)

    days = get_setting("shopper_lockout_days")
    hits = lockout_conflicts(shopper, chosen, window_start, days)
    conflicts = {hit.branch.id: hit for hit in hits}
    if conflicts and not (override_lockout and override_reason):
        raise LockoutConflict(hits, days, reason_missing=override_lockout)

    created = []
    for branch in chosen:
        hit = conflicts.get(branch.id)
        assignment = Assignment(
            scorecard=scorecard,
            branch=branch,
            shopper=shopper,
            window_start=window_start,
            window_end=window_end,
            scenario=(scenario or "").strip(),
            status=S.OFFERED,
            lockout_overridden=hit is not None,
            override_reason=override_reason if hit is not None else "",
            rating_overridden=low is not None,
            rating_override_reason=rating_reason if low is not None else "",
            created_by=actor,
        )
        record_new(
            actor,
            "assignment.created",
            assignment,
            branch=branch.code,
            shopper_id=shopper.id,
            scorecard=scorecard.slug,
            window_start=window_start.isoformat(),
            window_end=window_end.isoformat(),
            batch_size=len(chosen),
        )
        emit("assignment.created", assignment)
        if hit is not None:
            record_event(
                actor,
                "assignment.lockout_overridden",
                assignment,
                reason=override_reason,
                last_date=hit.last_date.isoformat(),
                lockout_days=days,
            )
        if low is not None:
            record_event(
                actor,
                "assignment.rating_overridden",
                assignment,
                reason=rating_reason,
                rating=low.value,
                min_rating=scorecard.min_rating,
            )
        created.append(assignment)
    return created


# --- status changes ----------------------------------------------------------


def _transition(
    assignment: Assignment,
    allowed: Sequence[AssignmentStatus],
    new: AssignmentStatus,
    **values: Any,
) -> None:
    """Move to ``new`` only if the row is still in an ``allowed`` status (compare-and-set)."""
    result = db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status.in_(allowed))
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(assignment)
        raise AssignmentStateError(
            gettext(
                "This assignment is now %(status)s; nothing was changed.",
                status=status_word(assignment.status),
            )
        )
    db.session.refresh(assignment)


def _require(assignment: Assignment, allowed: Sequence[AssignmentStatus], doing: str) -> None:
    """Refuses ``doing`` ("accepted", "declined"…: :data:`REFUSALS`) unless the assignment's
    status is one of ``allowed``."""
    if assignment.status not in allowed:
        raise AssignmentStateError(
            str(REFUSALS[doing]) % {"status": status_word(assignment.status)}
        )


def _require_own(assignment: Assignment, shopper: User) -> None:
    if assignment.shopper_id != shopper.id:
        raise AssignmentStateError(gettext("This assignment was offered to someone else."))


def accept(assignment: Assignment, shopper: User, *, now: date | None = None) -> None:
    _require_own(assignment, shopper)
    _require(assignment, (S.OFFERED,), "accepted")
    if assignment.window_end < (now or today(assignment.branch)):
        raise AssignmentStateError(
            gettext("The visit window has ended; this offer can no longer be taken.")
        )
    _transition(assignment, (S.OFFERED,), S.ACCEPTED, responded_at=datetime.now(UTC))
    record_event(shopper, "assignment.accepted", assignment)


def decline(assignment: Assignment, shopper: User, reason: str = "") -> None:
    """Turn an offer down, or hand back an accepted one before a visit is started."""
    _require_own(assignment, shopper)
    _require(assignment, DECLINABLE, "declined")
    if assignment.visit is not None:
        raise AssignmentStateError(
            gettext("A visit has been started for this assignment; ask your manager to cancel it.")
        )
    reason = (reason or "").strip()
    _transition(
        assignment, DECLINABLE, S.DECLINED, decline_reason=reason, responded_at=datetime.now(UTC)
    )
    record_event(shopper, "assignment.declined", assignment, reason=reason)


def cancel(assignment: Assignment, actor: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentValidationError([("reason", gettext("Give a reason for cancelling."))])
    _require(assignment, CANCELLABLE, "cancelled")
    _transition(
        assignment, CANCELLABLE, S.CANCELLED, cancel_reason=reason, cancelled_at=datetime.now(UTC)
    )
    record_event(actor, "assignment.cancelled", assignment, reason=reason)


def mark_submitted(assignment: Assignment, actor: User | None = None) -> None:
    """For the visit flow: the assignment's visit was submitted (late submissions count).

    Does nothing when already submitted (a returned visit submitted again).
    """
    if assignment.status is S.SUBMITTED:
        return
    _require(assignment, SUBMITTABLE, "submitted")
    _transition(assignment, SUBMITTABLE, S.SUBMITTED)
    record_event(actor or assignment.shopper, "assignment.submitted", assignment)


def mark_completed(assignment: Assignment, actor: User | None = None) -> None:
    """For the review flow: the assignment's visit was approved. Idempotent."""
    if assignment.status is S.COMPLETED:
        return
    _require(assignment, (S.SUBMITTED,), "completed")
    _transition(assignment, (S.SUBMITTED,), S.COMPLETED)
    record_event(actor, "assignment.completed", assignment)


def mark_overdue(as_of: date | None = None, *, now: datetime | None = None) -> int:
    """Offered or accepted assignments whose window has ended with nothing submitted
    become overdue, in one UPDATE; returns how many. The caller commits.

    A window ends when its last day ends at its branch: one ending today in Tokyo turns
    overdue at midnight in Tokyo, judged at ``now`` (default: the present). ``as_of`` (the
    command's ``--as-of``) is instead one day for every branch: windows that ended before it.
    """
    ended_before = as_of if as_of is not None else branch_today(Assignment.branch_id, now)
    submitted = (
        select(Visit.id)
        .where(Visit.assignment_id == Assignment.id, Visit.status != VisitStatus.DRAFT)
        .exists()
    )
    ids = db.session.scalars(
        update(Assignment)
        .where(
            Assignment.status.in_((S.OFFERED, S.ACCEPTED)),
            Assignment.window_end < ended_before,
            ~submitted,
        )
        .values(status=S.OVERDUE)
        .returning(Assignment.id)
        .execution_options(synchronize_session=False)
    ).all()
    if ids:
        for obj in db.session.identity_map.values():
            if isinstance(obj, Assignment) and obj.id in ids:
                db.session.expire(obj, ["status"])
        overdue = db.session.scalars(
            select(Assignment)
            .where(Assignment.id.in_(ids))
            .options(joinedload(Assignment.branch))
            .order_by(Assignment.id)
        ).all()
        db.session.execute(
            insert(AuditEvent),
            [
                {
                    "actor_id": None,
                    "action": "assignment.overdue",
                    "subject_type": Assignment.__tablename__,
                    "subject_id": assignment.id,
                    # The day it was at the branch: the one the window ended before.
                    "details": {"as_of": (as_of or today(assignment.branch, now)).isoformat()},
                    "at": datetime.now(UTC),
                }
                for assignment in overdue
            ],
        )
        emit("assignment.overdue", *overdue)
    return len(ids)


# --- reading -----------------------------------------------------------------


def assignments_for_shopper(user: User) -> list[Assignment]:
    """The user's open assignments (offered, accepted, overdue), due soonest first."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.shopper_id == user.id, Assignment.status.in_(OPEN_STATUSES))
            .options(
                joinedload(Assignment.branch),
                joinedload(Assignment.scorecard),
                # The page asks each one whether its visit was started: one query, not N.
                selectinload(Assignment.visit),
            )
            .order_by(Assignment.window_end, Assignment.window_start, Assignment.id)
        )
    )


@dataclass(frozen=True)
class Filters:
    """What a manager narrowed the assignment list to; ``status`` may also be "open"."""

    status: str = ""
    branch: int | None = None
    shopper: int | None = None
    window_from: date | None = None
    window_to: date | None = None

    def query_args(self) -> dict[str, Any]:
        """The non-empty filters, as they appear in the page's query string."""
        args = {
            "status": self.status,
            "branch": self.branch,
            "shopper": self.shopper,
            "from": self.window_from.isoformat() if self.window_from else None,
            "to": self.window_to.isoformat() if self.window_to else None,
        }
        return {k: v for k, v in args.items() if v}


def filtered_query(actor: User, filters: Filters) -> Select:
    """Assignments at branches in the actor's scope, narrowed by ``filters``, newest first.

    The window filter keeps assignments whose window overlaps [from, to].
    """
    query = (
        select(Assignment)
        .join(Assignment.branch)
        .options(
            joinedload(Assignment.branch).joinedload(Branch.region),
            joinedload(Assignment.scorecard),
            joinedload(Assignment.shopper),
            joinedload(Assignment.visit),
        )
        .order_by(Assignment.window_start.desc(), Assignment.id.desc())
    )
    query = scope_branches(query, actor)
    if filters.status == "open":
        query = query.where(Assignment.status.in_(OPEN_STATUSES))
    elif filters.status in set(S):
        query = query.where(Assignment.status == S(filters.status))
    if filters.branch:
        query = query.where(Assignment.branch_id == filters.branch)
    if filters.shopper:
        query = query.where(Assignment.shopper_id == filters.shopper)
    if filters.window_from:
        query = query.where(Assignment.window_end >= filters.window_from)
    if filters.window_to:
        query = query.where(Assignment.window_start <= filters.window_to)
    return query


def history(assignment: Assignment) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.subject_type == Assignment.__tablename__,
                AuditEvent.subject_id == assignment.id,
            )
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
