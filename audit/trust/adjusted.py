"""Branch scores adjusted for shopper leniency: a figure beside the report, never a change
to a stored score.

Each visit's percent less its shopper's leniency (:mod:`audit.trust.leniency`) is what an
average shopper would probably have given; a branch's adjusted mean on a scorecard is the
mean of those over the period. A visit whose shopper has no leniency figure (nobody to
compare them with) is counted as it is. Visits, scores, bands and every other report
keep the stored scores; this page only sets the two means side by side, labelled.

The rows are those the leniency fit reads (one query); the means are taken from them in
Python because the adjustment comes out of that fit, not out of the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from audit.extensions import db
from audit.models import Branch, Scorecard
from audit.settings import get_setting
from audit.trust.leniency import LENIENCY_FLAG_SETTING, estimate_leniency, observations

__all__ = ["AdjustedMean", "adjusted_branch_means"]


@dataclass(frozen=True)
class AdjustedMean:
    branch: Branch
    scorecard: Scorecard
    visits: int
    #: The mean of the stored visit percents, as every report shows it.
    stored: float
    #: The mean after taking each shopper's leniency off their visits.
    adjusted: float
    #: Visits whose shopper had no leniency figure, counted unadjusted.
    unadjusted: int

    @property
    def change(self) -> float:
        return self.adjusted - self.stored


def adjusted_branch_means(
    start: date | None, end: date | None, region_ids: frozenset[int] | None = None
) -> list[AdjustedMean]:
    """Per branch and scorecard with visits that count in [start, end]: the stored and the
    adjusted mean, ordered by scorecard, then the largest change first. The fit uses every
    branch; ``region_ids`` (a manager's scope) limits the branches listed."""
    rows = observations(start, end)
    leniency = {
        row.user_id: row.leniency
        for row in estimate_leniency(rows, get_setting(LENIENCY_FLAG_SETTING))
        if row.leniency is not None
    }
    sums: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0])
    for row in rows:
        cell = sums[(row.branch_id, row.scorecard_id)]
        offset = leniency.get(row.user_id)
        cell[0] += 1
        cell[1] += row.percent
        cell[2] += row.percent - (offset or 0.0)
        cell[3] += offset is None
    branches = _by_id(Branch, {branch_id for branch_id, _ in sums}, region_ids)
    scorecards = _by_id(Scorecard, {scorecard_id for _, scorecard_id in sums})
    means = [
        AdjustedMean(
            branches[branch_id],
            scorecards[scorecard_id],
            int(n),
            total / n,
            adjusted / n,
            int(unadjusted),
        )
        for (branch_id, scorecard_id), (n, total, adjusted, unadjusted) in sums.items()
        if branch_id in branches
    ]
    return sorted(
        means, key=lambda m: (m.scorecard.title, -abs(m.change), m.branch.name, m.branch.id)
    )


def _by_id(model: type, ids: set[int], region_ids: frozenset[int] | None = None) -> dict:
    query = select(model).where(model.id.in_(sorted(ids)))
    if region_ids is not None:
        query = query.where(model.region_id.in_(sorted(region_ids)))
    return {record.id: record for record in db.session.scalars(query)}
