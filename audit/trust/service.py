"""Trust signals: computed when a visit is sent or imported, stored, read back.

Sending a visit (:func:`audit.shop.service.submit`) and importing visits
(:func:`audit.visits.imports.import_records`) queue :data:`COMPUTE_TASK` on the task queue
(:mod:`audit.tasks`), so sending does not wait for the comparisons with other visits:
after the commit, :func:`compute_visit_signals` runs on RQ or in the in-process pool and
stores, for each visit, every finding that asks for a closer look
(:class:`audit.models.VisitSignal`).
Computing again replaces the visit's signals. Signals inform the reviewer; they never
change a score.

The reviewer sees the checks of the visit on its own as they are now
(:mod:`audit.trust.checks`, with the ``ok`` ones too) and the stored signals that compare
it with other visits, with their evidence (:func:`shown_signals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import joinedload

from audit.access import branch_in_scope, scope_branches
from audit.extensions import db
from audit.models import (
    CROSS_VISIT_KINDS,
    REPORTABLE_STATUSES,
    Attachment,
    SignalKind,
    SignalLevel,
    User,
    Visit,
    VisitSignal,
    VisitStatus,
)
from audit.reporting.sql import period_conditions
from audit.storage import Storage, storage
from audit.trust.checks import Finding, visit_findings
from audit.trust.duplicate_text import duplicate_text, quoted_text
from audit.trust.photo_reuse import photo_reuse
from audit.trust.travel import impossible_travel

__all__ = [
    "COMPUTE_TASK",
    "ShownSignal",
    "compute_signals",
    "compute_visit_signals",
    "findings_of",
    "kind_counts",
    "report_visits",
    "shown_signals",
    "signals_query",
    "visits_to_compute",
    "warning_counts",
]

#: The task the phone's service and the visit import queue (by name: they do not import
#: this package) when visits are sent or imported.
COMPUTE_TASK = "audit.trust.service:compute_visit_signals"


# --- computing -------------------------------------------------------------------------


def compute_signals(visit: Visit, store: Storage | None = None) -> list[VisitSignal]:
    """Replace the visit's stored signals with what the checks find now (the caller
    commits). A draft has none: it has not been sent."""
    db.session.execute(delete(VisitSignal).where(VisitSignal.visit_id == visit.id))
    if visit.status is VisitStatus.DRAFT:
        return []
    findings = [f for f in visit_findings(visit) if f.warn]
    findings += photo_reuse(visit, store or storage())
    findings += duplicate_text(visit)
    findings += impossible_travel(visit)
    rows = [
        VisitSignal(
            visit_id=visit.id,
            kind=f.kind,
            level=SignalLevel.HIGH if f.level == "high" else SignalLevel.WARN,
            detail=f.detail,
            evidence=dict(f.evidence),
        )
        for f in findings
    ]
    db.session.add_all(rows)
    return rows


def compute_visit_signals(visit_ids: list[int]) -> int:
    """The task: compute and store the signals of these visits; returns how many signals.

    Visits are taken in the order they were visited, each in its own commit, so one that
    fails leaves the others' signals in place."""
    found = 0
    visits = db.session.scalars(
        select(Visit).where(Visit.id.in_(visit_ids)).order_by(Visit.visited_at, Visit.id)
    ).all()
    for visit in visits:
        found += len(compute_signals(visit))
        db.session.commit()
    return found


# --- reading ---------------------------------------------------------------------------


def _as_finding(row: VisitSignal) -> Finding:
    return Finding(row.kind, row.level.value, row.detail, row.evidence or {})  # type: ignore[arg-type]


def _stored_cross(visit: Visit) -> list[VisitSignal]:
    return list(
        db.session.scalars(
            select(VisitSignal)
            .where(VisitSignal.visit_id == visit.id, VisitSignal.kind.in_(CROSS_VISIT_KINDS))
            .order_by(VisitSignal.id)
        )
    )


def findings_of(visit: Visit) -> list[Finding]:
    """What the reviewer weighs: the checks of the visit on its own, as they are now, then
    the stored signals that compare it with other visits."""
    return [*visit_findings(visit), *(_as_finding(row) for row in _stored_cross(visit))]


def warning_counts(visits: Sequence[Visit]) -> dict[int, int]:
    """How many findings ask for a closer look, per visit (one query for the stored ones)."""
    ids = [visit.id for visit in visits]
    stored = (
        dict(
            db.session.execute(
                select(VisitSignal.visit_id, func.count())
                .where(VisitSignal.visit_id.in_(ids), VisitSignal.kind.in_(CROSS_VISIT_KINDS))
                .group_by(VisitSignal.visit_id)
            ).all()
        )
        if ids
        else {}
    )
    return {
        visit.id: sum(1 for f in visit_findings(visit) if f.warn) + stored.get(visit.id, 0)
        for visit in visits
    }


