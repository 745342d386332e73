"""Exporting visits with their stored scores, as JSON or CSV, for any filter.

A visit's time is written with an explicit offset twice: ``visited_at`` in UTC
(``+00:00``) and ``visited_at_local`` on its branch's clock (``-08:00`` in Los Angeles in
winter), with the branch's ``timezone``. The period is the branch's days (its visits'
``local_day``), as in reports.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from audit.extensions import db
from audit.models import Scorecard, Visit, VisitStatus
from audit.scorecards.scoring import NA
from audit.visits.answer_changes import change_marks
from audit.visits.scores import stored_value

EXPORT_FIELDS = (
    "id",
    "external_id",
    "branch",
    "scorecard",
    "version",
    "visited_at",
    "status",
    "earned",
    "possible",
    "percent",
    "band",
    "critical_failed",
)
#: After the fields above, in both formats: the branch's clock and its zone.
LOCAL_FIELDS = ("visited_at_local", "timezone")


@dataclass(frozen=True)
class VisitFilter:
    scorecard: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    branch_ids: frozenset[int] | None = None  # None: every branch

    def apply(self, query: Select) -> Select:
        query = query.where(Visit.status != VisitStatus.DRAFT)
        if self.scorecard:
            query = query.where(Scorecard.slug == self.scorecard)
        # The branch's days, as reports count them (reporting.sql.period_conditions, which
        # this package may not import: reporting reads visits.lock).
        if self.date_from:
            query = query.where(Visit.local_day >= self.date_from.isoformat())
        if self.date_to:
            query = query.where(Visit.local_day <= self.date_to.isoformat())
        if self.branch_ids is not None:
            query = query.where(Visit.branch_id.in_(self.branch_ids))
        return query


#: Visits read, and their changed answers looked up, this many at a time.
CHUNK = 500


def _visits(flt: VisitFilter) -> Iterator[tuple[Visit, dict[str, str]]]:
    """The visits in order, each with how its changed answers read, by question key
    ("changed by the reviewer", "changed on appeal"): the original stays in the history."""
    query = (
        select(Visit)
        .join(Visit.scorecard)
        .options(
            selectinload(Visit.branch),
            selectinload(Visit.scorecard),
            selectinload(Visit.version),
            selectinload(Visit.section_scores),
            selectinload(Visit.answers),
            selectinload(Visit.staff),
        )
        .order_by(Visit.visited_at, Visit.id)
    )
    # Stream in chunks: an export of a year of visits must not hold them all at once.
    rows = iter(db.session.scalars(flt.apply(query).execution_options(yield_per=CHUNK)))
    while chunk := list(islice(rows, CHUNK)):
        changed: dict[int, dict[str, str]] = {v.id: {} for v in chunk}
        for (visit_id, key), mark in change_marks(changed).items():
            changed[visit_id][key] = mark
        for visit in chunk:
            yield visit, changed[visit.id]


def _record(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "external_id": visit.external_id,
        "branch": visit.branch.code,
        "scorecard": visit.scorecard.slug,
        "version": visit.version.number,
        "visited_at": visit.visited_at.isoformat(),
        "status": visit.status.value,
        "earned": visit.earned,
        "possible": visit.possible,
        "percent": visit.percent,
        "band": visit.band,
        "critical_failed": visit.critical_failed,
        "visited_at_local": visit.visited_at.astimezone(
            ZoneInfo(visit.branch.timezone)
        ).isoformat(),
        "timezone": visit.branch.timezone,
    }


def _json_value(value: Any) -> Any:
    return "na" if value is NA else value


def export_json(flt: VisitFilter) -> str:
    records = []
    for visit, changed in _visits(flt):
        record = _record(visit)
        record["excluded"] = visit.excluded
        record["staff"] = [s.code for s in visit.staff]
        record["sections"] = {s.section_key: s.percent for s in visit.section_scores}
        record["answers"] = {
            a.question_key: _json_value(stored_value(a))
            for a in visit.answers
            if stored_value(a) is not None
        }
        record["comments"] = {a.question_key: a.comment for a in visit.answers if a.comment}
        record["changed"] = changed
        records.append(record)
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def export_csv(flt: VisitFilter) -> str:
    visits = list(_visits(flt))
    section_keys: list[str] = []
    for visit, _ in visits:
        for score in visit.section_scores:
            if score.section_key not in section_keys:
                section_keys.append(score.section_key)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            *EXPORT_FIELDS,
            *LOCAL_FIELDS,
            "excluded",
            "staff",
            "changed",
            *(f"section:{k}" for k in section_keys),
        ]
    )
    for visit, changed in visits:
        record = _record(visit)
        sections = {s.section_key: s.percent for s in visit.section_scores}
        writer.writerow(
            [
                *("" if record[f] is None else record[f] for f in (*EXPORT_FIELDS, *LOCAL_FIELDS)),
                visit.excluded,
                ";".join(s.code for s in visit.staff),
                "; ".join(f"{key}: {mark}" for key, mark in sorted(changed.items())),
                *("" if sections.get(k) is None else sections[k] for k in section_keys),
            ]
        )
    return out.getvalue()


__all__ = ["VisitFilter", "export_csv", "export_json"]
