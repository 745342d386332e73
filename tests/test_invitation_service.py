"""The invitation service: making, sending again, withdrawing and accepting; who may
invite whom; the CSV of many people; the staff import's invitations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from audit.accounts.invitation_csv import invite_from_csv
from audit.accounts.invitation_mail import invitation_text
from audit.accounts.invitations import (
    InvitationError,
    InvitationLinkError,
    accept,
    check_may_invite,
    invitations_visible_to,
    invite,
    open_invitation,
    resend,
    revoke,
)
from audit.csv_files import ImportFailed
from audit.extensions import db
from audit.models import AccountLink, Role, User
from audit.org.csv_import import import_staff
from audit.settings import set_setting
from tests.builders import (
    event_actions,
    make_branch,
    make_region,
    make_staff,
    make_user,
)

PASSWORD = "violet canyon ledger 42"  # noqa: S105


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _count(model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


# --- making and accepting ---------------------------------------------------------------


def test_an_invited_account_has_no_password_until_accepted(ctx):
    admin = make_user(Role.ADMIN, name="Ada Admin")
    invitation = invite(
        email="New.Person@Example.org", name=" Nia  Newton ", role="shopper", actor=admin
    )
    db.session.commit()
    user = _user("new.person@example.org")
    assert user is invitation.user and user.name == "Nia Newton"
    assert user.password_hash is None and user.joined_at is None and user.invitation_pending
    assert not user.check_password("")
    days = (invitation.expires_at - datetime.now(UTC)) / timedelta(days=1)
    assert 6.99 < days <= 7
    assert invitation.path == f"/invite/{invitation.token}"
    assert event_actions(user) == ["user.invited"]

    accepted = accept(invitation.token, PASSWORD)
    db.session.commit()
    assert accepted is user and user.check_password(PASSWORD)
    assert user.joined_at is not None and not user.invitation_pending
    assert event_actions(user) == ["user.invited", "user.invitation_accepted"]


def test_the_lifetime_is_a_setting(ctx):
    set_setting("invitation_days", 2, None)
    invitation = invite(email="a@example.org", name="A", role="shopper", actor=None)
    assert (invitation.expires_at - datetime.now(UTC)) < timedelta(days=2, minutes=1)
    with pytest.raises(ValueError, match="between 1 and 60"):
        set_setting("invitation_days", 61, None)


def test_a_link_works_once(ctx):
    invitation = invite(email="a@example.org", name="A", role="shopper", actor=None)
    accept(invitation.token, PASSWORD)
    db.session.commit()
    with pytest.raises(InvitationLinkError, match="already been used") as refused:
        accept(invitation.token, "another good passphrase here")
    assert refused.value.known
    db.session.rollback()
    assert _user("a@example.org").check_password(PASSWORD)


def test_an_expired_altered_or_replaced_link_is_refused(ctx):
    first = invite(email="a@example.org", name="A", role="shopper", actor=None)
    db.session.commit()
    with pytest.raises(InvitationLinkError, match="not valid") as altered:
        open_invitation(first.token[:-2] + ("AA" if not first.token.endswith("AA") else "BB"))
    assert not altered.value.known
    second = resend(first.user, None)
    db.session.commit()
    with pytest.raises(InvitationLinkError, match="replaced or withdrawn"):
        accept(first.token, PASSWORD)
    db.session.rollback()
    db.session.execute(
        update(AccountLink).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    with pytest.raises(InvitationLinkError, match="expired"):
        accept(second.token, PASSWORD)
    db.session.rollback()
    assert _user("a@example.org").invitation_pending


def test_resending_makes_a_new_link_and_says_so(ctx):
    admin = make_user(Role.ADMIN)
    first = invite(email="a@example.org", name="A", role="shopper", actor=admin)
    second = resend(first.user, admin)
    db.session.commit()
    assert second.token != first.token
    assert accept(second.token, PASSWORD) is first.user
    assert event_actions(first.user)[:2] == ["user.invited", "user.invitation_resent"]


def test_withdrawing_deactivates_the_waiting_account_and_inviting_again_revives_it(ctx):
    admin = make_user(Role.ADMIN)
    invitation = invite(email="a@example.org", name="A", role="shopper", actor=admin)
    revoke(invitation.user, admin)
    db.session.commit()
    user = invitation.user
    assert not user.active and user.invitation_pending
    with pytest.raises(InvitationLinkError, match="withdrawn"):
        open_invitation(invitation.token)
    again = invite(email="a@example.org", name="A. Again", role="assessor", actor=admin)
    db.session.commit()
    assert again.user is user and user.active and user.role is Role.ASSESSOR
    assert _count(User) == 2
    assert event_actions(user) == ["user.invited", "user.invitation_revoked", "user.invited"]


def test_an_address_that_has_an_account_is_not_invited(ctx):
    existing = make_user(Role.SHOPPER, email="taken@example.org")
    with pytest.raises(InvitationError, match="already has an account") as refused:
        invite(email="TAKEN@example.org", name="T", role="shopper", actor=None)
    assert refused.value.field == "email"
    db.session.rollback()
    accepted = invite(email="b@example.org", name="B", role="shopper", actor=None)
    accept(accepted.token, PASSWORD)
    with pytest.raises(InvitationError, match="already accepted"):
        resend(accepted.user, None)
    with pytest.raises(InvitationError, match="already accepted"):
        revoke(existing, None)


def test_accepting_refuses_a_weak_password_and_leaves_the_link_usable(ctx):
    invitation = invite(
        email="amira.hassan@example.org", name="Amira Hassan", role="shopper", actor=None
    )
    db.session.commit()
    for weak in ("password", "12345678", "amira.hassan1", "short"):
        with pytest.raises(InvitationError) as refused:
            accept(invitation.token, weak)
        assert refused.value.field == "password"
        db.session.rollback()
    assert open_invitation(invitation.token).used_at is None


def test_regions_are_only_for_managers_and_assessors(ctx):
    north = make_region("North")
    with pytest.raises(InvitationError, match="Only managers and assessors"):
        invite(email="a@example.org", name="A", role="shopper", region_ids=[north.id], actor=None)
    made = invite(
        email="m@example.org", name="M", role="manager", region_ids=[north.id], actor=None
    )
    assert [r.name for r in made.user.regions] == ["North"]


def test_a_staff_account_is_linked_to_its_staff_member(ctx):
    member = make_staff(name="Sam Staff")
    invitation = invite(
        email="sam@example.org", name="Sam Staff", role="staff", staff_member=member, actor=None
    )
    assert member.user is invitation.user
    with pytest.raises(InvitationError, match="already has an account"):
        invite(email="other@example.org", name="O", role="staff", staff_member=member, actor=None)
    db.session.rollback()
    with pytest.raises(InvitationError, match="staff accounts only"):
        invite(email="x@example.org", name="X", role="shopper", staff_member=member, actor=None)


# --- who may invite whom --------------------------------------------------------------------


def test_admins_and_the_command_line_invite_anyone(ctx):
    admin = make_user(Role.ADMIN)
    for role in Role:
        check_may_invite(admin, role)
        check_may_invite(None, role)


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.SHOPPER, Role.STAFF])
def test_a_manager_for_the_whole_organisation_invites_the_roles_below(ctx, role):
    manager = make_user(Role.MANAGER)
    check_may_invite(manager, role)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_no_manager_invites_a_manager_or_an_administrator(ctx, role):
    manager = make_user(Role.MANAGER)
    with pytest.raises(InvitationError, match="Managers can invite") as refused:
        check_may_invite(manager, role)
    assert refused.value.field == "role"


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.SHOPPER, Role.STAFF])
def test_nobody_below_a_manager_invites(ctx, role):
    user = make_user(role)
    with pytest.raises(InvitationError, match="Only administrators and managers"):
        check_may_invite(user, Role.SHOPPER)


def test_a_scoped_manager_invites_only_within_their_regions(ctx):
    north, south = make_region("North"), make_region("South")
    manager = make_user(Role.MANAGER, regions=[north])
    at_home = make_staff(make_branch(north))
    away = make_staff(make_branch(south))

    check_may_invite(manager, Role.ASSESSOR, [north])
    check_may_invite(manager, Role.SHOPPER)
    check_may_invite(manager, Role.STAFF, staff_member=at_home)
    with pytest.raises(InvitationError, match="South is outside your regions"):
        check_may_invite(manager, Role.ASSESSOR, [north, south])
    with pytest.raises(InvitationError, match="Choose the regions"):
        check_may_invite(manager, Role.ASSESSOR, [])
    with pytest.raises(InvitationError, match="branch in your regions"):
        check_may_invite(manager, Role.STAFF, staff_member=away)
    with pytest.raises(InvitationError, match="branch in your regions"):
        check_may_invite(manager, Role.STAFF)
    with pytest.raises(InvitationError):
        invite(email="x@example.org", name="X", role="staff", staff_member=away, actor=manager)
    db.session.rollback()
    assert _user("x@example.org") is None


def test_a_manager_sees_and_manages_only_the_invitations_they_could_make(ctx):
    north, south = make_region("North"), make_region("South")
    manager = make_user(Role.MANAGER, regions=[north])
    made = {
        "shopper": invite(email="s@example.org", name="S", role="shopper", actor=None),
        "north": invite(
            email="n@example.org", name="N", role="assessor", region_ids=[north.id], actor=None
        ),
        "both": invite(
            email="b@example.org",
            name="B",
            role="assessor",
            region_ids=[north.id, south.id],
            actor=None,
        ),
        "staff_north": invite(
            email="sn@example.org",
            name="SN",
            role="staff",
            staff_member=make_staff(make_branch(north)),
            actor=None,
        ),
        "staff_south": invite(
            email="ss@example.org",
            name="SS",
            role="staff",
            staff_member=make_staff(make_branch(south)),
            actor=None,
        ),
        "admin": invite(email="a@example.org", name="A", role="admin", actor=None),
    }
    db.session.commit()
    visible = {u.email for u in db.session.scalars(invitations_visible_to(manager))}
    assert visible == {"s@example.org", "n@example.org", "sn@example.org"}
    everyone = {u.email for u in db.session.scalars(invitations_visible_to(make_user(Role.ADMIN)))}
    assert everyone == {i.user.email for i in made.values()}
    with pytest.raises(InvitationError):
        revoke(made["admin"].user, manager)
    with pytest.raises(InvitationError):
        resend(made["staff_south"].user, manager)


# --- the mail -------------------------------------------------------------------------------


def test_the_mail_says_who_invited_whom_as_what_and_until_when(app, ctx):
    app.config["APP_URL"] = "https://audit.example.test"
    north = make_region("North")
    admin = make_user(Role.ADMIN, name="Ada Admin")
    invitation = invite(
        email="a@example.org",
        name="Amira Hassan",
        role="assessor",
        region_ids=[north.id],
        actor=admin,
    )
    subject, body = invitation_text(invitation)
    assert subject == "You are invited to Service Audit"
    assert "Hello Amira Hassan," in body
    assert "Ada Admin has invited you to Service Audit as an assessor." in body
    assert "North" in body
    assert f"https://audit.example.test/invite/{invitation.token}" in body
    assert f"{invitation.expires_at:%B %Y at %H:%M} UTC" in body


# --- many people from a CSV -----------------------------------------------------------------


def test_a_csv_invites_everyone_in_it(ctx):
    north, south = make_region("North"), make_region("South")
    member = make_staff(make_branch(north), code="LDS-014")
    data = (
        b"name,email,role,regions,staff_code\n"
        b"Amira Hassan,amira@example.org,assessor,North;south,\n"
        b"Sam Lee,sam@example.org,SHOPPER,,\n"
        b"Jo Park,jo@example.org,staff,,lds-014\n"
    )
    invitations = invite_from_csv(data, "people.csv", None)
    db.session.commit()
    assert [i.user.email for i in invitations] == [
        "amira@example.org",
        "sam@example.org",
        "jo@example.org",
    ]
    assert {r.name for r in _user("amira@example.org").regions} == {"North", "South"}
    assert member.user is _user("jo@example.org")
    assert south is not None


def test_a_csv_with_problems_invites_nobody_and_names_every_line(ctx):
    north = make_region("North")
    manager = make_user(Role.MANAGER, regions=[north])
    make_user(Role.SHOPPER, email="taken@example.org")
    data = (
        b"name,email,role,regions\n"
        b"Good Person,good@example.org,shopper,\n"
        b",nobody@example.org,shopper,\n"
        b"Bad Mail,not-an-address,shopper,\n"
        b"Boss,boss@example.org,admin,\n"
        b"Taken,taken@example.org,shopper,\n"
        b"Twice,good@example.org,shopper,\n"
        b"Where,where@example.org,assessor,Atlantis\n"
        b"Odd,odd@example.org,wizard,\n"
    )
    with pytest.raises(ImportFailed) as failure:
        invite_from_csv(data, "people.csv", manager)
    db.session.rollback()
    lines = [str(e) for e in failure.value.errors]
    assert lines[0] == "people.csv:3: name is empty"
    assert lines[1].startswith("people.csv:4: email 'not-an-address':")
    assert lines[2].startswith("people.csv:5: Managers can invite")
    assert lines[3] == "people.csv:6: taken@example.org already has an account."
    assert lines[4] == "people.csv:7: good@example.org is also on line 2"
    assert lines[5] == "people.csv:8: unknown region 'Atlantis'"
    assert lines[6].startswith("people.csv:9: unknown role 'wizard'")
    assert len(lines) == 7
    assert _user("good@example.org") is None
    assert _count(AccountLink) == 0


def test_a_csv_with_a_bad_header_says_which_columns(ctx):
    with pytest.raises(ImportFailed) as failure:
        invite_from_csv(b"name,mail\nA,a@example.org\n", "p.csv", None)
    assert [str(e) for e in failure.value.errors][:2] == [
        "p.csv:1: missing column 'email'",
        "p.csv:1: missing column 'role'",
    ]


# --- the staff import -----------------------------------------------------------------------


def test_the_staff_import_invites_staff_with_an_address_and_no_account(ctx):
    branch = make_branch(code="LDS01")
    linked = make_staff(branch, code="S3")
    linked.user = make_user(Role.STAFF, email="linked@example.org")
    make_user(Role.MANAGER, email="boss@example.org")
    data = (
        b"code,name,branch,job_title,email\n"
        b"S1,Amira Hassan,LDS01,Adviser,amira@example.org\n"
        b"S2,Ben No-Mail,LDS01,Adviser,\n"
        b"S3,Linked Already,LDS01,Adviser,linked@example.org\n"
        b"S4,Boss Address,LDS01,Adviser,boss@example.org\n"
    )
    result = import_staff(data, "staff.csv", invite=True)
    db.session.commit()
    assert [i.user.email for i in result.invitations] == ["amira@example.org"]
    assert result.not_invited == 2
    assert "1 invited" in result.summary("staff")
    amira = _user("amira@example.org")
    assert amira.role is Role.STAFF and amira.staff_member.code == "S1"
    assert amira.invitation_pending

    again = import_staff(data, "staff.csv", invite=True)
    assert again.invitations == () and again.not_invited == 3


def test_the_staff_import_invites_nobody_unless_asked(ctx):
    make_branch(code="LDS01")
    result = import_staff(
        b"code,name,branch,job_title,email\nS1,A,LDS01,Adviser,a@example.org\n", "s.csv"
    )
    assert result.invitations == ()
    assert _user("a@example.org") is None
