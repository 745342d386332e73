"""The demo's day-to-day activity on top of its visits, so no page greets a new user empty.

Assignments, corrective actions, coaching notes, kudos, appeals and the
notifications they send are all made by the real service functions
(assignments, actions, coaching, recognition, appeals, review), so the
AuditEvents, notifications, statuses and scores are exactly what the product
would have written. The services stamp what they write with the wall clock;
the demo plays the story out over the last weeks before ``today``, so after
each step :class:`_Clock` moves what that step wrote (events, notifications
and the step's own timestamps) to the moment it "happened".

The story, for the demo logins:

* shopper@demo.test: an offered batch, an accepted assignment due soon, an
  overdue one (besides the returned visit(s) from :mod:`audit.demo.visits`);
* manager@demo.test and north@demo.test: proposals from critical fails and
  recurring failures, some accepted with owners, due dates and priorities,
  one with a progress note, one overdue, one done, one dismissed with a reason;
  North's actions are North's;
* staff@demo.test (Amira Hassan at Leeds Briggate): published visits, two
  coaching notes (one acknowledged with a reply, one waiting), kudos, appeals
  (one amended by a manager other than the one who published the visit);
* a few unread notifications each; older ones are read.

Deterministic for a given seed, ``today`` and demo visits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from audit.actions import service as actions
from audit.appeals import service as appeals
from audit.assignments import service as assignments
from audit.coaching import recognition
from audit.coaching import service as coaching
from audit.demo.visits import SCENARIOS
from audit.extensions import db
from audit.models import (
    Action,
    ActionPriority,
    ActionStatus,
    Appeal,
    Assignment,
    AuditEvent,
    Branch,
    Notification,
    Scorecard,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from audit.notifications.service import mark_read, notifications_query
from audit.review import service as review
from audit.scorecards.definition import Question
from audit.settings import get_setting

#: How many of each demo login's notifications are left unread (the newest ones).
UNREAD_LEFT = {
    "manager@demo.test": 4,
    "north@demo.test": 4,
    "staff@demo.test": 3,
}
#: Recurring failures are scanned fortnightly, over this many days up to the day before.
RECURRING_DAYS = 14
#: The keys :meth:`DemoActivitySummary.counts` adds to the demo's counts, in order.
ACTIVITY_COUNTS = ("assignments", "actions", "coaching notes", "kudos", "appeals", "notifications")
#: session.info key under which audit.notifications.service queues mails for the commit.
_MAIL_QUEUE = "notifications_to_mail"


@dataclass(frozen=True)
class DemoActivitySummary:
    assignments: int
    actions: int
    coaching_notes: int
    kudos: int
    appeals: int
    notifications: int

    def counts(self) -> dict[str, int]:
        values = (
            self.assignments,
            self.actions,
            self.coaching_notes,
            self.kudos,
            self.appeals,
            self.notifications,
        )
        return dict(zip(ACTIVITY_COUNTS, values, strict=True))


class _Clock:
    """Moves what the services just wrote with the wall clock to the story's time."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.events = self._last(AuditEvent.id)
        self.notifications = self._last(Notification.id)

    @staticmethod
    def _last(column: object) -> int:
        db.session.flush()
        return db.session.scalar(select(func.max(column))) or 0  # type: ignore[arg-type]

    def ago(self, days: float = 0, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def stamp(self, when: datetime) -> datetime:
        """Date the events and notifications written since the last stamp ``when``."""
        when = min(when, self.now)
        db.session.flush()
        # "fetch" finds the rows' objects by key; the default scans the whole identity map.
        options = {"synchronize_session": "fetch"}
        db.session.execute(
            update(AuditEvent).where(AuditEvent.id > self.events).values(at=when),
            execution_options=options,
        )
        db.session.execute(
            update(Notification)
            .where(Notification.id > self.notifications)
            .values(created_at=when),
            execution_options=options,
        )
        self.events = self._last(AuditEvent.id)
        self.notifications = self._last(Notification.id)
        return when


def _demo_now(today: date | None) -> datetime:
    """The same "now" as :func:`audit.demo.visits.generate_visits` uses."""
    if today is None:
        return datetime.now(UTC)
    return datetime.combine(today, time(8), tzinfo=UTC)


def generate_activity(
    *, seed: int, users: Mapping[str, User], today: date | None = None
) -> DemoActivitySummary:
    """Play the demo's recent activity through the services (see the module docstring).

    ``users`` are the demo logins by e-mail; the visits must already be in the session.
    """
    rng = random.Random(seed * 31 + 5)
    clock = _Clock(_demo_now(today))
    notifications_before = clock.notifications
    made_assignments = _assignments(rng, clock, users)
    made_actions = _actions(clock, users)
    notes, kudos = _coaching(clock, users)
    made_appeals = _appeals(clock, users)
    _read_older_notifications(clock, users)
    db.session.info.pop(_MAIL_QUEUE, None)  # demo logins have no real mailboxes
    db.session.flush()
    notifications = db.session.scalar(
        select(func.count()).where(Notification.id > notifications_before)
    )
    return DemoActivitySummary(
        assignments=made_assignments,
        actions=made_actions,
        coaching_notes=notes,
        kudos=kudos,
        appeals=made_appeals,
        notifications=notifications or 0,
    )


# --------------------------------------------------------------------------- helpers


def _branch(code: str) -> Branch:
    return db.session.scalars(select(Branch).where(Branch.code == code)).one()


def _card(slug: str) -> Scorecard:
    return db.session.scalars(select(Scorecard).where(Scorecard.slug == slug)).one()


def _staff(branch: Branch, job_title: str) -> StaffMember:
    return next(m for m in sorted(branch.staff, key=lambda m: m.id) if m.job_title == job_title)


def _between(start: datetime, end: datetime, share: float) -> datetime:
    return start + (end - start) * share


# --------------------------------------------------------------------------- assignments


def _assignments(rng: random.Random, clock: _Clock, users: Mapping[str, User]) -> int:
    manager, north = users["manager@demo.test"], users["north@demo.test"]
    shopper = users["shopper@demo.test"]
    today = clock.now.date()
    phone, visit = _card("phone-enquiry"), _card("branch-visit")
    phone_reason = "Phone enquiry: branch staff never see the caller, so a repeat is safe."

    def offer(
        card: Scorecard,
        codes: Sequence[str],
        start: int,
        end: int,
        actor: User,
        created: datetime,
        reason: str = phone_reason,
    ) -> list[Assignment]:
        made = assignments.create_assignments(
            card,
            [_branch(code) for code in codes],
            shopper,
            today + timedelta(days=start),
            today + timedelta(days=end),
            rng.choice(SCENARIOS[card.slug]),
            actor,
            override_lockout=True,
            override_reason=reason,
            now=created.date(),
        )
        for assignment in made:
            assignment.created_at = created
        clock.stamp(created)
        return made

    def accept(assignment: Assignment, when: datetime) -> None:
        assignments.accept(assignment, shopper, now=when.date())
        assignment.responded_at = clock.stamp(when)

    # Offered three weeks ago, accepted, and never done: overdue since the window closed.
    (late,) = offer(phone, ["SHF01"], -14, -3, north, clock.ago(20, 5))
    accept(late, clock.ago(19, 2))
    assignments.mark_overdue(today)
    clock.stamp(clock.ago(0, 7))
    # Coventry is on an action plan: a re-visit, accepted, due in a few days.
    (soon,) = offer(
        visit,
        ["COV01"],
        -2,
        3,
        manager,
        clock.ago(5, 3),
        "Re-visit agreed with the area manager to check the corrective action plan.",
    )
    accept(soon, clock.ago(4, 20))
    # A fresh batch of phone enquiries, waiting for the shopper's answer.
    fresh = offer(phone, ["NCL01", "BRS01"], 2, 16, manager, clock.ago(1, 4))
    return 2 + len(fresh)


# --------------------------------------------------------------------------- actions


def _accept_action(
    clock: _Clock, action: Action, actor: User, plan: actions.Plan, when: datetime
) -> None:
    """Accept as of ``when``: a due date already past by now is set as it was then.

    :func:`audit.actions.service.accept` refuses a due date before the wall clock's
    today; a plan made weeks ago in the story may have one, so the date is set after.
    """
    wall_today = datetime.now(UTC).date()
    due = plan.due_on
    past = due is not None and due < wall_today
    actions.accept(action, actor, replace(plan, due_on=None) if past else plan)
    if past:
        action.due_on = due
        event = db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.subject_type == Action.__tablename__,
                AuditEvent.subject_id == action.id,
                AuditEvent.action == "action.accepted",
            )
            .order_by(AuditEvent.id.desc())
        ).first()
        if event is not None:
            changes = dict(event.details.get("changes", {}))
            changes["due_on"] = [None, due.isoformat()]  # type: ignore[union-attr]
            event.details = {**event.details, "changes": changes}
    action.decided_at = clock.stamp(when)


