"""Regions, branches and staff over the API: the org area's forms and services, scoped
by the access layer exactly as the pages under /org are."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from audit.access import (
    get_branch,
    get_region,
    get_staff_member,
    scope_branches,
    scope_regions,
)
from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.form_input import as_formdata, form_kwargs, validated
from audit.api.idempotency import idempotent
from audit.api.pagination import page_of
from audit.api.problems import invalid
from audit.api.schemas import (
    BranchCreate,
    BranchOut,
    BranchPage,
    BranchQuery,
    BranchUpdate,
    RegionList,
    RegionOut,
    StaffCreate,
    StaffOut,
    StaffPage,
    StaffQuery,
    StaffSync,
    StaffSyncResult,
    StaffUpdate,
)
from audit.api.spec import api_spec, responses
from audit.csv_files import ImportFailed
from audit.extensions import db
from audit.models import Branch, Region, StaffMember, User
from audit.org.csv_import import STAFF_COLUMNS, STAFF_OPTIONAL, import_staff
from audit.org.forms import BranchForm, StaffForm
from audit.org.service import save_branch, save_staff_member, set_active, staff_user_choices

BRANCH_NAMES = {"region": "region_id"}
STAFF_NAMES = {"branch": "branch_id", "user": "user_id"}


def _as_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    """JSON rows as the CSV file the staff import reads: row N of the list on line N + 2
    (the values hold no line breaks: the schema refuses them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column) or "" for column in columns])
    return out.getvalue().encode()


def _by_status(query: Select, model: type[Branch] | type[StaffMember], status: str) -> Select:
    if status == "active":
        return query.where(model.active.is_(True))
    if status == "inactive":
        return query.where(model.active.is_(False))
    return query


# --- regions ---------------------------------------------------------------


def region_out(region: Region) -> RegionOut:
    return RegionOut(id=region.id, name=region.name)


@bp.get("/regions")
@api_access("regions")
@api_spec.validate(resp=responses(200, RegionList), tags=["regions"])
def list_regions():
    """Regions: every region, or a scoped manager's own."""
    query = scope_regions(select(Region).order_by(Region.name), api_user())
    return RegionList(items=[region_out(r) for r in db.session.scalars(query)])


@bp.get("/regions/<int:region_id>")
@api_access("regions")
@api_spec.validate(resp=responses(200, RegionOut, 404), tags=["regions"])
def read_region(region_id: int):
    """One region."""
    return region_out(get_region(region_id, api_user()))


# --- branches --------------------------------------------------------------


def branch_out(branch: Branch) -> BranchOut:
    return BranchOut(
        id=branch.id,
        code=branch.code,
        name=branch.name,
        address=branch.address or "",
        region_id=branch.region_id,
        region=branch.region.name,
        lat=branch.lat,
        lng=branch.lng,
        opening_hours=branch.opening_hours or "",
        timezone=branch.timezone,
        active=branch.active,
        created_at=branch.created_at,
    )


def _branch_form(user: User, branch: Branch | None, sent: dict[str, Any]) -> BranchForm:
    """The branch form over the current values and what was sent, regions in scope offered."""
    values: dict[str, Any] = {}
    if branch is not None:
        values = {
            "code": branch.code,
            "name": branch.name,
            "region": branch.region_id,
            "address": branch.address,
            "lat": branch.lat,
            "lng": branch.lng,
            "opening_hours": branch.opening_hours,
            "timezone": branch.timezone,
        }
    for name, value in sent.items():
        if name == "timezone" and value is None:
            continue  # null keeps the zone (a new branch: the installation's default)
        values["region" if name == "region_id" else name] = value
    form = BranchForm(formdata=as_formdata(values), editing=branch, **form_kwargs())
    regions = db.session.scalars(scope_regions(select(Region).order_by(Region.name), user))
    form.region.choices = [SelectChoice(r.id, r.name) for r in regions]
    return validated(form, BRANCH_NAMES)


