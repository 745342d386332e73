"""One seeded dataset per database for the whole PDF test module, each report rendered once.

Rendering a PDF takes a fraction of a second; building the dataset more.
So a module-scoped fixture builds the data (the reporting tests' seeded
dataset plus, from :func:`tests.builders.add_review_story`, a shopper, a staff
login, a photo and a review history on one published visit), renders every
report once, and the tests read the shared PDFs back with pypdf
(:mod:`tests.pdf.reading`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.conftest as base
from tests.builders import add_review_story
from tests.pdf.reading import World
from tests.reporting.dataset import build


@pytest.fixture(scope="module", params=base.DATABASES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    kind = request.param
    with base.module_database(request, tmp_path_factory, "pdf") as app:
        org, ref = build(5, regions=3, branches=6, visits=120)
        story = add_review_story(Path(app.config["UPLOAD_FOLDER"]))
        yield World(
            app,
            kind,
            org,
            ref,
            story.visit_id,
            story.staff_code,
            story.staff_user_id,
            story.manager_id,
            story.manager_region_id,
        )
