"""Both storage backends for the privacy tests: ``backend`` points the test's app at a
folder or at a bucket on moto's S3 server."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture(params=["file", "s3"])
def backend(request: pytest.FixtureRequest, app: Flask, tmp_path) -> str:  # noqa: ANN001
    """The app's ``STORAGE_URL`` for this test: a folder, or a fresh S3 bucket."""
    if request.param == "file":
        url = (tmp_path / "stored").as_uri()
    else:
        url = request.getfixturevalue("s3").url("audit")
    app.config["STORAGE_URL"] = url
    return request.param