def _update(
    clock: _Clock, action: Action, actor: User, status: ActionStatus, note: str, when: datetime
) -> None:
    update_row = actions.post_update(action, actor, status, note)
    update_row.created_at = clock.stamp(when)
    if action.closed_at is not None:
        action.closed_at = update_row.created_at


def _scan(clock: _Clock, when: datetime, days: int = RECURRING_DAYS) -> list[Action]:
    """The recurring-failure scan as run at ``when``, over the ``days`` before that day."""
    day = when.date()
    made = actions.propose_recurring(day - timedelta(days=days), day - timedelta(days=1))
    for action in made:
        action.created_at = when
    clock.stamp(when)
    return made


def _actions(clock: _Clock, users: Mapping[str, User]) -> int:
    manager, north = users["manager@demo.test"], users["north@demo.test"]
    today = clock.now.date()
    # Critical items failed on reviewed visits: proposed when each visit was approved.
    critical_visits = db.session.scalars(
        select(Visit)
        .where(
            Visit.status.in_((VisitStatus.APPROVED, VisitStatus.PUBLISHED)),
            Visit.excluded.is_(False),
            Visit.critical_failed.is_(True),
            Visit.visited_at >= clock.ago(90),
        )
        .options(selectinload(Visit.answers))
        .order_by(Visit.visited_at, Visit.id)
    ).all()
    critical: list[Action] = []
    for visit in critical_visits:
        made = actions.propose_for_visit(visit)
        when = visit.approved_at or clock.now
        for action in made:
            action.created_at = when
        critical += made
        clock.stamp(when)
    # The recurring-failure scans: five weeks ago over the fortnight before it, all of it
    # triaged the next day; and this morning over the last month.
    earlier = _scan(clock, clock.ago(35, 1), 14)
    latest = _scan(clock, clock.ago(0, 1.5), 30)

    def region(action: Action) -> str:
        return action.branch.region.name

    member = users["staff@demo.test"].staff_member
    leeds = [a for a in latest if member is not None and a.branch_id == member.branch_id]
    latest_north = [a for a in latest if region(a) == "North" and a not in leeds]
    latest_other = [a for a in latest if region(a) != "North"]

    def decider(action: Action) -> User:
        return north if region(action) == "North" else manager

    def plan_for(action: Action, priority: ActionPriority, due: date, owner: str) -> actions.Plan:
        return actions.Plan(action.title, action.description, priority, due, owner)

    # The latest critical fail: accepted the next day, the branch manager on it.
    if critical:
        action = critical[-1]
        head = _staff(action.branch, "Branch Manager")
        decided = min(action.created_at + timedelta(days=1), clock.ago(1))
        plan = plan_for(action, ActionPriority.HIGH, decided.date() + timedelta(days=14), "")
        plan = replace(
            plan,
            description=action.description + "\nBrief the team; check the posters every morning.",
            owner=f"s:{head.id}",
        )
        _accept_action(clock, action, manager, plan, decided)
        _update(
            clock,
            action,
            manager,
            ActionStatus.IN_PROGRESS,
            f"Called {head.name}: posters for ended offers taken down; team briefing booked.",
            _between(decided, clock.now, 0.3),
        )
    # An older critical fail, covered by the same plan: dismissed with a reason.
    if len(critical) >= 2:
        action = critical[0]
        actions.dismiss(
            action,
            manager,
            "Covered by the branch's corrective action plan agreed with the area manager; "
            "no separate action needed.",
        )
        action.decided_at = action.closed_at = clock.stamp(action.created_at + timedelta(days=1))
    # The earlier scan: one the manager took on, worked on but now overdue; one done; one
    # dismissed; the rest given to the branch managers with six weeks.
    for n, action in enumerate(earlier):
        head = _staff(action.branch, "Branch Manager")
        decided = action.created_at + timedelta(hours=20 + n)
        who = decider(action)
        if n == 2:
            actions.dismiss(
                action,
                who,
                "Two of the failures were on visits during the system outage; "
                "not a pattern of service.",
            )
            action.decided_at = action.closed_at = clock.stamp(decided)
            continue
        weeks = {0: 4, 1: 3}.get(n, 6)
        priority = ActionPriority.MEDIUM if n < 2 else ActionPriority.LOW
        due = decided.date() + timedelta(weeks=weeks)
        owner = f"u:{who.id}" if n == 0 else f"s:{head.id}"  # the manager sees to the rota
        _accept_action(clock, action, who, plan_for(action, priority, due, owner), decided)
        if n == 0:
            _update(
                clock,
                action,
                who,
                ActionStatus.IN_PROGRESS,
                f"Discussed with {head.name}: the lunch rota is being changed so two people "
                "are always on the counter.",
                decided + timedelta(days=9),
            )
        elif n == 1:
            _update(
                clock,
                action,
                who,
                ActionStatus.DONE,
                f"{head.name} ran a ten-minute huddle on it with the whole team; "
                "fine on the next two visits.",
                decided + timedelta(days=16),
            )
    # This morning: Leeds's finding given to the staff member named most often, another
    # North one taken by the regional manager, one more accepted with a low priority; the
    # rest wait in the managers' lists.
    if leeds and member is not None:
        action = leeds[0]
        plan = plan_for(action, ActionPriority.MEDIUM, today + timedelta(days=14), f"s:{member.id}")
        _accept_action(clock, action, north, plan, clock.ago(0, 0.75))
    if latest_north:
        action = latest_north[0]
        plan = plan_for(action, ActionPriority.MEDIUM, today + timedelta(days=10), f"u:{north.id}")
        _accept_action(clock, action, north, plan, clock.ago(0, 0.7))
    elif not leeds and member is not None:  # nothing recurring in the North this month
        due: date | None = today + timedelta(days=10)
        if due < datetime.now(UTC).date():  # the service checks against the wall clock
            due = None
        plan = actions.Plan(
            "Refresh the window offer posters",
            "Two shoppers saw posters for offers that had ended.",
            ActionPriority.MEDIUM,
            due,
            f"s:{member.id}",
        )
        actions.create_manual(member.branch, north, plan)
        clock.stamp(clock.ago(0, 0.7))
    if latest_other:
        action = latest_other[0]
        plan = plan_for(action, ActionPriority.LOW, today + timedelta(days=30), f"u:{manager.id}")
        _accept_action(clock, action, manager, plan, clock.ago(0, 0.5))
    actions.remind_overdue(today)
    clock.stamp(clock.ago(0, 0.25))
    return db.session.scalar(select(func.count()).select_from(Action)) or 0


