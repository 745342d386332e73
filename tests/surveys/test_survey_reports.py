"""CSAT, NPS and CES per branch, region and staff member: the branch report's figures equal
an independent computation from ``visits export``, on both databases; intervals, trend,
comments (filtered by score, escaped) and the company view's mystery shop against NPS."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from audit.extensions import db
from audit.models import Role, StaffMember, VisitStatus
from audit.reporting import ReportFilter
from audit.reporting.customer_voice import (
    NpsGroup,
    UnitLevel,
    latest_comments,
    shop_versus_nps,
    voice_by,
    voice_figures,
    voice_trend,
)
from audit.reporting.stats import correlation, nps_interval, wilson_interval
from tests.builders import (
    add_visits,
    make_branch,
    make_region,
    make_staff,
    make_user,
    publish_report_cards,
)
from tests.pdf.reading import Pdf
from tests.surveys.voice_data import Spread, add_random_responses, add_response, publish_survey_card

MAY = datetime(2026, 5, 12, 10, tzinfo=UTC)


def expected_from_export(records: list[dict]) -> dict[str, float | int | None]:
    """CSAT, NPS and CES computed by hand from exported responses (not excluded)."""
    kept = [r for r in records if r["scorecard"] == "customer-survey" and not r["excluded"]]
    nps = [r["answers"]["recommend"] for r in kept if "recommend" in r["answers"]]
    csat = [r["answers"]["csat"] for r in kept if "csat" in r["answers"]]
    ces = [r["answers"]["ease"] for r in kept if "ease" in r["answers"]]
    promoters = sum(1 for v in nps if v >= 9)
    detractors = sum(1 for v in nps if v <= 6)
    raw_nps = 100 * (promoters - detractors) / len(nps) if nps else None
    return {
        "nps_n": len(nps),
        "nps": None
        if raw_nps is None
        else int(math.copysign(math.floor(abs(raw_nps) + 0.5), raw_nps)),
        "csat_n": len(csat),
        "csat": sum(1 for v in csat if v >= 4) / len(csat) if csat else None,
        "ces_n": len(ces),
        "ces": sum(ces) / len(ces) if ces else None,
    }


@pytest.fixture
def world(app: Flask) -> dict:
    with app.app_context():
        card = publish_survey_card()
        north, south = make_region("North"), make_region("South")
        branches = {
            "N1": make_branch(north, code="N1", name="Harbour Lane"),
            "N2": make_branch(north, code="N2", name="Castle Gate"),
            "S1": make_branch(south, code="S1", name="Seafront Parade"),
        }
        staff = {code: [make_staff(b), make_staff(b)] for code, b in branches.items()}
        for seed, (code, branch) in enumerate(branches.items()):
            add_random_responses(card, branch, Spread(60 + 15 * seed, seed), staff=staff[code])
        make_user(Role.MANAGER, "north@example.org", regions=[north])
        make_user(Role.MANAGER, "boss@example.org")
        db.session.commit()
        return {
            "branch_ids": {code: b.id for code, b in branches.items()},
            "region_ids": {"North": north.id, "South": south.id},
            "staff_ids": {code: [m.id for m in members] for code, members in staff.items()},
        }


def exported(runner: FlaskCliRunner) -> list[dict]:
    result = runner.invoke(args=["visits", "export", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_branch_figures_equal_an_independent_computation_from_the_export(
    app: Flask, runner: FlaskCliRunner, world: dict
) -> None:
    records = exported(runner)
    assert any(r["excluded"] for r in records)  # the data has excluded responses to leave out
    for code, branch_id in world["branch_ids"].items():
        expected = expected_from_export([r for r in records if r["branch"] == code])
        with app.app_context():
            got = voice_figures(ReportFilter(branch_id=branch_id))
        assert got.nps_n == expected["nps_n"] > 0
        assert got.nps == expected["nps"]
        assert got.csat_n == expected["csat_n"] > 0
        assert got.csat == pytest.approx(expected["csat"])
        assert got.ces_n == expected["ces_n"] > 0
        assert got.ces == pytest.approx(expected["ces"])


def test_the_branch_page_shows_the_exported_figures(
    app: Flask, runner: FlaskCliRunner, world: dict, client, auth
) -> None:
    expected = expected_from_export([r for r in exported(runner) if r["branch"] == "N1"])
    auth.login("north@example.org")
    page = client.get("/reports/branches/N1?period=all")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    headline = html[html.index('class="row g-3 mb-3 voice-headline"') :]
    assert f'data-figure="nps">{expected["nps"]:+d} ' in headline
    assert f'data-figure="csat">{expected["csat"] * 100:.0f}% ' in headline
    assert f'data-figure="ces">{expected["ces"]:.1f} ' in headline
    assert f"n={expected['nps_n']}" in headline


def test_the_branch_pdf_shows_the_exported_figures(
    app: Flask, runner: FlaskCliRunner, world: dict, tmp_path
) -> None:
    expected = expected_from_export([r for r in exported(runner) if r["branch"] == "S1"])
    out = tmp_path / "s1.pdf"
    result = runner.invoke(args=["report", "branch", "S1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = Pdf(out.read_bytes()).flat
    assert "Customer voice" in text
    assert f"NPS {expected['nps']:+d}" in text
    assert f"{expected['csat'] * 100:.0f}% satisfied" in text
    assert f"ease {expected['ces']:.1f}" in text


def test_intervals_and_groupings(app: Flask, world: dict) -> None:
    with app.app_context():
        north = voice_figures(ReportFilter(region_id=world["region_ids"]["North"]))
        branches = {u.code: u.figures for u in voice_by(ReportFilter(), UnitLevel.BRANCH)}
        regions = {u.name: u.figures for u in voice_by(ReportFilter(), UnitLevel.REGION)}
        staff = {
            u.id: u.figures
            for u in voice_by(ReportFilter(branch_id=world["branch_ids"]["N1"]), UnitLevel.STAFF)
        }
        one_member = voice_figures(ReportFilter(staff_id=world["staff_ids"]["N1"][0]))
    assert set(branches) == {"N1", "N2", "S1"}
    assert regions["North"] == north
    assert north.nps_n == branches["N1"].nps_n + branches["N2"].nps_n
    assert north.promoters == branches["N1"].promoters + branches["N2"].promoters
    assert set(staff) == set(world["staff_ids"]["N1"])
    assert staff[world["staff_ids"]["N1"][0]] == one_member
    assert north.csat_interval == wilson_interval(north.csat_satisfied, north.csat_n)
    assert north.nps_interval == nps_interval(north.promoters, north.detractors, north.nps_n)
    assert north.ces_interval.low < north.ces < north.ces_interval.high


def test_trend_by_month_adds_up(app: Flask, world: dict) -> None:
    with app.app_context():
        flt = ReportFilter(branch_id=world["branch_ids"]["N2"])
        months = voice_trend(flt)
        whole = voice_figures(flt)
    assert [m.month for m in months] == ["2026-03", "2026-04", "2026-05"]
    assert sum(m.figures.nps_n for m in months) == whole.nps_n
    assert sum(m.figures.ces_total for m in months) == pytest.approx(whole.ces_total)


def test_a_period_and_a_draft_and_an_exclusion(app: Flask) -> None:
    with app.app_context():
        card = publish_survey_card()
        branch = make_branch()
        add_response(card, branch, MAY, nps=10, csat=5, ces=7)
        add_response(card, branch, MAY, nps=0, csat=1, ces=1, excluded=True)
        add_response(card, branch, MAY, nps=0, csat=1, ces=1, status=VisitStatus.DRAFT)
        add_response(card, branch, datetime(2026, 1, 5, tzinfo=UTC), nps=3, csat=2, ces=2)
        db.session.commit()
        may = voice_figures(ReportFilter(date_from=date(2026, 5, 1), date_to=date(2026, 5, 31)))
        every = voice_figures(ReportFilter())
    assert (may.nps_n, may.nps, may.csat, may.ces) == (1, 100, 1.0, 7.0)
    assert (every.nps_n, every.nps, every.csat, every.ces) == (2, 0, 0.5, 4.5)


def test_comments_newest_first_filtered_by_score(app: Flask) -> None:
    with app.app_context():
        card = publish_survey_card()
        branch = make_branch()
        member = make_staff(branch, name="Ada Adviser")
        add_response(card, branch, MAY, nps=2, comment="Slow and rude", staff=[member])
        add_response(card, branch, MAY.replace(hour=11), nps=8, comment="Fine")
        add_response(card, branch, MAY.replace(hour=12), nps=10, comment="  ")
        add_response(card, branch, MAY.replace(hour=13), nps=9, comment="Lovely <b>team</b>")
        db.session.commit()
        every = latest_comments(ReportFilter())
        detractors = latest_comments(ReportFilter(), group=NpsGroup.DETRACTOR)
        promoters = latest_comments(ReportFilter(), group="promoter")
    assert [c.comment for c in every] == ["Lovely <b>team</b>", "Fine", "Slow and rude"]
    assert [(c.comment, c.nps, c.staff) for c in detractors] == [
        ("Slow and rude", 2, ("Ada Adviser",))
    ]
    assert [c.nps for c in promoters] == [9]


def test_comments_are_escaped_on_the_page(app: Flask, client, auth) -> None:
    with app.app_context():
        card = publish_survey_card()
        branch = make_branch(code="X1")
        add_response(card, branch, MAY, nps=9, comment="<script>alert(1)</script>")
        make_user(Role.MANAGER, "boss@example.org")
        db.session.commit()
    auth.login("boss@example.org")
    html = client.get("/reports/branches/X1?period=all").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_company_view_plots_shop_mean_against_nps_with_the_correlation(
    app: Flask, client, auth
) -> None:
    with app.app_context():
        publish_report_cards()
        card = publish_survey_card()
        region = make_region("North")
        at = datetime(2026, 5, 10, 12, tzinfo=UTC)
        pairs = []
        for i, (shop, promoters) in enumerate([(60, 1), (70, 2), (80, 2), (90, 4), (95, 5)]):
            branch = make_branch(region, code=f"C{i}", name=f"Corr {i}")
            add_visits(branch, [shop - 2, shop, shop + 2], at=at)
            for k in range(5):
                add_response(card, branch, at, nps=10 if k < promoters else 5)
            pairs.append((float(shop), 100 * (promoters - (5 - promoters)) / 5))
        thin = make_branch(region, code="C9", name="Thin")
        add_visits(thin, [50], at=at)
        add_response(card, thin, at, nps=10)
        make_user(Role.MANAGER, "boss@example.org")
        db.session.commit()
        result = shop_versus_nps(ReportFilter(scorecard="branch-visit"), 3)
    assert [p.code for p in sorted(result.points, key=lambda p: p.code)] == [
        "C0",
        "C1",
        "C2",
        "C3",
        "C4",
    ]
    assert result.left_out == 1
    expected = correlation(pairs)
    assert result.correlation.r == pytest.approx(expected.r)
    assert result.correlation.interval == pytest.approx(expected.interval)
    auth.login("boss@example.org")
    page = client.get("/reports/customer-voice?period=all&scorecard=branch-visit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"r = {expected.r:.2f}" in html
    assert html.count('class="point"') == 5


def test_a_scoped_manager_sees_only_their_regions(app: Flask, world: dict, client, auth) -> None:
    auth.login("north@example.org")
    html = client.get("/reports/customer-voice?period=all").get_data(as_text=True)
    assert "Harbour Lane" in html and "Castle Gate" in html
    assert "Seafront Parade" not in html
    assert client.get("/reports/branches/S1?period=all").status_code == 403
    assert client.get("/reports/branches/S1/survey-cards.pdf").status_code == 403


def test_nps_interval_and_correlation_by_hand() -> None:
    # Adjusted Wald: 8 promoters, 1 detractor of 10 -> (8.75 - 1.75) / 13.
    interval = nps_interval(8, 1, 10)
    p, d = 8.75 / 13, 1.75 / 13
    half = 1.959964 * math.sqrt((p + d - (p - d) ** 2) / 13)
    assert interval.low == pytest.approx(100 * (p - d - half))
    assert interval.high == pytest.approx(100 * (p - d + half))
    assert nps_interval(10, 0, 10).low < 100  # all promoters still has a width
    assert nps_interval(0, 0, 0) is None
    exact = correlation([(1, 2), (2, 4), (3, 6), (4, 8)])
    assert exact.r == pytest.approx(1.0) and exact.interval is None
    assert correlation([(1, 1), (2, 2)]).r is None
    assert correlation([(1, 5), (2, 5), (3, 5)]).r is None
    # r = 0.5 over 28 pairs: tanh(atanh(0.5) ± 1.96/5).
    xs = list(range(28))
    rng = random.Random(7)
    ys = [x + rng.gauss(0, 8) for x in xs]
    got = correlation(list(zip(xs, ys, strict=True)))
    centre, half = math.atanh(got.r), 1.959964 / 5
    assert got.interval.low == pytest.approx(math.tanh(centre - half))
    assert got.interval.high == pytest.approx(math.tanh(centre + half))


def test_the_staff_page_shows_what_their_customers_said(
    app: Flask, world: dict, client, auth
) -> None:
    with app.app_context():
        member = db.session.get(StaffMember, world["staff_ids"]["N2"][1])
        code = member.code
        figures = voice_figures(ReportFilter(staff_id=member.id))
    assert figures.nps_n > 0
    auth.login("north@example.org")
    html = client.get(f"/reports/staff/{code}?period=all").get_data(as_text=True)
    headline = html[html.index('class="row g-3 mb-3 voice-headline"') :]
    assert f'data-figure="nps">{figures.nps:+d} ' in headline
    assert f"n={figures.nps_n}" in headline
