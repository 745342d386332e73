"""The landing page of each role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from audit.access import any_signed_in, roles_required, scope_branches
from audit.extensions import db
from audit.models import Branch, Role

bp = Blueprint("main", __name__)

#: Where each role starts. Areas register their own home here as they grow.
HOME_ENDPOINTS: dict[Role, str] = {
    Role.ADMIN: "admin.users",
    Role.MANAGER: "org.branches",
    Role.ASSESSOR: "main.assessor_home",
    Role.SHOPPER: "main.shopper_home",
    Role.STAFF: "main.staff_home",
}


@bp.route("/")
@any_signed_in
def home():
    return redirect(url_for(HOME_ENDPOINTS[current_user.role]))


@bp.route("/assessor")
@roles_required(Role.ASSESSOR)
def assessor_home():
    query = (
        select(Branch)
        .where(Branch.active.is_(True))
        .options(joinedload(Branch.region))
        .order_by(Branch.name)
    )
    branches = db.session.scalars(scope_branches(query, current_user)).all()
    return render_template("main/assessor_home.html", branches=branches)


@bp.route("/shopper")
@roles_required(Role.SHOPPER)
def shopper_home():
    return render_template("main/shopper_home.html")


@bp.route("/me")
@roles_required(Role.STAFF)
def staff_home():
    return render_template("main/staff_home.html", member=current_user.staff_member)
