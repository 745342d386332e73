"""Scheduled reports: a manager subscribes on the page; the periodic job renders the PDF of
the period just ended, stores it and queues its mail; the mail carries the PDF, the
dashboard link and a one-click unsubscribe; the job run twice sends nothing twice; scope
is checked when subscribing and again when sending."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from audit.extensions import db
from audit.models import ReportFrequency, ReportMailing, ReportSubscription, Role, User
from audit.storage import storage
from audit.subscriptions.periods import Period, last_period
from audit.subscriptions.service import claim, pdf_key
from audit.tasks import run_task, wait_for_tasks
from tests.builders import (
    add_visits,
    count_events,
    make_branch,
    make_region,
    make_user,
    publish_report_cards,
)
from tests.languages.catalogues import ensure_compiled
from tests.mail_server import free_port
from tests.pdf.reading import Pdf

JOB = "audit.jobs.subscriptions:send_scheduled_reports"
#: A Monday: the last month is November 2026, the last week 30 Nov to 6 Dec.
TODAY = "2026-12-07"
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
LINK = re.compile(r"https://audit\.example\.test(/\S+)")


def run_job(app: Flask, today: str = TODAY) -> str:
    """What the worker does at the job's time, then the mail tasks it queued."""
    with app.app_context():
        result = run_task(JOB, {"today": today})
    wait_for_tasks()
    return result


@pytest.fixture
def org(app: Flask, smtp_server) -> SimpleNamespace:  # noqa: ANN001
    """North (Leeds, with November visits) and South (Bristol); Nora manages North and
    subscribes, Bea manages North too, Sam manages South, Hugo is head office."""
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.test")
    with app.app_context():
        north, south = make_region("North"), make_region("South")
        leeds = make_branch(north, code="LDS01", name="Leeds Briggate")
        bristol = make_branch(south, code="BRS01", name="Bristol Broadmead")
        publish_report_cards()
        add_visits(leeds, [90, 80, 70], at=datetime(2026, 11, 10, 12, tzinfo=UTC))
        people = {
            "nora": make_user(Role.MANAGER, "nora@example.org", regions=[north], name="Nora North"),
            "bea": make_user(Role.MANAGER, "bea@example.org", regions=[north], name="Bea Branch"),
            "sam": make_user(Role.MANAGER, "sam@example.org", regions=[south], name="Sam South"),
            "hugo": make_user(Role.MANAGER, "hugo@example.org", name="Hugo Head"),
        }
        db.session.commit()
        return SimpleNamespace(
            north=north.id,
            south=south.id,
            leeds=leeds.id,
            bristol=bristol.id,
            inbox=smtp_server.inbox,
            **{name: user.id for name, user in people.items()},
        )


def subscribe(client, auth, email: str, **fields):  # noqa: ANN001, ANN003, ANN201
    auth.login(email)
    data = {"unit": "branch", "frequency": "monthly", "scorecard": "", **fields}
    return client.post("/reports/subscriptions", data=data)


def mails_to(inbox, email: str) -> list:  # noqa: ANN001
    return [message for rcpt, message in inbox.messages if rcpt == [email]]


def pdf_of(message) -> Pdf:  # noqa: ANN001
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    return Pdf(attachment.get_content())


# --- the whole walk -----------------------------------------------------------------------


