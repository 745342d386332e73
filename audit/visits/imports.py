"""Importing visits from JSON or CSV: validated like a submission, all or nothing.

Errors name the place: ``FILE:LINE: message`` for CSV, and for JSON
``FILE:[INDEX].KEY: message`` (the item's 0-based index in the list and the
key within it). An ``external_id`` already in the database is skipped and
counted, never imported twice.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from audit.extensions import db
from audit.models import (
    Branch,
    Role,
    ScorecardVersion,
    StaffMember,
    User,
    VersionStatus,
    Visit,
    VisitStatus,
)
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.scoring import (
    AnswerValue,
    InvalidAnswer,
    normalise_value,
    submission_problems,
)
from audit.scorecards.store import definition_of, find_version, get_scorecard
from audit.tasks import enqueue
from audit.visits.scores import set_answer, store_score
from audit.webhooks.emitting import emit

IMPORT_STATUSES = {
    "submitted": VisitStatus.SUBMITTED,
    "approved": VisitStatus.APPROVED,
    "published": VisitStatus.PUBLISHED,
}
CSV_FIXED_COLUMNS = (
    "external_id",
    "branch",
    "scorecard",
    "version",
    "visited_at",
    "shopper",
    "staff",
    "status",
)
VISITOR_ROLES = (Role.SHOPPER, Role.ASSESSOR, Role.MANAGER, Role.ADMIN)


class VisitImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportSummary:
    imported: int = 0
    skipped: int = 0
    skipped_ids: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.imported} visits imported"
        if self.skipped:
            text += f", {self.skipped} skipped (already imported)"
        return text


@dataclass
class RawVisit:
    """One record as read from a file, before validation; ``where`` prefixes errors."""

    where: str
    fields: dict[str, Any]
    answers: dict[str, Any]
    comments: dict[str, Any]
    field_where: dict[str, str] = field(default_factory=dict)

    def at(self, name: str) -> str:
        return self.field_where.get(name, f"{self.where}{name}")


@dataclass
class PlannedVisit:
    external_id: str
    version: ScorecardVersion
    definition: ScorecardDefinition
    branch: Branch
    visited_at: datetime
    status: VisitStatus
    shopper: User | None
    staff: list[StaffMember]
    answers: dict[str, AnswerValue]
    comments: dict[str, str]


class _Lookups:
    """Everything the rows refer to, loaded once per file instead of once per row."""

    def __init__(self) -> None:
        self.branches = {b.code: b for b in db.session.scalars(select(Branch))}
        self.staff = {s.code: s for s in db.session.scalars(select(StaffMember))}
        self.users = {u.email.lower(): u for u in db.session.scalars(select(User))}
        self._versions: dict[tuple[str, int | None], ScorecardVersion | None] = {}
        self._definitions: dict[int, ScorecardDefinition] = {}

    def version(self, slug: str, number: int | None) -> ScorecardVersion | None:
        key = (slug, number)
        if key not in self._versions:
            if number is None:
                scorecard = get_scorecard(slug)
                self._versions[key] = scorecard.latest_published if scorecard else None
            else:
                self._versions[key] = find_version(slug, number)
        return self._versions[key]

    def definition(self, version: ScorecardVersion) -> ScorecardDefinition:
        if version.id not in self._definitions:
            self._definitions[version.id] = definition_of(version)
        return self._definitions[version.id]


def parse_visited_at(value: Any, where: tzinfo = UTC) -> datetime:
    """ISO 8601 date or date-time, in UTC; a date or time without a zone is read on the
    clock of ``where`` (the visit's branch: "2026-01-31" is that day there, not a day
    early west of Greenwich)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("visited_at must be an ISO 8601 date or date-time, e.g. 2026-05-14T10:30")
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"visited_at '{text}' is not an ISO 8601 date or date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=where)
    return parsed.astimezone(UTC)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _validate(raw: RawVisit, lookups: _Lookups, errors: list[str]) -> PlannedVisit | None:
    before = len(errors)
    f = raw.fields

    def error(name: str, message: str) -> None:
        errors.append(f"{raw.at(name)}: {message}")

    external_id = _text(f.get("external_id"))
    if not external_id:
        error("external_id", "external_id is required (it makes re-imports safe)")
    elif len(external_id) > 100:
        error("external_id", "external_id is longer than 100 characters")

    branch = lookups.branches.get(_text(f.get("branch")).upper())
    if not _text(f.get("branch")):
        error("branch", "branch (a branch code) is required")
    elif branch is None:
        error("branch", f"unknown branch '{_text(f.get('branch'))}'")

    slug = _text(f.get("scorecard"))
    number: int | None = None
    raw_number = f.get("version")
    if raw_number not in (None, ""):
        try:
            number = int(str(raw_number).strip())
            if number < 1:
                raise ValueError
        except ValueError:
            error("version", f"version '{raw_number}' is not a positive whole number")
    version = lookups.version(slug, number) if slug else None
    if not slug:
        error("scorecard", "scorecard (a scorecard slug) is required")
    elif get_scorecard(slug) is None:
        error("scorecard", f"unknown scorecard '{slug}'")
    elif version is None and number is None:
        error("scorecard", f"scorecard '{slug}' has no published version")
    elif version is None:
        error("version", f"scorecard '{slug}' has no version {number}")
    elif version.status is VersionStatus.DRAFT:
        error("version", f"{slug} version {number} is a draft; visits need a published version")

    visited_at = None
    try:
        where = ZoneInfo(branch.timezone) if branch is not None else UTC
        visited_at = parse_visited_at(f.get("visited_at"), where)
    except ValueError as problem:
        error("visited_at", str(problem))

    status_text = _text(f.get("status")).lower() or "approved"
    status = IMPORT_STATUSES.get(status_text)
    if status is None:
        error("status", f"status '{status_text}' must be one of: {', '.join(IMPORT_STATUSES)}")

    shopper = None
    shopper_email = _text(f.get("shopper")).lower()
    if shopper_email:
        shopper = lookups.users.get(shopper_email)
        if shopper is None:
            error("shopper", f"no account with the email '{shopper_email}'")
        elif shopper.role not in VISITOR_ROLES:
            error("shopper", f"'{shopper_email}' is a {shopper.role.value}, who cannot make visits")

    staff: list[StaffMember] = []
    for code in _staff_codes(f.get("staff")):
        member = lookups.staff.get(code.upper())
        if member is None:
            error("staff", f"unknown staff member '{code}'")
        else:
            staff.append(member)

    answers: dict[str, AnswerValue] = {}
    comments: dict[str, str] = {}
    if version is not None and version.status is not VersionStatus.DRAFT:
        definition = lookups.definition(version)
        questions = {q.key: q for q in definition.questions()}
        for key, value in raw.answers.items():
            question = questions.get(key)
            if question is None:
                error(f"answers.{key}", f"'{key}' is not a question of {slug} v{version.number}")
                continue
            try:
                answers[key] = normalise_value(question, value)
            except InvalidAnswer as problem:
                error(f"answers.{key}", str(problem))
        for key, value in raw.comments.items():
            if key not in questions:
                error(f"comments.{key}", f"'{key}' is not a question of {slug} v{version.number}")
            elif _text(value):
                comments[key] = _text(value)
        if len(errors) == before:
            for problem in submission_problems(definition, answers, comments, evidence=_ALL):
                error(f"answers.{problem.key}", problem.message)
    if len(errors) > before:
        return None
    return PlannedVisit(
        external_id=external_id,
        version=version,
        definition=lookups.definition(version),
        branch=branch,
        visited_at=visited_at,
        status=status,
        shopper=shopper,
        staff=staff,
        answers=answers,
        comments=comments,
    )


