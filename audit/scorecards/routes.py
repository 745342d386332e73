"""The scorecard builder: managers write, preview, publish and version scorecards.

Views stay thin: :mod:`audit.scorecards.builder` turns a form into an edit of
the draft's plain data, :mod:`audit.scorecards.fileformat` validates it exactly as
it validates a YAML file, and :mod:`audit.scorecards.store` stores versions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit.access import MANAGERS, roles_required
from audit.extensions import db
from audit.models import Scorecard, ScorecardVersion, User, VersionStatus, record_event
from audit.scorecards import builder
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.fileformat import (
    ScorecardFileError,
    definition_from_data,
    dump_yaml,
    load_yaml,
)
from audit.scorecards.forms import (
    CRITICAL_LABELS,
    TYPE_LABELS,
    MoveForm,
    NewScorecardForm,
    QuestionForm,
    SectionForm,
    SettingsForm,
    UploadForm,
)
from audit.scorecards.store import (
    STATUS_WORDS,
    ScorecardStateError,
    discard_draft,
    draft_errors,
    find_version,
    get_scorecard,
    new_scorecard,
    publish_version,
    retire_version,
    save_definition,
    save_working_data,
    start_draft,
    visit_count,
    visit_counts,
)
from audit.views import done, require_submitted, shorten, turned_down
from audit.web.forms import EmptyForm

bp = Blueprint("scorecards", __name__)

#: Largest scorecard file accepted by the upload form.
MAX_UPLOAD_BYTES = 1024 * 1024


# --- loading, with the guards every view shares ----------------------------


def _version(slug: str, number: int) -> ScorecardVersion:
    version = find_version(slug, number)
    if version is None:
        abort(404)
    return version


def _draft(slug: str, number: int) -> ScorecardVersion:
    """A version that may still change, or a 409 page that says what to do instead."""
    version = _version(slug, number)
    if not version.is_editable:
        response = render_template(
            "scorecards/locked.html", version=version, action_form=EmptyForm()
        )
        abort(Response(response, status=409))
    return version


def _version_url(version: ScorecardVersion, anchor: str | None = None) -> str:
    return url_for(
        "scorecards.version",
        slug=version.scorecard.slug,
        number=version.number,
        _anchor=anchor,
    )


def _add_problems(form: Any, problems: builder.FormProblems) -> list[str]:
    """Put validator problems beside their fields; return those that belong to no field.

    A question form also finds the rows of its options editors (``options-2-points``).
    """
    general = list(problems.general)
    for name, messages in problems.fields.items():
        find = getattr(form, "field_named", None)
        field = find(name) if find is not None else form._fields.get(name)
        if field is None:
            general.extend(messages)
            continue
        field.errors = [*field.errors, *messages]
    return general


def _save(version: ScorecardVersion, data: dict[str, Any], change: str) -> None:
    """Store the draft's new data, with an audit event that says what changed."""
    save_working_data(version, data, current_user)
    record_event(current_user, "scorecard.draft_saved", version, change=change)
    db.session.commit()


# --- list, create, upload --------------------------------------------------


