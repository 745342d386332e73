"""A believable demo organisation: a building society with branches in three regions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from audit.config import PROJECT_ROOT
from audit.demo.activity import generate_activity
from audit.demo.profiles import DAYS_BACK
from audit.demo.story import ACTIVITY_COUNTS as ACTIVITY_COUNTS
from audit.demo.visits import generate_visits
from audit.extensions import db
from audit.models import AuditEvent, Branch, Region, Role, ScorecardVersion, StaffMember, User
from audit.scorecards.fileformat import load_file
from audit.scorecards.store import save_definition

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

# (code, name, address, lat, lng)
BRANCHES: dict[str, list[tuple[str, str, str, float, float]]] = {
    "North": [
        ("LDS01", "Leeds Briggate", "112 Briggate, Leeds LS1 6BR", 53.7983, -1.5425),
        ("MAN01", "Manchester King Street", "41 King Street, Manchester M2 7AT", 53.4812, -2.2448),
        (
            "NCL01",
            "Newcastle Grey Street",
            "27 Grey Street, Newcastle upon Tyne NE1 6EE",
            54.9712,
            -1.6111,
        ),
        ("YRK01", "York Coney Street", "8 Coney Street, York YO1 9NA", 53.9590, -1.0845),
        ("SHF01", "Sheffield Fargate", "19 Fargate, Sheffield S1 2HD", 53.3817, -1.4689),
    ],
    "Midlands": [
        ("BHM01", "Birmingham New Street", "96 New Street, Birmingham B2 4HQ", 52.4790, -1.8978),
        ("NOT01", "Nottingham Market Square", "3 Long Row, Nottingham NG1 2DH", 52.9537, -1.1500),
        (
            "LEI01",
            "Leicester Gallowtree Gate",
            "24 Gallowtree Gate, Leicester LE1 5AD",
            52.6356,
            -1.1329,
        ),
        (
            "COV01",
            "Coventry Hertford Street",
            "15 Hertford Street, Coventry CV1 1LF",
            52.4066,
            -1.5117,
        ),
        (
            "DBY01",
            "Derby St Peter's Street",
            "51 St Peter's Street, Derby DE1 2AB",
            52.9205,
            -1.4766,
        ),
    ],
    "South": [
        ("BRS01", "Bristol Broadmead", "63 Broadmead, Bristol BS1 3EA", 51.4585, -2.5890),
        ("BTN01", "Brighton North Street", "72 North Street, Brighton BN1 1ZA", 50.8232, -0.1417),
        (
            "SOU01",
            "Southampton Above Bar",
            "140 Above Bar Street, Southampton SO14 7DU",
            50.9066,
            -1.4043,
        ),
        ("RDG01", "Reading Broad Street", "35 Broad Street, Reading RG1 2BH", 51.4557, -0.9730),
        ("OXF01", "Oxford Cornmarket", "12 Cornmarket Street, Oxford OX1 3EX", 51.7527, -1.2587),
    ],
}

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
    regions: dict[str, Region] = {}
    branches: list[Branch] = []
    for region_name, rows in BRANCHES.items():
        region = Region(name=region_name)
        regions[region_name] = region
        db.session.add(region)
        for code, name, address, lat, lng in rows:
            branch = Branch(code=code, name=name, address=address, lat=lat, lng=lng, region=region)
            branches.append(branch)
            db.session.add(branch)

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
            shopper=users["shopper@demo.test"],
            assessor=users["assessor@demo.test"],
            today=today,
        )
        counts["visits"] = summary.visits
        activity = generate_activity(seed=seed, users=users, today=today)
        counts.update(activity.counts())
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
