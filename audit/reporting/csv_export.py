"""CSV downloads of report data: league tables and the visits behind a page.

Pure functions from :mod:`audit.reporting` results to CSV text (UTF-8,
``\\n`` line ends, a header row). Numbers are written with the precision
the pages show plus one digit (means to 2 decimals, rates as percents to
2 decimals), empty where there is no value. A mean's 95% interval
(``ci95_low``, ``ci95_high``) is cut at 0 and 100 as on the pages: no mean
can lie outside them, though a t interval near 100 can (``vs_company`` is
judged on the interval as computed, which gives the same verdict). A visit's time is
written twice, each with its offset: ``visited_at`` in UTC and ``visited_at_local`` on
its branch's clock (``timezone``, the day and month it counts in). A text cell that a spreadsheet
would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
CR) gets a leading apostrophe, so a branch called ``=HYPERLINK(...)`` stays
text when a manager opens the file.

Typical use::

    league_csv(branch_league(flt), company_mean=summary(flt).figure.mean)
    visits_csv(visit_rows(flt, sections=True))
    iter_visits_csv(stream_visit_rows(flt), section_keys(flt))   # a streamed download
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from audit.reporting.league import League
from audit.reporting.stats import Figure, percent_scale, significance
from audit.reporting.visit_list import VisitRow

LEAGUE_FIELDS = (
    "rank",
    "code",
    "name",
    "region",
    "visits",
    "mean_percent",
    "ci95_low",
    "ci95_high",
    "pass_rate_percent",
    "pass_ci95_low",
    "pass_ci95_high",
    "critical_fails",
    "vs_company",
    "unranked_reason",
)

VISIT_FIELDS = (
    "visit_id",
    "visited_at",  # UTC, "+00:00"
    "visited_at_local",  # the branch's clock, with its offset: "2026-01-31T23:30:00-08:00"
    "timezone",  # the branch's IANA zone
    "status",
    "branch_code",
    "branch_name",
    "region",
    "scorecard",
    "version",
    "percent",
    "target",
    "met_target",
    "band",
    "critical_failed",
    "staff",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def _rows_to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _figure_cells(fig: Figure) -> list[str]:
    # The mean's interval within 0-100, as the pages show it (ci95_high is never 101.27).
    interval, pass_interval = percent_scale(fig.interval), fig.pass_interval
    return [
        str(fig.n),
        _number(fig.mean),
        _number(interval.low if interval else None),
        _number(interval.high if interval else None),
        _rate(fig.pass_rate),
        _rate(pass_interval.low if pass_interval else None),
        _rate(pass_interval.high if pass_interval else None),
        str(fig.critical_fails),
    ]


def league_csv(
    league: League,
    *,
    company_mean: float | None = None,
    region_names: dict[int, str] | None = None,
) -> str:
    """The league, ranked entries first (best first), then the unranked with their reason.

    ``vs_company`` is ``above``, ``below`` or ``not_significant`` when the
    unit's 95% interval lies wholly above, wholly below or across
    ``company_mean``; empty without an interval or a company mean.
    """
    names = region_names or {}
    rows = []
    for entry in league.entries:
        verdict = significance(entry.figure.interval, company_mean)
        rows.append(
            [
                "" if entry.rank is None else entry.rank,
                safe_text(entry.code),
                safe_text(entry.name),
                safe_text(names.get(entry.region_id, "")),
                *_figure_cells(entry.figure),
                "" if verdict is None else verdict.value,
                entry.reason or "",
            ]
        )
    return _rows_to_csv(LEAGUE_FIELDS, rows)


def _visit_cells(visit: VisitRow, section_keys: Sequence[str]) -> list[object]:
    return [
        visit.id,
        visit.visited_at.isoformat(),
        visit.visited_at_local.isoformat(),
        visit.timezone,
        visit.status,
        safe_text(visit.branch_code),
        safe_text(visit.branch_name),
        safe_text(visit.region_name),
        visit.scorecard,
        visit.version,
        _number(visit.percent),
        _number(visit.target),
        "yes" if visit.passed else "no",
        visit.band or "",
        "yes" if visit.critical_failed else "no",
        safe_text(";".join(s.code for s in visit.staff)),
        *(_number(visit.sections.get(key)) for key in section_keys),
    ]


def iter_visits_csv(
    visits: Iterable[VisitRow], section_keys: Sequence[str], batch: int = 500
) -> Iterator[str]:
    """The visits CSV in pieces (header first, then ``batch`` rows at a time), for streaming."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*VISIT_FIELDS, *(f"section:{k}" for k in section_keys)])
    count = 0
    for visit in visits:
        writer.writerow(_visit_cells(visit, section_keys))
        count += 1
        if count % batch == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def visits_csv(visits: Sequence[VisitRow], section_keys: Sequence[str] | None = None) -> str:
    """One row per visit, with a ``section:KEY`` column per section (first-seen order by default).

    No shopper identity: who made the visit is not part of a report.
    """
    if section_keys is None:
        keys: list[str] = []
        for visit in visits:
            keys.extend(k for k in visit.sections if k not in keys)
        section_keys = keys
    return "".join(iter_visits_csv(visits, section_keys))


__all__ = [
    "LEAGUE_FIELDS",
    "VISIT_FIELDS",
    "iter_visits_csv",
    "league_csv",
    "safe_text",
    "visits_csv",
]
