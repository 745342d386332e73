"""The API's bodies for scorecards and their versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from spectree.model_adapter.pydantic_adapter import BaseFile

from audit.api.schemas import FieldProblem
from audit.models import VersionStatus


class ScorecardVersionSummary(BaseModel):
    number: int
    status: VersionStatus
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    visits: int = Field(description="Visits filled in against this version.")


class ScorecardWithVersions(BaseModel):
    id: int
    slug: str = Field(description="The scorecard's stable name, used in addresses and files.")
    title: str
    channel: str
    created_at: datetime
    published_version: int | None = Field(
        description="The number of the version new visits use; null before the first is published."
    )
    draft_version: int | None = Field(description="The number of the draft, if one is open.")
    versions: list[ScorecardVersionSummary]


class ScorecardPage(BaseModel):
    items: list[ScorecardWithVersions]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last."
    )


class ScorecardVersionOut(BaseModel):
    slug: str
    title: str
    number: int
    status: VersionStatus
    target: float
    excellence: float | None
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    visits: int
    problems: list[FieldProblem] = Field(
        description="What a draft still needs before it can be published (its fields by "
        "path, e.g. sections[0].questions[2].points); empty when it is complete."
    )
    definition: dict[str, Any] = Field(
        description="The version as the scorecard file format has it: settings, sections "
        "with their weights and targets, questions with their types, points and rules "
        "(docs/scorecard-format.md)."
    )


class ScorecardUpload(BaseModel):
    """A scorecard file (YAML, as in the scorecards/ library), as multipart/form-data."""

    file: BaseFile = Field(description="The YAML file; its name is used in error messages.")
