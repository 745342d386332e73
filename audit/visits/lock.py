"""One change to a visit at a time: lock its row, then read it as it is now.

A phone's autosave, its Send, a photo upload, a reviewer's decision and an
appeal can all reach the same visit within milliseconds. Each of them first
runs :func:`lock_visit`, a guarded UPDATE of the visit's row, and only then
reads what it decides on:

- on PostgreSQL the UPDATE holds the row lock until the transaction ends; a
  second request's UPDATE waits for it, then re-checks the status against the
  committed row (READ COMMITTED), so it sees the first one's outcome;
- on SQLite the UPDATE opens the write transaction, which SQLite serialises
  for the whole database (the busy timeout makes the second writer wait).

Everything read after the lock (status, answers, staff, photos, section
scores) is reloaded, so a decision never rests on what the request read
before it waited. Taking the visit row first in every writer also gives one
lock order, so a visit change never deadlocks with another one.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, inspect, update

from audit.extensions import db
from audit.models import Visit, VisitStatus

#: Execution option on an UPDATE that only locks (changes no reportable value).
LOCK_ONLY = "audit_visit_lock_only"


def lock_visit(
    visit: Visit,
    allowed: Collection[VisitStatus],
    *conditions: ColumnElement[bool],
    **values: Any,
) -> bool:
    """Lock ``visit`` if it is still in an ``allowed`` status (and ``conditions`` hold).

    ``values`` are written in the same UPDATE (a status change, say); without
    them nothing changes, ``updated_at`` included. Returns False when the row no
    longer qualifies: nothing is locked or written. Either way ``visit`` and its
    loaded children are reread on next access.
    """
    guarded = (
        update(Visit)
        .where(Visit.id == visit.id, Visit.status.in_(tuple(allowed)), *conditions)
        .execution_options(synchronize_session=False)
    )
    # The lock first, changing nothing: whatever reads the visit before the change that
    # follows (the rollup hook's "before" keys, a caller's checks) then reads it locked.
    locked = db.session.execute(
        guarded.values(updated_at=Visit.updated_at).execution_options(**{LOCK_ONLY: True})
    )
    if locked.rowcount == 1 and values:
        db.session.execute(update(Visit).where(Visit.id == visit.id).values(**values))
    reread(visit)
    return locked.rowcount == 1


def reread(visit: Visit) -> None:
    """Forget what was read of ``visit`` and of its loaded answers, photos and sections."""
    state = inspect(visit)
    for name in ("answers", "section_scores", "attachments"):
        if name in state.dict:
            for row in state.dict[name]:
                db.session.expire(row)
    db.session.expire(visit)
