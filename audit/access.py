"""Who may use which view, and which records they may reach.

Every view declares its roles with :func:`roles_required`; the decorator
records them on the view function so a test can check that no endpoint was
forgotten. Admins may use every view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from audit.extensions import db, login_manager
from audit.models import (
    Branch,
    Region,
    Role,
    StaffMember,
    SurveyContact,
    User,
    Visit,
    VisitStatus,
)

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES: frozenset[Role] = frozenset(Role)
#: The role of most views: managers, each in their regions (admins pass every check too).
MANAGERS: tuple[Role, ...] = (Role.MANAGER,)
#: Those who make visits: mystery shoppers and assessors.
VISITORS: tuple[Role, ...] = (Role.SHOPPER, Role.ASSESSOR)


def roles_required(*roles: Role | str) -> Callable[[F], F]:
    """Limit a view to signed-in users with one of ``roles`` (admins always pass)."""
    allowed = frozenset(Role(r) for r in roles) | {Role.ADMIN}

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def any_signed_in(view: F) -> F:
    """For views every role uses (logout, the home redirect)."""
    return roles_required(*ALL_ROLES)(view)


def public(view: F) -> F:
    """Mark a view that needs no sign-in (only the login page)."""
    view.allowed_roles = None  # type: ignore[attr-defined]
    return view


# --- scope -----------------------------------------------------------------


def region_ids_in_scope(user: User) -> frozenset[int] | None:
    """Region ids ``user`` is limited to, or None for the whole organisation."""
    return user.region_ids


def scope_branches(query: Select, user: User) -> Select:
    """Narrow a query that selects from Branch to the user's regions."""
    ids = region_ids_in_scope(user)
    return query if ids is None else query.where(Branch.region_id.in_(ids))


def scope_regions(query: Select, user: User) -> Select:
    ids = region_ids_in_scope(user)
    return query if ids is None else query.where(Region.id.in_(ids))


def branch_in_scope(branch: Branch, user: User) -> bool:
    ids = region_ids_in_scope(user)
    return ids is None or branch.region_id in ids


def get_branch(branch_id: int, user: User | None = None) -> Branch:
    """Load a branch the user may see, or answer 404 / 403."""
    user = user or current_user
    branch = db.get_or_404(Branch, branch_id)
    if not branch_in_scope(branch, user):
        abort(403)
    return branch


def get_staff_member(staff_id: int, user: User | None = None) -> StaffMember:
    user = user or current_user
    member = db.get_or_404(StaffMember, staff_id)
    if not branch_in_scope(member.branch, user):
        abort(403)
    return member


def get_region(region_id: int, user: User | None = None) -> Region:
    user = user or current_user
    region = db.get_or_404(Region, region_id)
    ids = region_ids_in_scope(user)
    if ids is not None and region.id not in ids:
        abort(403)
    return region


def role_values(roles: Iterable[Role]) -> list[str]:
    return sorted(r.value for r in roles)


def get_visit(visit_id: int, user: User | None = None) -> Visit:
    """Load a visit the user may see, or answer 404 / 403 (STYLE: one guard, used everywhere).

    - shoppers and assessors: only their own visits; anything else is 404, so
      they cannot even learn that another visit exists;
    - managers: visits at branches in their scope (403 outside it);
    - staff: only published mystery-shop visits that name them (404 otherwise: a
      customer's survey answers reach them only as a comment a manager shares);
    - admins: every visit.
    """
    user = user or current_user
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        abort(404)
    if user.role is Role.ADMIN:
        return visit
    if user.role in (Role.SHOPPER, Role.ASSESSOR):
        if visit.visitor_id != user.id:
            abort(404)
        return visit
    if user.role is Role.MANAGER:
        if not branch_in_scope(visit.branch, user):
            abort(403)
        return visit
    member = user.staff_member
    if (
        member is None
        or visit.status is not VisitStatus.PUBLISHED
        or visit.excluded
        or visit.scorecard.channel == "survey"
        or member not in visit.staff
    ):
        abort(404)
    return visit


def contact_email(visit: Visit, user: User) -> str | None:
    """The e-mail the customer left with ``visit``, for a manager of its branch (an
    administrator, or a manager whose regions hold the branch); None for anyone else
    and when the customer left none."""
    if user.role is not Role.ADMIN and not (
        user.role is Role.MANAGER and branch_in_scope(visit.branch, user)
    ):
        return None
    return db.session.scalar(select(SurveyContact.email).where(SurveyContact.visit_id == visit.id))
