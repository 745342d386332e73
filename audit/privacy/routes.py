"""The administrator's erasure of a person: a confirm page, then the erasure itself."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from audit.access import roles_required
from audit.extensions import db
from audit.models import Role, StaffMember, User
from audit.privacy.erasure import ErasureError, Person, erase, preview
from audit.privacy.forms import ErasureForm
from audit.views import done

bp = Blueprint("privacy", __name__)


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def erase_user(user_id: int):
    return _erase(db.get_or_404(User, user_id), url_for("admin.users"))


@bp.route("/staff/<int:staff_id>/erase", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def erase_staff(staff_id: int):
    return _erase(db.get_or_404(StaffMember, staff_id), url_for("org.staff"))


def _erase(record: User | StaffMember, back: str):  # noqa: ANN202 - a page or a redirect
    person = Person.of(record)
    expected = person.user.email if person.user is not None else record.code
    form = ErasureForm(expected)
    status = 200
    if not person.erased and form.validate_on_submit():
        try:
            erase(record, current_user)
        except ErasureError as error:
            db.session.rollback()
            form.confirm.errors = [str(error)]
            status = 400
        else:
            message = gettext(
                "Erased: the records now read %(pseudonym)s.", pseudonym=person.pseudonym
            )
            return done(message, back)
    elif form.is_submitted():
        status = 400
    return render_template(
        "privacy/erase.html",
        person=person,
        record=record,
        expected=expected,
        counts=preview(person, say=gettext),
        form=form,
        back=back,
    ), status
