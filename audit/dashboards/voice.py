"""What the customer-voice panels show: CSAT, NPS and CES beside the mystery-shop score on a
branch's page and PDF, and the company view (no request here).

Each function takes a :class:`~audit.reporting.ReportFilter` already limited to the
viewer's scope, runs a fixed number of queries (:mod:`audit.reporting.customer_voice`)
and is memoised by :mod:`audit.reporting.cache` until the data behind it changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from markupsafe import Markup

from audit.reporting import ReportFilter
from audit.reporting.cache import cached
from audit.reporting.charts import ScatterPoint, scatter_chart
from audit.reporting.customer_voice import (
    CommentLine,
    NpsGroup,
    ShopVersusNps,
    UnitLevel,
    UnitVoice,
    VoiceFigures,
    VoiceMonth,
    latest_comments,
    shop_versus_nps,
    survey_questions,
    voice_by,
    voice_figures,
    voice_figures_of,
    voice_trend,
)
from audit.settings import get_setting

#: Comments listed on a page.
COMMENTS_SHOWN = 15


def comment_group(value: str | None) -> NpsGroup | None:
    """The comments filter from a query string value; anything else shows every comment."""
    return NpsGroup(value) if value in {g.value for g in NpsGroup} else None


@dataclass(frozen=True)
class Benchmarked:
    """A unit's figures with those of the benchmark it is read against."""

    label: str
    figures: VoiceFigures


@dataclass(frozen=True)
class BranchVoice:
    """The branch's customer voice: its figures, its region's and the company's, by staff
    member, by month, and the latest comments (of one NPS group when filtered)."""

    figures: VoiceFigures
    benchmarks: tuple[Benchmarked, ...]
    staff: tuple[UnitVoice, ...]
    trend: tuple[VoiceMonth, ...]
    comments: tuple[CommentLine, ...]
    group: NpsGroup | None

    @property
    def empty(self) -> bool:
        return self.figures.responses == 0

    @property
    def groups(self) -> tuple[NpsGroup, ...]:
        return tuple(NpsGroup)


def branch_voice(
    flt: ReportFilter, region_id: int | None, region_name: str, group: NpsGroup | None = None
) -> BranchVoice:
    """The panel of a branch's dashboard and PDF (``flt`` names the branch)."""
    key = (flt, region_id, region_name, group)
    return cached("branch_voice", key, lambda: _branch_voice(flt, region_id, region_name, group))


def _branch_voice(
    flt: ReportFilter, region_id: int | None, region_name: str, group: NpsGroup | None
) -> BranchVoice:
    questions = survey_questions()
    wanted: list[tuple[str, ReportFilter]] = []
    if region_id is not None:
        wanted.append((gettext("%(name)s average", name=region_name), flt.in_region(region_id)))
    wanted.append((gettext("Company average"), flt.company()))
    own, *others = voice_figures_of([flt, *(f for _, f in wanted)], questions)
    benchmarks = [Benchmarked(label, f) for (label, _), f in zip(wanted, others, strict=True)]
    return BranchVoice(
        figures=own,
        benchmarks=tuple(benchmarks),
        staff=tuple(voice_by(flt, UnitLevel.STAFF, questions)),
        trend=tuple(voice_trend(flt, questions)),
        comments=tuple(latest_comments(flt, COMMENTS_SHOWN, group=group, questions=questions)),
        group=group,
    )


@dataclass(frozen=True)
class StaffVoice:
    """What the customers who named a staff member (their own survey link) said."""

    figures: VoiceFigures
    comments: tuple[CommentLine, ...]
    group: NpsGroup | None

    @property
    def groups(self) -> tuple[NpsGroup, ...]:
        return tuple(NpsGroup)


def staff_voice(flt: ReportFilter, group: NpsGroup | None = None) -> StaffVoice:
    """The panel of a staff member's report page (``flt`` names the staff member)."""
    return cached("staff_voice", (flt, group), lambda: _staff_voice(flt, group))


def _staff_voice(flt: ReportFilter, group: NpsGroup | None) -> StaffVoice:
    questions = survey_questions()
    return StaffVoice(
        figures=voice_figures(flt, questions),
        comments=tuple(latest_comments(flt, COMMENTS_SHOWN, group=group, questions=questions)),
        group=group,
    )


@dataclass(frozen=True)
class CompanyVoice:
    """The company (or scope, or region) view: figures per region and branch, each branch's
    mystery-shop mean against its NPS with their correlation, the trend, the comments."""

    figures: VoiceFigures
    regions: tuple[UnitVoice, ...]
    branches: tuple[UnitVoice, ...]
    scatter: ShopVersusNps
    scatter_chart: Markup
    trend: tuple[VoiceMonth, ...]
    comments: tuple[CommentLine, ...]
    group: NpsGroup | None

    @property
    def groups(self) -> tuple[NpsGroup, ...]:
        return tuple(NpsGroup)


def company_voice(flt: ReportFilter, group: NpsGroup | None = None) -> CompanyVoice:
    return cached("company_voice", (flt, group), lambda: _company_voice(flt, group))


def _company_voice(flt: ReportFilter, group: NpsGroup | None) -> CompanyVoice:
    questions = survey_questions()
    scatter = shop_versus_nps(flt, get_setting("min_visits_to_rank"), questions)
    chart = scatter_chart(
        [ScatterPoint(p.name, p.shop_mean, p.nps, p.shop_n, p.nps_n) for p in scatter.points]
    )
    return CompanyVoice(
        figures=voice_figures(flt, questions),
        regions=tuple(voice_by(flt, UnitLevel.REGION, questions)),
        branches=tuple(voice_by(flt, UnitLevel.BRANCH, questions)),
        scatter=scatter,
        scatter_chart=chart,
        trend=tuple(voice_trend(flt, questions)),
        comments=tuple(latest_comments(flt, COMMENTS_SHOWN, group=group, questions=questions)),
        group=group,
    )


__all__ = [
    "BranchVoice",
    "CompanyVoice",
    "StaffVoice",
    "branch_voice",
    "comment_group",
    "company_voice",
    "staff_voice",
]
