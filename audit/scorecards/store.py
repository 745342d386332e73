"""Scorecards in the database: versions, publishing, and the rows reports join to.

The stored definition of a version (plain data, as in a YAML file) is the
source of truth. A draft being built in the browser may hold incomplete
data (a new section before its first question); it is validated whole before
it can be published, and never changes again once published. Section and
question rows are written whenever the stored data is valid.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import (
    Scorecard,
    ScorecardQuestion,
    ScorecardSection,
    ScorecardVersion,
    User,
    VersionStatus,
    Visit,
    record_event,
)
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.fileformat import DefinitionError, definition_from_data, definition_to_data
from audit.service_errors import FieldError


class ScorecardStateError(FieldError):
    """An operation that the version's state does not allow; ``str()`` is for the person,
    in the reader's language (English on the command line)."""


#: A version's status in words, as the builder's pages and messages say it.
STATUS_WORDS = {
    VersionStatus.DRAFT: _l("draft"),
    VersionStatus.PUBLISHED: _l("published"),
    VersionStatus.RETIRED: _l("retired"),
}


def _cannot_change(version: ScorecardVersion) -> ScorecardStateError:
    return ScorecardStateError(
        gettext(
            "version %(number)s is %(status)s; it cannot change",
            number=version.number,
            status=STATUS_WORDS[version.status],
        )
    )


_PARSED = "_parsed_definition"


@lru_cache(maxsize=256)
def _parse_published(version_id: int, frozen: str) -> ScorecardDefinition:
    return _parse(json.loads(frozen))


def _parse(data: dict[str, Any]) -> ScorecardDefinition:
    definition, errors = definition_from_data(data)
    if definition is None:  # stored data was validated; this means it was edited by hand
        raise ScorecardStateError("stored definition is invalid: " + "; ".join(map(str, errors)))
    return definition


def definition_of(version: ScorecardVersion) -> ScorecardDefinition:
    """The typed definition of a version (cached for immutable, published ones)."""
    if version.status is VersionStatus.DRAFT or version.id is None:
        return _parse(version.definition)
    # Kept on the loaded row too: a request asks several times, and the cache key is the
    # whole definition as text (ids repeat across databases), which takes time to make.
    parsed: ScorecardDefinition | None = getattr(version, _PARSED, None)
    if parsed is None:
        parsed = _parse_published(version.id, json.dumps(version.definition, sort_keys=True))
        setattr(version, _PARSED, parsed)
    return parsed


def get_scorecard(slug: str) -> Scorecard | None:
    return db.session.scalar(select(Scorecard).where(Scorecard.slug == slug))


def _write_rows(version: ScorecardVersion, definition: ScorecardDefinition) -> None:
    """(Re)create the section and question rows of a draft from its definition."""
    # Questions first: deleting a section row while its question rows still exist
    # makes SQLAlchemy null their section_id, which the NOT NULL column refuses.
    version.questions.clear()
    db.session.flush()
    version.sections.clear()
    db.session.flush()
    position = 0
    for s_index, section in enumerate(definition.sections):
        section_row = ScorecardSection(
            key=section.key,
            title=section.title,
            position=s_index,
            weight=section.weight,
            target=section.target,
        )
        version.sections.append(section_row)
        for question in section.questions:
            version.questions.append(
                ScorecardQuestion(
                    section=section_row,
                    key=question.key,
                    text=question.text,
                    type=question.type,
                    position=position,
                    possible=question.possible,
                    critical=question.critical,
                )
            )
            position += 1


def _apply(version: ScorecardVersion, definition: ScorecardDefinition) -> None:
    version.definition = definition_to_data(definition)
    version.target = definition.target
    version.excellence = definition.excellence
    scorecard = version.scorecard
    scorecard.title = definition.title
    scorecard.channel = definition.channel
    _write_rows(version, definition)


def save_definition(
    definition: ScorecardDefinition, actor: User | None = None, *, publish: bool = False
) -> tuple[ScorecardVersion, bool]:
    """Store a definition under its slug; returns (version, created).

    - a new slug creates the scorecard and its version 1;
    - an existing draft is replaced by the new definition;
    - otherwise, when the definition differs from the newest version, a new
      version is added; when it is the same, nothing is created.
    With ``publish`` the resulting version is published.
    """
    scorecard = get_scorecard(definition.slug)
    if scorecard is None:
        scorecard = Scorecard(
            slug=definition.slug, title=definition.title, channel=definition.channel
        )
        db.session.add(scorecard)
    newest = scorecard.versions[-1] if scorecard.versions else None
    created = False
    if newest is not None and newest.status is VersionStatus.DRAFT:
        version = newest
        _apply(version, definition)
        record_event(actor, "scorecard.draft_saved", version)
    elif newest is not None and definition_of(newest) == definition:
        version = newest
    else:
        version = ScorecardVersion(
            scorecard=scorecard, number=(newest.number + 1) if newest else 1, created_by=actor
        )
        db.session.add(version)
        _apply(version, definition)
        db.session.flush()
        record_event(actor, "scorecard.version_created", version, number=version.number)
        created = True
    db.session.flush()
    if publish and version.status is VersionStatus.DRAFT:
        publish_version(version, actor)
    return version, created


