"""Invitation pages: invite one person or a CSV file, the waiting list, and accepting.

Administrators invite anyone; managers the roles below them within their regions
(:func:`audit.accounts.invitations.check_may_invite`). After an invitation is committed
its mail is queued (:mod:`audit.accounts.invitation_mail`): the page answers at once,
and a mail the server refuses later shows as "mail failed" on the waiting list, with a
button to show a new link. When mail is not set up the inviter is shown the link to pass
on at once, on a page that is not cached, rather than in a flash message.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, make_response, render_template, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from audit.access import MANAGERS, public, roles_required, scope_regions
from audit.accounts.invitation_csv import COLUMNS, OPTIONAL, REGION_SEPARATOR, invite_from_csv
from audit.accounts.invitation_mail import expiry, mail_states, queue_invitation_mails
from audit.accounts.invitations import (
    ACCEPT_PATH,
    INVITABLE_BY_MANAGERS,
    Invitation,
    InvitationError,
    InvitationLinkError,
    accept,
    invitations_visible_to,
    invite,
    may_manage,
    open_invitation,
    resend,
    revoke,
    role_with_article,
    staff_member_with_code,
)
from audit.accounts.invite_forms import AcceptInvitationForm, BackForm, InviteCsvForm, InviteForm
from audit.accounts.mail import mail_configured
from audit.accounts.routes import bp, password_accepted, safe_next
from audit.accounts.sessions import current_session, end_session
from audit.csv_files import ImportFailed
from audit.errors import refused
from audit.extensions import db
from audit.models import Region, Role, User
from audit.settings import get_setting
from audit.views import done, page_of, require_submitted, turned_down


def _role_choices() -> list[SelectChoice]:
    """The roles the signed-in user may give, the lowest first, after an empty choice
    (nobody becomes an administrator by not looking)."""
    admin = current_user.role is Role.ADMIN
    roles = [role for role in reversed(Role) if admin or role in INVITABLE_BY_MANAGERS]
    return [
        SelectChoice("", gettext("Choose a role")),
        *(SelectChoice(r.value, r.label) for r in roles),
    ]


def _region_choices() -> list[SelectChoice]:
    query = scope_regions(select(Region).order_by(Region.name), current_user)
    return [SelectChoice(r.id, r.name) for r in db.session.scalars(query)]


def invitations_mailed(invitations: list[Invitation], back: str, message: str) -> Response:
    """Queue the mail of the invitations just committed (handed over by the commit of
    :func:`~audit.views.done`): flash ``message`` and go ``back``. When mail is not set
    up, show ``message`` and every link instead, for the inviter to pass on. Shared with
    the staff import."""
    if queue_invitation_mails(invitations):
        on_the_way = ngettext(
            "The invitation mail is on the way; if the mail server refuses, "
            "the waiting invitations list says so.",
            "The invitation %(num)d mails are on the way; if the mail server refuses, "
            "the waiting invitations list says so.",
            len(invitations),
        )
        return done(f"{message} {on_the_way}", back)
    return _links_page(invitations, back, message, configured=False)


def _links_page(
    invitations: list[Invitation], back: str, message: str, *, configured: bool
) -> Response:
    page = render_template(
        "invitations/links.html",
        message=message,
        unsent=[(inv, expiry(inv)) for inv in invitations],
        configured=configured,
        back=back,
    )
    return _not_cached(page)


def _not_cached(page: str, status: int = 200) -> Response:
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _manageable(user_id: int) -> User:
    """A waiting invitation the signed-in user may send again or withdraw; 404 otherwise
    (a manager does not learn who else is invited)."""
    user = db.get_or_404(User, user_id)
    if not user.invitation_pending or not may_manage(current_user, user):
        abort(404)
    return user


# --- inviting -----------------------------------------------------------------------------


@bp.route("/invitations")
@roles_required(*MANAGERS)
def invitations():
    page = page_of(invitations_visible_to(current_user))
    return render_template(
        "invitations/list.html",
        page=page,
        action_form=BackForm(),
        mail_states=mail_states([u.id for u in page.items]) if mail_configured() else {},
    )


@bp.route("/invitations/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def invite_person():
    form = InviteForm()
    form.role.choices = _role_choices()
    form.regions.choices = _region_choices()
    if form.validate_on_submit():
        try:
            member = None
            if (form.staff_code.data or "").strip():
                member = staff_member_with_code(form.staff_code.data)
            invitation = invite(
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                region_ids=form.regions.data,
                staff_member=member,
                actor=current_user,
            )
        except InvitationError as error:
            if not refused(error, form, fallback="email"):
                form.email.errors.append(str(error))
        else:
            db.session.commit()
            message = gettext(
                "%(name)s (%(email)s) is invited.",
                name=invitation.user.name,
                email=invitation.user.email,
            )
            return invitations_mailed([invitation], url_for("auth.invitations"), message)
    return render_template(
        "invitations/invite.html",
        form=form,
        scoped=current_user.is_scoped,
        invitation_days=get_setting("invitation_days"),
    )


@bp.route("/invitations/csv", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def invite_csv():
    form = InviteCsvForm()
    errors: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or "upload.csv"
        try:
            made = invite_from_csv(upload.read(), filename, current_user)
        except ImportFailed as failure:
            refused(failure)  # all or nothing: what the lines tried is undone
            errors = [str(e) for e in failure.errors]
        else:
            db.session.commit()
            if not made:
                return done(
                    gettext("%(file)s holds nobody to invite.", file=filename),
                    url_for("auth.invite_csv"),
                )
            message = gettext("%(file)s: %(count)s invited.", file=filename, count=len(made))
            return invitations_mailed(made, url_for("auth.invitations"), message)
    return render_template(
        "invitations/csv.html",
        form=form,
        errors=errors,
        columns=COLUMNS,
        optional=OPTIONAL,
        separator=REGION_SEPARATOR,
    ), (422 if errors else 200)


def _new_link(user_id: int, answer: Callable[[list[Invitation], str, str], Response]) -> Response:
    """Replace a waiting person's link (the one sent before stops working), then
    ``answer(invitations, back, message)``."""
    user = _manageable(user_id)
    form = BackForm()
    require_submitted(form)
    back = safe_next(form.next.data) or url_for("auth.invitations")
    try:
        invitation = resend(user, current_user)
    except InvitationError as error:
        return turned_down(error, back)
    db.session.commit()
    message = gettext(
        "A new invitation link for %(email)s: the one sent before no longer works.",
        email=user.email,
    )
    return answer([invitation], back, message)


@bp.route("/invitations/<int:user_id>/resend", methods=["POST"])
@roles_required(*MANAGERS)
def resend_invitation(user_id: int):
    return _new_link(user_id, invitations_mailed)


@bp.route("/invitations/<int:user_id>/link", methods=["POST"])
@roles_required(*MANAGERS)
def invitation_link(user_id: int):
    """A new link shown to the inviter and not mailed (the mail failed, or they would
    rather pass it on themselves)."""
    return _new_link(
        user_id,
        lambda invitations, back, message: _links_page(
            invitations, back, message, configured=mail_configured()
        ),
    )


@bp.route("/invitations/<int:user_id>/revoke", methods=["POST"])
@roles_required(*MANAGERS)
def revoke_invitation(user_id: int):
    user = _manageable(user_id)
    form = BackForm()
    require_submitted(form)
    back = safe_next(form.next.data) or url_for("auth.invitations")
    try:
        revoke(user, current_user)
    except InvitationError as error:
        return turned_down(error, back)
    return done(
        gettext("Invitation of %(email)s withdrawn: its link no longer works.", email=user.email),
        back,
    )


# --- accepting ----------------------------------------------------------------------------


@bp.route(ACCEPT_PATH + "<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    try:
        link = open_invitation(token)
    except InvitationLinkError as error:
        db.session.rollback()
        page = render_template("invitations/unusable.html", message=str(error))
        return _not_cached(page, 410 if error.known else 404)
    user = link.user
    form = AcceptInvitationForm(account=user)
    if form.validate_on_submit():
        try:
            accept(token, form.password.data)
        except InvitationLinkError as error:
            refused(error)
            page = render_template("invitations/unusable.html", message=str(error))
            return _not_cached(page, 410)
        except InvitationError as error:
            refused(error, form, fallback="password")
        else:
            _sign_out_whoever_is_here()
            return password_accepted(user, remember=False, next_url=None)
    page = render_template(
        "invitations/accept.html",
        form=form,
        user=user,
        role_words=role_with_article(user.role),
        expires=link.expires_at,
    )
    return _not_cached(page)


def _sign_out_whoever_is_here() -> None:
    """Accepting on a browser someone is signed in on signs them out first (their session
    ends, as on signing out), so the new account's session is the only one here."""
    if current_user.is_authenticated:
        row = current_session()
        if row is not None:
            end_session(row, "signed_out")
        logout_user()