def test_a_monthly_branch_report_is_mailed_to_the_owner_and_the_chosen_manager(
    app, client, auth, org
):
    response = subscribe(client, auth, "nora@example.org", branch=org.leeds, recipients=[org.bea])
    assert response.status_code == 302
    page = client.get("/reports/subscriptions").get_data(as_text=True)
    assert "Branch Leeds Briggate (LDS01)" in page and "Bea Branch, Nora North" in page

    assert run_job(app) == "1 scheduled report(s) made and queued for mailing"
    assert sorted(r[0] for r, _ in org.inbox.messages) == ["bea@example.org", "nora@example.org"]
    (message,) = mails_to(org.inbox, "bea@example.org")
    assert message["Subject"] == "[Service Audit] Branch Leeds Briggate (LDS01): November 2026"
    pdf = pdf_of(message)
    assert "Leeds Briggate" in pdf.flat and "01 Nov 2026 to 30 Nov 2026" in pdf.flat
    body = message.get_body(("plain",)).get_content()
    assert "Nora North (nora@example.org) subscribed you" in body
    dashboard, unsubscribe = LINK.findall(body)
    assert dashboard == (
        "/reports/branches/LDS01?period=custom&from=2026-11-01&to=2026-11-30&scorecard=all"
    )
    assert message["List-Unsubscribe"] == f"<https://audit.example.test{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    with app.app_context():
        subscription = db.session.scalar(select(ReportSubscription))
        assert subscription.last_period_end == NOVEMBER.end
        assert subscription.last_sent_at is not None and subscription.last_mail_error == ""
        assert storage().get(pdf_key(subscription.id, NOVEMBER, "en")) == pdf.data
        assert count_events("report_subscription.sent", subscription.id) == 1
    assert "Leeds Briggate" in client.get(dashboard).get_data(as_text=True)  # Nora's own view


def test_each_recipient_reads_the_mail_and_the_pdf_in_their_own_language(app, client, auth, org):
    ensure_compiled()
    with app.app_context():
        db.session.get(User, org.bea).language = "es"
        db.session.commit()
    subscribe(client, auth, "nora@example.org", branch=org.leeds, recipients=[org.bea])
    run_job(app)

    (spanish,) = mails_to(org.inbox, "bea@example.org")
    subject = "[Service Audit] Sucursal Leeds Briggate (LDS01): noviembre de 2026"
    assert spanish["Subject"] == subject
    body = spanish.get_body(("plain",)).get_content()
    assert body.startswith("Hola, Bea Branch:")
    assert "Adjuntamos en PDF el informe mensual de Sucursal Leeds Briggate (LDS01)" in body
    assert "Nora North (nora@example.org) le suscribió" in body and "subscribed" not in body
    text = pdf_of(spanish).flat
    assert "Informe de sucursal" in text and "Frente a las referencias" in text
    assert "página 1 de" in text and "Against the benchmarks" not in text

    (english,) = mails_to(org.inbox, "nora@example.org")
    assert english["Subject"] == "[Service Audit] Branch Leeds Briggate (LDS01): November 2026"
    assert "You receive this report because you subscribed to it." in (
        english.get_body(("plain",)).get_content()
    )
    text = pdf_of(english).flat
    assert "Against the benchmarks" in text and "Frente a las referencias" not in text


