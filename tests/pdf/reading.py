"""Reading rendered PDFs back with pypdf, and the world the PDF module fixture shares."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from flask import Flask
from pypdf import PdfReader

from tests.reporting.dataset import Org, Reference


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


@dataclass
class World:
    """The seeded report dataset with :func:`tests.builders.add_review_story` on it, and
    the PDFs rendered from it so far."""

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
