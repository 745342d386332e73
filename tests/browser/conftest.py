"""Browser tests: the app served from a thread on 127.0.0.1, driven by Chromium (Playwright).

They run on SQLite only: the server thread and the test share one temporary
database file (WAL lets them read and write side by side). Every test in this
folder is marked ``browser``; ``pytest -m "not browser"`` leaves them out.
Chromium is Debian's (/usr/bin/chromium, ``make browser`` installs it): the
tests are skipped when it is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer

from audit.extensions import db
from tests.conftest import make_app, unavailable
from tests.served import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-GB",
    "timezone_id": "Europe/London",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    app: Flask
    url: str
    server: BaseWSGIServer

    def requests(self, method: str, path: str) -> int:
        """How many ``method path`` requests the server has answered so far."""
        return self.server.seen.count((method, path))  # type: ignore[attr-defined]

    def login(self, page, email: str, password: str, *, go: bool = True) -> None:  # noqa: ANN001
        """Sign in; ``go=False`` uses the sign-in page the browser is already on."""
        if go:
            page.goto(f"{self.url}/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app with real CSRF checks, on a free port, for one test."""
    app = make_app(
        f"sqlite:///{tmp_path / 'live.db'}",
        tmp_path,
        WTF_CSRF_ENABLED=True,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
    )
    with app.app_context():
        db.create_all()
    try:
        with serve(app) as server:
            yield LiveServer(app, server.url, server)  # type: ignore[attr-defined]
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        unavailable("Chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_phone(browser):  # noqa: ANN001, ANN201
    """Make phone-sized browser contexts (390×844, touch); all closed after the test."""
    contexts = []

    def make(**overrides):  # noqa: ANN003, ANN202
        context = browser.new_context(**{**PHONE, **overrides})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