# --------------------------------------------------------------------------- coaching


def _staff_visits(member: StaffMember, statuses: Sequence[VisitStatus]) -> list[Visit]:
    """Reviewed, included visits naming ``member``, newest first."""
    return [
        v
        for v in db.session.scalars(
            select(Visit)
            .where(Visit.status.in_(statuses), Visit.excluded.is_(False))
            .where(Visit.staff.contains(member))
            .order_by(Visit.visited_at.desc(), Visit.id.desc())
        )
    ]


def _coaching(clock: _Clock, users: Mapping[str, User]) -> tuple[int, int]:
    manager, north = users["manager@demo.test"], users["north@demo.test"]
    staff_user = users["staff@demo.test"]
    amira = staff_user.staff_member
    notes = kudos = 0
    if amira is None:  # pragma: no cover  (the demo always links the staff login)
        return notes, kudos
    published = _staff_visits(amira, (VisitStatus.PUBLISHED,))
    with_lost = [v for v in published if coaching.prefill_note(v)]

    # An older note: acknowledged, with a reply; the follow-up is next week.
    written = clock.ago(9, 3)
    older = next((v for v in with_lost if v.published_at and v.published_at < written), None)
    body = coaching.prefill_note(older) if older else ""
    note = coaching.create_note(
        north,
        amira,
        (body + "\n\n" if body else "")
        + "Amira, your product knowledge is a real strength. Let's work on checking what the "
        "customer needs before recommending an account.",
        goal="Recap the customer's need in one sentence before recommending anything.",
        follow_up_on=clock.now.date() + timedelta(days=5),
        visit=older,
        today=written.date(),
    )
    note.created_at = clock.stamp(written)
    coaching.acknowledge(note, staff_user)
    note.acknowledged_at = clock.stamp(clock.ago(8, 22))
    answer = coaching.reply(
        note,
        staff_user,
        "Thanks Fiona. I've started doing a quick recap, and I'd like to sit in on one of "
        "Tom's mortgage appointments to see how he does it.",
    )
    answer.created_at = clock.stamp(clock.ago(8, 21))
    answer = coaching.reply(
        note, north, "Great idea. I've asked Tom; he has a slot on Friday afternoon."
    )
    answer.created_at = clock.stamp(clock.ago(8, 2))
    notes += 1

    # A new note, not read yet.
    written = clock.ago(0, 2.5)
    newest = next((v for v in with_lost if v is not older), None)
    note = coaching.create_note(
        north,
        amira,
        "A quick one from the latest feedback: the customer wasn't offered anything else "
        'before leaving. Asking "Is there anything else I can help with?" takes five '
        "seconds and often finds the real question.",
        goal='Ask "anything else?" at the end of every conversation.',
        visit=newest,
        today=written.date(),
    )
    note.created_at = clock.stamp(written)
    notes += 1

    # A colleague's note, which the staff login must never see.
    leeds = amira.branch
    colleague = next(m for m in sorted(leeds.staff, key=lambda m: m.id) if m is not amira)
    note = coaching.create_note(
        north,
        colleague,
        "Several visits mention a long wait at lunchtime without anyone acknowledging the "
        "queue. Please greet waiting customers even when you are busy.",
        goal="Acknowledge every waiting customer within a minute.",
        today=clock.ago(6).date(),
        follow_up_on=clock.ago(6).date() + timedelta(days=6),
    )
    note.created_at = clock.stamp(clock.ago(6, 4))
    notes += 1

    # Coventry: a note closed after its follow-up.
    coventry = _branch("COV01")
    head = _staff(coventry, "Branch Manager")
    written = clock.ago(24, 5)
    note = coaching.create_note(
        manager,
        head,
        "The shopper was told the advertised rate had ended while the poster was still up. "
        "Please make sure ended offers come down the same day.",
        goal="Check the window and counter posters every morning.",
        follow_up_on=written.date() + timedelta(days=14),
        today=written.date(),
    )
    note.created_at = clock.stamp(written)
    coaching.close(note, manager, "Posters checked on my visit; the morning check is in place.")
    note.closed_at = clock.stamp(clock.ago(9, 6))
    notes += 1
    coaching.remind_due_follow_ups(clock.now.date())
    clock.stamp(clock.ago(0, 2))

    # Kudos for an excellent visit, to Amira and to a York colleague.
    for author, member, message in (
        (north, amira, "The customer loved how you explained the options. Thank you, Amira!"),
        (
            manager,
            _staff(_branch("YRK01"), "Customer Service Adviser"),
            "Another excellent visit: warm, clear and spot on. Well done!",
        ),
    ):
        reviewed = _staff_visits(member, (VisitStatus.APPROVED, VisitStatus.PUBLISHED))
        visit = next((v for v in reviewed if recognition.kudos_allowed(v)), None)
        if visit is None:
            continue
        sent = recognition.send_kudos(
            author, member, visit, message, recognition.positive_comments(visit)
        )
        reviewed_at = visit.published_at or visit.approved_at or clock.now
        sent.created_at = clock.stamp(_between(reviewed_at, clock.now, 0.3))
        kudos += 1
    return notes, kudos


