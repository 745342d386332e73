"""The small organisation of the report, download and dashboard tests, and what is built
on it: corrective actions, appeals and coaching notes for the branch pages and PDFs.

Its visits have a percent and no answers (:func:`tests.builders.add_visits`), so appeals
and answer changes on them are written as they stand rather than through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from audit.extensions import db
from audit.models import (
    Action,
    ActionPriority,
    ActionStatus,
    AppealStatus,
    Branch,
    Region,
    Role,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from tests.builders.actions import make_action
from tests.builders.appeals import make_appeal
from tests.builders.coaching import make_note
from tests.builders.events import make_event
from tests.builders.org import make_branch, make_region, make_staff, make_user
from tests.builders.scorecards import publish_report_cards
from tests.builders.visits import add_visits, attach_photo, make_answer_change

#: The shopper of the report tests' story visit: managers may see the name, staff never.
REPORT_SHOPPER_NAME = "Sally Quartermaine"
REPORT_SHOPPER_EMAIL = "sally.quartermaine@shoppers.example"
#: The reviewer who approved and corrected the story visit.
REVIEWER_NAME = "Rita Reviewer"
#: The name the story visit's photo had on the shopper's phone.
PHOTO_ORIGINAL = "IMG_4711.jpg"
#: A branch-visit question.
GREETED = "greeted_promptly"


@dataclass
class Small:
    north_id: int
    south_id: int
    codes: dict[str, str]  # "N1", "N2", "S1" -> branch code
    staff_code: str
    visit_id: int  # published, names the staff member, made by the shopper
    other_visit_id: int  # published, names nobody
    north_manager: str
    other_manager: str
    staff_email: str
    shopper_email: str


def build_small() -> Small:
    """North: N1 Harbour Lane and N2 Castle Gate; South: S1 Seafront Parade. Four published
    visits at each branch and one more at N1 naming Nadia Staffwell (who has a login),
    made by the report shopper; two managers scoped to North. The report cards."""
    make_region()
    publish_report_cards()
    db.session.commit()
    north, south = make_region("North"), make_region("South")
    branches = {
        "N1": make_branch(north, name="Harbour Lane"),
        "N2": make_branch(north, name="Castle Gate"),
        "S1": make_branch(south, name="Seafront Parade"),
    }
    member = make_staff(branches["N1"], name="Nadia Staffwell")
    for branch in branches.values():
        add_visits(branch, [82, 91, 68, 77], status=VisitStatus.PUBLISHED)
    add_visits(branches["N1"], [88], status=VisitStatus.PUBLISHED, staff=[member])
    shopper = make_user(Role.SHOPPER, REPORT_SHOPPER_EMAIL, name=REPORT_SHOPPER_NAME)
    visits = db.session.scalars(
        select(Visit).where(Visit.branch_id == branches["N1"].id).order_by(Visit.id)
    ).all()
    named = next(v for v in visits if v.staff)
    named.visitor = shopper
    other = next(v for v in visits if not v.staff)
    staff_user = make_user(Role.STAFF, name=member.name)
    member.user = staff_user
    north_manager = make_user(Role.MANAGER, regions=[north])
    other_manager = make_user(Role.MANAGER, regions=[north])
    db.session.commit()
    return Small(
        north.id,
        south.id,
        {key: b.code for key, b in branches.items()},
        member.code,
        named.id,
        other.id,
        north_manager.email,
        other_manager.email,
        staff_user.email,
        shopper.email,
    )


def _branches(small: Small) -> dict[str, Branch]:
    return {
        key: db.session.scalars(select(Branch).where(Branch.code == code)).one()
        for key, code in small.codes.items()
    }


def _staff(code: str) -> StaffMember:
    return db.session.scalars(select(StaffMember).where(StaffMember.code == code)).one()


def _published_at(branch: Branch, *, besides: int | None = None) -> list[Visit]:
    query = select(Visit).where(Visit.branch_id == branch.id, Visit.status == VisitStatus.PUBLISHED)
    if besides is not None:
        query = query.where(Visit.id != besides)
    return list(db.session.scalars(query.order_by(Visit.id)))


def _branch_actions(
    branches: dict[str, Branch], by: User, priority: ActionPriority, **owners
) -> None:
    """Seven actions: at N1 one open (due 20 Dec 2026), one in progress, one done (closed
    1 Jun 2026), a proposal and a dismissed one; N2 and S1 one open each. ``owners`` names
    the owners of N1's open and in-progress ones and the in-progress one's due date."""
    n1 = branches["N1"]
    make_action(
        n1,
        "Fix the queue signage",
        by=by,
        priority=priority,
        owner=owners["open_owner"],
        due_on=date(2026, 12, 20),
    )
    make_action(
        n1,
        "Retrain on greetings",
        ActionStatus.IN_PROGRESS,
        by=by,
        priority=priority,
        owner=owners["in_progress_owner"],
        due_on=owners.get("in_progress_due"),
    )
    make_action(
        n1,
        "Repaint the counter",
        ActionStatus.DONE,
        by=by,
        priority=priority,
        closed_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    make_action(n1, "Proposed never accepted", ActionStatus.PROPOSED, by=by, priority=priority)
    make_action(n1, "Dismissed as noise", ActionStatus.DISMISSED, by=by, priority=priority)
    make_action(branches["N2"], "Castle Gate own action", by=by, priority=priority)
    make_action(branches["S1"], "Seafront secret action", by=by, priority=priority)


def make_dashboard_feedback_world() -> SimpleNamespace:
    """:func:`build_small` plus, for the branch and overview pages:

    - staff at N1 with published visits for the top performers: Nadia (3 more, 82.0% with
      her 88), Paul Passmark (70.0%), Omar Optout (95%, hidden from recognition), Tess
      Twovisits (too few visits) and Ben Unpublished (approved only). N1 then has 16
      published visits; N2 and S1 have 4 each.
    - the seven actions (high priority) raised by a head-office manager: the open one
      owned by Olive Owner (a manager), the one in progress by Nadia and overdue.
    - appeals on N1's first three published visits: a amended and open again, b upheld,
      c withdrawn; and one amended at S1.

    Returns ``small``, ``admin`` (an email), ``actions`` (title -> id), ``names`` of the
    staff and ``visit_ids`` (a, b).
    """
    small = build_small()
    branches = _branches(small)
    n1 = branches["N1"]
    nadia = _staff(small.staff_code)
    paul = make_staff(n1, name="Paul Passmark")
    omar = make_staff(n1, name="Omar Optout", hide_from_recognition=True)
    tess = make_staff(n1, name="Tess Twovisits")
    ben = make_staff(n1, name="Ben Unpublished")
    published = VisitStatus.PUBLISHED
    add_visits(n1, [90, 80, 70], status=published, staff=[nadia])  # with her 88: 82.0
    add_visits(n1, [60, 70, 80], status=published, staff=[paul])  # 70.0
    add_visits(n1, [95, 95, 95], status=published, staff=[omar])  # opted out
    add_visits(n1, [99, 99], status=published, staff=[tess])  # too few visits
    add_visits(n1, [100, 100, 100], status=VisitStatus.APPROVED, staff=[ben])  # unpublished
    admin = make_user(Role.ADMIN)
    raiser = make_user(Role.MANAGER)
    owner = make_user(Role.MANAGER, name="Olive Owner")
    _branch_actions(
        branches,
        raiser,
        ActionPriority.HIGH,
        open_owner=owner,
        in_progress_owner=nadia,
        in_progress_due=date(2020, 1, 1),
    )
    a, b, c = _published_at(n1)[:3]
    make_appeal(a, GREETED, AppealStatus.AMENDED, by=raiser)
    make_appeal(a, GREETED, AppealStatus.OPEN, by=raiser)  # a second appeal on the same visit
    make_appeal(b, GREETED, AppealStatus.UPHELD, by=raiser)
    make_appeal(c, GREETED, AppealStatus.WITHDRAWN, by=raiser)  # withdrawn: not counted
    s1_visit = db.session.scalars(select(Visit).where(Visit.branch_id == branches["S1"].id)).first()
    make_appeal(s1_visit, GREETED, AppealStatus.AMENDED, by=raiser)
    db.session.commit()
    return SimpleNamespace(
        small=small,
        admin=admin.email,
        actions={title: action_id for action_id, title in _action_titles()},
        names=SimpleNamespace(
            nadia=nadia.name, paul=paul.name, omar=omar.name, tess=tess.name, ben=ben.name
        ),
        visit_ids=(a.id, b.id),
    )


def _action_titles() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Action.id, Action.title)).tuples())


#: Who appears in the report feedback world's appeals and review history.
DECIDER_NAME = "Dora Decider"
APPELLANT_MANAGER_NAME = "Mona Manager"


def make_report_feedback_world() -> SimpleNamespace:
    """:func:`build_small` plus, for the branch, staff and visit PDFs:

    - the seven actions (medium priority) raised by the North manager: the open one owned
      by Nadia, the one in progress by the North manager.
    - on the story visit naming Nadia (published two days ago): an answer corrected in
      review (empathy, by Rita Reviewer), then two appeals: Nadia's on greeted_promptly,
      amended by Dora Decider with an answer change (no -> yes, 88% -> 92%), and Mona
      Manager's on empathy, upheld. At N1 another visit's appeal upheld, one withdrawn.
    - coaching notes: two open ones for Nadia (one acknowledged, about the story visit), a
      closed one, and one for her colleague Colin.

    Returns ``small`` and ``admin`` (an email).
    """
    small = build_small()
    branches = _branches(small)
    n1 = branches["N1"]
    nadia = _staff(small.staff_code)
    staff_user = nadia.user
    manager = db.session.scalars(select(User).where(User.email == small.north_manager)).one()
    reviewer = make_user(Role.MANAGER, name=REVIEWER_NAME)
    decider = make_user(Role.MANAGER, name=DECIDER_NAME)
    appellant = make_user(Role.MANAGER, name=APPELLANT_MANAGER_NAME)
    _branch_actions(
        branches, manager, ActionPriority.MEDIUM, open_owner=nadia, in_progress_owner=manager
    )

    visit = db.session.get(Visit, small.visit_id)
    visit.published_at = datetime.now(UTC) - timedelta(days=2)
    at = visit.visited_at
    make_answer_change(
        visit,
        "empathy",
        "2",
        "4",
        by=reviewer,
        reason="The photo shows the badge",
        at=at + timedelta(hours=20),
    )
    change = make_answer_change(
        visit,
        GREETED,
        "no",
        "yes",
        by=decider,
        reason="The video shows the greeting",
        at=at + timedelta(days=5),
        source="appeal",
        percent_before=88,
        percent_after=92,
    )
    make_appeal(
        visit,
        GREETED,
        AppealStatus.AMENDED,
        by=staff_user,
        reason="I greeted the customer at the door",
        decided_by=decider,
        decided_at=at + timedelta(days=5),
        decision_note="The video shows the greeting",
        answer_change=change,
        created_at=at + timedelta(days=4),
    )
    make_appeal(
        visit,
        "empathy",
        AppealStatus.UPHELD,
        by=appellant,
        reason="Branch manager disputes empathy",
        decided_by=decider,
        decided_at=at + timedelta(days=6),
        decision_note="The answer stands on the notes",
        created_at=at + timedelta(days=4, hours=1),
    )
    # N1 has 5 published visits: besides the story visit's, another upheld and one withdrawn.
    others = _published_at(n1, besides=visit.id)
    make_appeal(others[0], GREETED, AppealStatus.UPHELD, reason="x")
    make_appeal(others[1], GREETED, AppealStatus.WITHDRAWN, reason="y")

    make_note(
        nadia,
        manager,
        "Look up when the door opens.",
        goal="Greet every customer within a minute",
        visit=visit,
        follow_up_on=date(2026, 12, 15),
        acknowledged_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
    )
    make_note(
        nadia,
        manager,
        "Offer a call back when a question stays open.",
        goal="Offer a follow-up call",
        follow_up_on=date(2027, 1, 10),
    )
    make_note(
        nadia,
        manager,
        "Done and dusted.",
        goal="A goal already closed",
        closed_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    colin = make_staff(n1, name="Colin Colleague")
    make_note(colin, manager, "Private to Colin.", goal="Colin's own goal")
    admin = make_user(Role.ADMIN)
    db.session.commit()
    return SimpleNamespace(small=small, admin=admin.email)


@dataclass
class ReviewStory:
    """The ids of :func:`add_review_story`'s visit and people."""

    visit_id: int
    staff_code: str
    staff_user_id: int
    manager_id: int  # scoped to the visit's region
    manager_region_id: int


