"""Managers keep the organisation up to date: regions, branches, staff, CSV imports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from audit.access import (
    MANAGERS,
    get_branch,
    get_region,
    get_staff_member,
    region_ids_in_scope,
    roles_required,
    scope_branches,
    scope_regions,
)
from audit.accounts.invite_routes import invitations_mailed
from audit.csv_files import ImportFailed
from audit.errors import refused
from audit.extensions import db
from audit.models import Branch, Region, StaffMember
from audit.org.csv_import import (
    BRANCH_COLUMNS,
    BRANCH_OPTIONAL,
    STAFF_COLUMNS,
    STAFF_OPTIONAL,
    ImportResult,
    import_branches,
    import_staff,
)
from audit.org.forms import BranchForm, ImportForm, RegionForm, StaffForm
from audit.org.service import save_branch, save_staff_member, set_active, staff_user_choices
from audit.org.timezones import zone_names
from audit.views import done, require_submitted
from audit.web.forms import EmptyForm

bp = Blueprint("org", __name__)


def _region_choices() -> list[SelectChoice]:
    query = scope_regions(select(Region).order_by(Region.name), current_user)
    return [SelectChoice(r.id, r.name) for r in db.session.scalars(query)]


def _branch_choices() -> list[SelectChoice]:
    query = scope_branches(
        select(Branch).where(Branch.active.is_(True)).order_by(Branch.name), current_user
    )
    return [SelectChoice(b.id, b.label) for b in db.session.scalars(query)]


def _branch_form(branch: Branch | None = None) -> BranchForm:
    """The form for a new branch, or for editing ``branch``: the regions in scope offered."""
    form = BranchForm(obj=branch, editing=branch)
    form.region.choices = _region_choices()
    return form


def _staff_form(member: StaffMember | None = None) -> StaffForm:
    """The form for a new staff member, or for editing ``member``: the active branches in
    scope (and the member's own, even if inactive) and the accounts free to link offered."""
    form = StaffForm(obj=member, editing=member)
    form.branch.choices = _branch_choices()
    if member is not None and member.branch_id not in {c.value for c in form.branch.choices}:
        form.branch.choices.insert(0, SelectChoice(member.branch_id, member.branch.label))
    form.user.choices = staff_user_choices(member)
    return form


def _status_filter(query, model, status: str):  # noqa: ANN001, ANN202
    if status == "active":
        return query.where(model.active.is_(True))
    if status == "inactive":
        return query.where(model.active.is_(False))
    return query


def _matching(query: Select, q: str, *columns: InstrumentedAttribute[str]) -> Select:
    """Rows where any of the columns contains the search text, ignoring case."""
    if not q:
        return query
    like = f"%{q.lower()}%"
    return query.where(or_(*(func.lower(column).like(like) for column in columns)))


def _filtered_list(
    query: Select,
    model: type[Branch] | type[StaffMember],
    parent: tuple[str, InstrumentedAttribute[int]],
    search: tuple[InstrumentedAttribute[str], ...],
) -> tuple[Select, dict[str, Any]]:
    """A branch or staff list in the user's regions, narrowed by the query string: ``status``
    (active by default, inactive, or all), the parent record (``region`` or ``branch``: its
    name and column in ``parent``) and the text ``q`` in the ``search`` columns. Returns the
    query and the filters, for the page to show them chosen."""
    name, column = parent
    filters = {
        name: request.args.get(name, type=int),
        "q": request.args.get("q", "").strip(),
        "status": request.args.get("status", "active"),
    }
    query = _status_filter(scope_branches(query, current_user), model, filters["status"])
    if filters[name]:
        query = query.where(column == filters[name])
    return _matching(query, filters["q"], *search), filters


def _toggle_active(record: Branch | StaffMember, name: str, url: str) -> Response:
    """Deactivate an active branch or staff member, or reactivate an inactive one."""
    require_submitted()
    set_active(record, not record.active, current_user)
    message = (
        gettext("%(name)s is reactivated.", name=name)
        if record.active
        else gettext("%(name)s is deactivated.", name=name)
    )
    return done(message, url)


def _require_unscoped() -> None:
    if region_ids_in_scope(current_user) is not None:
        abort(403)


# --- regions ---------------------------------------------------------------


@bp.route("/regions", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def regions():
    counts = (
        select(Region, func.count(Branch.id))
        .outerjoin(Branch, (Branch.region_id == Region.id) & Branch.active.is_(True))
        .group_by(Region.id)
        .order_by(Region.name)
    )
    rows = db.session.execute(scope_regions(counts, current_user)).all()
    can_create = region_ids_in_scope(current_user) is None
    form = RegionForm()
    if request.method == "POST":
        _require_unscoped()
        if form.validate_on_submit():
            db.session.add(Region(name=form.name.data.strip()))
            return done(
                gettext("Region %(name)s created.", name=form.name.data.strip()),
                url_for("org.regions"),
            )
    return render_template("org/regions.html", rows=rows, form=form, can_create=can_create)


@bp.route("/regions/<int:region_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_region(region_id: int):
    region = get_region(region_id)
    _require_unscoped()
    form = RegionForm(obj=region, editing=region)
    if form.validate_on_submit():
        region.name = form.name.data.strip()
        return done(gettext("Region renamed."), url_for("org.regions"))
    return render_template("org/region_form.html", form=form, region=region)


# --- branches --------------------------------------------------------------


@bp.route("/branches")
@roles_required(*MANAGERS)
def branches():
    staff_count = (
        select(func.count(StaffMember.id))
        .where(StaffMember.branch_id == Branch.id, StaffMember.active.is_(True))
        .scalar_subquery()
    )
    query, filters = _filtered_list(
        select(Branch, staff_count)
        .join(Branch.region)
        .options(joinedload(Branch.region))
        .order_by(Region.name, Branch.name),
        Branch,
        ("region", Branch.region_id),
        (Branch.name, Branch.code, Branch.address),
    )
    return render_template(
        "org/branches.html",
        rows=db.session.execute(query).all(),
        regions=_region_choices(),
        filters=filters,
    )


@bp.route("/branches/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_branch():
    form = _branch_form()
    if not form.region.choices:
        flash(gettext("Create a region first: every branch belongs to one."), "warning")
        return redirect(url_for("org.regions"))
    if form.validate_on_submit():
        branch = save_branch(Branch(), form, current_user)
        return done(gettext("Branch %(name)s created.", name=branch.label), url_for("org.branches"))
    return render_template("org/branch_form.html", form=form, branch=None, zones=zone_names())


@bp.route("/branches/<int:branch_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_branch(branch_id: int):
    branch = get_branch(branch_id)
    form = _branch_form(branch)
    if request.method == "GET":
        form.region.data = branch.region_id
    if form.validate_on_submit():
        save_branch(branch, form, current_user)
        return done(gettext("Saved %(name)s.", name=branch.label), url_for("org.branches"))
    return render_template(
        "org/branch_form.html",
        form=form,
        branch=branch,
        action_form=EmptyForm(),
        zones=zone_names(),
    )


@bp.route("/branches/<int:branch_id>/active", methods=["POST"])
@roles_required(*MANAGERS)
def toggle_branch(branch_id: int):
    branch = get_branch(branch_id)
    return _toggle_active(branch, branch.label, url_for("org.edit_branch", branch_id=branch.id))


# --- staff -----------------------------------------------------------------


@bp.route("/staff")
@roles_required(*MANAGERS)
def staff():
    query, filters = _filtered_list(
        select(StaffMember)
        .join(StaffMember.branch)
        .options(joinedload(StaffMember.branch), joinedload(StaffMember.user))
        .order_by(Branch.name, StaffMember.name),
        StaffMember,
        ("branch", StaffMember.branch_id),
        (StaffMember.name, StaffMember.code, StaffMember.job_title),
    )
    return render_template(
        "org/staff.html",
        members=db.session.scalars(query).all(),
        branches=_branch_choices(),
        filters=filters,
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_staff():
    form = _staff_form()
    if request.method == "GET" and request.args.get("branch", type=int):
        form.branch.data = request.args.get("branch", type=int)
    if form.validate_on_submit():
        member = save_staff_member(StaffMember(), form, current_user)
        message = gettext(
            "%(name)s added to %(branch)s.", name=member.name, branch=member.branch.name
        )
        return done(message, url_for("org.staff", branch=member.branch_id))
    return render_template("org/staff_form.html", form=form, member=None)


@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_staff(staff_id: int):
    member = get_staff_member(staff_id)
    form = _staff_form(member)
    if request.method == "GET":
        form.branch.data = member.branch_id
        form.user.data = member.user_id or 0
    if form.validate_on_submit():
        save_staff_member(member, form, current_user)
        return done(
            gettext("Saved %(name)s.", name=member.name),
            url_for("org.staff", branch=member.branch_id),
        )
    return render_template("org/staff_form.html", form=form, member=member, action_form=EmptyForm())


@bp.route("/staff/<int:staff_id>/active", methods=["POST"])
@roles_required(*MANAGERS)
def toggle_staff(staff_id: int):
    member = get_staff_member(staff_id)
    return _toggle_active(member, member.name, url_for("org.edit_staff", staff_id=member.id))


# --- import ----------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_csv():
    form = ImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or "upload.csv"
        importer = import_branches if form.kind.data == "branches" else import_staff
        options = {"invite": form.invite.data} if form.kind.data == "staff" else {}
        try:
            result = importer(upload.read(), filename, actor=current_user, **options)
        except ImportFailed as failure:
            refused(failure)  # all or nothing: what the import wrote is undone
            errors = [str(e) for e in failure.errors]
        else:
            endpoint = "org.branches" if form.kind.data == "branches" else "org.staff"
            message = _import_summary(filename, form.kind.data, result)
            if result.invitations:
                db.session.commit()
                return invitations_mailed(list(result.invitations), url_for(endpoint), message)
            return done(message, url_for(endpoint))
    return render_template(
        "org/import.html",
        form=form,
        errors=errors,
        columns={
            "branches": (BRANCH_COLUMNS, BRANCH_OPTIONAL),
            "staff": (STAFF_COLUMNS, STAFF_OPTIONAL),
        },
    ), (422 if errors else 200)


def _import_summary(filename: str, kind: str, result: ImportResult) -> str:
    """What an import did, in the reader's language ("branches.csv: 2 branches created, 1
    updated."); the command line prints :meth:`ImportResult.summary`, in English."""
    if kind == "branches":
        created = ngettext("%(num)d branch created", "%(num)d branches created", result.created)
    else:
        created = ngettext(
            "%(num)d staff member created", "%(num)d staff members created", result.created
        )
    parts = [created, ngettext("%(num)d updated", "%(num)d updated", result.updated)]
    if result.regions_created:
        parts.append(ngettext("%(num)d new region", "%(num)d new regions", result.regions_created))
    if result.invitations:
        invited = len(result.invitations)
        parts.append(ngettext("%(num)d invited", "%(num)d invited", invited))
    if result.not_invited:
        parts.append(
            ngettext(
                "%(num)d not invited (already linked to an account)",
                "%(num)d not invited (already linked to an account)",
                result.not_invited,
            )
        )
    return gettext("%(file)s: %(summary)s.", file=filename, summary=", ".join(parts))