# --------------------------------------------------------------------------- appeals


def _publish(clock: _Clock, visit: Visit, by: User) -> tuple[datetime, datetime]:
    """Approve (if need be) and publish through review; returns (published at, next free)."""
    start = visit.approved_at or visit.submitted_at or visit.visited_at
    approved = _between(start, clock.now, 0.2)
    published = _between(start, clock.now, 0.35)
    if visit.status is VisitStatus.SUBMITTED:
        review.approve(visit, by)
        visit.approved_at = clock.stamp(approved)
    review.publish(visit, by)
    visit.published_at = visit.updated_at = clock.stamp(published)
    return published, _between(start, clock.now, 0.5)


def _better_value(question: Question, current: object) -> object | None:
    """A full-points answer for ``question`` (what an appeal asks for), or None."""
    if question.critical or not question.scored:
        return None
    if question.type == "yes_no" and current == "no":
        return "yes"
    if question.type == "scale" and question.max is not None and current != question.max:
        return question.max
    if question.type == "choice" and question.options:
        best = max(question.options, key=lambda o: o.points)
        return best.label if current != best.label else None
    return None


def _appealable(visit: Visit) -> tuple[Question, object] | None:
    for question in appeals.appealable_questions(visit):
        answer = visit.answer(question.key)
        if answer is None or answer.is_na:
            continue
        current = answer.value_text if answer.value_text is not None else answer.value_number
        if isinstance(current, float) and current.is_integer():
            current = int(current)
        better = _better_value(question, current)
        if better is not None:
            return question, better
    return None


