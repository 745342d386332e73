"""Scorecards and their versions over the API: read them, take a version out as YAML and
bring a YAML file in, for managers and administrators as on the Scorecards pages.

A file goes through the same reader and rules as the Upload page and ``flask scorecards
import`` (:func:`audit.scorecards.fileformat.load_yaml`), errors as ``FILE:LINE``, and is
stored by :func:`audit.scorecards.store.save_definition`: a new slug makes a scorecard,
an open draft is replaced, a file that differs from the newest version makes the next
version as a draft, the same file changes nothing. Publishing stays a person's decision
on the web page.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Response, request, url_for
from spectree import Response as Answers
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.pagination import page_of
from audit.api.problems import ApiProblem, invalid
from audit.api.schemas import PageQuery, Problem
from audit.api.scorecard_schemas import (
    ScorecardPage,
    ScorecardUpload,
    ScorecardVersionOut,
    ScorecardVersionSummary,
    ScorecardWithVersions,
)
from audit.api.spec import COMMON_PROBLEMS, api_spec, responses
from audit.extensions import db
from audit.models import Scorecard, ScorecardVersion, Visit
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.fileformat import (
    DefinitionError,
    ScorecardFileError,
    definition_from_data,
    dump_yaml,
    format_path,
    load_yaml,
)
from audit.scorecards.routes import MAX_UPLOAD_BYTES
from audit.scorecards.store import (
    draft_errors,
    find_version,
    save_definition,
    visit_count,
)

YAML_TYPE = "application/yaml"


def _problem(error: DefinitionError) -> dict[str, str]:
    """A file's error named by ``FILE:LINE``; a stored draft's by where it is in the
    version's ``definition`` (``definition.sections[0].questions[2].points``)."""
    if error.line is not None:
        return {"field": f"{error.file or 'file'}:{error.line}", "message": error.message}
    if error.file is not None:
        return {"field": error.file, "message": error.message}
    where = format_path(error.path)
    return {"field": f"definition.{where}" if where else "definition", "message": error.message}


def _summary(version: ScorecardVersion, counts: dict[int, int]) -> ScorecardVersionSummary:
    return ScorecardVersionSummary(
        number=version.number,
        status=version.status,
        created_at=version.created_at,
        published_at=version.published_at,
        retired_at=version.retired_at,
        visits=counts.get(version.id, 0),
    )


def _visit_counts(cards: list[Scorecard]) -> dict[int, int]:
    """Visits per version of these scorecards, in one query over their versions only
    (:func:`audit.scorecards.store.visit_counts` counts every version's)."""
    ids = [v.id for card in cards for v in card.versions]
    rows = db.session.execute(
        select(Visit.version_id, func.count())
        .where(Visit.version_id.in_(ids))
        .group_by(Visit.version_id)
    )
    return {version_id: n for version_id, n in rows}


def scorecard_out(card: Scorecard, counts: dict[int, int]) -> ScorecardWithVersions:
    published, draft = card.latest_published, card.draft
    return ScorecardWithVersions(
        id=card.id,
        slug=card.slug,
        title=card.title,
        channel=card.channel,
        created_at=card.created_at,
        published_version=published.number if published else None,
        draft_version=draft.number if draft else None,
        versions=[_summary(v, counts) for v in card.versions],
    )


def version_out(version: ScorecardVersion) -> ScorecardVersionOut:
    summary = _summary(version, {version.id: visit_count(version)})
    problems = draft_errors(version) if version.is_editable else []
    return ScorecardVersionOut(
        slug=version.scorecard.slug,
        title=version.scorecard.title,
        target=version.target,
        excellence=version.excellence,
        problems=[_problem(e) for e in problems],
        definition=version.definition or {},
        **summary.model_dump(),
    )


def _version(slug: str, number: int) -> ScorecardVersion:
    version = find_version(slug, number)
    if version is None:
        raise ApiProblem(404, f"Scorecard {slug!r} has no version {number}.")
    return version


@bp.get("/scorecards")
@api_access("scorecards")
@api_spec.validate(query=PageQuery, resp=responses(200, ScorecardPage, 422), tags=["scorecards"])
def list_scorecards(query: PageQuery):
    """Every scorecard with its versions, a page at a time."""
    rows = select(Scorecard).options(selectinload(Scorecard.versions))
    items, next_cursor = page_of(rows, Scorecard.id, query.limit, query.cursor)
    counts = _visit_counts(items)
    return ScorecardPage(items=[scorecard_out(c, counts) for c in items], next_cursor=next_cursor)