def save_draft(version: ScorecardVersion, definition: ScorecardDefinition, actor: User) -> None:
    if not version.is_editable:
        raise _cannot_change(version)
    if definition.slug != version.scorecard.slug:
        raise ScorecardStateError(gettext("the slug of a scorecard cannot change"))
    _apply(version, definition)
    db.session.flush()
    record_event(actor, "scorecard.draft_saved", version)


def save_working_data(
    version: ScorecardVersion, data: dict[str, Any], actor: User | None
) -> list[DefinitionError]:
    """Store a draft's data as the builder edits it, complete or not.

    Returns the validation errors of the whole definition (empty when it is
    ready to publish). Rows are rewritten when the data is valid.
    """
    if not version.is_editable:
        raise _cannot_change(version)
    if data.get("slug") != version.scorecard.slug:
        raise ScorecardStateError(gettext("the slug of a scorecard cannot change"))
    definition, errors = definition_from_data(data)
    if definition is not None:
        _apply(version, definition)
    else:
        version.definition = copy.deepcopy(data)
        if isinstance(data.get("title"), str) and data["title"].strip():
            version.scorecard.title = data["title"].strip()
    db.session.flush()
    return errors


def new_scorecard(data: dict[str, Any], actor: User | None) -> ScorecardVersion:
    """Start a scorecard from the builder: version 1 as a draft, possibly incomplete."""
    scorecard = Scorecard(
        slug=data["slug"], title=data.get("title") or data["slug"], channel=data["channel"]
    )
    db.session.add(scorecard)
    version = ScorecardVersion(
        scorecard=scorecard,
        number=1,
        created_by=actor,
        definition=copy.deepcopy(data),
        target=data.get("target") or 0,
        excellence=data.get("excellence"),
    )
    db.session.add(version)
    db.session.flush()
    save_working_data(version, data, actor)
    record_event(actor, "scorecard.created", version, slug=scorecard.slug)
    return version


def draft_errors(version: ScorecardVersion) -> list[DefinitionError]:
    return definition_from_data(version.definition)[1]


def start_draft(scorecard: Scorecard, actor: User | None) -> ScorecardVersion:
    """The scorecard's draft, created from its newest version when there is none."""
    if scorecard.draft is not None:
        return scorecard.draft
    newest = scorecard.versions[-1]
    version = ScorecardVersion(
        scorecard=scorecard,
        number=newest.number + 1,
        created_by=actor,
        definition=copy.deepcopy(newest.definition),
        target=newest.target,
        excellence=newest.excellence,
    )
    db.session.add(version)
    _write_rows(version, definition_of(newest))
    db.session.flush()
    record_event(actor, "scorecard.version_created", version, number=version.number)
    return version


def publish_version(version: ScorecardVersion, actor: User | None) -> None:
    """Publish a draft; the scorecard's previously published version is retired.

    New visits always use the one published version; visits already made keep
    the version they were filled in against.
    """
    if version.status is not VersionStatus.DRAFT:
        raise ScorecardStateError(
            gettext(
                "only a draft can be published (this is %(status)s)",
                status=STATUS_WORDS[version.status],
            )
        )
    definition, errors = definition_from_data(version.definition)
    if definition is None:
        raise ScorecardStateError(
            ngettext(
                "the draft has %(num)d problem to fix before it can be published",
                "the draft has %(num)d problems to fix before it can be published",
                len(errors),
            )
        )
    _apply(version, definition)
    db.session.flush()
    now = datetime.now(UTC)
    for other in version.scorecard.versions:
        if other.status is VersionStatus.PUBLISHED:
            other.status = VersionStatus.RETIRED
            other.retired_at = now
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    record_event(actor, "scorecard.published", version, number=version.number)


def retire_version(version: ScorecardVersion, actor: User | None) -> None:
    if version.status is not VersionStatus.PUBLISHED:
        raise ScorecardStateError(gettext("only a published version can be retired"))
    version.status = VersionStatus.RETIRED
    version.retired_at = datetime.now(UTC)
    record_event(actor, "scorecard.retired", version, number=version.number)


def discard_draft(version: ScorecardVersion, actor: User | None) -> None:
    if version.status is not VersionStatus.DRAFT:
        raise ScorecardStateError(gettext("only a draft can be discarded"))
    if visit_count(version):
        raise ScorecardStateError(gettext("this draft has visits and cannot be discarded"))
    record_event(actor, "scorecard.draft_discarded", version, number=version.number)
    scorecard = version.scorecard
    db.session.delete(version)
    db.session.flush()
    if not scorecard.versions:
        db.session.delete(scorecard)


def visit_count(version: ScorecardVersion) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Visit).where(Visit.version_id == version.id)
    )


def visit_counts() -> dict[int, int]:
    """Visits per version id, in one query."""
    rows = db.session.execute(select(Visit.version_id, func.count()).group_by(Visit.version_id))
    return {version_id: n for version_id, n in rows}


def find_version(slug: str, number: int | None = None) -> ScorecardVersion | None:
    """A scorecard's version by number, or its published one (else newest) when None."""
    scorecard = get_scorecard(slug)
    if scorecard is None or not scorecard.versions:
        return None
    if number is not None:
        return next((v for v in scorecard.versions if v.number == number), None)
    return scorecard.latest_published or scorecard.versions[-1]