@bp.get("/branches")
@api_access("branches")
@api_spec.validate(query=BranchQuery, resp=responses(200, BranchPage, 422), tags=["branches"])
def list_branches(query: BranchQuery):
    """Branches in the caller's regions, a page at a time (``status``: active by default)."""
    rows = scope_branches(select(Branch).options(joinedload(Branch.region)), api_user())
    rows = _by_status(rows, Branch, query.status)
    if query.region_id:
        rows = rows.where(Branch.region_id == query.region_id)
    items, next_cursor = page_of(rows, Branch.id, query.limit, query.cursor)
    return BranchPage(items=[branch_out(b) for b in items], next_cursor=next_cursor)


@bp.get("/branches/<int:branch_id>")
@api_access("branches")
@api_spec.validate(resp=responses(200, BranchOut, 404), tags=["branches"])
def read_branch(branch_id: int):
    """One branch."""
    return branch_out(get_branch(branch_id, api_user()))


@bp.post("/branches")
@api_access("branches", write=True)
@idempotent
@api_spec.validate(json=BranchCreate, resp=responses(201, BranchOut, 409, 422), tags=["branches"])
def create_branch(json: BranchCreate):
    """Create a branch in one of the caller's regions (accepts ``Idempotency-Key``)."""
    user = api_user()
    form = _branch_form(user, None, json.model_dump())
    branch = save_branch(Branch(), form, user)
    location = url_for("api.read_branch", branch_id=branch.id)
    return branch_out(branch), 201, {"Location": location}


@bp.patch("/branches/<int:branch_id>")
@api_access("branches", write=True)
@api_spec.validate(
    json=BranchUpdate, resp=responses(200, BranchOut, 404, 409, 422), tags=["branches"]
)
def update_branch(branch_id: int, json: BranchUpdate):
    """Change a branch: only the fields sent change."""
    user = api_user()
    branch = get_branch(branch_id, user)
    form = _branch_form(user, branch, json.model_dump(exclude_unset=True))
    save_branch(branch, form, user)
    return branch_out(branch)


@bp.delete("/branches/<int:branch_id>")
@api_access("branches", write=True)
@api_spec.validate(resp=responses(200, BranchOut, 404), tags=["branches"])
def deactivate_branch(branch_id: int):
    """Deactivate a branch (kept with its history; its results stay in reports)."""
    user = api_user()
    branch = get_branch(branch_id, user)
    if branch.active:
        set_active(branch, False, user)
    return branch_out(branch)


# --- staff -----------------------------------------------------------------


def staff_out(member: StaffMember) -> StaffOut:
    return StaffOut(
        id=member.id,
        code=member.code,
        name=member.name,
        job_title=member.job_title,
        email=member.email,
        branch_id=member.branch_id,
        branch_code=member.branch.code,
        user_id=member.user_id,
        active=member.active,
        created_at=member.created_at,
    )


def _staff_form(user: User, member: StaffMember | None, sent: dict[str, Any]) -> StaffForm:
    """The staff form over the current values and what was sent: active branches in the
    caller's regions (and the member's own) and the staff accounts free to link offered."""
    values: dict[str, Any] = {"user": 0}
    if member is not None:
        values = {
            "code": member.code,
            "name": member.name,
            "branch": member.branch_id,
            "job_title": member.job_title,
            "email": member.email,
            "user": member.user_id or 0,
        }
    for name, value in sent.items():
        key = {"branch_id": "branch", "user_id": "user"}.get(name, name)
        values[key] = 0 if key == "user" and value is None else value
    form = StaffForm(formdata=as_formdata(values), editing=member, **form_kwargs())
    branches = db.session.scalars(
        scope_branches(select(Branch).where(Branch.active.is_(True)).order_by(Branch.name), user)
    )
    form.branch.choices = [SelectChoice(b.id, b.label) for b in branches]
    if member is not None and member.branch_id not in {c.value for c in form.branch.choices}:
        form.branch.choices.insert(0, SelectChoice(member.branch_id, member.branch.label))
    form.user.choices = staff_user_choices(member)
    return validated(form, STAFF_NAMES)