def add_review_story(upload_folder: Path) -> ReviewStory:
    """On the first published visit that names staff (not excluded): the report shopper
    made it and submitted it an hour later; Rita Reviewer corrected an answer and approved
    it the next day; a photo on its first question; its first staff member gets a login;
    and a manager scoped to its region."""
    visit = db.session.scalars(
        select(Visit)
        .where(Visit.status == VisitStatus.PUBLISHED, Visit.excluded.is_(False))
        .where(Visit.staff.any())
        .order_by(Visit.id)
    ).first()
    assert visit is not None
    shopper = make_user(Role.SHOPPER, REPORT_SHOPPER_EMAIL, name=REPORT_SHOPPER_NAME)
    reviewer = make_user(Role.MANAGER, name=REVIEWER_NAME)
    member: StaffMember = visit.staff[0]
    staff_user = make_user(Role.STAFF, name=member.name)
    member.user = staff_user
    visit.visitor = shopper
    first_key = visit.answers[0].question_key
    attach_photo(visit, first_key, upload_folder, PHOTO_ORIGINAL)
    at = visit.visited_at
    make_event(shopper, "visit.submitted", visit, at + timedelta(hours=1))
    make_event(reviewer, "visit.approved", visit, at + timedelta(days=1), percent=visit.percent)
    make_answer_change(
        visit,
        first_key,
        "no",
        "yes",
        by=reviewer,
        reason="The photo shows the badge",
        at=at + timedelta(hours=20),
    )
    region_id = visit.branch.region_id
    manager = make_user(Role.MANAGER, regions=[db.session.get(Region, region_id)])
    db.session.commit()
    return ReviewStory(visit.id, member.code, staff_user.id, manager.id, region_id)
