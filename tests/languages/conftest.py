from __future__ import annotations

import pytest

from tests.languages.catalogues import ensure_compiled


@pytest.fixture(autouse=True, scope="session")
def compiled_catalogues() -> None:
    ensure_compiled()