@bp.get("/scorecards/<slug>")
@api_access("scorecards")
@api_spec.validate(resp=responses(200, ScorecardWithVersions, 404), tags=["scorecards"])
def read_scorecard(slug: str):
    """One scorecard, by slug, with its versions."""
    card = db.session.scalar(select(Scorecard).where(Scorecard.slug == slug))
    if card is None:
        raise ApiProblem(404, f"There is no scorecard {slug!r}.")
    return scorecard_out(card, _visit_counts([card]))


@bp.get("/scorecards/<slug>/versions/<int:number>")
@api_access("scorecards")
@api_spec.validate(resp=responses(200, ScorecardVersionOut, 404), tags=["scorecards"])
def read_version(slug: str, number: int):
    """One version: its sections, questions, weights and rules as JSON (``definition``)."""
    return version_out(_version(slug, number))


@bp.get("/scorecards/<slug>/versions/<int:number>/yaml")
@api_access("scorecards")
@api_spec.validate(resp=responses(200, None, 404, 409), tags=["scorecards"])
def download_version(slug: str, number: int):
    """The version as a scorecard file (``application/yaml``), as the library's files are
    written: uploading it again changes nothing. A draft with problems is refused (409)."""
    version = _version(slug, number)
    definition, errors = definition_from_data(version.definition)
    if definition is None:
        raise ApiProblem(
            409,
            f"This draft has {len(errors)} problem(s) to fix before it can be a file.",
            errors=[_problem(e) for e in errors],
        )
    answer = Response(
        dump_yaml(definition),
        mimetype=YAML_TYPE,
        headers={"Content-Disposition": f"attachment; filename={slug}-v{number}.yaml"},
    )
    # The blueprint tags JSON reads; a file is tagged here, the same way.
    answer.add_etag()
    answer.headers["Cache-Control"] = "private, no-cache"
    return answer.make_conditional(request)


def _uploaded_text(upload: object) -> tuple[str, str]:
    """The name and text of the file sent, or 422 saying what is wrong with it."""
    if isinstance(upload, FileStorage):
        filename = os.path.basename(upload.filename or "") or "upload.yaml"
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
    elif isinstance(upload, str):  # a form field sent as text instead of a file
        filename, raw = "upload.yaml", upload.encode()
    else:
        raise invalid(
            [{"field": "file", "message": "Send the YAML file as multipart/form-data, field file."}]
        )
    if len(raw) > MAX_UPLOAD_BYTES:
        message = "the file is larger than 1 MB; a scorecard file is far smaller"
        raise invalid([{"field": filename, "message": message}])
    try:
        return filename, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = "the file is not UTF-8 text; save it as UTF-8"
        raise invalid([{"field": f"{filename}:{line}", "message": message}]) from None


def _read_definition(upload: object) -> ScorecardDefinition:
    filename, text = _uploaded_text(upload)
    try:
        return load_yaml(text, filename)
    except ScorecardFileError as failure:
        raise invalid(
            [_problem(e) for e in failure.errors],
            f"Nothing was imported from {filename}: fix every problem listed.",
        ) from None


def _upload_answers() -> Answers:
    """201 when a scorecard or version was made, 200 when a draft was replaced or the file
    changed nothing; the problems as every operation has them."""
    codes: dict[str, Any] = {"HTTP_200": ScorecardVersionOut, "HTTP_201": ScorecardVersionOut}
    for code in sorted({409, 422, *COMMON_PROBLEMS}):
        codes[f"HTTP_{code}"] = Problem
    return Answers(**codes)


@bp.post("/scorecards")
@api_access("scorecards", write=True)
@api_spec.validate(form=ScorecardUpload, resp=_upload_answers(), tags=["scorecards"])
def upload_scorecard(form: ScorecardUpload):
    """Bring a scorecard file in (multipart/form-data, field ``file``), as the Upload page.

    A new slug makes the scorecard (version 1, a draft); for a known slug an open draft
    is replaced by the file, or a file that differs from the newest version becomes the
    next version, as a draft. The same file again changes nothing (200), so sending it
    twice is safe. Every problem of the file is listed as ``FILE:LINE`` and nothing is
    imported. Drafts are published on the scorecard's page.
    """
    definition = _read_definition(form.file if form is not None else None)
    try:
        version, created = save_definition(definition, api_user())
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ApiProblem(
            409, f"Scorecard {definition.slug!r} was changed at the same moment: try again."
        ) from None
    location = url_for("api.read_version", slug=version.scorecard.slug, number=version.number)
    return version_out(version), 201 if created else 200, {"Location": location}
