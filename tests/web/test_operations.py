"""The operator's view: /healthz, /readyz, /metrics and one log line per request.

Metrics live in one registry per process, shared by every app a test makes, so these
tests compare a value before and after the thing that should move it.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from audit.extensions import db
from audit.jobs import reports
from audit.models import AssignmentStatus, Role
from audit.notifications.mailer import MailSettings, OutgoingMail, send_messages
from audit.ops.logs import JsonFormatter, chosen_format
from audit.reporting.filters import ReportFilter
from tests.builders import make_assignment, make_branch, make_region, make_user, publish_card
from tests.conftest import make_app
from tests.ops.metrics_text import samples, value

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}
TOKEN = "metrics-token-for-tests"  # noqa: S105

CARD = {
    "slug": "ops-card",
    "title": "Ops card",
    "channel": "in_person",
    "target": 80,
    "sections": [
        {
            "key": "only",
            "title": "Only",
            "questions": [
                {"key": "greeted", "text": "Greeted?", "type": "yes_no", "points": 5},
            ],
        }
    ],
}


# --- helpers ---------------------------------------------------------------------------


def closed_port() -> int:
    """A port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


# --- /healthz --------------------------------------------------------------------------


def test_healthz_answers_ok_and_sends_a_request_id(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_does_not_touch_the_database(tmp_path):
    app = make_app(f"postgresql+psycopg://audit@127.0.0.1:{closed_port()}/audit", tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


@pytest.mark.parametrize(
    "offered", ["short", "has space 12345", "<script>1234</script>", "9" * 129]
)
def test_an_incoming_request_id_is_kept_when_sane_and_replaced_when_not(client, offered):
    kept = client.get("/healthz", headers={"X-Request-Id": "lb-1234abcd"})
    assert kept.headers["X-Request-Id"] == "lb-1234abcd"
    replaced = client.get("/healthz", headers={"X-Request-Id": offered})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])


# --- /readyz ---------------------------------------------------------------------------


def test_readyz_says_ok_for_each_part(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}


def test_readyz_names_redis_when_it_is_down(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "unavailable" and body["failed"] == ["redis"]
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
    assert "Connection" in body["checks"]["redis"]


def test_readyz_does_not_hang_on_a_redis_that_never_answers(app, client):
    with silent_port() as port:
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        started = time.monotonic()
        response = client.get("/readyz")
        took = time.monotonic() - started
    assert response.status_code == 503 and response.json["failed"] == ["redis"]
    assert took < 3, f"/readyz took {took:.1f} s"


def test_readyz_names_the_database_when_it_is_unreachable_and_hides_its_password(tmp_path):
    url = f"postgresql+psycopg://audit:pw-s3cret@127.0.0.1:{closed_port()}/audit"
    app = make_app(url, tmp_path)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database"]
    assert response.json["checks"]["storage"] == "ok"
    assert response.json["checks"]["database"].startswith("OperationalError")
    assert "pw-s3cret" not in response.get_data(as_text=True)


def test_readyz_names_an_sqlite_file_that_cannot_be_opened(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'folder' / 'audit.db'}", tmp_path)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failed"] == ["database"]
    assert "unable to open database file" in response.json["checks"]["database"]