def retry_mail(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "send-pending-mail"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_recipient_the_mail_server_refused_gets_the_report_later_and_nobody_twice(
    app, client, auth, org
):
    subscribe(client, auth, "nora@example.org", branch=org.leeds, recipients=[org.bea])
    org.inbox.refused.add("bea@example.org")
    run_job(app)
    assert [r for r, _ in org.inbox.messages] == [["nora@example.org"]]
    with app.app_context():
        subscription = db.session.scalar(select(ReportSubscription))
        assert "did not take the November 2026 report for bea@example.org" in (
            subscription.last_mail_error
        )
    assert "0 scheduled report e-mail(s) sent" in retry_mail(app)  # still refused
    org.inbox.refused.clear()
    assert "1 scheduled report e-mail(s) sent" in retry_mail(app)
    assert sorted(r[0] for r, _ in org.inbox.messages) == ["bea@example.org", "nora@example.org"]
    assert "Leeds Briggate" in pdf_of(mails_to(org.inbox, "bea@example.org")[0]).flat
    assert "0 scheduled report e-mail(s) sent" in retry_mail(app)
    with app.app_context():
        subscription = db.session.scalar(select(ReportSubscription))
        assert subscription.last_mail_error == "" and subscription.last_sent_at is not None
        (mailing,) = db.session.scalars(select(ReportMailing)).all()
        assert mailing.done_at is not None and mailing.attempts == 3
        assert sorted(mailing.sent_to) == sorted([org.nora, org.bea])


@pytest.mark.parametrize("outage", ["server down", "no MAIL_SERVER"])
def test_a_report_made_while_mail_could_not_go_is_mailed_once_it_can(
    app, client, auth, org, outage
):
    subscribe(client, auth, "hugo@example.org", unit="company", frequency="monthly")
    working = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT")}
    if outage == "server down":
        app.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    else:
        app.config.update(MAIL_SERVER=None)
    assert run_job(app).startswith("1 scheduled report(s)")
    assert org.inbox.messages == []
    with app.app_context():
        assert db.session.scalar(select(ReportSubscription.last_mail_error)) != ""
    app.config.update(working)
    assert "1 scheduled report e-mail(s) sent" in retry_mail(app)
    (message,) = mails_to(org.inbox, "hugo@example.org")
    assert "November 2026" in message["Subject"]
    assert run_job(app).startswith("0 scheduled report(s)")  # the period stays claimed
    assert "0 scheduled report e-mail(s) sent" in retry_mail(app)
    assert len(org.inbox.messages) == 1


def test_the_job_run_twice_sends_nothing_twice_and_the_next_period_goes_later(
    app, client, auth, org
):
    subscribe(client, auth, "hugo@example.org", unit="company", frequency="weekly")
    assert run_job(app).startswith("1 scheduled report(s)")
    (message,) = mails_to(org.inbox, "hugo@example.org")
    assert "week of 30 Nov 2026" in message["Subject"]
    assert "Branch comparison · All branches 30 Nov 2026 to 06 Dec 2026" in pdf_of(message).flat
    assert run_job(app).startswith("0 scheduled report(s)")
    assert run_job(app, "2026-12-13").startswith("0 scheduled report(s)")  # same week ended
    assert len(org.inbox.messages) == 1
    assert run_job(app, "2026-12-14").startswith("1 scheduled report(s)")
    assert len(org.inbox.messages) == 2


def test_two_runs_racing_for_one_period_claim_it_once(app, client, auth, org):
    subscribe(client, auth, "nora@example.org", branch=org.leeds)
    with app.app_context():
        subscription_id = db.session.scalar(select(ReportSubscription.id))
    results: list[bool] = []

    def second_run() -> None:
        with app.app_context():
            results.append(claim(subscription_id, NOVEMBER))
            db.session.commit()

    with app.app_context():
        assert claim(subscription_id, NOVEMBER)  # the first run holds its claim open...
        racer = threading.Thread(target=second_run)
        racer.start()
        time.sleep(0.3)  # ...while the second asks for the same period
        db.session.commit()
    racer.join(10)
    assert results == [False]
    assert run_job(app).startswith("0 scheduled report(s)")
    assert org.inbox.messages == []


# --- unsubscribing ------------------------------------------------------------------------


def test_the_unsubscribe_link_takes_one_click_and_no_sign_in(app, client, auth, org):
    subscribe(client, auth, "nora@example.org", branch=org.leeds, recipients=[org.bea])
    auth.logout()
    run_job(app)
    (message,) = mails_to(org.inbox, "bea@example.org")
    unsubscribe = LINK.findall(message.get_body(("plain",)).get_content())[1]

    page = client.get(unsubscribe)  # opening it (a link scanner too) changes nothing
    assert page.status_code == 200
    assert "Stop mailing the report on Branch Leeds Briggate (LDS01) to bea@example.org" in (
        page.get_data(as_text=True)
    )
    tampered = client.post(unsubscribe[:-3] + "abc", data="List-Unsubscribe=One-Click")
    assert tampered.status_code == 404
    done = client.post(  # what a mail program sends for List-Unsubscribe-Post
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200
    assert "bea@example.org no longer receives" in done.get_data(as_text=True)
    with app.app_context():
        subscription = db.session.scalar(select(ReportSubscription))
        assert [u.email for u in subscription.recipients] == ["nora@example.org"]
        assert count_events("report_subscription.unsubscribed", subscription.id) == 1

    run_job(app, "2027-01-04")  # December's report goes to Nora only
    assert len(mails_to(org.inbox, "bea@example.org")) == 1
    assert len(mails_to(org.inbox, "nora@example.org")) == 2


# --- scope ----------------------------------------------------------------------------------


def test_a_regional_manager_subscribes_only_within_their_regions(app, client, auth, org):
    outside = subscribe(client, auth, "nora@example.org", branch=org.bristol)
    assert outside.status_code == 422  # Bristol is not offered to a North manager
    head_office = subscribe(
        client, auth, "nora@example.org", branch=org.leeds, recipients=[org.hugo]
    )
    assert head_office.status_code == 422  # nor is head office as a recipient
    south = subscribe(client, auth, "nora@example.org", branch=org.leeds, recipients=[org.sam])
    assert south.status_code == 422  # nor a manager of another region
    auth.logout()
    company = subscribe(client, auth, "hugo@example.org", unit="company", recipients=[org.bea])
    assert company.status_code == 422  # head office's company report is wider than Bea's North
    assert "Bea Branch cannot see this report" in company.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ReportSubscription)) is None
    auth.logout()
    own = subscribe(client, auth, "nora@example.org", unit="company", recipients=[org.bea])
    assert own.status_code == 302  # a regional manager's "every branch" is their regions
    assert "Regions North" in client.get("/reports/subscriptions").get_data(as_text=True)


