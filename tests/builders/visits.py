"""Visits: scored through the real import path, started as a phone does, reviewed through
the review service, or written with a given percent (for report figures), and the
records around them (answer changes, photos).

The answer sets are for the rules card (tests/data/rules-card.yaml): points-based,
target 85, excellence 95.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from audit.extensions import db
from audit.models import (
    AnswerChange,
    Attachment,
    AttachmentKind,
    Branch,
    Scorecard,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from audit.review import service as review
from audit.scorecards.store import find_version
from audit.shop.service import start_visit
from audit.storage import Storage
from audit.storage.files import new_names
from audit.storage.local import LocalStorage
from audit.tasks import wait_for_tasks
from audit.visits.imports import RawVisit, import_records
from tests.builders.assignments import S, make_assignment
from tests.builders.scorecards import BRANCH_VISIT
from tests.images import jpeg

#: 5 + 10 × (4 − 1) / (5 − 1) = 7.5 + 10 + 4 (3 min is inside max 5) = 26.5 of 29.
FULL = {
    "greeted": "yes",
    "empathy": 4,
    "outcome": "Fully",
    "wait": 3,
    "recommend": 9,
    "summary": "Fine",
}

#: empathy 5: every point, 100% (exceeds on the rules card).
EXCELLENT = {**FULL, "empathy": 5}
#: outcome Partly shows follow_up: 5 + 7.5 + 5 + 2 + 4 = 23.5 of 31.
PARTLY = {**FULL, "outcome": "Partly", "follow_up": "yes"}


def approved_record(
    external_id: str, branch: str, shopper: str, at: str, summary: str, **comments: str
) -> dict:
    """An import record of an approved visit with the full answers, its summary and, by
    question key, comments."""
    return {
        "external_id": external_id,
        "branch": branch,
        "shopper": shopper,
        "visited_at": at,
        "status": "approved",
        "answers": {**FULL, "summary": summary},
        "comments": comments,
    }


def import_visits(*specs: dict) -> list[Visit]:
    """Import visits (status submitted unless given) and return them in the order given.

    Each spec holds the import fields; ``answers`` and ``comments`` default to FULL / none.
    Defaults: Leeds (LDS01), the rules card, 14 May 2026, the shopper@example.org shopper.
    """
    records = []
    for index, spec in enumerate(specs):
        fields = {
            "branch": "LDS01",
            "scorecard": "rules-card",
            "visited_at": "2026-05-14T10:30:00",
            "shopper": "shopper@example.org",
            "status": "submitted",
        }
        fields.update({k: v for k, v in spec.items() if k not in ("answers", "comments")})
        answers = spec.get("answers", FULL)
        records.append(RawVisit(f"[{index}].", fields, dict(answers), spec.get("comments", {})))
    import_records(records)
    db.session.commit()
    wait_for_tasks()  # their trust signals, computed after the commit: settled, not racing
    by_id = {v.external_id: v for v in db.session.scalars(select(Visit))}
    return [by_id[spec["external_id"]] for spec in specs]


def publish_reviewed(visit: Visit, reviewer: User) -> Visit:
    """Approve and publish a submitted visit through the review service, as ``reviewer``."""
    review.approve(visit, reviewer)
    review.publish(visit, reviewer)
    db.session.commit()
    return visit


def started_draft(card: Scorecard, branch: Branch, shopper: User) -> Visit:
    """A draft visit the shopper started from an accepted assignment, as the phone does."""
    assignment = make_assignment(card, branch, shopper, status=S.ACCEPTED)
    return start_visit(assignment, shopper)


def make_visit(card, branch, visitor, when: date, status=VisitStatus.SUBMITTED, **kw) -> Visit:
    """A visit without answers on the card's published version, at 11:00 on ``when``."""
    visit = Visit(
        scorecard=card,
        version=card.latest_published,
        branch=branch,
        visitor=visitor,
        status=status,
        visited_at=datetime.combine(when, datetime.min.time(), tzinfo=UTC).replace(hour=11),
        **kw,
    )
    db.session.add(visit)
    db.session.flush()
    return visit


def add_visits(
    branch: Branch,
    percents: Iterable[float],
    *,
    at: datetime = datetime(2026, 5, 10, 12, tzinfo=UTC),
    status: VisitStatus = VisitStatus.APPROVED,
    excluded: bool = False,
    staff: Iterable[StaffMember] = (),
    scorecard: str = BRANCH_VISIT,
) -> None:
    """Visits with a given percent and no answers (for figures that read only ``visits``).

    Branch-visit visits use version 2 (target 80); a percent of 0 is a critical fail.
    Needs the report cards (:func:`tests.builders.publish_report_cards`).
    """
    version = find_version(scorecard, 2 if scorecard == BRANCH_VISIT else 1)
    for percent in percents:
        db.session.add(
            Visit(
                scorecard_id=version.scorecard_id,
                version_id=version.id,
                branch=branch,
                status=status,
                visited_at=at,
                percent=percent,
                critical_failed=percent == 0,
                excluded=excluded,
                staff=list(staff),
            )
        )
    db.session.flush()


def make_answer_change(
    visit: Visit,
    question_key: str,
    old_value: str,
    new_value: str,
    *,
    by: User,
    reason: str,
    at: datetime,
    source: str = "review",
    **fields,
) -> AnswerChange:
    """An answer change as recorded in the visit's history (``source`` review or appeal),
    written directly: for visits without answers, which the services cannot change."""
    change = AnswerChange(
        visit=visit,
        question_key=question_key,
        old_value=old_value,
        new_value=new_value,
        reason=reason,
        source=source,
        changed_by=by,
        changed_at=at,
        **fields,
    )
    db.session.add(change)
    db.session.flush()
    return change


def attach_photo(
    visit: Visit,
    question_key: str | None,
    upload_folder: Path | Storage,
    original_name: str,
    uploaded_by: User | None = None,
    *,
    photo: tuple[bytes, bytes] | None = None,
) -> Attachment:
    """A 320 × 240 JPEG (and its thumbnail) stored in ``upload_folder`` (or a given
    storage, either backend) and attached to the visit (to one question, or to the visit
    as a whole when ``question_key`` is None). ``photo``: other JPEG bytes, and their
    thumbnail's, to store instead (every default photo is the same picture)."""
    store = upload_folder if isinstance(upload_folder, Storage) else LocalStorage(upload_folder)
    name, thumb = new_names()
    data, thumb_data = photo or (jpeg((320, 240), exif=False), jpeg((160, 120), exif=False))
    store.put(name, data, "image/jpeg")
    store.put(thumb, thumb_data, "image/jpeg")
    attachment = Attachment(
        visit=visit,
        question_key=question_key,
        kind=AttachmentKind.PHOTO,
        original_name=original_name,
        stored_name=name,
        thumb_name=thumb,
        content_type="image/jpeg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=320,
        height=240,
        captured_at=visit.visited_at,
        uploaded_by=uploaded_by,
    )
    db.session.add(attachment)
    return attachment
