"""The bodies of the report resources: the dashboards' filter coming in, their figures
going out (every figure with its n and 95% interval, every comparison with its verdict),
and report jobs.

Units are those of :mod:`audit.reporting`: a mean is a percent (0–100) and its
interval is cut to 0–100 as the pages show it; a pass rate is a share (0–1) with its
Wilson interval; a difference is in percentage points of the two figures as shown.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from audit.api.schemas import Id
from audit.reporting.periods import EARLIEST, LATEST, PRESETS

#: A verdict against a benchmark: the 95% interval wholly above or below it, or across it.
Verdict = Literal["above", "below", "not_significant"]
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


# --- the filter ----------------------------------------------------------------------


class PeriodQuery(BaseModel):
    """The period and scorecard of the dashboards' filter (a branch's or staff member's
    page and PDF take no region: the unit is in one)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    period: Literal[tuple(PRESETS)] | None = Field(  # type: ignore[valid-type]
        None,
        description="A period as the dashboards name it (default 12m, or custom when from "
        "or to is given): " + ", ".join(f"{k} ({v})" for k, v in PRESETS.items()) + ".",
    )
    date_from: date | None = Field(
        None,
        alias="from",
        description="First day (YYYY-MM-DD), with period custom: each branch's own day "
        "(a visit counts on its visited_at_local's date).",
    )
    date_to: date | None = Field(
        None,
        alias="to",
        description="Last day, inclusive (YYYY-MM-DD), with period custom: each branch's own day.",
    )
    scorecard: Slug | None = Field(
        None,
        description="A published scorecard's slug, or `all` for every scorecard; default: "
        "the main scorecard, as on the dashboards.",
    )

    @field_validator("date_from", "date_to")
    @classmethod
    def _in_range(cls, value: date | None) -> date | None:
        if value is not None and not EARLIEST <= value <= LATEST:
            raise ValueError(
                f"choose a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}"
            )
        return value

    def conflicts(self) -> list[dict[str, str]]:
        """What the fields ask for together that cannot be (the view answers 422 with
        them): each problem names its field."""
        if self.date_from and self.date_to and self.date_from > self.date_to:
            return [{"field": "to", "message": "The period ends before it starts (from)."}]
        return []

    def web_args(self) -> dict[str, str]:
        """The same filter as the dashboards' query string (period, from, to, scorecard,
        region), for their one filter pipeline."""
        args = {
            "period": self.period,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "scorecard": self.scorecard,
            "region": str(region) if (region := getattr(self, "region_id", None)) else None,
        }
        return {name: value for name, value in args.items() if value is not None}


class _Filter(PeriodQuery):
    """The dashboards' filter: period (or from/to), scorecard, region."""

    region_id: Id | None = Field(
        None, description="One region (in the caller's scope); default: every region in it."
    )


class FiguresQuery(_Filter):
    """The dashboards' filter, and the unit: a branch or a staff member (their pages), or
    neither (the overview of the region or of every region in the caller's scope)."""

    branch_id: Id | None = Field(None, description="The figures of one branch's page.")
    staff_id: Id | None = Field(None, description="The figures of one staff member's page.")

    def conflicts(self) -> list[dict[str, str]]:
        found = super().conflicts()
        if self.branch_id is not None and self.staff_id is not None:
            found.append({"field": "staff_id", "message": "Give branch_id or staff_id, not both."})
        return found


class LeagueQuery(_Filter):
    kind: Literal["branch", "staff"] = Field(
        "branch",
        description="branch: the branches of the region or scope, as on the overview; "
        "staff: the staff of one branch (branch_id), as on the branch page.",
    )
    branch_id: Id | None = Field(None, description="The branch of a staff league.")

    def conflicts(self) -> list[dict[str, str]]:
        found = super().conflicts()
        if self.kind == "staff" and self.branch_id is None:
            message = "A staff league is of one branch, as on the branch page: give branch_id."
            found.append({"field": "branch_id", "message": message})
        if self.kind == "branch" and self.branch_id is not None:
            message = "branch_id names the branch of a staff league: use it with kind=staff."
            found.append({"field": "branch_id", "message": message})
        return found


class ComparisonJobCreate(_Filter):
    """Ask for the branch comparison PDF of a region, or of every region in scope."""

    report: Literal["comparison"] = Field(
        "comparison", description="The report to make: the branch comparison."
    )


class FilterOut(BaseModel):
    """The filter as it was read: the dates a period stands for, the scorecard chosen."""

    period: str
    date_from: date | None
    date_to: date | None
    period_label: str
    scorecard: str | None = Field(description="null: every scorecard.")
    region_id: int | None
    branch_id: int | None
    staff_id: int | None


# --- figures -------------------------------------------------------------------------


class Interval(BaseModel):
    low: float
    high: float


