"""Which branches a print run of survey cards covers: one branch, or every active branch of
a region. The cards themselves are drawn by :mod:`audit.documents.survey_cards`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Branch, Region
from audit.surveys.links import survey_url


class NothingToPrint(LookupError):
    """No such branch or region, or no active branch in it; ``str()`` says which."""


@dataclass(frozen=True)
class PrintRun:
    """A title for the PDF and (branch name, code, public survey link) for each card."""

    title: str
    cards: tuple[tuple[str, str, str], ...]


def _run(title: str, branches: list[Branch]) -> PrintRun:
    return PrintRun(title, tuple((b.name, b.code, survey_url(b)) for b in branches))


def branch_run(branch: Branch) -> PrintRun:
    """The card and poster of one branch; a deactivated branch has no live link."""
    if not branch.active:
        raise NothingToPrint(f"branch {branch.code} is deactivated: its survey link answers 404")
    return _run(f"Survey cards · {branch.name}", [branch])


def branch_run_by_code(code: str) -> PrintRun:
    branch = db.session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        raise NothingToPrint(f"no branch with the code {code}")
    return branch_run(branch)


def region_run(region: Region) -> PrintRun:
    """The cards and posters of every active branch of ``region``, by name."""
    branches = list(
        db.session.scalars(
            select(Branch)
            .where(Branch.region_id == region.id, Branch.active.is_(True))
            .order_by(Branch.name, Branch.code)
        )
    )
    if not branches:
        raise NothingToPrint(f"region {region.name} has no active branch")
    return _run(f"Survey cards · {region.name}", branches)


def region_run_by_name(name: str) -> PrintRun:
    region = db.session.scalar(select(Region).where(func.lower(Region.name) == name.lower()))
    if region is None:
        raise NothingToPrint(f"no region named {name}")
    return region_run(region)
