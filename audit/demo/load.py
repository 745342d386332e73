"""A believable demo organisation: a building society with branches in three regions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from audit.config import PROJECT_ROOT
from audit.demo.activity import generate_activity
from audit.demo.planted import compute_planted, plant_cases
from audit.demo.profiles import DAYS_BACK
from audit.demo.shoppers import AGENCY_SHOPPERS, LOGIN_SHOPPER_REGION
from audit.demo.story import ACTIVITY_COUNTS as ACTIVITY_COUNTS
from audit.demo.visits import generate_visits
from audit.extensions import db
from audit.models import AuditEvent, Branch, Region, Role, ScorecardVersion, StaffMember, User
from audit.org.csv_import import import_branches
from audit.scorecards.fileformat import load_file
from audit.scorecards.store import save_definition
from audit.storage import storage

DEMO_PASSWORD = "demo"  # noqa: S105  (documented demo login, only ever on demo data)

#: The standard scorecard library shipped with the application.
SCORECARD_LIBRARY = PROJECT_ROOT / "scorecards"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    role: Role
    note: str


DEMO_LOGINS = (
    DemoLogin("admin@demo.test", "Priya Shah", Role.ADMIN, "administrator"),
    DemoLogin(
        "manager@demo.test", "Daniel Okafor", Role.MANAGER, "head-office manager, all regions"
    ),
    DemoLogin("north@demo.test", "Fiona MacLeod", Role.MANAGER, "regional manager, North only"),
    DemoLogin("assessor@demo.test", "Tom Brennan", Role.ASSESSOR, "internal assessor"),
    DemoLogin("shopper@demo.test", "Lucy Adams", Role.SHOPPER, "mystery shopper"),
    DemoLogin("staff@demo.test", "Amira Hassan", Role.STAFF, "staff member at Leeds Briggate"),
)

#: The demo's branches, in the format of the branch import (Organisation > Import).
BRANCHES_FILE = Path(__file__).with_name("branches.csv")

FIRST_NAMES = (
    "Olivia Jack Amelia Harry Isla Oscar Ava George Mia Noah Grace Leo Sophie Arthur Ella Jacob "
    "Chloe Mohammed Emily Ethan Zara Samuel Hannah Joseph Ruby Daniel Aisha Thomas Freya Ryan "
    "Megan Adam Layla Kieran Niamh Callum Evie Rhys Anika Jamal Sian Tariq Holly Marek Bethan"
).split()
LAST_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Robinson Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke Khan Hughes Edwards Turner Begum Murphy "
    "Kowalski Campbell Price Bennett Ali Lewis Morgan Cooper Reid Nowak Singh Harris Kelly"
).split()
JOB_TITLES = (
    ("Branch Manager", 1),
    ("Customer Service Adviser", 3),
    ("Mortgage Adviser", 1),
    ("Savings Specialist", 1),
)


class DemoRefused(RuntimeError):
    pass


def database_has_data() -> bool:
    for model in (User, Region, Branch):
        if db.session.scalar(select(func.count()).select_from(model)):
            return True
    return False


def load_demo(seed: int = 7, *, visits: bool = True, today: date | None = None) -> dict[str, int]:
    """Fill an empty database; refuse (DemoRefused) when it already holds data.

    Builds the organisation and the demo logins, imports and publishes the standard
    scorecard library and (unless ``visits`` is False) about six months of scored
    visits up to the day before ``today``.
    """
    if database_has_data():
        raise DemoRefused("The database already holds data; the demo only loads into an empty one.")
    rng = random.Random(seed)
    import_branches(BRANCHES_FILE.read_bytes(), BRANCHES_FILE.name)
    regions = {r.name: r for r in db.session.scalars(select(Region).order_by(Region.id))}
    branches = list(db.session.scalars(select(Branch).order_by(Branch.id)))

    used_names: set[str] = set()
    staff: list[StaffMember] = []
    number = 0
    for branch in branches:
        for title, count in JOB_TITLES:
            for _ in range(count):
                number += 1
                name = _unique_name(rng, used_names)
                member = StaffMember(
                    code=f"S{number:04d}",
                    name=name,
                    job_title=title,
                    branch=branch,
                    email=f"{name.lower().replace(' ', '.')}@harbourvale.example",
                )
                staff.append(member)
                db.session.add(member)

    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        user = User(email=login.email, name=login.name, role=login.role)
        user.set_password(DEMO_PASSWORD)
        users[login.email] = user
        db.session.add(user)
    users["north@demo.test"].regions = [regions["North"]]

    shoppers: dict[str, list[User]] = {name: [] for name in regions}
    shoppers[LOGIN_SHOPPER_REGION].append(users["shopper@demo.test"])
    for email, name, region in AGENCY_SHOPPERS:
        user = users[email] = User(email=email, name=name, role=Role.SHOPPER)
        shoppers[region].append(user)
        db.session.add(user)

    leeds_adviser = next(
        m for m in staff if m.branch.code == "LDS01" and m.job_title == "Customer Service Adviser"
    )
    leeds_adviser.name = "Amira Hassan"
    leeds_adviser.email = "staff@demo.test"
    leeds_adviser.user = users["staff@demo.test"]
    db.session.flush()

    now = datetime.now(UTC)
    since = now - timedelta(days=DAYS_BACK + 200)  # the organisation existed before the visits
    for row in (*branches, *staff, *users.values()):
        row.created_at = since
    versions = import_library(users["admin@demo.test"], now - timedelta(days=DAYS_BACK + 21))
    counts = {
        "regions": len(regions),
        "branches": len(branches),
        "staff": len(staff),
        "users": len(users),
        "scorecards": len(versions),
        "visits": 0,
    }
    if visits:
        summary = generate_visits(
            seed=seed,
            branches=branches,
            versions=versions,
            shoppers=shoppers,
            assessor=users["assessor@demo.test"],
            returned_by=users["shopper@demo.test"],
            today=today,
        )
        made = {visit for visit, _ in summary.made}
        checked = plant_cases(summary, storage())
        counts["visits"] = summary.visits + sum(v not in made for v in checked)
        activity = generate_activity(seed=seed, users=users, today=today)
        counts.update(activity.counts())
        # The trust signals of the planted cases (the other visits raise none).
        compute_planted(checked, storage())
    return counts


def import_library(
    actor: User, published_at: datetime, folder: Path = SCORECARD_LIBRARY
) -> dict[str, ScorecardVersion]:
    """Import and publish every scorecard file in ``folder``; returns the versions by slug.

    The versions are dated ``published_at`` (before the first demo visit), so no visit
    predates the version it was filled in against.
    """
    versions: dict[str, ScorecardVersion] = {}
    for path in sorted(folder.glob("*.yaml")):
        version, _ = save_definition(load_file(path), actor, publish=True)
        version.created_at = version.published_at = published_at
        version.scorecard.created_at = published_at
        versions[version.scorecard.slug] = version
    db.session.flush()
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == ScorecardVersion.__tablename__,
            AuditEvent.subject_id.in_([v.id for v in versions.values()]),
        )
    )
    for event in events:
        event.at = published_at
    return versions


def _unique_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in used and name != "Amira Hassan":
            used.add(name)
            return name