def _staff_query(user: User) -> Select:
    return scope_branches(
        select(StaffMember).join(StaffMember.branch).options(joinedload(StaffMember.branch)),
        user,
    )


@bp.get("/staff")
@api_access("staff")
@api_spec.validate(query=StaffQuery, resp=responses(200, StaffPage, 422), tags=["staff"])
def list_staff(query: StaffQuery):
    """Staff of the branches in the caller's regions, a page at a time."""
    rows = _by_status(_staff_query(api_user()), StaffMember, query.status)
    if query.branch_id:
        rows = rows.where(StaffMember.branch_id == query.branch_id)
    items, next_cursor = page_of(rows, StaffMember.id, query.limit, query.cursor)
    return StaffPage(items=[staff_out(m) for m in items], next_cursor=next_cursor)


@bp.get("/staff/<int:staff_id>")
@api_access("staff")
@api_spec.validate(resp=responses(200, StaffOut, 404), tags=["staff"])
def read_staff(staff_id: int):
    """One staff member."""
    return staff_out(get_staff_member(staff_id, api_user()))


@bp.post("/staff")
@api_access("staff", write=True)
@idempotent
@api_spec.validate(json=StaffCreate, resp=responses(201, StaffOut, 409, 422), tags=["staff"])
def create_staff(json: StaffCreate):
    """Add a staff member to a branch in the caller's regions (accepts ``Idempotency-Key``)."""
    user = api_user()
    form = _staff_form(user, None, json.model_dump())
    member = save_staff_member(StaffMember(), form, user)
    location = url_for("api.read_staff", staff_id=member.id)
    return staff_out(member), 201, {"Location": location}


@bp.patch("/staff/<int:staff_id>")
@api_access("staff", write=True)
@api_spec.validate(json=StaffUpdate, resp=responses(200, StaffOut, 404, 409, 422), tags=["staff"])
def update_staff(staff_id: int, json: StaffUpdate):
    """Change a staff member: only the fields sent change."""
    user = api_user()
    member = get_staff_member(staff_id, user)
    form = _staff_form(user, member, json.model_dump(exclude_unset=True))
    save_staff_member(member, form, user)
    return staff_out(member)


@bp.delete("/staff/<int:staff_id>")
@api_access("staff", write=True)
@api_spec.validate(resp=responses(200, StaffOut, 404), tags=["staff"])
def deactivate_staff(staff_id: int):
    """Deactivate a staff member (their feedback history is kept)."""
    user = api_user()
    member = get_staff_member(staff_id, user)
    if member.active:
        set_active(member, False, user)
    return staff_out(member)


@bp.put("/staff")
@api_access("staff", write=True)
@api_spec.validate(json=StaffSync, resp=responses(200, StaffSyncResult, 422), tags=["staff"])
def sync_staff(json: StaffSync):
    """HR sync: create or update staff by code, all or nothing.

    The rows go through the staff import's rules (the same as a CSV file on the
    Organisation → Import page); when any row is refused nothing is written and every
    problem is listed with its row (``staff[N]``).
    """
    rows = [row.model_dump() for row in json.staff]
    data = _as_csv(rows, STAFF_COLUMNS + STAFF_OPTIONAL)
    try:
        result = import_staff(data, "PUT /api/v1/staff", actor=api_user())
    except ImportFailed as failure:
        db.session.rollback()
        errors = [
            {"field": f"staff[{error.line - 2}]", "message": error.message}
            for error in failure.errors
        ]
        raise invalid(errors, "Nothing was changed: fix every row listed.") from None
    return StaffSyncResult(created=result.created, updated=result.updated)