def _appeals(clock: _Clock, users: Mapping[str, User]) -> int:
    manager, north = users["manager@demo.test"], users["north@demo.test"]
    staff_user = users["staff@demo.test"]
    amira = staff_user.staff_member
    days = get_setting("appeal_window_days")
    since = clock.now - timedelta(days=days) + timedelta(hours=12)
    made = 0

    def candidates(member: StaffMember | None, branch_codes: Sequence[str]) -> Iterator[Visit]:
        """Visits still open to appeal (or about to be published), one answer to dispute."""
        query = (
            select(Visit)
            .join(Visit.branch)
            .join(Visit.scorecard)
            .where(Visit.excluded.is_(False), Branch.code.in_(branch_codes))
            .where(
                (Visit.status.in_((VisitStatus.SUBMITTED, VisitStatus.APPROVED)))
                | ((Visit.status == VisitStatus.PUBLISHED) & (Visit.published_at >= since))
            )
            .order_by(Scorecard.slug == "customer-survey", Visit.visited_at.desc(), Visit.id)
        )
        if member is not None:
            query = query.where(Visit.staff.contains(member))
        for visit in db.session.scalars(query).all():
            if db.session.scalar(select(Appeal.id).where(Appeal.visit_id == visit.id)) is None:
                if _appealable(visit) is not None:
                    yield visit

    if amira is None:  # pragma: no cover
        return made
    mine = candidates(amira, [amira.branch.code])
    others = candidates(None, ["MAN01", "YRK01", "NCL01", "SHF01"])
    # Amended: published by the regional manager, changed on appeal by head office.
    visit = next(mine, None)
    if visit is not None:
        if visit.status is not VisitStatus.PUBLISHED:
            _, free = _publish(clock, visit, north)
        else:
            free = _between(visit.published_at or clock.now, clock.now, 0.3)
        question, better = _appealable(visit) or (None, None)
        assert question is not None  # noqa: S101
        appeal = appeals.raise_appeal(
            visit,
            question.key,
            staff_user,
            "I did: the branch CCTV from that afternoon shows it, and my colleague at the "
            "next position saw it too.",
            requested_value=str(better),
            now=free,
        )
        clock.stamp(free)
        decided = _between(free, clock.now, 0.5)
        change = appeals.amend(
            appeal,
            manager,
            better,
            None,
            "The CCTV from that afternoon confirms it; the shopper missed it.",
        )
        change.changed_at = appeal.decided_at = clock.stamp(decided)
        visit.updated_at = decided
        made += 1
    # Open: the staff member's appeal against another answer, waiting for a decision
    # (the regional manager's, for another branch, when she has no other visit to appeal).
    visit, appellant = next(mine, None), staff_user
    if visit is None:
        visit, appellant = next(others, None), north
    if visit is not None:
        if visit.status is not VisitStatus.PUBLISHED:
            _, free = _publish(clock, visit, north if appellant is staff_user else manager)
        else:
            free = _between(visit.published_at or clock.now, clock.now, 0.6)
        question, better = _appealable(visit) or (None, None)
        assert question is not None  # noqa: S101
        appeals.raise_appeal(
            visit,
            question.key,
            appellant,
            "The low mark was for the system outage that afternoon, not for the service at the "
            "desk; the customer said so at the time.",
            requested_value=str(better),
            now=free,
        )
        clock.stamp(free)
        made += 1
    # Upheld: the regional manager appealed for a branch; head office let the answer stand.
    visit = next(others, None)
    if visit is not None:
        if visit.status is not VisitStatus.PUBLISHED:
            _, free = _publish(clock, visit, manager)
            decider = users["admin@demo.test"]
        else:
            free = _between(visit.published_at or clock.now, clock.now, 0.4)
            decider = manager
        question, better = _appealable(visit) or (None, None)
        assert question is not None  # noqa: S101
        appeal = appeals.raise_appeal(
            visit,
            question.key,
            north,
            "The branch was fully staffed that day according to the rota; please check the "
            "shopper's timings.",
            requested_value=str(better),
            now=free,
        )
        clock.stamp(free)
        appeals.uphold(
            appeal,
            decider,
            "The shopper's notes are specific and timed; without other evidence the answer stands.",
        )
        appeal.decided_at = clock.stamp(_between(free, clock.now, 0.5))
        made += 1
    return made


# --------------------------------------------------------------------------- notifications


def _read_older_notifications(clock: _Clock, users: Mapping[str, User]) -> None:
    """Everyone has read what came before the last few; the newest stay unread."""
    for email, keep in UNREAD_LEFT.items():
        user = users[email]
        unread = db.session.scalars(notifications_query(user, unread_only=True)).all()
        for notification in unread[keep:]:
            mark_read(notification)
            notification.read_at = min(notification.created_at + timedelta(hours=3), clock.now)
