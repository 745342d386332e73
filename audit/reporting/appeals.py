"""How many visits were appealed, and how many of those had an answer amended.

Counted over the filter's reportable visits (one query). Only published
visits can be appealed, so the shares are of the published visits in the
filter; ``visits`` is given too, for context. Withdrawn appeals do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Exists, exists, select

from audit.extensions import db
from audit.models import Appeal, AppealStatus, Visit, VisitStatus
from audit.reporting.filters import ReportFilter
from audit.reporting.sql import count_if, visit_conditions


@dataclass(frozen=True)
class AppealFigures:
    visits: int  # reportable visits in the filter
    published: int  # of which published (the ones that can be appealed)
    appealed: int  # published visits with at least one appeal (not withdrawn)
    amended: int  # visits with at least one amended answer
    open: int  # visits with an appeal still open

    @property
    def appealed_share(self) -> float | None:
        return self.appealed / self.published if self.published else None

    @property
    def amended_share(self) -> float | None:
        return self.amended / self.published if self.published else None

    @property
    def amended_of_appealed(self) -> float | None:
        return self.amended / self.appealed if self.appealed else None


def _has_appeal(*statuses: AppealStatus) -> Exists:
    return exists().where(Appeal.visit_id == Visit.id, Appeal.status.in_(statuses))


def appeal_figures(flt: ReportFilter) -> AppealFigures:
    """Visits appealed and amended in the filter, aggregated in SQL."""
    counted = (AppealStatus.OPEN, AppealStatus.UPHELD, AppealStatus.AMENDED)
    row = db.session.execute(
        select(
            count_if(Visit.id.is_not(None)).label("visits"),
            count_if(Visit.status == VisitStatus.PUBLISHED).label("published"),
            count_if(_has_appeal(*counted)).label("appealed"),
            count_if(_has_appeal(AppealStatus.AMENDED)).label("amended"),
            count_if(_has_appeal(AppealStatus.OPEN)).label("open"),
        )
        .select_from(Visit)
        .where(*visit_conditions(flt))
    ).one()
    return AppealFigures(
        int(row.visits), int(row.published), int(row.appealed), int(row.amended), int(row.open)
    )
