"""Invitation pages, the mailed link and the commands: invite → mail → link → own
password → signed in; links that fail; what managers may do; the CSV and staff imports."""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import select, update

from audit.accounts.invitation_mail import MAIL_TASK
from audit.extensions import db
from audit.models import AccountLink, Notification, Role, User, UserSession
from audit.tasks import wait_for_tasks
from tests.builders import count_events, make_branch, make_region, make_staff, make_user
from tests.conftest import TEST_PASSWORD
from tests.mail_server import free_port
from tests.served import serve
from tests.task_queues import work_off

PASSWORD = "violet canyon ledger 42"  # noqa: S105
LINK = re.compile(r"https?://[^\s]+(/invite/[A-Za-z0-9_-]+)")


def _sign_in_as(app, auth, role: Role = Role.ADMIN, **fields) -> int:  # noqa: ANN001
    with app.app_context():
        user = make_user(role, **fields)
        db.session.commit()
        email, user_id = user.email, user.id
    auth.login(email)
    return user_id


def _mailed_path(smtp_server, to: str) -> str:  # noqa: ANN001
    """The invitation path in the one mail sent to ``to`` (once the queued mail is sent)."""
    wait_for_tasks()
    bodies = [m.get_content() for rcpt, m in smtp_server.inbox.messages if to in rcpt]
    assert len(bodies) == 1, bodies
    return LINK.search(bodies[0]).group(1)


def _user(app, email: str) -> User:  # noqa: ANN001
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return user


def _signed_in_name(client) -> str | None:  # noqa: ANN001
    page = client.get("/notifications/")
    if page.status_code != 200:
        return None
    match = re.search(r'title="([^"]+) · ', page.get_data(as_text=True))
    return match.group(1) if match else None


def _accept(client, path: str, password: str = PASSWORD, confirm: str | None = None):  # noqa: ANN001, ANN201
    return client.post(path, data={"password": password, "confirm": confirm or password})


# --- the whole walk -------------------------------------------------------------------------