class _Everything:
    """Evidence can't travel in an import file: every evidence requirement counts as met."""

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self):  # noqa: ANN204
        return iter(())

    def __len__(self) -> int:
        return 0


_ALL = _Everything()


def _staff_codes(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return [code for code in re.split(r"[;,|\s]+", str(value)) if code]


def import_records(records: Iterable[RawVisit], actor: User | None = None) -> ImportSummary:
    """Validate every record; write all of them or, if any is bad, none."""
    lookups = _Lookups()
    existing = set(
        db.session.scalars(select(Visit.external_id).where(Visit.external_id.is_not(None)))
    )
    errors: list[str] = []
    planned: list[PlannedVisit] = []
    summary = ImportSummary()
    seen: dict[str, str] = {}
    for raw in records:
        external_id = _text(raw.fields.get("external_id"))
        if external_id in existing:
            summary.skipped += 1
            summary.skipped_ids.append(external_id)
            continue
        if external_id and external_id in seen:
            errors.append(
                f"{raw.at('external_id')}: duplicate external_id '{external_id}' "
                f"(first at {seen[external_id]})"
            )
            continue
        if external_id:
            seen[external_id] = raw.where.rstrip(":. ") or raw.at("external_id")
        visit = _validate(raw, lookups, errors)
        if visit is not None:
            planned.append(visit)
    if errors:
        raise VisitImportFailed(errors)
    now = datetime.now(UTC)
    imported: list[Visit] = []
    for plan in planned:
        visit = Visit(
            external_id=plan.external_id,
            scorecard_id=plan.version.scorecard_id,
            version=plan.version,
            branch=plan.branch,
            visitor=plan.shopper,
            status=plan.status,
            visited_at=plan.visited_at,
            submitted_at=plan.visited_at,
            approved_at=now if plan.status is not VisitStatus.SUBMITTED else None,
            published_at=now if plan.status is VisitStatus.PUBLISHED else None,
            staff=plan.staff,
        )
        db.session.add(visit)
        for question in plan.definition.questions():
            value = plan.answers.get(question.key)
            comment = plan.comments.get(question.key, "")
            if value is not None or comment:
                set_answer(visit, question, value, comment)
        store_score(visit, plan.definition)
        summary.imported += 1
        imported.append(visit)
    db.session.flush()
    for status in IMPORT_STATUSES.values():  # the event of the status each visit lands in
        emit(f"visit.{status.value}", *(v for v in imported if v.status is status))
    emit("visit.critical_failed", *(v for v in imported if v.critical_failed))
    if imported:  # their trust signals (audit.trust.service), after the commit
        enqueue("audit.trust.service:compute_visit_signals", visit_ids=[v.id for v in imported])
    return summary


# --- readers -------------------------------------------------------------------


def read_json(data: bytes, file: str) -> list[RawVisit]:
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise VisitImportFailed([f"{file}: the file is not UTF-8 text"]) from None
    except json.JSONDecodeError as error:
        raise VisitImportFailed(
            [f"{file}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno})"]
        ) from None
    if not isinstance(items, list):
        raise VisitImportFailed([f"{file}: expected a JSON list of visits"])
    records = []
    problems = []
    known = {*CSV_FIXED_COLUMNS, "answers", "comments"}
    for index, item in enumerate(items):
        where = f"{file}:[{index}]."
        if not isinstance(item, dict):
            problems.append(f"{file}:[{index}]: expected an object with the visit's fields")
            continue
        for key in item:
            if key not in known:
                problems.append(
                    f"{where}{key}: unknown field (expected: {', '.join(sorted(known))})"
                )
        answers = item.get("answers") or {}
        comments = item.get("comments") or {}
        if not isinstance(answers, dict):
            problems.append(f"{where}answers: expected an object of question key: value")
            answers = {}
        if not isinstance(comments, dict):
            problems.append(f"{where}comments: expected an object of question key: text")
            comments = {}
        records.append(RawVisit(where, item, answers, comments))
    if problems:
        raise VisitImportFailed(problems)
    return records


def read_csv(data: bytes, file: str) -> list[RawVisit]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise VisitImportFailed([f"{file}:{line}: the file is not UTF-8 text"]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise VisitImportFailed([f"{file}:1: the file is empty"]) from None
    missing = [c for c in ("external_id", "branch", "scorecard", "visited_at") if c not in header]
    if missing:
        raise VisitImportFailed([f"{file}:1: missing column '{c}'" for c in missing])
    records = []
    problems = []
    start = reader.line_num + 1
    for record in reader:
        line = start
        start = reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(f"{file}:{line}: expected {len(header)} values, found {len(record)}")
            continue
        where = f"{file}:{line}: "
        fields, answers, comments = {}, {}, {}
        for column, cell in zip(header, record, strict=True):
            if column in CSV_FIXED_COLUMNS:
                fields[column] = cell
            elif column.startswith("comment:"):
                if cell.strip():
                    comments[column.removeprefix("comment:")] = cell
            elif cell.strip():
                answers[column] = cell.strip()
        records.append(RawVisit(where, fields, answers, comments, field_where=_CsvWhere(where)))
    if problems:
        raise VisitImportFailed(problems)
    return records


class _CsvWhere(dict):
    """CSV errors name the line and then the column: ``FILE:LINE: column: message``."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def get(self, name: str, default: str | None = None) -> str:  # type: ignore[override]
        if name.startswith("answers."):
            name = name.removeprefix("answers.")
        elif name.startswith("comments."):
            name = "comment:" + name.removeprefix("comments.")
        return f"{self.prefix}{name}"


def import_file(data: bytes, file: str, actor: User | None = None) -> ImportSummary:
    """Import a .json or .csv file of visits (chosen by its content's first character)."""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    reader = read_json if stripped[:1] in (b"[", b"{") else read_csv
    return import_records(reader(data, file), actor)
