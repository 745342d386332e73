"""Invitations: an account made for a person who then chooses their own password.

An invited account has no password and no ``joined_at`` until the person opens the
mailed link and chooses one. The link is a single-use :class:`AccountLink` that expires
after the ``invitation_days`` setting; sending it again replaces it, withdrawing it
deactivates the waiting account (its history and any staff record it is linked to are
kept, so inviting the same address again brings it back).

Who may invite whom is :func:`check_may_invite`, the one rule the pages, the CSV import,
the command line and the API ask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from babel.lists import format_list
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, false, func, not_, null, or_, select
from sqlalchemy.exc import IntegrityError

from audit.accounts.email_address import normalise_email
from audit.accounts.links import LinkError, find_link, issue_link, revoke_links, use_link
from audit.accounts.mail import full_url
from audit.accounts.passwords import password_problem
from audit.accounts.secrets import digest
from audit.extensions import db
from audit.languages import current_language
from audit.models import (
    SCOPED_ROLES,
    AccountLink,
    Branch,
    LinkPurpose,
    Region,
    Role,
    StaffMember,
    User,
    record_event,
    user_regions,
)
from audit.service_errors import FieldError
from audit.settings import get_setting

__all__ = [
    "ACCEPT_PATH",
    "INVITABLE_BY_MANAGERS",
    "Invitation",
    "InvitationError",
    "InvitationLinkError",
    "accept",
    "check_may_invite",
    "invitations_visible_to",
    "manageable_users",
    "invite",
    "may_manage",
    "open_invitation",
    "regions_named",
    "resend",
    "role_with_article",
    "revoke",
    "staff_member_with_code",
]

#: Where an invitation is accepted: the link in the mail is this path and the token.
ACCEPT_PATH = "/invite/"
#: The roles below a manager: the only ones a manager may invite.
INVITABLE_BY_MANAGERS = (Role.ASSESSOR, Role.SHOPPER, Role.STAFF)
NAME_MAX = 120


class InvitationError(FieldError):
    """An invitation that cannot be made, sent, withdrawn or accepted; says why."""


class InvitationLinkError(InvitationError):
    """The link cannot be used. ``known`` is False when no invitation ever had this token
    (mistyped or altered), True when it did but is used, expired or withdrawn."""

    def __init__(self, message: str, *, known: bool) -> None:
        super().__init__(message)
        self.known = known


@dataclass(frozen=True)
class Invitation:
    """An invitation just made or sent again: who, the token for the link, until when."""

    user: User
    token: str
    inviter: User | None
    expires_at: datetime
    #: The address the inviting request came to, for a background task's links when
    #: ``APP_URL`` is not set.
    link_base: str = ""

    @property
    def path(self) -> str:
        return ACCEPT_PATH + self.token

    @property
    def url(self) -> str:
        """The link as a mail carries it (``APP_URL`` or the request's address)."""
        return full_url(self.path, self.link_base)


# --- the rule -----------------------------------------------------------------------------


def check_may_invite(
    actor: User | None,
    role: Role,
    regions: Sequence[Region] = (),
    staff_member: StaffMember | None = None,
) -> None:
    """Raise :class:`InvitationError` unless ``actor`` may invite this person.

    - the command line (``actor`` None, run by whoever runs the server) and
      administrators invite anyone, with any regions;
    - managers invite only the roles below them (assessors, mystery shoppers, staff);
      a manager limited to regions gives only regions of theirs (an assessor they invite
      must be limited to some of them), and invites staff only for a staff member of a
      branch in them;
    - nobody else invites.

    The same rule says who may send an invitation again or withdraw it
    (:func:`may_manage`).
    """
    if actor is None or actor.role is Role.ADMIN:
        return
    if actor.role is not Role.MANAGER:
        raise InvitationError(gettext("Only administrators and managers can invite people."))
    if role not in INVITABLE_BY_MANAGERS:
        raise InvitationError(
            gettext(
                "Managers can invite assessors, mystery shoppers and staff members, not %(role)s.",
                role=role_with_article(role),
            ),
            field="role",
        )
    scope = actor.region_ids
    if scope is None:
        return
    outside = [region.name for region in regions if region.id not in scope]
    if outside:
        raise InvitationError(
            ngettext(
                "%(names)s is outside your regions.",
                "%(names)s are outside your regions.",
                len(outside),
                names=_names(outside),
            ),
            field="regions",
        )
    if role is Role.ASSESSOR and not regions:
        raise InvitationError(
            gettext("Choose the regions this assessor works in (yours or some of them)."),
            field="regions",
        )
    if role is Role.STAFF and (staff_member is None or staff_member.branch.region_id not in scope):
        raise InvitationError(
            gettext("Give the staff code of a staff member at a branch in your regions."),
            field="staff_code",
        )


def may_manage(actor: User | None, user: User) -> bool:
    """True when ``actor`` may send ``user``'s invitation again or withdraw it: they could
    have invited the account as it is."""
    try:
        check_may_invite(actor, user.role, user.regions, user.staff_member)
    except InvitationError:
        return False
    return True


def invitations_visible_to(actor: User) -> Select:
    """Accounts whose invitation is not accepted yet (withdrawn ones included) that
    ``actor`` may manage, newest first: :func:`may_manage` in SQL, for a paged list."""
    return (
        manageable_users(actor)
        .where(User.joined_at.is_(None))
        .order_by(User.active.desc(), User.created_at.desc(), User.id.desc())
    )


def manageable_users(actor: User) -> Select:
    """Every account ``actor`` could have invited as it is (joined, waiting or
    deactivated): :func:`may_manage` in SQL, unordered. The API's user list and reads."""
    query = select(User)
    if actor.role is Role.ADMIN:
        return query
    if actor.role is not Role.MANAGER:
        return query.where(false())
    query = query.where(User.role.in_(INVITABLE_BY_MANAGERS))
    scope = actor.region_ids
    if scope is None:
        return query
    staff_in_scope = exists().where(
        StaffMember.user_id == User.id,
        StaffMember.branch_id == Branch.id,
        Branch.region_id.in_(scope),
    )
    has_region = exists().where(user_regions.c.user_id == User.id)
    region_outside = exists().where(
        user_regions.c.user_id == User.id, user_regions.c.region_id.not_in(scope)
    )
    return query.where(
        or_(
            User.role == Role.SHOPPER,
            and_(User.role == Role.STAFF, staff_in_scope),
            and_(User.role == Role.ASSESSOR, has_region, not_(region_outside)),
        )
    )


# --- making, sending again, withdrawing ---------------------------------------------------


def invite(
    *,
    email: str,
    name: str,
    role: Role | str,
    region_ids: Iterable[int] = (),
    staff_member: StaffMember | None = None,
    actor: User | None,
) -> Invitation:
    """Make the account of ``email`` with no password and a new invitation link.

    An address whose invitation is still waiting (or was withdrawn) is invited again,
    with the name, role and regions given now. An address that already has an account
    is refused. The caller commits, then mails the link (:mod:`.invitation_mail`).
    """
    try:
        email = normalise_email(email)
    except ValueError as error:
        raise InvitationError(
            gettext(
                "The e-mail address %(email)s is not valid: %(reason)s",
                email=repr(email),
                reason=error,
            )
            if current_language() == "en"
            else gettext("The e-mail address %(email)s is not valid.", email=repr(email)),
            "email",
        ) from None
    name = " ".join((name or "").split())
    if not name:
        raise InvitationError(gettext("Give the person's name."), field="name")
    if len(name) > NAME_MAX:
        raise InvitationError(
            gettext("Keep the name under %(max)s characters.", max=NAME_MAX), field="name"
        )
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvitationError(
            gettext(
                "Unknown role %(role)s; use one of: %(allowed)s.", role=repr(role), allowed=allowed
            ),
            "role",
        ) from None
    regions = _regions(region_ids)
    if regions and role not in SCOPED_ROLES:
        raise InvitationError(
            gettext("Only managers and assessors can be limited to regions."), field="regions"
        )
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is not None and not user.invitation_pending:
        raise InvitationError(
            gettext("%(email)s already has an account.", email=email)
            if user.active
            else gettext(
                "%(email)s already has an account (deactivated: an administrator can "
                "reactivate it).",
                email=email,
            ),
            field="email",
        )
    if user is not None and not may_manage(actor, user):
        raise InvitationError(
            gettext("%(email)s was invited by someone you cannot act for.", email=email), "email"
        )
    if staff_member is None and user is not None and role is Role.STAFF:
        staff_member = user.staff_member
    if staff_member is not None:
        if role is not Role.STAFF:
            raise InvitationError(gettext("A staff code is for staff accounts only."), "staff_code")
        if staff_member.user is not None and staff_member.user is not user:
            raise InvitationError(
                gettext(
                    "%(name)s (%(code)s) already has an account: %(email)s.",
                    name=staff_member.name,
                    code=staff_member.code,
                    email=staff_member.user.email,
                ),
                field="staff_code",
            )
    check_may_invite(actor, role, regions, staff_member)

    again = user is not None
    if user is None:
        user = _new_account(email, name, role)
    user.name, user.role, user.regions, user.active = name, role, regions, True
    if user.staff_member is not None and user.staff_member is not staff_member:
        user.staff_member.user = None
    if staff_member is not None:
        staff_member.user = user
    db.session.flush()
    invitation = _issue(user, actor)
    details: dict[str, object] = {
        "email": email,
        "role": role.value,
        "expires_at": invitation.expires_at.isoformat(),
    }
    if regions:
        details["regions"] = [r.name for r in regions]
    if staff_member is not None:
        details["staff_code"] = staff_member.code
    if again:
        details["again"] = True
    record_event(actor, "user.invited", user, **details)
    return invitation


def _new_account(email: str, name: str, role: Role) -> User:
    """The waiting account, or :class:`InvitationError` when the same address was given an
    account a moment ago (two invitations racing: the unique e-mail decides)."""
    # null(), not None: None would let the column's default (now) fill it in.
    user = User(email=email, name=name, role=role, joined_at=null(), password_hash=None)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # No savepoint: SQLite's driver would commit what came before it. The whole
        # change is undone; the caller answers with the message, as for any refusal.
        db.session.rollback()
        raise InvitationError(
            gettext("%(email)s was given an account a moment ago.", email=email), "email"
        ) from None
    return user


def resend(user: User, actor: User | None) -> Invitation:
    """A new link for ``user``'s invitation; the one sent before stops working. A withdrawn
    invitation is open again (the account is reactivated)."""
    _require_pending(user, actor)
    user.active = True
    invitation = _issue(user, actor)
    record_event(
        actor, "user.invitation_resent", user, expires_at=invitation.expires_at.isoformat()
    )
    return invitation


def revoke(user: User, actor: User | None) -> None:
    """Withdraw ``user``'s invitation: its link stops working and the waiting account is
    deactivated, not deleted, so the audit trail keeps who was invited and by whom."""
    _require_pending(user, actor)
    revoke_links(user, LinkPurpose.INVITE)
    user.active = False
    record_event(actor, "user.invitation_revoked", user)


# --- accepting ----------------------------------------------------------------------------


def open_invitation(token: str) -> AccountLink:
    """The invitation ``token`` opens, or :class:`InvitationLinkError` saying why not."""
    try:
        link = find_link(token, LinkPurpose.INVITE)
    except LinkError as error:
        known = db.session.scalar(
            select(AccountLink.id).where(
                AccountLink.token_hash == digest(token),
                AccountLink.purpose == LinkPurpose.INVITE,
            )
        )
        raise InvitationLinkError(str(error), known=known is not None) from None
    if not link.user.invitation_pending:
        raise InvitationLinkError(
            gettext("This invitation has already been accepted. Sign in with your password."),
            known=True,
        )
    return link


def accept(token: str, password: str) -> User:
    """The person behind ``token`` chooses ``password``: the link is used (once: of two
    requests racing with it, one wins), the account is theirs from now. The caller
    commits and signs them in."""
    link = open_invitation(token)
    user = link.user
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise InvitationError(problem, field="password")
    try:
        use_link(link)
    except LinkError:
        raise InvitationLinkError(
            gettext("This invitation has already been used."), known=True
        ) from None
    user.set_password(password)
    user.joined_at = datetime.now(UTC)
    record_event(user, "user.invitation_accepted", user)
    return user


# --- lookups the pages, the CSV import and the command line share -------------------------


def regions_named(names: Iterable[str]) -> tuple[list[Region], list[str]]:
    """The regions with these names (case ignored), and the names no region has."""
    wanted = [n.strip() for n in names if n.strip()]
    by_name = {r.name.lower(): r for r in db.session.scalars(select(Region))}
    found, unknown = [], []
    for name in wanted:
        region = by_name.get(name.lower())
        if region is None:
            unknown.append(name)
        elif region not in found:
            found.append(region)
    return found, unknown


def staff_member_with_code(code: str) -> StaffMember:
    """The staff member with ``code`` (case ignored), or :class:`InvitationError`."""
    member = db.session.scalar(select(StaffMember).where(StaffMember.code == code.strip().upper()))
    if member is None:
        raise InvitationError(
            gettext("No staff member has the code %(code)s.", code=repr(code.strip())), "staff_code"
        )
    return member


# --- helpers ------------------------------------------------------------------------------


def _issue(user: User, actor: User | None) -> Invitation:
    lifetime = timedelta(days=get_setting("invitation_days"))
    token = issue_link(user, LinkPurpose.INVITE, lifetime, created_by=actor)
    db.session.flush()
    expires_at = db.session.scalar(
        select(AccountLink.expires_at).where(AccountLink.token_hash == digest(token))
    )
    return Invitation(user=user, token=token, inviter=actor, expires_at=expires_at)


def _require_pending(user: User, actor: User | None) -> None:
    if not user.invitation_pending:
        raise InvitationError(
            gettext("%(name)s has already accepted the invitation.", name=user.name)
        )
    check_may_invite(actor, user.role, user.regions, user.staff_member)


def _regions(region_ids: Iterable[int]) -> list[Region]:
    ids = sorted(set(region_ids))
    if not ids:
        return []
    regions = list(db.session.scalars(select(Region).where(Region.id.in_(ids))))
    if len(regions) != len(ids):
        raise InvitationError(
            gettext("One of the regions chosen no longer exists."), field="regions"
        )
    return sorted(regions, key=lambda r: r.name)


#: Each role as a sentence names it, with its article (languages differ in both).
ROLE_WITH_ARTICLE = {
    Role.ADMIN: _l("an administrator"),
    Role.MANAGER: _l("a manager"),
    Role.ASSESSOR: _l("an assessor"),
    Role.SHOPPER: _l("a mystery shopper"),
    Role.STAFF: _l("a staff member"),
}


def role_with_article(role: Role) -> str:
    """ "an assessor", "a mystery shopper": the role as a sentence names it."""
    return str(ROLE_WITH_ARTICLE[role])


def _names(names: Sequence[str]) -> str:
    """ "North, South and East" (English without the serial comma, as our pages write it),
    "North, South y East": the reader's language joins them."""
    language = current_language()
    if language != "en":
        return format_list(list(names), locale=language)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