def test_an_invited_person_follows_the_mailed_link_and_is_signed_in(app, client, auth, smtp_server):
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.test")
    _sign_in_as(app, auth, name="Ada Admin")
    response = client.post(
        "/invitations/new",
        data={"name": "Nia Newton", "email": "nia@example.org", "role": "shopper"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/invitations"
    page = client.get("/invitations").get_data(as_text=True)
    assert "Nia Newton (nia@example.org) is invited. The invitation mail is on the way" in page
    assert "Nia Newton" in page and "invited, not joined" in page

    wait_for_tasks()
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["nia@example.org"]
    assert message["Subject"] == "[Service Audit] You are invited to Service Audit"
    body = message.get_content()
    assert "Ada Admin has invited you to Service Audit as a mystery shopper." in body
    assert "https://audit.example.test/invite/" in body
    assert "The link works once, until" in body
    path = _mailed_path(smtp_server, "nia@example.org")
    listed = client.get("/invitations").get_data(as_text=True)
    assert "mail failed" not in listed and "mail on the way" not in listed

    auth.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Welcome to Service Audit, Nia Newton" in text and "a mystery shopper" in text

    response = _accept(client, path)
    assert response.status_code == 302
    assert _signed_in_name(client) == "Nia Newton"
    user = _user(app, "nia@example.org")
    assert user.joined_at is not None
    with app.app_context():
        assert user.check_password(PASSWORD)
        assert db.session.scalar(select(UserSession.method).where(UserSession.user_id == user.id))
        assert count_events("user.invitation_accepted", user.id) == 1

    client.post("/logout")
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert "Nia" not in again.get_data(as_text=True)


def test_without_mail_the_inviter_is_shown_the_link_to_pass_on(app, client, auth):
    _sign_in_as(app, auth)
    response = client.post(
        "/invitations/new",
        data={"name": "Nia Newton", "email": "nia@example.org", "role": "shopper"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "E-mail is not set up on this server" in page and "the mail was not sent" in page
    path = LINK.search(page).group(1)
    auth.logout()
    assert _accept(client, path).status_code == 302
    assert _signed_in_name(client) == "Nia Newton"


def test_when_the_mail_server_refuses_later_the_list_says_so_and_shows_a_new_link(
    app, client, auth
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    inviter = _sign_in_as(app, auth)
    response = client.post(
        "/invitations/new",
        data={"name": "Nia Newton", "email": "nia@example.org", "role": "shopper"},
        follow_redirects=True,
    )
    assert "The invitation mail is on the way" in response.get_data(as_text=True)
    wait_for_tasks()  # the task finds no SMTP server
    assert _user(app, "nia@example.org").invitation_pending  # the invitation is kept
    listed = client.get("/invitations").get_data(as_text=True)
    assert "mail failed" in listed and "Show a new link" in listed
    with app.app_context():
        told = db.session.scalars(select(Notification).where(Notification.user_id == inviter))
        (notice,) = told.all()
        assert notice.kind == "invitation.mail_failed" and "nia@example.org" in notice.message

    nia = _user(app, "nia@example.org")
    shown = client.post(f"/invitations/{nia.id}/link", data={"next": "/invitations"})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert "This link is not mailed" in page
    path = LINK.search(page).group(1)
    assert "mail failed" not in client.get("/invitations").get_data(as_text=True)
    auth.logout()
    assert _accept(client, path).status_code == 302
    assert _signed_in_name(client) == "Nia Newton"


def test_with_redis_the_request_only_queues_the_mail(app, client, auth, redis_queues, smtp_server):
    """The page answers before any SMTP server is asked: the mail is a task for a worker."""
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.test")
    _sign_in_as(app, auth)
    response = client.post(
        "/invitations/new",
        data={"name": "Nia Newton", "email": "nia@example.org", "role": "shopper"},
    )
    assert response.status_code == 302
    (job,) = redis_queues.get_jobs()
    assert job.args[0] == MAIL_TASK
    assert smtp_server.inbox.messages == []
    assert "mail on the way" in client.get("/invitations").get_data(as_text=True)

    work_off(app, redis_queues)
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["nia@example.org"]
    assert "https://audit.example.test/invite/" in message.get_content()
    work_off(app, redis_queues)  # the same task again (a retried job) mails nothing more
    with app.app_context():
        from audit.tasks import run_task

        assert run_task(*job.args) == 0
    assert len(smtp_server.inbox.messages) == 1


# --- links that do not work -----------------------------------------------------------------


def _invited(app, client, auth) -> str:  # noqa: ANN001
    """Invite Nia as an administrator (no mail), sign out; the link's path."""
    _sign_in_as(app, auth)
    page = client.post(
        "/invitations/new",
        data={"name": "Nia Newton", "email": "nia@example.org", "role": "shopper"},
    ).get_data(as_text=True)
    auth.logout()
    return LINK.search(page).group(1)


def _refused(client, path: str, status: int, words: str) -> None:  # noqa: ANN001
    for response in (client.get(path), _accept(client, path)):
        text = response.get_data(as_text=True)
        assert response.status_code == status, text
        assert words in text
        assert "Nia" not in text and "nia@example.org" not in text
    assert _signed_in_name(client) is None


def test_an_altered_link_is_not_found(app, client, auth):
    path = _invited(app, client, auth)
    altered = path[:-3] + ("xyz" if not path.endswith("xyz") else "abc")
    _refused(client, altered, 404, "not valid")
    _refused(client, "/invite/short", 404, "not valid")


def test_an_expired_link_is_gone(app, client, auth):
    path = _invited(app, client, auth)
    with app.app_context():
        db.session.execute(
            update(AccountLink).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        db.session.commit()
    _refused(client, path, 410, "has expired")


def test_a_withdrawn_or_replaced_link_is_gone(app, client, auth):
    path = _invited(app, client, auth)
    nia = _user(app, "nia@example.org")
    _sign_in_as(app, auth)
    page = client.post(f"/invitations/{nia.id}/resend").get_data(as_text=True)
    new_path = LINK.search(page).group(1)
    assert new_path != path
    client.post(f"/invitations/{nia.id}/revoke", follow_redirects=True)
    auth.logout()
    _refused(client, path, 410, "replaced or withdrawn")
    _refused(client, new_path, 410, "replaced or withdrawn")
    assert not _user(app, "nia@example.org").active


def test_a_weak_or_mistyped_password_is_refused_and_the_link_still_works(app, client, auth):
    path = _invited(app, client, auth)
    weak = _accept(client, path, "password")
    assert weak.status_code == 200
    assert "too easy to guess" in weak.get_data(as_text=True) or "at least" in weak.get_data(
        as_text=True
    )
    nia = _accept(client, path, "nianewton2024", "nianewton2024")
    assert nia.status_code == 200 and "name or e-mail" in nia.get_data(as_text=True)
    differ = _accept(client, path, PASSWORD, PASSWORD + "!")
    assert "The two passwords differ." in differ.get_data(as_text=True)
    assert _user(app, "nia@example.org").invitation_pending
    assert _accept(client, path).status_code == 302


def test_two_requests_racing_with_one_link_sign_in_once(app):
    with app.app_context():
        from audit.accounts.invitations import invite

        invitation = invite(email="nia@example.org", name="Nia Newton", role="shopper", actor=None)
        db.session.commit()
        path = invitation.path
    answers: list[int] = []
    start = threading.Barrier(4)

    def accept_once(password: str) -> None:
        start.wait()
        response = requests.post(
            server.url + path,
            data={"password": password, "confirm": password},
            allow_redirects=False,
            timeout=30,
        )
        answers.append(response.status_code)

    with serve(app) as server:
        threads = [
            threading.Thread(target=accept_once, args=(f"{PASSWORD} {n}",)) for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(answers) == [302, 410, 410, 410], answers
    with app.app_context():
        assert count_events("user.invitation_accepted") == 1
        assert count_events("user.signed_in") == 1


def test_two_invitations_racing_for_one_new_address_make_one_account(app):
    with app.app_context():
        admin = make_user(Role.ADMIN)
        db.session.commit()
        email = admin.email
    answers: list[tuple[int, bool]] = []  # (status, "is invited" shown)
    start = threading.Barrier(4)

    def invite_once(browser: requests.Session) -> None:
        start.wait()
        response = browser.post(
            server.url + "/invitations/new",
            data={"name": "Nia Newton", "email": "nia@example.org", "role": "shopper"},
            allow_redirects=False,
            timeout=30,
        )
        answers.append((response.status_code, "is invited." in response.text))

    with serve(app) as server:
        browsers = []
        for _ in range(4):
            browser = requests.Session()
            signed_in = browser.post(
                server.url + "/login",
                data={"email": email, "password": TEST_PASSWORD},
                allow_redirects=False,
                timeout=30,
            )
            assert signed_in.status_code == 302
            browsers.append(browser)
        threads = [threading.Thread(target=invite_once, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # Without mail, an invitation answers with its link to pass on (200); a loser of the
    # race is told the address was given an account a moment ago, never a server error.
    assert all(status == 200 for status, _ in answers), answers
    assert any(invited for _, invited in answers), answers
    with app.app_context():
        accounts = db.session.scalars(select(User).where(User.email == "nia@example.org")).all()
        assert len(accounts) == 1 and accounts[0].invitation_pending


def test_accepting_on_a_browser_someone_is_signed_in_on_signs_them_out(app, client, auth):
    path = _invited(app, client, auth)
    _sign_in_as(app, auth, Role.SHOPPER, name="Someone Else")
    assert _signed_in_name(client) == "Someone Else"
    assert _accept(client, path).status_code == 302
    assert _signed_in_name(client) == "Nia Newton"
    with app.app_context():
        ended = db.session.scalars(
            select(UserSession.ended_reason).where(UserSession.ended_at.is_not(None))
        ).all()
    assert "signed_out" in ended


# --- managers ---------------------------------------------------------------------------------


def test_a_manager_invites_only_the_roles_below_and_within_their_regions(app, client, auth):
    with app.app_context():
        north, south = make_region("North"), make_region("South")
        make_staff(make_branch(north), code="N-1", name="Nadia North")
        make_staff(make_branch(south), code="S-1")
        db.session.commit()
        north_id, south_id = north.id, south.id
        manager = make_user(Role.MANAGER, regions=[north])
        db.session.commit()
        email = manager.email
    auth.login(email)
    page = client.get("/invitations/new").get_data(as_text=True)
    roles = re.findall(
        r'<option[^>]*value="(\w+)"', page.split('id="role"')[1].split("</select>")[0]
    )
    assert roles == ["staff", "shopper", "assessor"]
    assert "South" not in page

    def send(**fields):  # noqa: ANN003, ANN202
        data = {"name": "New Person", "email": "new@example.org", **fields}
        return client.post("/invitations/new", data=data)

    refused = send(role="manager")
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    refused = send(role="assessor", regions=[south_id])
    assert refused.status_code == 200
    refused = send(role="assessor")
    assert "Choose the regions this assessor works in" in refused.get_data(as_text=True)
    refused = send(role="staff", staff_code="S-1")
    assert "branch in your regions" in refused.get_data(as_text=True)
    refused = send(role="staff", staff_code="NOPE")
    assert "No staff member has the code" in refused.get_data(as_text=True)
    assert 'value="New Person"' in refused.get_data(as_text=True)  # what was typed is kept
    assert _user(app, "new@example.org") is None

    assert send(role="staff", staff_code="n-1").status_code == 200  # no mail: the link shown
    staff = _user(app, "new@example.org")
    with app.app_context():
        assert db.session.get(User, staff.id).staff_member.code == "N-1"
    assert send(role="assessor", regions=[north_id], email="a@example.org").status_code == 200


def test_a_manager_cannot_resend_or_withdraw_an_invitation_beyond_them(app, client, auth):
    with app.app_context():
        from audit.accounts.invitations import invite

        boss = invite(email="boss@example.org", name="Boss", role="manager", actor=None).user
        shopper = invite(email="s@example.org", name="Sam", role="shopper", actor=None).user
        db.session.commit()
        boss_id, shopper_id = boss.id, shopper.id
    _sign_in_as(app, auth, Role.MANAGER)
    assert client.post(f"/invitations/{boss_id}/resend").status_code == 404
    assert client.post(f"/invitations/{boss_id}/revoke").status_code == 404
    listing = client.get("/invitations").get_data(as_text=True)
    assert "s@example.org" in listing and "boss@example.org" not in listing
    response = client.post(f"/invitations/{shopper_id}/revoke", data={"next": "//evil.example"})
    assert response.status_code == 302 and response.headers["Location"] == "/invitations"
    assert not _user(app, "s@example.org").active


def test_other_roles_cannot_reach_the_invitation_pages(app, client, auth):
    _sign_in_as(app, auth, Role.ASSESSOR)
    assert client.get("/invitations/new").status_code == 403
    assert client.get("/invitations/csv").status_code == 403


# --- the users list ---------------------------------------------------------------------------


def test_the_users_list_shows_who_has_not_joined_with_send_again_and_withdraw(
    app, client, auth, smtp_server
):
    app.config.update(smtp_server.config())
    _sign_in_as(app, auth, name="Ada Admin")
    for name, email in (("Wanda Waiting", "wanda@example.org"), ("Jo Joined", "jo@example.org")):
        data = {"name": name, "email": email, "role": "shopper"}
        client.post("/invitations/new", data=data, follow_redirects=True)
    jo_path = _mailed_path(smtp_server, "jo@example.org")
    with app.app_context():
        from audit.accounts.invitations import accept

        accept(jo_path.rsplit("/", 1)[1], PASSWORD)
        db.session.commit()

    invited = client.get("/admin/users?status=invited").get_data(as_text=True)
    assert "Wanda Waiting" in invited and "Jo Joined" not in invited
    assert "invited, not joined" in invited and "Send again" in invited and "Withdraw" in invited
    everyone = client.get("/admin/users").get_data(as_text=True)
    assert everyone.count("invited, not joined") == 1 and "Jo Joined" in everyone

    wanda = _user(app, "wanda@example.org")
    back = "/admin/users?status=invited"
    response = client.post(f"/invitations/{wanda.id}/resend", data={"next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    wait_for_tasks()
    assert len([r for r, _ in smtp_server.inbox.messages if r == ["wanda@example.org"]]) == 2
    client.post(f"/invitations/{wanda.id}/revoke", data={"next": back})
    assert "Wanda Waiting" not in client.get(back).get_data(as_text=True)
    withdrawn = client.get("/admin/users?status=inactive").get_data(as_text=True)
    assert "invitation withdrawn" in withdrawn and "Invite again" in withdrawn
    with app.app_context():
        actions = [
            count_events(a, wanda.id)
            for a in ("user.invited", "user.invitation_resent", "user.invitation_revoked")
        ]
    assert actions == [1, 1, 1]


# --- a CSV of many people ---------------------------------------------------------------------


def _upload(client, url: str, text: str, name: str = "people.csv", **fields):  # noqa: ANN001, ANN003, ANN201
    data = {"file": (io.BytesIO(text.encode()), name), **fields}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_the_csv_page_invites_all_or_nobody(app, client, auth, smtp_server):
    app.config.update(smtp_server.config())
    with app.app_context():
        make_region("North")
        db.session.commit()
    _sign_in_as(app, auth)
    bad = _upload(
        client,
        "/invitations/csv",
        "name,email,role,regions\nAmira,amira@example.org,assessor,North\nBo,bo@example,shopper,\n",
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Nobody was invited" in page and "people.csv:3: email &#39;bo@example&#39;" in page
    assert _user(app, "amira@example.org") is None and smtp_server.inbox.messages == []

    good = _upload(
        client,
        "/invitations/csv",
        "name,email,role,regions\nAmira,amira@example.org,assessor,North\nBo,bo@example.org,shopper,\n",
    )
    assert good.status_code == 302
    wait_for_tasks()
    assert sorted(r[0] for r, _ in smtp_server.inbox.messages) == [
        "amira@example.org",
        "bo@example.org",
    ]


def test_the_staff_import_invites_staff_with_an_address(app, client, auth, smtp_server):
    app.config.update(smtp_server.config())
    with app.app_context():
        make_branch(code="LDS01")
        db.session.commit()
    _sign_in_as(app, auth, Role.MANAGER)
    csv = (
        "code,name,branch,job_title,email\n"
        "S1,Amira Hassan,LDS01,Adviser,amira@example.org\n"
        "S2,Ben,LDS01,Adviser,\n"
    )
    response = _upload(client, "/org/import", csv, "staff.csv", kind="staff", invite="y")
    assert response.status_code == 302
    assert "1 invited" in client.get(response.headers["Location"]).get_data(as_text=True)
    wait_for_tasks()
    recipients, message = smtp_server.inbox.only()
    assert recipients == ["amira@example.org"] and "as a staff member" in message.get_content()
    path = _mailed_path(smtp_server, "amira@example.org")
    auth.logout()
    assert _accept(client, path).status_code == 302
    assert _signed_in_name(client) == "Amira Hassan"


def test_the_staff_import_without_the_box_invites_nobody(app, client, auth, smtp_server):
    app.config.update(smtp_server.config())
    with app.app_context():
        make_branch(code="LDS01")
        db.session.commit()
    _sign_in_as(app, auth, Role.MANAGER)
    csv = "code,name,branch,job_title,email\nS1,Amira Hassan,LDS01,Adviser,amira@example.org\n"
    assert _upload(client, "/org/import", csv, "staff.csv", kind="staff").status_code == 302
    assert smtp_server.inbox.messages == [] and _user(app, "amira@example.org") is None


# --- the command line ---------------------------------------------------------------------------


def test_users_invite_mails_and_prints_the_link_last(app, runner, smtp_server):
    app.config.update(smtp_server.config(), APP_URL="https://audit.example.test")
    with app.app_context():
        make_region("North")
        db.session.commit()
    result = runner.invoke(
        args=[
            "users", "invite", "--email", "amira@example.org", "--name", "Amira Hassan",
            "--role", "assessor", "--region", "north",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("https://audit.example.test/invite/")
    assert last.endswith(_mailed_path(smtp_server, "amira@example.org"))
    assert [r.name for r in _regions_of(app, "amira@example.org")] == ["North"]

    refused = runner.invoke(
        args=["users", "invite", "--email", "x@example.org", "--name", "X", "--role", "shopper",
              "--region", "Atlantis"]
    )  # fmt: skip
    assert refused.exit_code != 0 and "unknown region: Atlantis" in refused.output


def _regions_of(app, email: str):  # noqa: ANN001, ANN202
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        regions = list(user.regions)
        db.session.expunge_all()
        return regions


def test_users_invite_csv_is_all_or_nothing(app, runner, smtp_server, tmp_path):
    app.config.update(smtp_server.config())
    bad = tmp_path / "people.csv"
    bad.write_text("name,email,role\nA,a@example.org,shopper\nB,b@example.org,boss\n")
    result = runner.invoke(args=["users", "invite-csv", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: unknown role 'boss'" in result.output
    assert _user(app, "a@example.org") is None

    good = tmp_path / "good.csv"
    good.write_text("name,email,role\nA,a@example.org,shopper\nB,b@example.org,staff\n")
    result = runner.invoke(args=["users", "invite-csv", str(good)])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.inbox.messages) == 2
    assert result.stdout.count("/invite/") == 2


def test_staff_import_invite_prints_the_links(app, runner, tmp_path):
    with app.app_context():
        make_branch(code="LDS01")
        db.session.commit()
    staff = tmp_path / "staff.csv"
    staff.write_text("code,name,branch,job_title,email\nS1,Amira,LDS01,Adviser,amira@example.org\n")
    result = runner.invoke(args=["staff", "import", "--invite", str(staff)])
    assert result.exit_code == 0, result.output
    assert "1 invited" in result.output and "NOT mailed to amira@example.org" in result.output
    assert re.search(r"/invite/[A-Za-z0-9_-]{40,}$", result.stdout.strip())