class FigureOut(BaseModel):
    """What a set of visits adds up to."""

    n: int = Field(description="How many visits (or section scores) the figure rests on.")
    mean: float | None = Field(description="Mean percent; null without visits.")
    sd: float | None
    ci95: Interval | None = Field(
        description="95% t interval of the mean, within 0–100 as shown; null below 2 visits."
    )
    passed: int = Field(description="Visits meeting their target.")
    judged: int = Field(description="Visits with a target to meet.")
    pass_rate: float | None = Field(description="passed / judged, a share 0–1.")
    pass_ci95: Interval | None = Field(description="Wilson 95% interval of pass_rate.")
    critical_fails: int


class BenchmarkOut(BaseModel):
    kind: Literal["target", "section_target", "company", "region", "previous"]
    label: str
    value: float | None
    n: int | None = Field(description="Visits the benchmark rests on; null for a target.")
    ci95: Interval | None = Field(description="The benchmark's own interval, as shown.")
    difference: float | None = Field(description="The unit's mean minus value, in points.")
    significance: Verdict | None = Field(
        description="above / below when the unit's 95% interval lies wholly on that side; "
        "null without an interval (fewer than 2 visits) or a value."
    )


class UnitOut(BaseModel):
    kind: Literal["staff", "branch", "region", "scope", "company"]
    id: int | None
    name: str
    code: str | None
    label: str
    region_id: int | None
    region_name: str | None


class ScorecardOut(BaseModel):
    slug: str
    title: str
    target: float
    excellence: float | None
    version: int


class NpsOut(BaseModel):
    n: int
    promoters: int
    passives: int
    detractors: int
    score: int | None


class SectionOut(BaseModel):
    scorecard: str
    key: str
    title: str
    position: int
    target: float | None
    figure: FigureOut
    versus_target: Verdict | None
    company: FigureOut | None = Field(description="The company's figure of the same section.")
    branch: FigureOut | None = Field(description="On a staff member's figures: their branch's.")
    versus_company: Verdict | None


class QuestionOut(BaseModel):
    """How often a question earned full points: passed of n scored answers."""

    scorecard: str
    key: str
    text: str
    section_key: str
    section_title: str
    n: int
    passed: int
    failed: int
    pass_rate: float | None
    pass_ci95: Interval | None


class RecurringFailureOut(BaseModel):
    """A question the branch failed on ``failed`` of the ``n`` visits that scored it."""

    scorecard: str
    key: str
    text: str
    section_title: str
    n: int
    failed: int
    last_failed_at: datetime


class RegionFigureOut(BaseModel):
    id: int
    name: str
    figure: FigureOut
    versus_company: Verdict | None


class PositionOut(BaseModel):
    """Where the unit stands in its league: a branch in its region, a staff member in
    their branch."""

    league: Literal["region", "branch"]
    rank: int | None
    ranked: int = Field(description="How many units the league ranks.")
    reason: str | None = Field(description="Why the unit is not ranked.")


class ComparisonOut(BaseModel):
    """A staff member's mean against their branch's."""

    label: str
    figure: FigureOut
    difference: float | None
    significance: Verdict | None


class AppealsOut(BaseModel):
    visits: int
    published: int
    appealed: int
    amended: int
    open: int


class ReportFigures(BaseModel):
    """The figures of a dashboard page for one filter."""

    filter: FilterOut
    unit: UnitOut
    scorecard: ScorecardOut | None
    figure: FigureOut
    benchmarks: list[BenchmarkOut]
    company_mean: float | None
    nps: NpsOut | None
    sections: list[SectionOut]
    regions: list[RegionFigureOut] = Field(
        description="Each region in scope against the company (overview of every region)."
    )
    most_failed: list[QuestionOut] = Field(description="On an overview.")
    recurring_failures: list[RecurringFailureOut] = Field(description="On a branch's figures.")
    position: PositionOut | None
    branch: ComparisonOut | None = Field(description="On a staff member's figures.")
    appeals: AppealsOut | None = Field(description="On an overview's or a branch's figures.")


class LeagueRowOut(BaseModel):
    rank: int | None = Field(description="Standard competition rank; null when unranked.")
    id: int
    code: str
    name: str
    branch_id: int
    region_id: int
    region: str
    figure: FigureOut
    versus_company: Verdict | None
    reason: str | None = Field(description="Why the unit is not ranked.")


class LeagueOut(BaseModel):
    kind: Literal["branch", "staff"]
    filter: FilterOut
    min_visits: int = Field(description="Units with fewer visits are listed, not ranked.")
    company_mean: float | None
    items: list[LeagueRowOut] = Field(description="Ranked units best first, then the unranked.")


# --- report jobs ---------------------------------------------------------------------


class ReportJobOut(BaseModel):
    id: str
    report: str
    title: str
    state: Literal["queued", "running", "finished", "failed"]
    percent: int
    message: str
    error: str
    created_at: datetime
    finished_at: datetime | None
    download: str | None = Field(description="Where the PDF is, once finished.")
