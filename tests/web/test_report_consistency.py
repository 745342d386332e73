"""One unit, one figure: a branch page filtered to one scorecard gives each staff member,
the branch and its region the same n and mean in every panel, in its CSV downloads and
in its PDF, and agrees with a reading of the visits made here by hand."""

from __future__ import annotations

import csv
import io
import re
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from audit.extensions import db
from audit.models import Role, VisitStatus
from audit.reporting.charts import format_percent
from tests.builders import (
    BRANCH_VISIT,
    add_visits,
    make_branch,
    make_region,
    make_staff,
    make_user,
    publish_report_cards,
)
from tests.pages import get, login, marked, section
from tests.pdf.reading import Pdf

OTHER_CARD = "rules-card"
A, P, S = VisitStatus.APPROVED, VisitStatus.PUBLISHED, VisitStatus.SUBMITTED


@dataclass(frozen=True)
class Made:
    """A visit as the test made it, to read the expected figures from."""

    branch: str
    card: str
    day: date
    status: VisitStatus
    percent: float
    staff: tuple[str, ...] = ()
    excluded: bool = False


#: (branch, card, day, status, percents, staff, excluded)
VISITS = [
    # Ann: branch-visit visits of both reportable statuses, one shared with Dev, one
    # submitted, one excluded, one after the period, and survey-card visits that must not
    # count on a branch-visit page.
    ("HRB01", BRANCH_VISIT, date(2026, 4, 10), A, (96, 94, 92), ("ANN",), False),
    ("HRB01", BRANCH_VISIT, date(2026, 5, 12), P, (98, 90), ("ANN",), False),
    ("HRB01", BRANCH_VISIT, date(2026, 5, 19), P, (91,), ("ANN", "DEV"), False),
    ("HRB01", BRANCH_VISIT, date(2026, 4, 20), S, (10,), ("ANN",), False),
    ("HRB01", BRANCH_VISIT, date(2026, 4, 21), A, (5,), ("ANN",), True),
    ("HRB01", BRANCH_VISIT, date(2026, 6, 2), P, (20,), ("ANN",), False),
    ("HRB01", OTHER_CARD, date(2026, 4, 15), P, (60, 55, 50, 65, 70), ("ANN",), False),
    # Ben: only survey-card visits, all published and excellent.
    ("HRB01", OTHER_CARD, date(2026, 4, 5), P, (99, 97, 98, 96, 95), ("BEN",), False),
    # Cat: the best, but she opted out of being named.
    ("HRB01", BRANCH_VISIT, date(2026, 4, 8), P, (99, 99, 97), ("CAT",), False),
    # Dev: approved visits, one early in March (inside whole months, outside the day range).
    ("HRB01", BRANCH_VISIT, date(2026, 3, 12), A, (80, 85, 88), ("DEV",), False),
    ("HRB01", BRANCH_VISIT, date(2026, 3, 5), A, (70,), ("DEV",), False),
    # A visit naming nobody, and the region's other branch.
    ("HRB01", BRANCH_VISIT, date(2026, 4, 2), A, (88,), (), False),
    ("QAY01", BRANCH_VISIT, date(2026, 4, 1), A, (75, 80, 85), (), False),
    ("QAY01", OTHER_CARD, date(2026, 4, 1), P, (30, 40, 35), (), False),
]
NAMES = {"ANN": "Ann Archer", "BEN": "Ben Bell", "CAT": "Cat Cole", "DEV": "Dev Dale"}

PERIODS = {
    "whole months": (date(2026, 3, 1), date(2026, 5, 31)),
    "day range": (date(2026, 3, 10), date(2026, 5, 20)),
}


def pct(value: float | None) -> str:
    return format_percent(value)


@pytest.fixture
def world(ctx):
    publish_report_cards()
    region = make_region("North")
    branches = {
        "HRB01": make_branch(region, "HRB01", "Harbour Lane"),
        "QAY01": make_branch(region, "QAY01", "Quayside"),
    }
    staff = {
        code: make_staff(branches["HRB01"], code, name=name, hide_from_recognition=code == "CAT")
        for code, name in NAMES.items()
    }
    made = []
    for branch, card, day, status, percents, codes, excluded in VISITS:
        add_visits(
            branches[branch],
            percents,
            at=datetime(day.year, day.month, day.day, 11, tzinfo=UTC),
            status=status,
            excluded=excluded,
            staff=[staff[c] for c in codes],
            scorecard=card,
        )
        made += [Made(branch, card, day, status, p, codes, excluded) for p in percents]
    admin = make_user(Role.ADMIN)
    db.session.commit()
    return made, {code: member.id for code, member in staff.items()}, region.id, admin.email


