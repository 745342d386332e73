"""One seeded dataset per database for the whole PDF test module, each report rendered once.

Rendering a PDF takes a fraction of a second; building the dataset more.
So a module-scoped fixture builds the data (the reporting tests' seeded
dataset plus a shopper, a staff login, a photo and a review history on one
published visit), renders every report once, and the tests read the shared
PDFs back with pypdf.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, text

import tests.conftest as base
from audit.extensions import db
from audit.models import (
    AnswerChange,
    Attachment,
    AttachmentKind,
    AuditEvent,
    Region,
    Role,
    StaffMember,
    Visit,
    VisitStatus,
)
from audit.storage.files import FileStore
from tests.builders import make_user
from tests.reporting.dataset import Org, Reference, build

SHOPPER_NAME = "Sally Quartermaine"
SHOPPER_EMAIL = "sally.quartermaine@shoppers.example"
REVIEWER_NAME = "Rita Reviewer"
PHOTO_ORIGINAL = "IMG_4711.jpg"


@dataclass
class Pdf:
    data: bytes
    reader: PdfReader = field(init=False)
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.reader = PdfReader(io.BytesIO(self.data))
        self.text = "\n".join(page.extract_text() or "" for page in self.reader.pages)

    @property
    def pages(self) -> int:
        return len(self.reader.pages)

    @property
    def flat(self) -> str:
        """The text with runs of whitespace made one space (pypdf breaks lines freely)."""
        return re.sub(r"\s+", " ", self.text)

    def image_count(self) -> int:
        return sum(len(page.images) for page in self.reader.pages)


def jpeg(
    width: int = 320, height: int = 240, colour: tuple[int, int, int] = (42, 157, 143)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def attach_photo(visit: Visit, question_key: str | None, upload_folder: Path) -> Attachment:
    store = FileStore(upload_folder)
    name, thumb = store.new_names()
    data = jpeg()
    store.save(name, data)
    store.save(thumb, jpeg(160, 120))
    attachment = Attachment(
        visit=visit,
        question_key=question_key,
        kind=AttachmentKind.PHOTO,
        original_name=PHOTO_ORIGINAL,
        stored_name=name,
        thumb_name=thumb,
        content_type="image/jpeg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=320,
        height=240,
        captured_at=visit.visited_at,
    )
    db.session.add(attachment)
    return attachment


@dataclass
class World:
    app: Flask
    kind: str
    org: Org
    ref: Reference
    visit_id: int
    staff_code: str
    staff_user_id: int
    manager_id: int  # scoped to one region
    manager_region_id: int
    pdfs: dict[str, Pdf] = field(default_factory=dict)


def _story(world_org: Org, upload_folder: Path) -> tuple[int, str, int, int, int]:
    """A shopper, a reviewer, a staff login and a photo on one published visit with staff."""
    visit = db.session.scalars(
        select(Visit)
        .where(Visit.status == VisitStatus.PUBLISHED, Visit.excluded.is_(False))
        .where(Visit.staff.any())
        .order_by(Visit.id)
    ).first()
    assert visit is not None
    shopper = make_user(Role.SHOPPER, SHOPPER_EMAIL, name=SHOPPER_NAME)
    reviewer = make_user(Role.MANAGER, name=REVIEWER_NAME)
    member: StaffMember = visit.staff[0]
    staff_user = make_user(Role.STAFF, name=member.name)
    member.user = staff_user
    visit.visitor = shopper
    first_key = visit.answers[0].question_key
    attach_photo(visit, first_key, upload_folder)
    at = visit.visited_at
    db.session.add_all(
        [
            AuditEvent(
                actor=shopper,
                action="visit.submitted",
                subject_type="visits",
                subject_id=visit.id,
                at=at + timedelta(hours=1),
            ),
            AuditEvent(
                actor=reviewer,
                action="visit.approved",
                subject_type="visits",
                subject_id=visit.id,
                at=at + timedelta(days=1),
                details={"percent": visit.percent},
            ),
            AnswerChange(
                visit=visit,
                question_key=first_key,
                old_value="no",
                new_value="yes",
                reason="The photo shows the badge",
                changed_by=reviewer,
                changed_at=at + timedelta(hours=20),
            ),
        ]
    )
    region_id = world_org.branch_region[visit.branch.code]
    manager = make_user(Role.MANAGER, regions=[db.session.get(Region, region_id)])
    db.session.commit()
    return visit.id, member.code, staff_user.id, manager.id, region_id


@pytest.fixture(scope="module", params=base.DATABASES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    kind = request.param
    tmp = tmp_path_factory.mktemp(f"pdf-{kind}")
    app = base.make_app(base.database_url(kind, tmp), tmp, UPLOAD_FOLDER=str(tmp / "uploads"))
    with app.app_context():
        if kind == "postgresql" and not base._postgres_schema_ready:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
            base._postgres_schema_ready = True
        elif kind == "postgresql":
            base._empty_postgres()
        else:
            db.create_all()
        org, ref = build(5, regions=3, branches=6, visits=120)
        visit_id, staff_code, staff_user_id, manager_id, region_id = _story(
            org, Path(app.config["UPLOAD_FOLDER"])
        )
        world = World(
            app, kind, org, ref, visit_id, staff_code, staff_user_id, manager_id, region_id
        )
        yield world
        db.session.remove()
        if kind == "postgresql":
            base._empty_postgres()
            db.session.remove()
        db.engine.dispose()
