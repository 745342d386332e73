"""Demo coaching notes, kudos and appeals, played through the services."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from audit.appeals import service as appeals
from audit.coaching import recognition
from audit.coaching import service as coaching

#: How many of each demo login's notifications are left unread (the newest ones).
from audit.demo.story import _between, _branch, _Clock, _staff
from audit.extensions import db
from audit.models import (
    Appeal,
    Branch,
    Scorecard,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from audit.review import service as review
from audit.scorecards.definition import Question
from audit.settings import get_setting

# --------------------------------------------------------------------------- coaching


def _staff_visits(
    member: StaffMember, statuses: Sequence[VisitStatus], *, whole_branch: bool = False
) -> list[Visit]:
    """Reviewed, included mystery-shop visits naming ``member`` (or, ``whole_branch``,
    to their branch), newest first."""
    named = Visit.branch_id == member.branch_id if whole_branch else Visit.staff.contains(member)
    return [
        v
        for v in db.session.scalars(
            select(Visit)
            .join(Visit.scorecard)
            .where(Visit.status.in_(statuses), Visit.excluded.is_(False))
            .where(named, Scorecard.channel != "survey")
            .order_by(Visit.visited_at.desc(), Visit.id.desc())
        )
    ]


def _excellent_visit(member: StaffMember) -> Visit | None:
    """``member``'s latest reviewed visit good enough for kudos; when chance gave them
    none, they were the one serving (with the first named) on their branch's latest."""
    reviewed = (VisitStatus.APPROVED, VisitStatus.PUBLISHED)
    visit = next((v for v in _staff_visits(member, reviewed) if recognition.kudos_allowed(v)), None)
    if visit is not None:
        return visit
    branch = _staff_visits(member, reviewed, whole_branch=True)
    visit = next((v for v in branch if recognition.kudos_allowed(v)), None)
    if visit is not None:
        visit.staff = [*visit.staff[:1], member]  # a visit names two at most
    return visit


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
        visit = _excellent_visit(member)
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


def _raise_appeal(
    clock: _Clock, visit: Visit, appellant: User, publisher: User, share: float, reason: str
) -> tuple[Appeal, object, datetime]:
    """``appellant`` disputes the visit's first answer that could have done better, once it
    is published (by ``publisher``, if it is not yet; else ``share`` of the way from its
    publication to now). Returns the appeal, the value asked for, and when it was raised."""
    if visit.status is not VisitStatus.PUBLISHED:
        _, raised = _publish(clock, visit, publisher)
    else:
        raised = _between(visit.published_at or clock.now, clock.now, share)
    question, better = _appealable(visit) or (None, None)
    assert question is not None  # noqa: S101
    appeal = appeals.raise_appeal(
        visit, question.key, appellant, reason, requested_value=str(better), now=raised
    )
    clock.stamp(raised)
    return appeal, better, raised


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
            .where(Scorecard.channel != "survey")  # customers' answers are not appealed
            .where(
                (Visit.status.in_((VisitStatus.SUBMITTED, VisitStatus.APPROVED)))
                | ((Visit.status == VisitStatus.PUBLISHED) & (Visit.published_at >= since))
            )
            .order_by(Visit.visited_at.desc(), Visit.id)
        )
        if member is not None:
            query = query.where(Visit.staff.contains(member))
        for visit in db.session.scalars(query).all():
            if db.session.scalar(select(Appeal.id).where(Appeal.visit_id == visit.id)) is None:
                if _appealable(visit) is not None:
                    yield visit

    if amira is None:  # pragma: no cover
        return made
    # Hers, the ones not yet published first: the amended appeal's visit is published in
    # the story (by the regional manager, through review) before she disputes it.
    published = VisitStatus.PUBLISHED
    hers = sorted(candidates(amira, [amira.branch.code]), key=lambda v: v.status is published)
    if not hers or hers[0].status is published:
        # The story needs a recent visit of hers to dispute, published in the story: when
        # chance gave her none in review, she was the one serving on her branch's latest
        # visit still in review, else on her (or her branch's) latest one published
        # within the appeal window, whose publication the story then makes.
        branch = list(candidates(None, [amira.branch.code]))
        in_review = (v for v in branch if v.status is not published)
        found = next(in_review, None) or next(iter(hers), None) or next(iter(branch), None)
        if found is not None:
            if amira not in found.staff:
                found.staff = [*found.staff[:1], amira]  # a visit names two at most
            if found.status is published:
                found.status, found.published_at = VisitStatus.APPROVED, None
            hers = [found, *(v for v in hers if v is not found)]
    mine = iter(hers)
    others = candidates(None, ["MAN01", "YRK01", "NCL01", "SHF01"])
    # Amended: published by the regional manager, changed on appeal by head office.
    visit = next(mine, None)
    if visit is not None:
        appeal, better, free = _raise_appeal(
            clock,
            visit,
            staff_user,
            north,
            0.3,
            "I did: the branch CCTV from that afternoon shows it, and my colleague at the "
            "next position saw it too.",
        )
        decided = _between(free, clock.now, 0.5)
        change = appeals.amend(
            appeal,
            manager,
            better,
            "Confirmed on the CCTV from that afternoon.",  # the shopper's words no longer fit
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
        _raise_appeal(
            clock,
            visit,
            appellant,
            north if appellant is staff_user else manager,
            0.6,
            "The low mark was for the system outage that afternoon, not for the service at the "
            "desk; the customer said so at the time.",
        )
        made += 1
    # Upheld: the regional manager appealed for a branch; head office let the answer stand.
    visit = next(others, None)
    if visit is not None:
        # Head office decides an appeal the manager published herself.
        decider = manager if visit.status is VisitStatus.PUBLISHED else users["admin@demo.test"]
        appeal, _, free = _raise_appeal(
            clock,
            visit,
            north,
            manager,
            0.4,
            "The branch was fully staffed that day according to the rota; please check the "
            "shopper's timings.",
        )
        appeals.uphold(
            appeal,
            decider,
            "The shopper's notes are specific and timed; without other evidence the answer stands.",
        )
        appeal.decided_at = clock.stamp(_between(free, clock.now, 0.5))
        made += 1
    return made
