"""The landing page of each role."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from audit.access import any_signed_in
from audit.models import Role

bp = Blueprint("main", __name__)

#: Where each role starts. Areas register their own home here as they grow.
HOME_ENDPOINTS: dict[Role, str] = {
    Role.ADMIN: "admin.users",
    Role.MANAGER: "review.queue",
    Role.ASSESSOR: "shop.home",
    Role.SHOPPER: "shop.home",
    Role.STAFF: "coaching.home",
}


@bp.route("/")
@any_signed_in
def home():
    return redirect(url_for(HOME_ENDPOINTS[current_user.role]))