def test_readyz_names_storage_that_cannot_take_files(app, client, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app.config["UPLOAD_FOLDER"] = str(blocker / "uploads")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["storage"]
    assert response.json["checks"]["database"] == "ok"


# --- /metrics: who may read it ---------------------------------------------------------


def test_metrics_are_served_to_loopback(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "audit_http_request_duration_seconds" in response.get_data(as_text=True)


def test_metrics_are_refused_elsewhere_without_a_token(client):
    response = client.get("/metrics", environ_base=ELSEWHERE)
    assert response.status_code == 403
    assert "audit_" not in response.get_data(as_text=True)


def test_metrics_through_a_local_proxy_are_not_taken_as_local(client):
    response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 403


def test_metrics_ask_for_the_token_and_take_only_the_right_one(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    missing = client.get("/metrics", environ_base=ELSEWHERE)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get(
        "/metrics", environ_base=ELSEWHERE, headers={"Authorization": f"Bearer {TOKEN}x"}
    )
    assert wrong.status_code == 401
    basic = client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": TOKEN})
    assert basic.status_code == 401
    right = client.get(
        "/metrics", environ_base=ELSEWHERE, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert right.status_code == 200
    assert "audit_http_request_duration_seconds" in right.get_data(as_text=True)


# --- /metrics: what it counts ----------------------------------------------------------


def test_request_latency_is_labelled_by_endpoint_never_by_path(client):
    login = {"endpoint": "auth.login", "method": "GET", "status": "2xx"}
    unmatched = {"endpoint": "unmatched", "method": "GET", "status": "4xx"}
    before = samples(client)
    assert client.get("/login").status_code == 200
    assert client.get("/no/such/page-7f3a").status_code == 404
    after = samples(client)
    name = "audit_http_request_duration_seconds_count"
    assert value(after, name, **login) == value(before, name, **login) + 1
    assert value(after, name, **unmatched) == value(before, name, **unmatched) + 1
    assert value(after, "audit_http_request_duration_seconds_bucket", **login, le="+Inf") >= 1
    assert "page-7f3a" not in client.get("/metrics").get_data(as_text=True)


@pytest.fixture
def draft(app, client, auth) -> int:
    """A draft visit started by a signed-in shopper from an accepted assignment."""
    with app.app_context():
        branch = make_branch(make_region("North"), code="LDS01", name="Leeds")
        shopper = make_user(Role.SHOPPER)
        assignment = make_assignment(
            publish_card(CARD), branch, shopper, status=AssignmentStatus.ACCEPTED
        )
        db.session.commit()
        assignment_id, email = assignment.id, shopper.email
    auth.login(email)
    response = client.post(f"/shop/assignments/{assignment_id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_visit_submitted_through_the_form_is_counted_once(client, draft):
    name = "audit_visits_submitted_total"
    before = value(samples(client), name, submission="first")
    form = {"action": "submit", "client_token": "m" * 32}
    refused = client.post(f"/shop/visits/{draft}", data=form)  # nothing answered yet
    assert refused.status_code == 422
    assert value(samples(client), name, submission="first") == before
    form |= {
        "answer-greeted": "yes",
        "started_at": "2024-05-06T10:00",
        "ended_at": "2024-05-06T10:20",
        "staff_description": "Young man at the desk",
    }
    sent = client.post(f"/shop/visits/{draft}", data=form)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    again = client.post(f"/shop/visits/{draft}", data=form)  # a double tap, not a new visit
    assert again.status_code < 500
    assert value(samples(client), name, submission="first") == before + 1


def test_report_jobs_are_counted_by_event_and_the_queue_depth_is_shown(app, client, monkeypatch):
    monkeypatch.setitem(reports.MAKERS, "ops-ok", lambda status, progress: b"%PDF-1.4 test")

    def broken(status, progress):
        raise RuntimeError("no report today")

    monkeypatch.setitem(reports.MAKERS, "ops-broken", broken)
    before = samples(client)
    with app.app_context():
        done = reports.start_job("ops-ok", None, "Works", ReportFilter())
        failed = reports.start_job("ops-broken", None, "Fails", ReportFilter())
        reports.wait_for(done.id)
        reports.wait_for(failed.id)
        assert reports.JobStore.from_app().get(failed.id).state == reports.FAILED
    after = samples(client)
    name = "audit_report_jobs_total"
    for event, more in (("queued", 2), ("started", 2), ("finished", 1), ("failed", 1)):
        assert value(after, name, event=event) == value(before, name, event=event) + more, event
    assert ("audit_job_queue_depth", frozenset({("queue", "reports")})) in after
    assert value(after, "audit_job_queue_up") == 1


def test_mail_that_cannot_be_sent_is_counted(app, client):
    before = value(samples(client), "audit_mail_failures_total")
    settings = MailSettings(server="127.0.0.1", port=closed_port(), timeout=2)
    mails = [OutgoingMail(key=n, to=f"p{n}@example.org", subject="S", body="B") for n in (1, 2)]
    assert send_messages(settings, mails) == []  # outside the app: counted in this process
    with app.app_context():  # in the app without Redis: in this process too
        assert send_messages(settings, mails[:1]) == []
    assert value(samples(client), "audit_mail_failures_total") == before + 3


# --- the request log line --------------------------------------------------------------


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "audit.requests"]


def test_one_log_line_per_request_with_the_request_id_sent_back(client, draft, caplog):
    caplog.set_level(logging.INFO, logger="audit.requests")
    response = client.get(f"/shop/visits/{draft}", headers={"X-Request-Id": "req-0001-abcd"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "req-0001-abcd"
    (record,) = request_lines(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-0001-abcd"
    assert line["method"] == "GET" and line["path"] == f"/shop/visits/{draft}"
    assert line["endpoint"] == "shop.visit" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert isinstance(line["user_id"], int)
    assert line["remote_addr"] == "127.0.0.1"
    assert line["level"] == "INFO" and line["logger"] == "audit.requests"


def test_the_log_line_of_a_visitor_has_no_user_and_probes_log_like_the_rest(client, caplog):
    caplog.set_level(logging.INFO, logger="audit.requests")
    client.get("/login")
    for probe in ("/healthz", "/readyz", "/metrics"):
        client.get(probe)
    login, *probes = request_lines(caplog)
    assert login.fields["endpoint"] == "auth.login" and login.fields["user_id"] is None
    assert [r.fields["endpoint"] for r in probes] == ["ops.healthz", "ops.readyz", "ops.metrics"]
    assert {r.levelno for r in [login, *probes]} == {
        logging.INFO
    }  # what the root logger lets through


def test_log_format_is_json_or_text():
    assert chosen_format("json") == "json" and chosen_format("text") == "text"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        chosen_format("yaml")
