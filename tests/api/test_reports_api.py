"""Reports over the API: figures and leagues EQUAL to the dashboards' for the same filter
and viewer (the page functions computed here on their own, with the report cache off),
the PDFs read back with pypdf, and the web's roles and region scoping.

One seeded dataset per database for the module (the reporting tests' random visits,
imported as a customer would, and the review story on one published visit).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

import tests.conftest as base
from audit.accounts.api_tokens import create_token
from audit.dashboards import pages
from audit.extensions import db
from audit.jobs.reports import JobStatus, JobStore, wait_for
from audit.models import (
    Branch,
    Region,
    Role,
    Scorecard,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from audit.reporting import ReportFilter
from audit.reporting.stats import percent_scale
from tests.api.conftest import Api
from tests.builders import REPORT_SHOPPER_EMAIL, REPORT_SHOPPER_NAME, add_review_story
from tests.builders.org import make_user
from tests.builders.visits import make_visit
from tests.reporting.dataset import CARD, FIRST_DAY, LAST_DAY, Reference, build

FILTER = f"from={FIRST_DAY}&to={LAST_DAY}&scorecard={CARD}"
MANAGERS = ("admin", "national", "regional")
OUTSIDERS = ("assessor", "shopper", "staff")


@dataclass
class Reports:
    app: Flask
    ref: Reference
    region: int  # the regional manager's
    other_region: int
    branch: int  # in the regional manager's region, with visits naming staff
    other_branch: int
    staff: int  # a staff member at ``branch``
    other_staff: int
    visit: int  # published, names the staff login
    other_visit: int  # in the other region
    draft: int
    branch_names: dict[int, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, who: str) -> User:
        email = {"shopper": REPORT_SHOPPER_EMAIL}.get(who, f"api-reports-{who}@example.org")
        return db.session.scalars(select(User).where(User.email == email)).one()


def _seed(app: Flask) -> Reports:
    org, ref = build(11, regions=2, branches=5, visits=70)
    story = add_review_story(Path(app.config["UPLOAD_FOLDER"]))
    regional = db.session.get(User, story.manager_id)
    regional.email = "api-reports-regional@example.org"
    people = {"regional": regional}
    for who, role in (("admin", Role.ADMIN), ("national", Role.MANAGER), ("assessor", "assessor")):
        people[who] = make_user(role, f"api-reports-{who}@example.org")
    people["staff"] = db.session.get(User, story.staff_user_id)
    people["staff"].email = "api-reports-staff@example.org"
    people["shopper"] = db.session.scalars(
        select(User).where(User.email == REPORT_SHOPPER_EMAIL)
    ).one()
    member = people["staff"].staff_member
    other_region = next(r for r in org.region_ids if r != story.manager_region_id)
    other_code = next(c for c, r in org.branch_region.items() if r == other_region)
    other_branch = db.session.get(Branch, org.branch_ids[other_code])
    other_member = db.session.scalars(
        select(StaffMember).where(StaffMember.branch_id == other_branch.id)
    ).first()
    other_visit = db.session.scalars(
        select(Visit).where(
            Visit.branch_id == other_branch.id, Visit.status == VisitStatus.PUBLISHED
        )
    ).first()
    card = db.session.scalars(select(Scorecard).where(Scorecard.slug == CARD)).one()
    draft = make_visit(
        card, member.branch, people["shopper"], date(2026, 5, 1), status=VisitStatus.DRAFT
    )
    reports = Reports(
        app,
        ref,
        region=story.manager_region_id,
        other_region=other_region,
        branch=member.branch_id,
        other_branch=other_branch.id,
        staff=member.id,
        other_staff=other_member.id,
        visit=story.visit_id,
        other_visit=other_visit.id,
        draft=draft.id,
        branch_names={b.id: b.name for b in db.session.scalars(select(Branch))},
    )
    for who, user in people.items():
        reports.tokens[who] = create_token(user, f"{who} reports").secret
    db.session.commit()
    return reports


@pytest.fixture(scope="module", params=base.DATABASES)
def reports(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Reports]:
    with base.module_database(
        request,
        tmp_path_factory,
        "api-reports",
        REPORT_CACHE_SIZE=0,  # the API and the pages below each compute their figures
        API_RATE_LIMIT=100_000,
        REDIS_URL=None,
    ) as app:
        yield _seed(app)


@pytest.fixture
def call(reports: Reports) -> Api:
    return Api(reports.app.test_client())


def viewer_filter(reports: Reports, who: str, **unit: Any) -> ReportFilter:
    """The filter a dashboard reads for ``who`` over FILTER (built here, not by the API)."""
    return ReportFilter.for_viewer(
        reports.user(who), date_from=FIRST_DAY, date_to=LAST_DAY, scorecard=CARD, **unit
    )


def region_names(user: User) -> dict[int, str]:
    query = select(Region.id, Region.name).order_by(Region.name)
    if user.region_ids is not None:
        query = query.where(Region.id.in_(user.region_ids))
    return {row.id: row.name for row in db.session.execute(query)}


# --- comparing an answer with the page's objects --------------------------------------


def same_interval(shown: dict | None, interval: Any) -> None:
    if interval is None:
        assert shown is None
    else:
        assert shown == {"low": interval.low, "high": interval.high}


def same_figure(out: dict, fig: Any) -> None:
    assert out["n"] == fig.n
    assert out["mean"] == fig.mean
    assert out["sd"] == fig.sd
    same_interval(out["ci95"], percent_scale(fig.interval))
    assert (out["passed"], out["judged"]) == (fig.passed, fig.judged)
    assert out["pass_rate"] == fig.pass_rate
    same_interval(out["pass_ci95"], fig.pass_interval)
    assert out["critical_fails"] == fig.critical_fails


def verdict(significance: Any) -> str | None:
    return None if significance is None else significance.value


def same_headline(body: dict, summary: Any) -> None:
    same_figure(body["figure"], summary.figure)
    assert body["unit"]["kind"] == summary.unit.kind.value
    assert body["unit"]["label"] == summary.unit.label
    assert body["scorecard"]["slug"] == CARD
    assert body["scorecard"]["target"] == summary.scorecard.target
    assert len(body["benchmarks"]) == len(summary.benchmarks)
    for out, benchmark in zip(body["benchmarks"], summary.benchmarks, strict=True):
        assert out["kind"] == benchmark.kind.value
        assert (out["value"], out["n"]) == (benchmark.value, benchmark.n)
        assert out["difference"] == benchmark.difference
        assert out["significance"] == verdict(benchmark.significance)
        own = benchmark.figure
        same_interval(out["ci95"], percent_scale(own.interval) if own else None)


def same_sections(outs: list[dict], rows: tuple) -> None:
    assert [s["key"] for s in outs] == [row.section.key for row in rows]
    for out, row in zip(outs, rows, strict=True):
        same_figure(out["figure"], row.result.figure)
        assert out["target"] == row.section.target
        target = row.result.target
        assert out["versus_target"] == (verdict(target.significance) if target else None)
        assert out["versus_company"] == verdict(row.versus_company)
        for name in ("company", "branch"):
            if getattr(row, name) is None:
                assert out[name] is None
            else:
                same_figure(out[name], getattr(row, name))


# --- figures ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", MANAGERS)
def test_overview_figures_are_the_dashboards(call: Api, reports: Reports, who: str) -> None:
    answer = call("GET", f"/reports/figures?{FILTER}", reports.tokens[who])
    assert answer.status_code == 200, answer.text
    body = answer.get_json()
    user = reports.user(who)
    flt = viewer_filter(reports, who)
    page = pages.overview_page(flt, region_names(user))
    same_headline(body, page.summary)
    assert body["filter"]["date_from"] == FIRST_DAY.isoformat()
    assert body["filter"]["scorecard"] == CARD and body["filter"]["period"] == "custom"
    assert body["company_mean"] == page.company_mean
    same_sections(body["sections"], page.sections)
    assert body["sections"], "the seeded visits have section scores"
    assert [(r["id"], r["name"]) for r in body["regions"]] == [(r.id, r.name) for r in page.regions]
    for out, row in zip(body["regions"], page.regions, strict=True):
        same_figure(out["figure"], row.figure)
        assert out["versus_company"] == verdict(row.versus_company)
    most_failed = page.overview.most_failed
    assert [(q["key"], q["n"], q["passed"]) for q in body["most_failed"]] == [
        (q.question.key, q.n, q.passed) for q in most_failed
    ]
    for out, result in zip(body["most_failed"], most_failed, strict=True):
        assert out["pass_rate"] == result.pass_rate
        same_interval(out["pass_ci95"], result.interval)
    nps = page.overview.nps
    assert body["nps"] == {
        "n": nps.n,
        "promoters": nps.promoters,
        "passives": nps.passives,
        "detractors": nps.detractors,
        "score": nps.score,
    }
    assert body["appeals"]["published"] == page.appeals.published
    # and the pages' figure is the one recomputed from the visits export, by hand
    expected = reports.ref.figure(flt)
    assert body["figure"]["n"] == expected.n
    assert body["figure"]["mean"] == pytest.approx(expected.mean)
    regions = {r["id"] for r in body["regions"]}
    assert regions == ({reports.region} if who == "regional" else regions)
    if who == "regional":
        assert body["unit"]["kind"] == "scope"
        assert reports.other_region not in regions


def test_a_regions_figures_and_the_scope_of_a_regional_token(call: Api, reports: Reports) -> None:
    token = reports.tokens["regional"]
    own = call("GET", f"/reports/figures?{FILTER}&region_id={reports.region}", token)
    assert own.status_code == 200
    body = own.get_json()
    page = pages.overview_page(
        viewer_filter(reports, "regional", region_id=reports.region),
        region_names(reports.user("regional")),
    )
    same_headline(body, page.summary)
    assert body["unit"] == {**body["unit"], "kind": "region", "id": reports.region}
    assert body["regions"] == []
    other = reports.other_branch
    for path in (
        f"/reports/figures?{FILTER}&region_id={reports.other_region}",
        f"/reports/figures?{FILTER}&branch_id={other}",
        f"/reports/figures?{FILTER}&staff_id={reports.other_staff}",
        f"/reports/league?{FILTER}&region_id={reports.other_region}",
        f"/reports/league?{FILTER}&kind=staff&branch_id={other}",
    ):
        refused = call("GET", path, token)
        assert refused.status_code == 403, path
        assert refused.content_type == "application/problem+json"
        assert reports.branch_names[other] not in refused.text
    missing = call("GET", f"/reports/figures?{FILTER}&branch_id=999999", token)
    assert missing.status_code == 404
    assert (
        call(
            "GET", f"/reports/figures?region_id={reports.other_region}", reports.tokens["national"]
        ).status_code
        == 200
    )


def test_a_branchs_figures_are_its_pages(call: Api, reports: Reports) -> None:
    answer = call(
        "GET", f"/reports/figures?{FILTER}&branch_id={reports.branch}", reports.tokens["regional"]
    )
    assert answer.status_code == 200
    body = answer.get_json()
    page = pages.branch_page(viewer_filter(reports, "regional", branch_id=reports.branch))
    same_headline(body, page.summary)
    assert [b["kind"] for b in body["benchmarks"]] == ["target", "company", "region", "previous"]
    same_sections(body["sections"], page.sections)
    position = body["position"]
    assert position["league"] == "region"
    assert (position["rank"], position["reason"]) == (page.position.rank, page.position.reason)
    assert position["ranked"] == len(page.region_league.ranked)
    assert [(f["key"], f["n"], f["failed"]) for f in body["recurring_failures"]] == [
        (r.question.key, r.n, r.failed) for r in page.recurring
    ]
    assert body["nps"]["score"] == page.nps.score
    assert body["appeals"]["visits"] == page.appeals.visits
    assert body["filter"]["branch_id"] == reports.branch
    assert body["most_failed"] == [] and body["regions"] == []


def test_a_staff_members_figures_are_their_pages(call: Api, reports: Reports) -> None:
    answer = call(
        "GET", f"/reports/figures?{FILTER}&staff_id={reports.staff}", reports.tokens["admin"]
    )
    assert answer.status_code == 200
    body = answer.get_json()
    member = db.session.get(StaffMember, reports.staff)
    home = member.branch
    page = pages.staff_page(
        viewer_filter(reports, "admin", staff_id=reports.staff), home.id, home.code, home.name
    )
    same_headline(body, page.summary)
    same_sections(body["sections"], page.sections)
    assert body["sections"] and all(s["branch"] for s in body["sections"])
    mine = body["branch"]
    assert mine["label"] == page.branch.label
    same_figure(mine["figure"], page.branch.figure)
    assert mine["difference"] == page.branch.difference
    assert mine["significance"] == verdict(page.branch.significance)
    assert body["position"]["league"] == "branch"
    assert body["position"]["rank"] == (page.position.rank if page.position else None)


# --- league -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["national", "regional"])
def test_the_branch_league_is_the_dashboards(call: Api, reports: Reports, who: str) -> None:
    answer = call("GET", f"/reports/league?{FILTER}", reports.tokens[who])
    assert answer.status_code == 200
    body = answer.get_json()
    user = reports.user(who)
    league, company = pages.league_with_company(viewer_filter(reports, who))
    rows = pages.league_rows(league, company, region_names(user))
    assert body["kind"] == "branch" and body["min_visits"] == league.min_visits
    assert body["company_mean"] == company
    assert [(i["rank"], i["code"], i["region"]) for i in body["items"]] == [
        (r.entry.rank, r.entry.code, r.region_name) for r in rows
    ]
    for out, row in zip(body["items"], rows, strict=True):
        same_figure(out["figure"], row.entry.figure)
        assert out["versus_company"] == verdict(row.versus_company)
        assert out["reason"] == row.entry.reason
    ranked = [i["rank"] for i in body["items"] if i["rank"] is not None]
    assert ranked == sorted(ranked) and ranked
    regions = {i["region_id"] for i in body["items"]}
    if who == "regional":
        assert regions == {reports.region}
    else:
        assert reports.other_region in regions


def test_the_staff_league_of_a_branch(call: Api, reports: Reports) -> None:
    token = reports.tokens["regional"]
    answer = call("GET", f"/reports/league?{FILTER}&kind=staff&branch_id={reports.branch}", token)
    assert answer.status_code == 200
    body = answer.get_json()
    flt = viewer_filter(reports, "regional", branch_id=reports.branch)
    league, company = pages.league_with_company(flt, staff=True)
    assert [(i["id"], i["rank"], i["figure"]["n"]) for i in body["items"]] == [
        (e.id, e.rank, e.figure.n) for e in league.entries
    ]
    assert reports.staff in {i["id"] for i in body["items"]}
    assert {i["branch_id"] for i in body["items"]} == {reports.branch}
    refused = call("GET", f"/reports/league?{FILTER}&kind=staff", token)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "branch_id"


@pytest.mark.parametrize(
    ("query", "field_name"),
    [
        ("from=yesterday", "from"),
        ("from=2026-05-01&to=2026-04-01", "to"),
        ("from=1999-12-31", "from"),
        ("period=fortnight", "period"),
        ("scorecard=no-such-card", "scorecard"),
        ("branch_id=1&staff_id=1", "staff_id"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_field(
    call: Api, reports: Reports, query: str, field_name: str
) -> None:
    answer = call("GET", f"/reports/figures?{query}", reports.tokens["admin"])
    assert answer.status_code == 422, answer.text
    assert answer.content_type == "application/problem+json"
    assert field_name in [e["field"] for e in answer.get_json()["errors"]]


# --- roles and scopes ------------------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_other_roles_see_no_report(call: Api, reports: Reports, who: str) -> None:
    token = reports.tokens[who]
    for method, path in (
        ("GET", f"/reports/figures?{FILTER}"),
        ("GET", f"/reports/figures?{FILTER}&branch_id={reports.branch}"),
        ("GET", f"/reports/league?{FILTER}"),
        ("GET", f"/branches/{reports.branch}/report.pdf"),
        ("GET", f"/staff/{reports.staff}/report.pdf"),
        ("POST", "/reports/jobs"),
    ):
        answer = call(method, path, token, json={} if method == "POST" else None)
        assert answer.status_code == 403, (who, path)


def test_a_tokens_scopes_reach_reports_only_with_reports(call: Api, reports: Reports) -> None:
    user = reports.user("national")
    narrow = create_token(user, "branches only", ["branches:read"]).secret
    reader = create_token(user, "reports reader", ["reports:read"]).secret
    db.session.commit()
    assert call("GET", f"/reports/figures?{FILTER}", narrow).status_code == 403
    assert call("GET", f"/reports/league?{FILTER}", reader).status_code == 200
    assert call("GET", f"/visits/{reports.visit}/report.pdf", narrow).status_code == 403
    assert call("POST", "/reports/jobs", reader, json={}).status_code == 403  # a job writes


# --- PDFs ------------------------------------------------------------------------------------


def pdf_text(answer: Any) -> str:
    assert answer.status_code == 200, answer.text
    assert answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    assert "attachment" in answer.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(answer.data))
    return " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())


def test_the_visit_report_as_each_role_may_have_it(call: Api, reports: Reports) -> None:
    path = f"/visits/{reports.visit}/report.pdf"
    managers = pdf_text(call("GET", path, reports.tokens["regional"]))
    assert f"Visit report #{reports.visit}" in managers and REPORT_SHOPPER_NAME in managers
    staff = pdf_text(call("GET", path, reports.tokens["staff"]))
    assert f"Visit report #{reports.visit}" in staff and REPORT_SHOPPER_NAME not in staff
    other = f"/visits/{reports.other_visit}/report.pdf"
    assert call("GET", other, reports.tokens["staff"]).status_code == 404
    assert call("GET", other, reports.tokens["regional"]).status_code == 403
    assert call("GET", path, reports.tokens["shopper"]).status_code == 403
    assert call("GET", path, reports.tokens["assessor"]).status_code == 403
    draft = f"/visits/{reports.draft}/report.pdf"
    assert call("GET", draft, reports.tokens["admin"]).status_code == 404
    assert call("GET", "/visits/999999/report.pdf", reports.tokens["admin"]).status_code == 404


def test_branch_and_staff_reports_in_the_callers_regions(call: Api, reports: Reports) -> None:
    token = reports.tokens["regional"]
    branch = call("GET", f"/branches/{reports.branch}/report.pdf?{FILTER}", token)
    assert reports.branch_names[reports.branch] in pdf_text(branch)
    assert f"-{CARD}-{FIRST_DAY}-{LAST_DAY}.pdf" in branch.headers["Content-Disposition"]
    member = db.session.get(StaffMember, reports.staff)
    assert member.name in pdf_text(call("GET", f"/staff/{reports.staff}/report.pdf", token))
    other = reports.other_branch
    assert call("GET", f"/branches/{other}/report.pdf", token).status_code == 403
    assert call("GET", f"/staff/{reports.other_staff}/report.pdf", token).status_code == 403
    bad = call("GET", f"/branches/{reports.branch}/report.pdf?from=yesterday", token)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "from"


def test_a_comparison_is_a_job_of_its_own_asker(call: Api, reports: Reports) -> None:
    token = reports.tokens["regional"]
    body = {"from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat(), "scorecard": CARD}
    key = {"Idempotency-Key": "comparison-1"}
    made = call("POST", "/reports/jobs", token, json=body, headers=key)
    assert made.status_code == 202, made.text
    job = made.get_json()
    again = call("POST", "/reports/jobs", token, json=body, headers=key)
    assert again.status_code == 202 and again.get_json()["id"] == job["id"]  # one job
    assert job["report"] == "comparison" and job["title"].startswith("Branch comparison, ")
    assert made.headers["Location"] == f"/api/v1/reports/jobs/{job['id']}"
    wait_for(job["id"], timeout=120)
    status = call("GET", f"/reports/jobs/{job['id']}", token).get_json()
    assert status["state"] == "finished" and status["percent"] == 100
    assert status["download"] == f"/api/v1/reports/jobs/{job['id']}/report.pdf"
    pdf_path = status["download"].removeprefix("/api/v1")
    download = call("GET", pdf_path, token)
    content = pdf_text(download)
    own = reports.branch_names[reports.branch]
    assert own in content and reports.branch_names[reports.other_branch] not in content
    assert f'filename="comparison-{CARD}-' in download.headers["Content-Disposition"]
    # another manager of the same region, and nobody's job: 404; an admin sees every job
    other = create_token(
        make_user(Role.MANAGER, regions=[db.session.get(Region, reports.region)]), "other"
    ).secret
    db.session.commit()
    assert call("GET", f"/reports/jobs/{job['id']}", other).status_code == 404
    assert call("GET", pdf_path, other).status_code == 404
    assert call("GET", pdf_path, reports.tokens["admin"]).status_code == 200
    assert call("GET", "/reports/jobs/not-a-job", token).status_code == 404
    outside = call("POST", "/reports/jobs", token, json={"region_id": reports.other_region})
    assert outside.status_code == 403


def test_a_job_still_running_has_no_pdf_yet(call: Api, reports: Reports) -> None:
    owner = reports.user("national")
    status = JobStatus("a" * 32, "compare", owner.id, "Branch comparison", {}, state="running")
    JobStore.from_app().save(status)
    answer = call("GET", f"/reports/jobs/{status.id}", reports.tokens["national"])
    assert answer.get_json()["state"] == "running" and answer.get_json()["download"] is None
    early = call("GET", f"/reports/jobs/{status.id}/report.pdf", reports.tokens["national"])
    assert early.status_code == 409 and "not ready" in early.get_json()["detail"]


def test_the_document_describes_the_pdfs_as_binary(call: Api, reports: Reports) -> None:
    document = call("GET", "/openapi.json").get_json()
    for path in (
        "/api/v1/visits/{visit_id}/report.pdf",
        "/api/v1/branches/{branch_id}/report.pdf",
        "/api/v1/staff/{staff_id}/report.pdf",
        "/api/v1/reports/jobs/{job_id}/report.pdf",
    ):
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["application/pdf"], path
    figures = document["paths"]["/api/v1/reports/figures"]["get"]
    assert {p["name"] for p in figures["parameters"]} >= {"period", "from", "to", "region_id"}
