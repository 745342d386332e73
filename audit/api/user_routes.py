"""User accounts over the API: read and invite, by the rules of the pages.

Who sees whom is :func:`audit.accounts.invitations.manageable_users`, the rule of the
Invitations page: an administrator sees every account; a manager the accounts they
could have invited as they are (assessors, mystery shoppers and staff; within their
regions when they are limited to some), and no one else, not even by id (404, as a
manager asking for someone else's invitation on the web). Inviting goes through
:func:`audit.accounts.invitations.invite` (:func:`check_may_invite` decides) and is
its mail queued as on the page (never sent inside the request); the link comes back
only when mail is not set up, which is when the page shows it.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from audit.accounts.invitation_mail import queue_invitation_mails
from audit.accounts.invitations import (
    InvitationError,
    invite,
    manageable_users,
    staff_member_with_code,
)
from audit.accounts.invite_forms import InviteForm
from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.form_input import as_formdata, form_kwargs, validated
from audit.api.idempotency import idempotent
from audit.api.pagination import page_of
from audit.api.people_schemas import (
    InvitationOut,
    InvitedUser,
    UserInvite,
    UserOut,
    UserPage,
    UserQuery,
)
from audit.api.problems import ApiProblem, invalid
from audit.api.schemas import RegionOut
from audit.api.spec import api_spec, responses
from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember, User, user_regions

#: The invitation form's field names as the API calls them.
INVITE_NAMES = {"regions": "region_ids"}


def user_status(user: User) -> str:
    """active, invited (may sign in once the invitation is accepted) or inactive."""
    if not user.active:
        return "inactive"
    return "invited" if user.invitation_pending else "active"


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        status=user_status(user),
        active=user.active,
        regions=[RegionOut(id=r.id, name=r.name) for r in user.regions],
        staff_id=user.staff_member.id if user.staff_member is not None else None,
        created_at=user.created_at,
        joined_at=user.joined_at,
        last_login_at=user.last_login_at,
    )


def _visible(actor: User) -> Select:
    return manageable_users(actor).options(
        selectinload(User.regions), selectinload(User.staff_member)
    )


def _filtered(query: Select, filters: UserQuery) -> Select:
    """The filters of the Users page (role, status) and a region."""
    if filters.role is not None:
        query = query.where(User.role == filters.role)
    if filters.status == "active":
        query = query.where(User.active.is_(True))
    elif filters.status == "inactive":
        query = query.where(User.active.is_(False))
    elif filters.status == "invited":
        query = query.where(User.active.is_(True), User.joined_at.is_(None))
    if filters.region_id is not None:
        limited_to_it = exists().where(
            user_regions.c.user_id == User.id, user_regions.c.region_id == filters.region_id
        )
        staff_there = exists().where(
            StaffMember.user_id == User.id,
            StaffMember.branch_id == Branch.id,
            Branch.region_id == filters.region_id,
        )
        query = query.where(or_(limited_to_it, staff_there))
    return query


@bp.get("/users")
@api_access("users")
@api_spec.validate(query=UserQuery, resp=responses(200, UserPage, 422), tags=["users"])
def list_users(query: UserQuery):
    """Accounts the caller may manage, a page at a time (``status``: active by default).

    Administrators see everyone; managers see assessors, mystery shoppers and staff
    (within their regions when they are limited to some), as on the Invitations page.
    """
    rows = _filtered(_visible(api_user()), query)
    items, next_cursor = page_of(rows, User.id, query.limit, query.cursor)
    return UserPage(items=[user_out(u) for u in items], next_cursor=next_cursor)


@bp.get("/users/<int:user_id>")
@api_access("users")
@api_spec.validate(resp=responses(200, UserOut, 404), tags=["users"])
def read_user(user_id: int):
    """One account (404 for an account the caller may not manage)."""
    user = db.session.scalar(_visible(api_user()).where(User.id == user_id))
    if user is None:
        raise ApiProblem(404, "There is no account with this id that you may see.")
    return user_out(user)


def _invite_form(sent: UserInvite) -> InviteForm:
    """The invitation form over what was sent. Every role and region is a choice: who
    may give which is the invitation rule's to say, with its own words."""
    values = sent.model_dump(exclude={"region_ids"})
    values["role"] = sent.role.value
    formdata = as_formdata(values)
    formdata.setlist("regions", [str(i) for i in sent.region_ids])
    form = InviteForm(formdata=formdata, **form_kwargs())
    form.role.choices = [SelectChoice(r.value, r.label) for r in Role]
    regions = db.session.scalars(select(Region).order_by(Region.name))
    form.regions.choices = [SelectChoice(r.id, r.name) for r in regions]
    return validated(form, INVITE_NAMES)


@bp.post("/users")
@api_access("users", write=True)
@idempotent
@api_spec.validate(json=UserInvite, resp=responses(201, InvitedUser, 409, 422), tags=["users"])
def invite_user(json: UserInvite):
    """Invite a person by e-mail (accepts ``Idempotency-Key``).

    The rules of the Invitations page: an administrator invites anyone; a manager
    invites assessors, mystery shoppers and staff within their regions. The invitation
    mail is queued (``invitation.mailed``); when mail is not set up, ``invitation.link``
    holds the link to pass on (as the page shows it). A mail the server refuses later
    is marked on the waiting invitations list and the inviter is notified. Inviting an
    address whose invitation is still waiting sends a new link; the one sent before
    stops working.
    """
    actor = api_user()
    form = _invite_form(json)
    try:
        member = staff_member_with_code(form.staff_code.data) if json.staff_code else None
        invitation = invite(
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            region_ids=form.regions.data or [],
            staff_member=member,
            actor=actor,
        )
    except InvitationError as error:
        field = INVITE_NAMES.get(error.field or "", error.field or "email")
        raise invalid([{"field": field, "message": str(error)}]) from None
    db.session.commit()  # the link must work when the mail arrives
    queued = queue_invitation_mails([invitation])
    db.session.commit()  # hands the mail to the task queue, as the page's answer does
    answer = InvitedUser(
        user=user_out(invitation.user),
        invitation=InvitationOut(
            expires_at=invitation.expires_at,
            mailed=queued,
            link=None if queued else invitation.url,
        ),
    )
    return answer, 201, {"Location": url_for("api.read_user", user_id=invitation.user.id)}
