"""duplicate_text across all visits: an identical comment is found by its fingerprint
whatever its age, a nearly identical one within the bounds; the fingerprint follows every
way a comment is written, edited, blanked or rewritten; a reviewer's edit computes the
visit's signals again."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import Answer, Role, StaffMember, Visit, VisitSignal
from audit.models.text_fingerprint import fingerprint_of, normalise_text
from audit.privacy.erasure import erase
from audit.privacy.retention import REMOVED, apply_retention
from audit.review import service as review
from audit.settings import set_setting
from audit.shop.service import DraftData, save_draft, submit
from audit.storage import storage
from audit.tasks import wait_for_tasks
from audit.trust.duplicate_text import lcs_length
from tests.builders import (
    FULL,
    approved_record,
    import_visits,
    make_staff,
    make_user,
    make_world,
    started_draft,
)

#: A comment worth checking, and the same words as someone else typed them.
PASTED = "The adviser never asked what I was saving for, just handed me a leaflet."
RETYPED = "the adviser  never asked what I was saving for - just handed me a LEAFLET!"
#: Two summaries 9x% alike (one word changed), and neither like the other texts.
SUMMARY = "Queue of five at lunchtime, one till open, and nobody apologised for the wait."
REWORDED = "Queue of five at lunchtime, one till open, and nobody apologised for the delay."


def stored(visit_id: int) -> list[VisitSignal]:
    return list(
        db.session.scalars(
            select(VisitSignal).where(VisitSignal.visit_id == visit_id).order_by(VisitSignal.id)
        )
    )


@pytest.fixture
def world(ctx) -> SimpleNamespace:
    world = make_world()
    world.other = make_user(Role.SHOPPER, email="other@example.org", name="Olly Other")
    db.session.commit()
    return world


def test_an_identical_comment_is_found_at_any_age_a_near_one_within_the_window(world):
    """OLD is three years before the others. Identical texts (case, spaces and punctuation
    aside) meet across the years; nearly identical ones only within 180 days."""
    one, two = world.shopper.email, world.other.email
    old, recent, new = import_visits(
        approved_record("OLD", "LDS01", one, "2023-05-14T10:00:00", SUMMARY, empathy=PASTED),
        approved_record("RECENT", "LDS01", two, "2026-03-02T10:00:00", SUMMARY),
        approved_record("NEW", "BRS01", two, "2026-05-14T10:00:00", REWORDED, empathy=RETYPED),
    )
    evidence = {
        visit.external_id: sorted(
            (s.evidence["question_key"], s.evidence["other_visit_id"], s.evidence["similarity"])
            for s in stored(visit.id)
        )
        for visit in (old, recent, new)
    }
    assert evidence == {
        # Its comment is NEW's, retyped; its summary RECENT's: both found three years on.
        "OLD": [("empathy", new.id, 1.0), ("summary", recent.id, 1.0)],
        # Identical to OLD's; REWORDED (NEW) is only alike: the identical one is named.
        "RECENT": [("summary", old.id, 1.0)],
        # Identical to OLD's comment; its summary alike to RECENT's (within 180 days), not
        # to OLD's, which is as alike but three years earlier.
        "NEW": [("empathy", old.id, 1.0), ("summary", recent.id, pytest.approx(0.96, abs=0.03))],
    }
    (comment,) = [s for s in stored(new.id) if s.evidence["question_key"] == "empathy"]
    assert "The comment on 'empathy' is the same text as the comment on 'empathy'" in comment.detail
    assert "14 May 2023, by another person" in comment.detail


def fingerprints_disagree() -> list[tuple[int, str]]:
    """Answers whose stored fingerprints are not those of their texts as they are now."""
    db.session.expire_all()
    wrong = []
    for answer in db.session.scalars(select(Answer)):
        for column in ("comment", "value_text"):
            if getattr(answer, f"{column}_fingerprint") != fingerprint_of(getattr(answer, column)):
                wrong.append((answer.id, column))
    return wrong


def long_texts() -> int:
    return db.session.scalar(
        select(db.func.count()).where(
            Answer.comment_fingerprint.is_not(None) | Answer.value_text_fingerprint.is_not(None)
        )
    )


def test_the_fingerprint_follows_the_phone_the_import_and_a_reviewer(world):
    """Sent from the phone, imported, edited in review: each text keeps its fingerprint, and
    a reviewer's edit computes the visit's signals again (a comment now copied raises one,
    and goes when the comment does)."""
    (imported,) = import_visits(
        approved_record("IMPORTED", "LDS01", world.shopper.email, "2026-05-12T10:00:00", SUMMARY)
    )
    draft = started_draft(world.card, world.bristol, world.other)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    data = DraftData(
        answers={**FULL, "summary": "Short one."},
        comments={"empathy": "Kind, though she never asked about my deadline at all."},
        staff_description="The adviser at the first desk",
        started_at=start.isoformat(),
        ended_at=(start + timedelta(minutes=25)).isoformat(),
    )
    assert save_draft(draft, data, world.other) == []
    submit(draft, "0" * 31 + "1", world.other)
    db.session.commit()
    wait_for_tasks()
    assert fingerprints_disagree() == []
    assert long_texts() == 2  # the imported summary, the phone's comment ("Short one." is not)
    assert stored(draft.id) == []

    # The reviewer rewrites the phone's comment with the imported visit's summary.
    review.edit_answer(draft, "empathy", "4", SUMMARY, world.manager, "Clearer wording")
    db.session.commit()
    wait_for_tasks()
    assert fingerprints_disagree() == []
    (signal,) = stored(draft.id)
    assert signal.evidence["other_visit_id"] == imported.id
    review.edit_answer(draft, "empathy", "4", "", world.manager, "Not needed")
    db.session.commit()
    wait_for_tasks()
    assert fingerprints_disagree() == [] and stored(draft.id) == []


def test_erasure_and_retention_rewrite_and_blank_the_fingerprints(world):
    """Erasing someone named in a comment rewrites it (and its fingerprint); the retention
    period blanks comments and written answers, which then have none."""
    make_staff(world.leeds, code="ALICE", name="Alice Adams")
    named = "Alice Adams greeted me by name and explained every fee on the account."
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    long_ago, lately = (f"{today - timedelta(days=n):%Y-%m-%dT%H:%M:%S}" for n in (500, 30))
    old, recent = import_visits(
        approved_record("OLD", "LDS01", world.shopper.email, long_ago, SUMMARY, empathy=named),
        approved_record("RECENT", "LDS01", world.shopper.email, lately, REWORDED),
    )
    alice = db.session.scalars(select(Answer).where(Answer.comment == named)).one()
    before = alice.comment_fingerprint
    erase(db.session.scalars(select(StaffMember).where(StaffMember.code == "ALICE")).one(), None)
    db.session.commit()
    db.session.refresh(alice)
    assert "Alice" not in alice.comment and alice.comment_fingerprint not in (None, before)
    assert fingerprints_disagree() == []

    set_setting("retention_comment_days", 365, None)
    db.session.commit()
    apply_retention(storage())
    db.session.expire_all()
    assert [a.comment for a in db.session.get(Visit, old.id).answers if a.comment] == []
    assert db.session.get(Visit, old.id).answer("summary").value_text == REMOVED
    assert fingerprints_disagree() == []
    assert long_texts() == 1  # RECENT's summary only: its visit is within the period
    assert db.session.get(Visit, recent.id).answer("summary").value_text_fingerprint


# --- the bounds of the near search (no database) -----------------------------------------


def test_the_longest_common_subsequence_bounds_the_ratio():
    """lcs_length against the textbook table on small random texts."""

    def table(a: str, b: str) -> int:
        previous = [0] * (len(b) + 1)
        for x in a:
            row = [0]
            for j, y in enumerate(b):
                row.append(previous[j] + 1 if x == y else max(previous[j + 1], row[j]))
            previous = row
        return previous[-1]

    rng = random.Random(5)
    for _ in range(500):
        a = "".join(rng.choice("ab c") for _ in range(rng.randint(0, 30)))
        b = "".join(rng.choice("ab c") for _ in range(rng.randint(0, 30)))
        assert lcs_length(a, b) == table(a, b), (a, b)


def test_normalising_evens_out_case_spaces_and_punctuation():
    assert normalise_text(RETYPED) == normalise_text(PASTED)
    assert fingerprint_of(RETYPED) == fingerprint_of(PASTED)
    assert fingerprint_of("Fine, thanks.") is None  # too short to compare
    assert fingerprint_of(SUMMARY) != fingerprint_of(REWORDED)