@dataclass(frozen=True)
class ShownSignal:
    """A finding with the records its evidence names, as the reviewer may see them.

    ``other_visit`` is None when the other visit is gone or outside the reviewer's regions
    (``other_hidden`` says which): the detail still tells what was found."""

    finding: Finding
    other_visit: Visit | None = None
    other_hidden: bool = False
    photo: Attachment | None = None
    other_photo: Attachment | None = None

    @property
    def kind(self) -> str:
        return self.finding.kind

    @property
    def level(self) -> str:
        return self.finding.level

    @property
    def detail(self) -> str:
        return self.finding.detail

    @property
    def warn(self) -> bool:
        return self.finding.warn

    #: duplicate_text: the two texts as they are now (None when removed since).
    text: str | None = None
    other_text: str | None = None


def shown_signals(visit: Visit, user: User) -> list[ShownSignal]:
    """:func:`findings_of` the visit with their evidence loaded for ``user``."""
    findings = findings_of(visit)
    visit_ids = {f.evidence["other_visit_id"] for f in findings if "other_visit_id" in f.evidence}
    photo_ids = {
        f.evidence[key]
        for f in findings
        for key in ("attachment_id", "other_attachment_id")
        if key in f.evidence
    }
    others = (
        {
            v.id: v
            for v in db.session.scalars(
                select(Visit).where(Visit.id.in_(visit_ids)).options(joinedload(Visit.branch))
            )
        }
        if visit_ids
        else {}
    )
    photos = (
        {
            a.id: a
            for a in db.session.scalars(select(Attachment).where(Attachment.id.in_(photo_ids)))
        }
        if photo_ids
        else {}
    )
    shown = []
    for finding in findings:
        evidence = finding.evidence
        other_id = evidence.get("other_visit_id")
        other = others.get(other_id) if other_id is not None else None
        hidden = other is not None and not branch_in_scope(other.branch, user)
        shown.append(
            ShownSignal(
                finding,
                other_visit=None if hidden else other,
                other_hidden=hidden,
                photo=photos.get(evidence.get("attachment_id")),
                other_photo=None if hidden else photos.get(evidence.get("other_attachment_id")),
                **_texts_of(visit, evidence, hidden),
            )
        )
    return shown


def _texts_of(visit: Visit, evidence: dict[str, Any], hidden: bool) -> dict[str, str | None]:
    """The two texts a duplicate_text signal names (the other one only when in scope)."""
    if "question_key" not in evidence or "other_question_key" not in evidence:
        return {}
    mine = quoted_text(visit.id, evidence["question_key"], evidence["source"])
    theirs = None
    if not hidden:
        theirs = quoted_text(
            evidence["other_visit_id"], evidence["other_question_key"], evidence["other_source"]
        )
    return {"text": mine, "other_text": theirs}


# --- the managers' list and the report --------------------------------------------------


def signals_query(
    user: User,
    kind: SignalKind | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Select:
    """Stored signals of visits in the user's regions visited in [start, end] (the branch's
    days), newest visit first, with the visit, its branch and its shopper loaded."""
    query = (
        select(VisitSignal)
        .join(VisitSignal.visit)
        .join(Visit.branch)
        .options(
            joinedload(VisitSignal.visit).joinedload(Visit.branch),
            joinedload(VisitSignal.visit).joinedload(Visit.visitor),
        )
        .order_by(Visit.visited_at.desc(), Visit.id.desc(), VisitSignal.id)
    )
    if kind is not None:
        query = query.where(VisitSignal.kind == kind)
    query = query.where(*period_conditions(start, end))
    return scope_branches(query, user)


def kind_counts(user: User, start: date | None, end: date | None) -> dict[str, int]:
    """How many stored signals of each kind :func:`signals_query` would list (one query)."""
    inner = signals_query(user, None, start, end).order_by(None).subquery()
    rows = db.session.execute(select(inner.c.kind, func.count()).group_by(inner.c.kind))
    counts = dict.fromkeys((k.value for k in SignalKind), 0)
    for kind, count in rows:
        counts[SignalKind(kind).value] = count
    return counts


def report_visits(start: date | None, end: date | None) -> list[dict[str, Any]]:
    """The ``visits`` part of ``trust report``: approved and published visits visited in
    [start, end] that have stored signals, by id, each with its signals (one query).

    Excluded visits are listed too: excluding a visit is often what a signal led to, and
    the report says why."""
    query = (
        select(Visit.id, Visit.external_id, VisitSignal.kind, VisitSignal.level, VisitSignal.detail)
        .join(VisitSignal, VisitSignal.visit_id == Visit.id)
        .where(Visit.status.in_(REPORTABLE_STATUSES), *period_conditions(start, end))
        .order_by(Visit.id, VisitSignal.id)
    )
    visits: dict[int, dict[str, Any]] = {}
    for visit_id, external_id, kind, level, detail in db.session.execute(query):
        entry = visits.setdefault(
            visit_id, {"id": visit_id, "external_id": external_id, "signals": []}
        )
        entry["signals"].append(
            {"kind": SignalKind(kind).value, "level": SignalLevel(level).value, "detail": detail}
        )
    return list(visits.values())


def visits_to_compute(start: date | None, end: date | None) -> list[int]:
    """Ids of the sent visits (not drafts) visited in [start, end], for ``trust compute``."""
    query = (
        select(Visit.id)
        .where(Visit.status != VisitStatus.DRAFT, *period_conditions(start, end))
        .order_by(Visit.id)
    )
    return list(db.session.scalars(query))