@bp.route("/")
@roles_required(*MANAGERS)
def index():
    scorecards = db.session.scalars(
        select(Scorecard).options(selectinload(Scorecard.versions)).order_by(Scorecard.title)
    ).all()
    return render_template(
        "scorecards/index.html",
        scorecards=scorecards,
        counts=visit_counts(),
        VersionStatus=VersionStatus,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    form = NewScorecardForm()
    general: list[str] = []
    if request.method == "POST" and not (form.slug.data or "").strip():
        # The slug is made from the title unless the manager typed one (the page's script
        # shows it as the title is typed; without the script it appears after saving).
        title = (form.title.data or "").strip()
        if title:
            taken = db.session.scalars(select(Scorecard.slug)).all()
            form.slug.data = builder.suggest_slug(title, taken)
    if form.validate_on_submit():
        data = builder.settings_data(form.data)
        data["sections"] = []
        _, errors = definition_from_data(data)
        problems = builder.settings_problems(errors, ("slug", *builder.SETTINGS_FIELDS))
        if not (form.title.data or "").strip() and not (form.slug.data or "").strip():
            # The slug comes from the title: "give it a title" is the one thing to do.
            problems.fields.pop("slug", None)
        if not problems:
            version = new_scorecard(data, current_user)
            return done(
                gettext(
                    "Scorecard %(title)s created as a draft. Add its first section next.",
                    title=version.scorecard.title,
                ),
                _version_url(version),
            )
        general = _add_problems(form, problems)
    taken = db.session.scalars(select(Scorecard.slug).order_by(Scorecard.slug)).all()
    return render_template("scorecards/new.html", form=form, general=general, taken_slugs=taken)


@bp.route("/upload", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def upload():
    form = UploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        storage = form.file.data
        filename = os.path.basename(storage.filename or "") or "upload.yaml"
        raw = storage.read(MAX_UPLOAD_BYTES + 1)
        text: str | None = None
        if len(raw) > MAX_UPLOAD_BYTES:
            errors = [
                gettext(
                    "%(file)s: the file is larger than 1 MB; a scorecard file is far smaller",
                    file=filename,
                )
            ]
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw.count(b"\n", 0, exc.start) + 1
                errors = [
                    gettext(
                        "%(file)s:%(line)s: the file is not UTF-8 text; save it as UTF-8",
                        file=filename,
                        line=line,
                    )
                ]
        if text is not None:
            try:
                definition = load_yaml(text, filename)
            except ScorecardFileError as failure:
                errors = [str(e) for e in failure.errors]
            else:
                return _store_upload(definition)
    return render_template("scorecards/upload.html", form=form, errors=errors)


def _store_upload(definition: ScorecardDefinition) -> Response:
    before = get_scorecard(definition.slug)
    newest = before.versions[-1] if before is not None and before.versions else None
    replaced_draft = newest is not None and newest.status is VersionStatus.DRAFT
    version, created = save_definition(definition, current_user)
    db.session.commit()
    name = gettext(
        "%(title)s version %(number)s", title=version.scorecard.title, number=version.number
    )
    if created and version.number == 1:
        flash(
            gettext("Created %(name)s as a draft. Check it, then publish it.", name=name), "success"
        )
    elif created:
        flash(
            gettext("Saved as %(name)s, a new draft. Check it, then publish it.", name=name),
            "success",
        )
    elif replaced_draft:
        flash(gettext("The draft %(name)s now holds the uploaded file.", name=name), "success")
    else:
        flash(
            gettext(
                "The file is the same as %(name)s (%(status)s); nothing was changed.",
                name=name,
                status=STATUS_WORDS[version.status],
            ),
            "info",
        )
    return redirect(_version_url(version))


# --- one version -----------------------------------------------------------


@bp.route("/<slug>/v<int:number>")
@roles_required(*MANAGERS)
def version(slug: str, number: int):
    version = _version(slug, number)
    data = version.definition or {}
    problems = builder.locate(data, draft_errors(version)) if version.is_editable else []
    return render_template(
        "scorecards/version.html",
        version=version,
        scorecard=version.scorecard,
        data=data,
        sections=builder.sections_of(data),
        problems=problems,
        visits=visit_count(version),
        type_labels=TYPE_LABELS,
        critical_label=CRITICAL_LABELS.get(data.get("critical_fail") or "zero_visit", ""),
        action_form=EmptyForm(),
        publish_note=_publish_note(version) if version.is_editable else "",
    )


def _publish_note(version: ScorecardVersion) -> str:
    """What publishing ``version`` changes, in words: shown beside the button and asked
    before it is done."""
    n = version.number
    previous = version.scorecard.latest_published
    if previous is None:
        return gettext(
            "Publishing version %(number)s makes it the version new visits use; after that "
            "its questions cannot be changed, only edited into a new version.",
            number=n,
        )
    p = previous.number
    count = visit_count(previous)
    if count == 0:
        return gettext(
            "Publishing version %(number)s makes it the version new visits use and retires "
            "version %(previous)s, which has no visits.",
            number=n,
            previous=p,
        )
    return ngettext(
        "Publishing version %(number)s makes it the version new visits use and retires "
        "version %(previous)s; the visit already made keeps version %(previous)s and its score.",
        "Publishing version %(number)s makes it the version new visits use and retires "
        "version %(previous)s; the %(num)d visits already made keep version %(previous)s and "
        "their scores.",
        count,
        number=n,
        previous=p,
    )


@bp.route("/<slug>/v<int:number>.yaml")
@roles_required(*MANAGERS)
def download(slug: str, number: int):
    version = _version(slug, number)
    definition, errors = definition_from_data(version.definition)
    if definition is None:
        flash(
            gettext(
                "This draft has %(num)d problem(s); fix them before downloading it as YAML.",
                num=len(errors),
            ),
            "warning",
        )
        return redirect(_version_url(version))
    return Response(
        dump_yaml(definition),
        mimetype="text/yaml",
        headers={"Content-Disposition": f"attachment; filename={slug}-v{number}.yaml"},
    )


@bp.route("/<slug>/v<int:number>/preview")
@roles_required(*MANAGERS)
def preview(slug: str, number: int):
    version = _version(slug, number)
    definition, errors = definition_from_data(version.definition)
    if definition is None:
        return render_template(
            "scorecards/preview.html",
            version=version,
            definition=None,
            problems=builder.locate(version.definition or {}, errors),
        )
    count = len(definition.sections)
    index = min(max(request.args.get("section", 1, type=int), 1), count)
    return render_template(
        "scorecards/preview.html",
        version=version,
        definition=definition,
        section=definition.sections[index - 1],
        index=index,
        count=count,
        problems=[],
    )


def _change_state(
    version: ScorecardVersion,
    change: Callable[[ScorecardVersion, User], None],
    not_done: str,
    message: str,
    then: str | None = None,
) -> Response:
    """Publish, retire or discard ``version`` (a one-button POST); a refusal goes back to the
    version, flashed after ``not_done`` ("Not published: …")."""
    require_submitted()
    back = _version_url(version)
    try:
        change(version, current_user)
    except ScorecardStateError as exc:
        return turned_down(
            exc, back, gettext("%(refusal)s: %(reason)s.", refusal=not_done, reason=exc)
        )
    return done(message, then or back)


@bp.route("/<slug>/v<int:number>/publish", methods=["POST"])
@roles_required(*MANAGERS)
def publish(slug: str, number: int):
    version = _draft(slug, number)
    message = gettext(
        "Version %(number)s is published: new visits use it. "
        "Visits already made keep the version they were filled in against.",
        number=version.number,
    )
    return _change_state(version, publish_version, gettext("Not published"), message)


@bp.route("/<slug>/v<int:number>/retire", methods=["POST"])
@roles_required(*MANAGERS)
def retire(slug: str, number: int):
    version = _version(slug, number)
    message = gettext(
        "Version %(number)s is retired: no new visits use it; its results stay in reports.",
        number=version.number,
    )
    return _change_state(version, retire_version, gettext("Not retired"), message)


@bp.route("/<slug>/v<int:number>/discard", methods=["POST"])
@roles_required(*MANAGERS)
def discard(slug: str, number: int):
    version = _draft(slug, number)
    title = version.scorecard.title
    return _change_state(
        version,
        discard_draft,
        gettext("Not discarded"),
        gettext("Draft version %(number)s of %(title)s discarded.", number=number, title=title),
        then=url_for("scorecards.index"),
    )


@bp.route("/<slug>/draft", methods=["POST"])
@roles_required(*MANAGERS)
def edit_new_version(slug: str):
    scorecard = get_scorecard(slug)
    if scorecard is None or not scorecard.versions:
        abort(404)
    require_submitted()
    existing = scorecard.draft
    version = start_draft(scorecard, current_user)
    db.session.commit()
    if existing is not None:
        flash(
            gettext(
                "Version %(number)s is already being drafted; carry on here.",
                number=version.number,
            ),
            "info",
        )
    else:
        flash(
            gettext(
                "Version %(number)s is a new draft copied from version %(previous)s. "
                "Publish it when ready; earlier visits keep their version.",
                number=version.number,
                previous=version.number - 1,
            ),
            "success",
        )
    return redirect(_version_url(version))


# --- editing a draft -------------------------------------------------------


@bp.route("/<slug>/v<int:number>/settings", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def settings(slug: str, number: int):
    version = _draft(slug, number)
    data = version.definition or {}
    form = SettingsForm(data=builder.settings_values(data) if request.method == "GET" else None)
    general: list[str] = []
    if form.validate_on_submit():
        new_data = builder.apply_settings(data, form.data)
        _, errors = definition_from_data(new_data)
        problems = builder.settings_problems(errors)
        if not problems:
            _save(version, new_data, "settings")
            flash(gettext("Settings saved."), "success")
            return redirect(_version_url(version))
        general = _add_problems(form, problems)
    return render_template("scorecards/settings.html", form=form, version=version, general=general)


def _section_or_404(data: dict[str, Any], s: int) -> dict[str, Any]:
    section = builder.get_section(data, s)
    if section is None:
        abort(404)
    return section


@bp.route("/<slug>/v<int:number>/sections/new", methods=["GET", "POST"])
@bp.route("/<slug>/v<int:number>/sections/<int:s>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def section(slug: str, number: int, s: int | None = None):
    version = _draft(slug, number)
    data = version.definition or {}
    existing = _section_or_404(data, s) if s is not None else None
    form = SectionForm(
        data=builder.section_values(existing, builder.languages_of(data))
        if existing and request.method == "GET"
        else None
    )
    general: list[str] = []
    if form.validate_on_submit():
        new_data, index = builder.apply_section(data, s, form.data)
        _, errors = definition_from_data(new_data)
        problems = builder.section_problems(errors, index)
        duplicate = builder.duplicate_section_key_problem(
            new_data, new_data["sections"][index].get("key"), index
        )
        if duplicate and "key" not in problems.fields:
            problems.add("key", duplicate)
        if not problems:
            title = new_data["sections"][index].get("title")
            _save(version, new_data, f"section {'added' if s is None else 'saved'}: {title}")
            if s is None:
                flash(
                    gettext("Section %(title)s added. Now add its questions.", title=title),
                    "success",
                )
                return redirect(
                    url_for(
                        "scorecards.question",
                        slug=slug,
                        number=number,
                        s=index,
                    )
                )
            flash(gettext("Section %(title)s saved.", title=title), "success")
            return redirect(_version_url(version, f"section-{index}"))
        general = _add_problems(form, problems)
    return render_template(
        "scorecards/section_form.html",
        form=form,
        version=version,
        s=s,
        existing=existing,
        general=general,
    )


@bp.route("/<slug>/v<int:number>/sections/<int:s>/delete", methods=["POST"])
@roles_required(*MANAGERS)
def delete_section(slug: str, number: int, s: int):
    version = _draft(slug, number)
    require_submitted()
    data = version.definition or {}
    existing = _section_or_404(data, s)
    count = len(builder.questions_of(existing))
    title = existing.get("title") or existing.get("key") or f"{s + 1}"
    _save(version, builder.delete_section(data, s), f"section deleted: {title}")
    flash(
        ngettext(
            "Section %(title)s deleted with its %(num)d question.",
            "Section %(title)s deleted with its %(num)d questions.",
            count,
            title=title,
        )
        if count
        else gettext("Section %(title)s deleted.", title=title),
        "success",
    )
    return redirect(_version_url(version))


@bp.route("/<slug>/v<int:number>/sections/<int:s>/move", methods=["POST"])
@roles_required(*MANAGERS)
def move_section(slug: str, number: int, s: int):
    version = _draft(slug, number)
    form = MoveForm()
    require_submitted(form)
    data = version.definition or {}
    _section_or_404(data, s)
    new_data, index = builder.move_section(data, s, -1 if form.direction.data == "up" else 1)
    if index != s:
        _save(version, new_data, f"section moved {form.direction.data}: {s + 1}")
    return redirect(_version_url(version, f"section-{index}"))


@bp.route("/<slug>/v<int:number>/sections/<int:s>/questions/new", methods=["GET", "POST"])
@bp.route("/<slug>/v<int:number>/sections/<int:s>/questions/<int:q>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def question(slug: str, number: int, s: int, q: int | None = None):
    version = _draft(slug, number)
    data = version.definition or {}
    section = _section_or_404(data, s)
    existing = builder.get_question(data, s, q) if q is not None else None
    if q is not None and existing is None:
        abort(404)
    form = QuestionForm(
        data=builder.question_values(existing, builder.languages_of(data))
        if existing and request.method == "GET"
        else None
    )
    form.set_earlier_questions(builder.earlier_questions(data, s, q))
    general: list[str] = []
    if form.validate_on_submit():
        edit = builder.build_question(data, form.data, s, q)
        new_data, index = builder.apply_question(data, s, q, edit.question)
        _, errors = definition_from_data(new_data)
        problems = builder.question_problems(errors, s, index, edit)
        duplicate = builder.duplicate_key_problem(new_data, edit.question.get("key"), s, index)
        if duplicate and "key" not in problems.fields:
            problems.add("key", duplicate)
        if not problems:
            key = edit.question.get("key")
            _save(version, new_data, f"question {'added' if q is None else 'saved'}: {key}")
            named = f"\u201c{shorten(edit.question.get('text') or key)}\u201d"
            added = gettext("Question %(name)s added.", name=named)
            if q is None and request.form.get("then") == "another":
                flash(added, "success")
                return redirect(url_for("scorecards.question", slug=slug, number=number, s=s))
            saved = added if q is None else gettext("Question %(name)s saved.", name=named)
            flash(saved, "success")
            return redirect(_version_url(version, f"question-{s}-{index}"))
        general = _add_problems(form, problems)
    form.offer_rows()
    return render_template(
        "scorecards/question_form.html",
        form=form,
        version=version,
        section=section,
        s=s,
        q=q,
        existing=existing,
        general=general,
        type_fields=builder.TYPE_FIELDS,
    )


@bp.route("/<slug>/v<int:number>/sections/<int:s>/questions/<int:q>/delete", methods=["POST"])
@roles_required(*MANAGERS)
def delete_question(slug: str, number: int, s: int, q: int):
    version = _draft(slug, number)
    require_submitted()
    data = version.definition or {}
    existing = builder.get_question(data, s, q)
    if existing is None:
        abort(404)
    key = existing.get("key")
    _save(version, builder.delete_question(data, s, q), f"question deleted: {key}")
    users = [
        other.get("key")
        for other in builder.questions_of_all(data)
        if isinstance(other.get("show_if"), dict) and other["show_if"].get("question") == key
    ]
    message = gettext("Question %(name)s deleted.", name=key or q + 1)
    if users:
        message += " " + gettext(
            "%(questions)s depended on it (show if): see the problems below.",
            questions=", ".join(map(str, users)),
        )
    flash(message, "success" if not users else "warning")
    return redirect(_version_url(version, f"section-{s}"))


@bp.route("/<slug>/v<int:number>/sections/<int:s>/questions/<int:q>/move", methods=["POST"])
@roles_required(*MANAGERS)
def move_question(slug: str, number: int, s: int, q: int):
    version = _draft(slug, number)
    form = MoveForm()
    require_submitted(form)
    data = version.definition or {}
    if builder.get_question(data, s, q) is None:
        abort(404)
    step = -1 if form.direction.data == "up" else 1
    new_data, s2, q2 = builder.move_question(data, s, q, step)
    if (s2, q2) != (s, q):
        key = builder.get_question(data, s, q).get("key")
        _save(version, new_data, f"question moved {form.direction.data}: {key}")
    return redirect(_version_url(version, f"question-{s2}-{q2}"))
