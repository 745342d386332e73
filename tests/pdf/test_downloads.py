"""PDF downloads: who may download what, scoped to the manager's regions; big comparisons
run as background jobs (the in-process pool, and RQ against the local Redis)."""

from __future__ import annotations

import io
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from audit.jobs.reports import JobStatus, JobStore, filter_params, rq_queue, wait_for
from audit.reporting import ReportFilter
from tests.builders import REPORT_SHOPPER_NAME, Small, build_small
from tests.conftest import AuthActions, unavailable
from tests.languages.catalogues import ensure_compiled


@pytest.fixture
def small(app: Flask) -> Small:
    with app.app_context():
        return build_small()


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split()
    )


def test_managers_download_branch_and_staff_reports_only_in_their_regions(
    client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    auth.login(small.north_manager)
    response = client.get(f"/reports/branches/{small.codes['N1']}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "Harbour Lane" in text and "page 1 of" in text
    assert client.get(f"/reports/staff/{small.staff_code}.pdf").status_code == 200
    assert client.get(f"/reports/branches/{small.codes['S1']}.pdf").status_code == 403
    assert client.get("/reports/branches/NOPE.pdf").status_code == 404
    assert client.get("/reports/staff/NOPE.pdf").status_code == 404
    bad = client.get(f"/reports/branches/{small.codes['N1']}.pdf?from=yesterday")
    assert bad.status_code == 400


def test_a_regional_managers_comparison_leaves_other_regions_out(
    client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    auth.login(small.north_manager)
    response = client.get("/reports/compare.pdf?scorecard=branch-visit")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Harbour Lane" in text and "Castle Gate" in text
    assert "Seafront Parade" not in text and small.codes["S1"] not in text
    assert client.get("/reports/compare.pdf?region=North").status_code == 200
    assert client.get(f"/reports/compare.pdf?region={small.south_id}").status_code == 403
    assert client.get("/reports/compare.pdf?region=South").status_code == 403
    assert client.get("/reports/compare.pdf?region=Atlantis").status_code == 404


def test_staff_download_their_own_published_visit_without_the_shopper(
    client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    auth.login(small.staff_email)
    response = client.get(f"/reports/visits/{small.visit_id}.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert f"Visit report #{small.visit_id}" in text
    assert REPORT_SHOPPER_NAME not in text and small.shopper_email not in text
    assert client.get(f"/reports/visits/{small.other_visit_id}.pdf").status_code == 404
    assert client.get(f"/reports/branches/{small.codes['N1']}.pdf").status_code == 403

    auth.logout()
    auth.login(small.north_manager)
    manager_text = pdf_text(client.get(f"/reports/visits/{small.visit_id}.pdf").data)
    assert REPORT_SHOPPER_NAME in manager_text

    auth.logout()
    auth.login(small.shopper_email)
    assert client.get(f"/reports/visits/{small.visit_id}.pdf").status_code == 403


def _job_id(response) -> str:  # noqa: ANN001
    assert response.status_code == 302
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_a_big_comparison_runs_as_an_in_process_job(
    app: Flask, client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    app.config.update(REPORT_JOB_MIN_BRANCHES=1, REDIS_URL=None)
    auth.login(small.north_manager)
    job_id = _job_id(client.get("/reports/compare.pdf?scorecard=branch-visit"))
    wait_for(job_id, timeout=120)
    status = client.get(f"/reports/jobs/{job_id}.json").get_json()
    assert status["state"] == "finished" and status["percent"] == 100
    page = client.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert "Download the PDF" in page and 'http-equiv="refresh"' not in page
    download = client.get(status["download"])
    assert download.status_code == 200
    assert 'filename="comparison-branch-visit-' in download.headers["Content-Disposition"]
    assert "Branch comparison, " in page
    text = pdf_text(download.data)
    assert "Harbour Lane" in text and "Seafront Parade" not in text

    auth.logout()
    auth.login(small.other_manager)  # same region, not their job
    assert client.get(f"/reports/jobs/{job_id}").status_code == 404
    assert client.get(f"/reports/jobs/{job_id}/report.pdf").status_code == 404
    assert client.get("/reports/jobs/not-a-job").status_code == 404


def test_a_spanish_reader_gets_spanish_pdfs_also_from_a_background_job(
    app: Flask, client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    ensure_compiled()
    app.config.update(REPORT_JOB_MIN_BRANCHES=1, REDIS_URL=None)
    auth.login(small.north_manager)  # no language of their own: the browser's decides
    spanish = {"Accept-Language": "es"}
    branch = client.get(f"/reports/branches/{small.codes['N1']}.pdf", headers=spanish)
    text = pdf_text(branch.data)
    assert "Informe de sucursal" in text and "Frente a las referencias" in text
    assert "página 1 de" in text and "Against the benchmarks" not in text

    # A big comparison is made by a worker, outside the request: still in Spanish.
    job_id = _job_id(client.get("/reports/compare.pdf?scorecard=branch-visit", headers=spanish))
    wait_for(job_id, timeout=120)
    status = client.get(f"/reports/jobs/{job_id}.json", headers=spanish).get_json()
    assert status["state"] == "finished" and status["message"] == "Listo para descargar"
    text = pdf_text(client.get(status["download"]).data)
    assert "Comparativa de sucursales" in text and "Clasificación" in text
    assert "Harbour Lane" in text and "League table" not in text


def test_a_waiting_job_page_refreshes_itself_without_javascript(
    app: Flask, client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    auth.login(small.north_manager)
    with app.app_context():
        from audit.extensions import db
        from audit.models import User

        owner = db.session.scalar(db.select(User.id).where(User.email == small.north_manager))
        status = JobStatus(
            uuid.uuid4().hex, "compare", owner, "comparison.pdf", {}, done=1, total=4
        )
        JobStore.from_app().save(status)
    page = client.get(f"/reports/jobs/{status.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page
    assert "js/report_job.js" in page and 'value="25"' in page
    assert client.get(f"/reports/jobs/{status.id}/report.pdf").status_code == 404


def _redis_or_skip(url: str) -> None:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError as error:
        unavailable(f"Redis is not answering at {url} ({error}); the RQ path needs it")


def test_a_big_comparison_runs_on_rq_when_redis_is_configured(
    app: Flask, client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    url = "redis://127.0.0.1:6379/0"
    _redis_or_skip(url)
    queue_name = f"test-reports-{uuid.uuid4().hex[:8]}"
    app.config.update(REPORT_JOB_MIN_BRANCHES=1, REDIS_URL=url, REPORT_QUEUE=queue_name)
    auth.login(small.north_manager)
    job_id = _job_id(client.get("/reports/compare.pdf?scorecard=branch-visit"))
    assert client.get(f"/reports/jobs/{job_id}.json").get_json()["state"] == "queued"
    with app.app_context():
        queue = rq_queue(url)
    try:
        assert queue.count == 1
        # The worker as deployed: `flask report worker`, here in burst mode.
        result = app.test_cli_runner().invoke(args=["report", "worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert queue.count == 0
    finally:
        queue.delete(delete_jobs=True)
    with app.app_context():
        status = JobStore.from_app().get(job_id)
    assert status.backend == "rq" and status.state == "finished", status.error
    text = pdf_text(client.get(f"/reports/jobs/{job_id}/report.pdf").data)
    assert "Castle Gate" in text and "Seafront Parade" not in text


def test_filters_survive_the_trip_through_a_job_file() -> None:
    from datetime import date

    from audit.jobs.reports import params_filter

    flt = ReportFilter(
        date(2026, 1, 1), date(2026, 3, 31), "branch-visit", 3, None, None, frozenset({3, 1})
    )
    assert params_filter(filter_params(flt)) == flt


def test_a_branch_pdf_is_made_by_a_job_and_handed_over_when_it_is_quick(
    app: Flask, client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    auth.login(small.north_manager)
    response = client.get(f"/reports/branches/{small.codes['N1']}.pdf")
    assert response.status_code == 200 and "Harbour Lane" in pdf_text(response.data)
    with app.app_context():
        jobs = JobStore.from_app()
        (key,) = [k for k in jobs.store.keys("reports/") if k.endswith("status.json")]
        status = jobs.get(key.split("/")[1])
    assert status.kind == "branch" and status.finished and status.backend == "thread"
    assert status.filename in response.headers["Content-Disposition"]


def test_a_staff_pdf_slower_than_the_wait_goes_on_with_a_progress_page(
    app: Flask, client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    app.config["REPORT_WAIT_SECONDS"] = 0
    auth.login(small.north_manager)
    job_id = _job_id(client.get(f"/reports/staff/{small.staff_code}.pdf"))
    wait_for(job_id)
    status = client.get(f"/reports/jobs/{job_id}.json").get_json()
    assert status["state"] == "finished"
    assert "Nadia Staffwell" in pdf_text(client.get(status["download"]).data)


def test_with_redis_a_branch_pdf_is_drawn_by_the_worker_not_the_web_process(
    app: Flask, client: FlaskClient, auth: AuthActions, small: Small
) -> None:
    url = "redis://127.0.0.1:6379/0"
    _redis_or_skip(url)
    queue_name = f"test-reports-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=url, REPORT_QUEUE=queue_name, REPORT_WAIT_SECONDS=1)
    auth.login(small.north_manager)
    job_id = _job_id(client.get(f"/reports/branches/{small.codes['N1']}.pdf"))
    with app.app_context():
        queue = rq_queue(url)
    try:
        assert queue.count == 1  # waited a second: nobody but a worker draws it
        result = app.test_cli_runner().invoke(args=["report", "worker", "--burst"])
        assert result.exit_code == 0, result.output
    finally:
        queue.delete(delete_jobs=True)
    assert client.get(f"/reports/jobs/{job_id}.json").get_json()["state"] == "finished"
    assert "Harbour Lane" in pdf_text(client.get(f"/reports/jobs/{job_id}/report.pdf").data)