def test_a_recipient_whose_regions_changed_is_not_sent_the_report(app, client, auth, org):
    subscribe(
        client, auth, "nora@example.org", unit="region", region=org.north, recipients=[org.bea]
    )
    with app.app_context():
        bea = db.session.get(User, org.bea)
        bea.regions = [db.session.get(type(bea.regions[0]), org.south)]
        db.session.commit()
    run_job(app)
    assert [r for r, _ in org.inbox.messages] == [["nora@example.org"]]
    assert "North" in pdf_of(org.inbox.messages[0][1]).flat


def test_pausing_deleting_and_other_peoples_subscriptions(app, client, auth, org):
    subscribe(client, auth, "nora@example.org", branch=org.leeds, recipients=[org.bea])
    with app.app_context():
        subscription_id = db.session.scalar(select(ReportSubscription.id))
    client.post(f"/reports/subscriptions/{subscription_id}/pause")
    assert "paused" in client.get("/reports/subscriptions").get_data(as_text=True)
    assert run_job(app).startswith("0 scheduled report(s)")
    client.post(f"/reports/subscriptions/{subscription_id}/resume")
    run_job(app)
    assert len(org.inbox.messages) == 2

    auth.logout()
    auth.login("bea@example.org")
    page = client.get("/reports/subscriptions").get_data(as_text=True)
    assert "Branch Leeds Briggate (LDS01), every month, from Nora North" in page
    assert client.post(f"/reports/subscriptions/{subscription_id}/delete").status_code == 404
    assert client.post(f"/reports/subscriptions/{subscription_id}/pause").status_code == 404
    assert client.post(f"/reports/subscriptions/{subscription_id}/leave").status_code == 302
    assert "from Nora North" not in client.get("/reports/subscriptions").get_data(as_text=True)
    auth.logout()
    auth.login("nora@example.org")
    assert client.post(f"/reports/subscriptions/{subscription_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(ReportSubscription, subscription_id) is None
        assert list(storage().keys(f"report-subscriptions/{subscription_id}/")) == []


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "today", "start", "end"),
    [
        (ReportFrequency.WEEKLY, date(2026, 12, 7), date(2026, 11, 30), date(2026, 12, 6)),
        (ReportFrequency.WEEKLY, date(2026, 12, 13), date(2026, 11, 30), date(2026, 12, 6)),
        (ReportFrequency.MONTHLY, date(2027, 1, 1), date(2026, 12, 1), date(2026, 12, 31)),
        (ReportFrequency.MONTHLY, date(2027, 3, 31), date(2027, 2, 1), date(2027, 2, 28)),
    ],
)
def test_the_period_just_ended(frequency, today, start, end):  # noqa: ANN001
    assert last_period(frequency, today) == Period(start, end)
