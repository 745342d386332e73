"""A throw-away app on 127.0.0.1 for the browser benchmarks, and the shopper's way in.

The demo organisation, the demo shopper with an accepted assignment at Leeds
(the branch-visit scorecard, or the generated 60-question one), a SQLite file
in a temporary folder, served from a thread.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
SHOPPER = "shopper@demo.test"


def serve(folder: Path, *, sixty: bool = False):  # noqa: ANN201
    """Start the app; returns (server, base URL). Call ``server.shutdown()`` when done."""
    from sqlalchemy import select
    from werkzeug.serving import WSGIRequestHandler, make_server

    from audit import create_app
    from audit.assignments.service import today
    from audit.demo.load import load_demo
    from audit.extensions import db
    from audit.models import Assignment, AssignmentStatus, Branch, Scorecard, User
    from audit.scorecards.fileformat import definition_from_data
    from audit.scorecards.store import save_definition
    from bench.page_weight import sixty_questions

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: object) -> None:
            pass

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "INSTANCE_PATH": folder,
            "SECRET_KEY": "browser-bench",
            "UPLOAD_FOLDER": str(folder / "uploads"),
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(visits=False)
        slug = "branch-visit"
        if sixty:
            definition, errors = definition_from_data(sixty_questions())
            assert definition is not None, errors
            save_definition(definition, publish=True)
            slug = "sixty"
        db.session.add(
            Assignment(
                scorecard=db.session.scalar(select(Scorecard).where(Scorecard.slug == slug)),
                branch=db.session.scalar(select(Branch).where(Branch.code == "LDS01")),
                shopper=db.session.scalar(select(User).where(User.email == SHOPPER)),
                window_start=today(),
                window_end=today() + timedelta(days=7),
                status=AssignmentStatus.ACCEPTED,
                scenario="Ask about a fixed-rate ISA for a first-time saver.",
            )
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def sign_in(page, base: str) -> None:  # noqa: ANN001
    from audit.demo.load import DEMO_PASSWORD

    page.goto(base + "/login")
    page.fill("#email", SHOPPER)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/shop/")


def start_visit(page) -> str:  # noqa: ANN001
    """Start the accepted assignment from the home page; returns the form's path."""
    page.locator("input[name=share_location]").uncheck()
    page.get_by_role("button", name="Start the visit").tap()
    page.wait_for_url("**/shop/visits/*")
    return "/" + page.url.split("/", 3)[3]
