"""CSV building for downloads: league tables and visit lists, from hand-made results."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from audit.reporting.csv_export import LEAGUE_FIELDS, league_csv, safe_text, visits_csv
from audit.reporting.filters import UnitKind
from audit.reporting.league import League, LeagueEntry
from audit.reporting.stats import Figure
from audit.reporting.visit_list import StaffRef, VisitRow


def _figure(values: list[float], passed: int = 0, critical: int = 0) -> Figure:
    return Figure.from_sums(len(values), sum(values), sum(v * v for v in values), passed, critical)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_league_csv_lists_ranked_then_unranked_with_figures() -> None:
    alpha = LeagueEntry(
        UnitKind.BRANCH, 1, "ALP", "Alpha", 1, 10, _figure([90, 92, 94], 3), 1, None
    )
    beta = LeagueEntry(
        UnitKind.BRANCH, 2, "BET", "=Beta", 2, 20, _figure([60, 70, 80], 1, 1), 2, None
    )
    gamma = LeagueEntry(
        UnitKind.BRANCH, 3, "GAM", "Gamma", 3, 10, _figure([50]), None, "1 visit, fewer than 3"
    )
    league = League(UnitKind.BRANCH, 3, (alpha, beta), (gamma,))
    text = league_csv(league, company_mean=75.0, region_names={10: "North", 20: "South"})
    assert text.splitlines()[0] == ",".join(LEAGUE_FIELDS)
    a, b, g = rows(text)
    # Alpha: mean 92, sd 2, t(0.975, 2) = 4.302653 -> half width 4.9683.
    assert (a["rank"], a["code"], a["region"], a["visits"], a["mean_percent"]) == (
        "1",
        "ALP",
        "North",
        "3",
        "92.00",
    )
    assert (a["ci95_low"], a["ci95_high"]) == ("87.03", "96.97")
    assert (a["pass_rate_percent"], a["pass_ci95_high"], a["vs_company"]) == (
        "100.00",
        "100.00",
        "above",
    )
    # Beta: mean 70, sd 10, half width 24.84 -> not significantly different from 75.
    assert (b["name"], b["mean_percent"], b["critical_fails"], b["vs_company"]) == (
        "'=Beta",
        "70.00",
        "1",
        "not_significant",
    )
    assert (b["pass_rate_percent"]) == "33.33"
    assert (g["rank"], g["ci95_low"], g["vs_company"], g["unranked_reason"]) == (
        "",
        "",
        "",
        "1 visit, fewer than 3",
    )


def test_safe_text_defuses_formulas() -> None:
    assert [safe_text(v) for v in ("=1+1", "+4", "-2", "@SUM", "Leeds", "")] == [
        "'=1+1",
        "'+4",
        "'-2",
        "'@SUM",
        "Leeds",
        "",
    ]


def test_visits_csv_has_one_column_per_section() -> None:
    at = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    common = dict(
        visited_at=at,
        status="approved",
        branch_id=1,
        branch_code="LDS",
        branch_name="Leeds",
        region_name="North",
        scorecard="branch-visit",
        scorecard_title="Branch visit",
        version=2,
        target=80.0,
        band="meets",
        critical_failed=False,
    )
    one = VisitRow(
        id=5,
        percent=85.0,
        staff=(StaffRef(1, "S1", "Ann"), StaffRef(2, "S2", "Bob")),
        sections={"welcome": 90.0, "close": None},
        **common,
    )
    two = VisitRow(id=6, percent=70.5, sections={"advice": 50.0}, **common)
    out = rows(visits_csv([one, two]))
    assert list(out[0])[-3:] == ["section:welcome", "section:close", "section:advice"]
    assert (out[0]["visit_id"], out[0]["percent"], out[0]["met_target"], out[0]["staff"]) == (
        "5",
        "85.00",
        "yes",
        "S1;S2",
    )
    assert (out[0]["section:welcome"], out[0]["section:close"], out[0]["section:advice"]) == (
        "90.00",
        "",
        "",
    )
    assert (out[1]["met_target"], out[1]["section:advice"], out[1]["visited_at"]) == (
        "no",
        "50.00",
        "2026-05-01T09:30:00+00:00",
    )
