"""Creating and changing branches, staff and regions (views stay thin)."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember, User, record_event
from audit.org.hours import normalise as normalise_hours
from audit.org.timezones import change_zone, normalise_zone


def staff_user_choices(member: StaffMember | None) -> list[SelectChoice]:
    """Staff-role accounts not yet linked to another staff member."""
    linked = select(StaffMember.user_id).where(StaffMember.user_id.is_not(None))
    if member is not None:
        linked = linked.where(StaffMember.id != member.id)
    users = db.session.scalars(
        select(User)
        .where(User.role == Role.STAFF, User.active.is_(True), User.id.not_in(linked))
        .order_by(User.name)
    )
    none = SelectChoice(0, gettext("— none —"))
    return [none] + [SelectChoice(u.id, f"{u.name} <{u.email}>") for u in users]


def save_branch(branch: Branch, form, actor: User) -> Branch:  # noqa: ANN001
    """Copy a validated BranchForm onto ``branch`` (new or existing) and record it."""
    creating = branch.id is None
    region = db.session.get(Region, form.region.data)
    branch.code = form.code.data.strip().upper()
    branch.name = form.name.data.strip()
    branch.region = region
    branch.address = (form.address.data or "").strip()
    branch.lat, branch.lng = form.lat.data, form.lng.data
    branch.opening_hours = normalise_hours(form.opening_hours.data)  # validated by the form
    db.session.add(branch)
    change_zone(branch, normalise_zone(form.timezone.data))  # moves its visits' local days
    db.session.flush()
    record_event(actor, "branch.created" if creating else "branch.updated", branch)
    return branch


def save_staff_member(member: StaffMember, form, actor: User) -> StaffMember:  # noqa: ANN001
    """Copy a validated StaffForm onto ``member`` (new or existing) and record it."""
    creating = member.id is None
    branch = db.session.get(Branch, form.branch.data)
    user = db.session.get(User, form.user.data) if form.user.data else None
    member.code = form.code.data.strip().upper()
    member.name = form.name.data.strip()
    member.branch = branch
    member.job_title = form.job_title.data.strip()
    member.email = (form.email.data or "").strip().lower() or None
    member.user = user
    db.session.add(member)
    db.session.flush()
    record_event(actor, "staff.created" if creating else "staff.updated", member)
    return member


def set_active(record: Branch | StaffMember, active: bool, actor: User) -> None:
    record.active = active
    noun = "branch" if isinstance(record, Branch) else "staff"
    record_event(actor, f"{noun}.{'activated' if active else 'deactivated'}", record)