def counted(made: list[Made], start: date, end: date, **unit: str) -> list[float]:
    """The percents a figure of the branch-visit card over start..end rests on."""
    return [
        m.percent
        for m in made
        if m.card == BRANCH_VISIT
        and m.status in (A, P)
        and not m.excluded
        and start <= m.day <= end
        and unit.get("branch", m.branch) == m.branch
        and ("staff" not in unit or unit["staff"] in m.staff)
    ]


def mean_and_n(text: str) -> tuple[str, int]:
    found = re.search(r"(\d+\.\d%).*?n=(\d+)", text)
    assert found, text
    return found.group(1), int(found.group(2))


@pytest.mark.parametrize("period", PERIODS)
def test_each_unit_has_one_figure_on_the_page_its_csvs_and_its_pdf(client, world, period):
    made, staff_ids, region_id, admin = world
    start, end = PERIODS[period]
    args = {"period": "custom", "from": start.isoformat(), "to": end.isoformat()}
    args["scorecard"] = BRANCH_VISIT
    login(client, admin)
    html = get(client, "/reports/branches/HRB01", **args)

    expected = {code: counted(made, start, end, staff=code) for code in NAMES}
    assert expected["BEN"] == []  # only survey-card visits
    assert len(expected["ANN"]) >= 3 and len(expected["CAT"]) == 3

    # The staff table.
    rows = marked(section(html, "staff-h", "recurring-h"), "unit").found
    for code, values in expected.items():
        if values:
            assert mean_and_n(rows[code]) == (pct(statistics.fmean(values)), len(values)), code
        else:
            assert "no visits" in rows[code]

    # Top performers: the staff table's best, the opted-out left out, with the same figures.
    named = marked(section(html, "top-h", "appeals-h"), "performer").found
    ids = {member_id: code for code, member_id in staff_ids.items()}
    ranked = sorted(
        (c for c, v in expected.items() if len(v) >= 3),
        key=lambda c: (-statistics.fmean(expected[c]), NAMES[c]),
    )
    assert [ids[int(i)] for i in named] == [c for c in ranked if c != "CAT"][:3]
    for member_id, text in named.items():
        assert mean_and_n(text) == mean_and_n(rows[ids[int(member_id)]])

    # The branch headline, and the region average beside it.
    branch_values = counted(made, start, end, branch="HRB01")
    region_values = counted(made, start, end)
    figure = mean_and_n(marked(html, "figure").found["mean"])
    assert figure == (pct(statistics.fmean(branch_values)), len(branch_values))
    region_row = marked(html, "benchmark").found["region"]
    assert pct(statistics.fmean(region_values)) in region_row
    assert re.search(rf"\b{len(region_values)}\b", region_row)

    # The region's page: its headline, and the branch's row in its league.
    region_html = get(client, f"/reports/regions/{region_id}", **args)
    assert mean_and_n(marked(region_html, "figure").found["mean"]) == (
        pct(statistics.fmean(region_values)),
        len(region_values),
    )
    league = marked(section(region_html, "league-h", "sections-h"), "unit").found
    assert mean_and_n(league["HRB01"]) == figure

    # The staff CSV and the visits CSV behind the page.
    response = client.get("/reports/branches/HRB01/staff.csv", query_string=args)
    by_code = {r["code"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    response = client.get("/reports/visits.csv", query_string={**args, "branch": "HRB01"})
    visits = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(visits) == len(branch_values)
    for code, values in expected.items():
        assert int(by_code[code]["visits"]) == len(values), code
        listed = [float(v["percent"]) for v in visits if code in v["staff"].split(";")]
        assert len(listed) == len(values), code
        if values:
            mean = statistics.fmean(values)
            assert float(by_code[code]["mean_percent"]) == pytest.approx(mean, abs=0.006)
            assert statistics.fmean(listed) == pytest.approx(mean, abs=0.006)

    # The PDF: the branch's figure and each staff member's row.
    response = client.get("/reports/branches/HRB01.pdf", query_string=args)
    assert response.status_code == 200
    pdf = Pdf(response.data).flat
    mean, n = figure
    assert f"averaged {mean} over {n} visits" in pdf
    for code, values in expected.items():
        shown = pct(statistics.fmean(values)) if values else "–"
        assert re.search(rf"{NAMES[code]} {code} (?:.*? )?{len(values)} {re.escape(shown)}", pdf), (
            code
        )
