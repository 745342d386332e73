"""Accessibility: axe-core over every kind of page, at a phone's width and a desktop's.

The demo organisation is loaded once for the module and served from a thread; each
person signs in once per width. Every page kind is one test (``-k "reports"`` picks
some), and a failure names the page, the width, each rule and the elements it found.
axe-core is the ``axe.min.js`` shipped inside the ``axe-playwright-python`` package
(requirements-test.txt), injected into the page: nothing is fetched from a CDN.

A page fails on any critical or serious violation, and on the few moderate rules the
product promises too (every page has one ``h1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from audit.coaching.recognition import kudos_allowed
from audit.demo.load import DEMO_PASSWORD, load_demo
from audit.extensions import db
from audit.models import (
    Action,
    Appeal,
    AppealStatus,
    Assignment,
    AssignmentStatus,
    Branch,
    CoachingNote,
    Region,
    Scorecard,
    StaffMember,
    User,
    Visit,
    VisitStatus,
)
from audit.scorecards.store import start_draft
from audit.shop.service import start_visit
from tests.browser.conftest import PHONE
from tests.conftest import make_app, unavailable
from tests.served import serve

WIDTHS = {"phone": 360, "desktop": 1280}
FAILING_IMPACTS = ("critical", "serious")
#: Moderate rules that still fail a page.
ALSO_FAILING = ("page-has-heading-one",)

ADMIN = "admin@demo.test"
MANAGER = "manager@demo.test"
ASSESSOR = "assessor@demo.test"
SHOPPER = "shopper@demo.test"
STAFF = "staff@demo.test"


@dataclass(frozen=True)
class Kind:
    """A kind of page: who opens it and how to find one in the demo data."""

    login: str | None
    path: str
    status: int = 200


#: Every kind of page, by a readable name; ``{…}`` fields come from the demo data.
KINDS: dict[str, Kind] = {
    "login": Kind(None, "/login"),
    "error: not found": Kind(MANAGER, "/no-such-page", 404),
    "error: forbidden": Kind(SHOPPER, "/admin/users", 403),
    "home: administrator": Kind(ADMIN, "/"),
    "home: manager": Kind(MANAGER, "/"),
    "home: assessor": Kind(ASSESSOR, "/"),
    "home: shopper": Kind(SHOPPER, "/"),
    "home: staff": Kind(STAFF, "/"),
    "shopper: offered assignment": Kind(SHOPPER, "/assignments/{offered}/offer"),
    "shopper: sent visit": Kind(SHOPPER, "/shop/visits/{sent}"),
    "assessor: new audit": Kind(ASSESSOR, "/shop/audits/new"),
    "review queue": Kind(MANAGER, "/review/"),
    "review: visit": Kind(MANAGER, "/review/visits/{submitted}"),
    "review: comment library": Kind(MANAGER, "/review/comments"),
    "scorecards list": Kind(ADMIN, "/scorecards/"),
    "scorecards: published version": Kind(ADMIN, "/scorecards/customer-survey/v1"),
    "scorecards: preview": Kind(ADMIN, "/scorecards/branch-visit/v1/preview"),
    "scorecards: new": Kind(ADMIN, "/scorecards/new"),
    "scorecards: upload": Kind(ADMIN, "/scorecards/upload"),
    "builder: draft": Kind(ADMIN, "/scorecards/branch-visit/v{draft}"),
    "builder: settings": Kind(ADMIN, "/scorecards/branch-visit/v{draft}/settings"),
    "builder: section": Kind(ADMIN, "/scorecards/branch-visit/v{draft}/sections/0"),
    "builder: question": Kind(ADMIN, "/scorecards/branch-visit/v{draft}/sections/0/questions/0"),
    "assignments list": Kind(MANAGER, "/assignments/"),
    "assignments: new": Kind(MANAGER, "/assignments/new"),
    "assignments: one": Kind(MANAGER, "/assignments/{offered}"),
    "reports: company": Kind(MANAGER, "/reports/"),
    "reports: region": Kind(MANAGER, "/reports/regions/{region}"),
    "reports: branch": Kind(MANAGER, "/reports/branches/{branch_code}"),
    "reports: staff": Kind(MANAGER, "/reports/staff/{staff_code}"),
    "reports: compare (job)": Kind(MANAGER, "/reports/compare.pdf"),
    "reports: scheduled reports": Kind(MANAGER, "/reports/subscriptions"),
    "reports: unusable unsubscribe link": Kind(None, "/reports/unsubscribe/not-a-real-link", 404),
    "coaching: overview": Kind(MANAGER, "/coaching/"),
    "coaching: staff visit": Kind(STAFF, "/coaching/me/visits/{staff_visit}"),
    "coaching: note": Kind(STAFF, "/coaching/notes/{note}"),
    "coaching: new note": Kind(MANAGER, "/coaching/staff/{staff}/notes/new"),
    "coaching: new kudos": Kind(MANAGER, "/coaching/staff/{praised}/kudos/new?visit={excellent}"),
    "actions list": Kind(MANAGER, "/actions/"),
    "actions: one": Kind(MANAGER, "/actions/{action}"),
    "actions: new": Kind(MANAGER, "/actions/new"),
    "actions: edit": Kind(MANAGER, "/actions/{action}/edit"),
    "appeals list": Kind(MANAGER, "/appeals/"),
    "appeals: one": Kind(MANAGER, "/appeals/{appeal}"),
    "appeals: new": Kind(STAFF, "/appeals/visits/{staff_visit}/new"),
    "notifications": Kind(MANAGER, "/notifications/"),
    "org: regions": Kind(ADMIN, "/org/regions"),
    "org: region": Kind(ADMIN, "/org/regions/{region}"),
    "org: branches": Kind(ADMIN, "/org/branches"),
    "org: branch": Kind(ADMIN, "/org/branches/{branch}"),
    "org: staff": Kind(ADMIN, "/org/staff"),
    "org: staff member": Kind(ADMIN, "/org/staff/{staff}"),
    "org: import": Kind(ADMIN, "/org/import"),
    "admin: users": Kind(ADMIN, "/admin/users"),
    "admin: user": Kind(ADMIN, "/admin/users/{user}"),
    "admin: new user": Kind(ADMIN, "/admin/users/new"),
    "admin: settings": Kind(ADMIN, "/admin/settings"),
    "admin: erase a person": Kind(ADMIN, "/admin/privacy/users/{user}/erase"),
    "admin: webhooks": Kind(ADMIN, "/admin/webhooks/"),
    "admin: new webhook": Kind(ADMIN, "/admin/webhooks/new"),
    "account": Kind(MANAGER, "/account"),
    "account: two-factor": Kind(STAFF, "/account/two-factor"),
    "forgotten password": Kind(None, "/forgot"),
    "reset: unusable link": Kind(None, "/reset/not-a-real-link", 400),
    "invitation: unusable link": Kind(None, "/invite/not-a-real-link", 404),
    "invitations: waiting": Kind(MANAGER, "/invitations"),
    "invitations: new": Kind(MANAGER, "/invitations/new"),
    "invitations: from a file": Kind(ADMIN, "/invitations/csv"),
    "api: reference": Kind(None, "/api/v1/docs"),
}


def _axe_script() -> str:
    try:
        return (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")
    except ModuleNotFoundError:
        unavailable("axe-playwright-python is not installed (make test installs it)")
        raise


class Site:
    """The served demo, the records each kind of page needs, and signed-in browsers."""

    def __init__(self, url: str, ids: dict[str, object], browser: object) -> None:
        self.url = url
        self.ids = ids
        self.browser = browser
        self.contexts: dict[tuple[str | None, int], object] = {}

    def page(self, login: str | None, width: int):  # noqa: ANN201
        """A new tab at ``width`` px, signed in as ``login`` (one sign-in per person and width)."""
        key = (login, width)
        if key not in self.contexts:
            if width < 576:
                options = {**PHONE, "viewport": {"width": width, "height": 800}}
            else:
                options = {"viewport": {"width": width, "height": 900}, "locale": "en-GB"}
            context = self.browser.new_context(**options)  # type: ignore[attr-defined]
            context.set_default_timeout(15_000)
            if login:
                page = context.new_page()
                page.goto(f"{self.url}/login")
                page.fill("#email", login)
                page.fill("#password", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                assert "/login" not in page.url, f"{login} could not sign in"
                page.close()
            self.contexts[key] = context
        return self.contexts[key].new_page()  # type: ignore[attr-defined]


def _demo_ids() -> dict[str, object]:
    """Load the demo, add a draft visit and a draft scorecard; the records pages show."""
    load_demo()
    shopper = db.session.scalar(select(User).where(User.email == SHOPPER))
    admin = db.session.scalar(select(User).where(User.email == ADMIN))
    manager = db.session.scalar(select(User).where(User.email == MANAGER))
    accepted = db.session.scalar(
        select(Assignment).where(Assignment.status == AssignmentStatus.ACCEPTED)
    )
    draft_visit = start_visit(accepted, shopper)
    card = db.session.scalar(select(Scorecard).where(Scorecard.slug == "branch-visit"))
    draft = start_draft(card, admin)
    db.session.flush()
    amira = db.session.scalar(select(StaffMember).where(StaffMember.email == STAFF))
    staff_visit = db.session.scalar(
        select(Visit)
        .where(Visit.status == VisitStatus.PUBLISHED, Visit.staff.contains(amira))
        .order_by(Visit.visited_at.desc())
    )
    leeds = db.session.scalar(select(Branch).where(Branch.code == "LDS01"))
    excellent = next(
        visit
        for visit in db.session.scalars(
            select(Visit)
            .where(Visit.status == VisitStatus.PUBLISHED, Visit.staff.any())
            .order_by(Visit.percent.desc())
        )
        if kudos_allowed(visit)
    )
    ids = {
        "draft_visit": draft_visit.id,
        "offered": db.session.scalar(
            select(Assignment.id).where(Assignment.status == AssignmentStatus.OFFERED)
        ),
        "sent": db.session.scalar(
            select(Visit.id)
            .where(
                Visit.visitor_id == shopper.id,
                Visit.status.in_(
                    (VisitStatus.SUBMITTED, VisitStatus.APPROVED, VisitStatus.PUBLISHED)
                ),
            )
            .order_by((Visit.status == VisitStatus.SUBMITTED).desc(), Visit.id)  # waiting first
        ),
        "submitted": db.session.scalar(
            select(Visit.id).where(Visit.status == VisitStatus.SUBMITTED).order_by(Visit.id)
        ),
        "draft": draft.number,
        "region": db.session.scalar(select(Region.id).order_by(Region.id)),
        "branch": leeds.id,
        "branch_code": leeds.code,
        "staff": amira.id,
        "staff_code": amira.code,
        "staff_visit": staff_visit.id,
        "excellent": excellent.id,
        "praised": excellent.staff[0].id,
        "note": db.session.scalar(
            select(CoachingNote.id).where(CoachingNote.staff_member_id == amira.id)
        ),
        "action": db.session.scalar(select(Action.id).order_by(Action.id)),
        "appeal": db.session.scalar(select(Appeal.id).where(Appeal.status == AppealStatus.OPEN)),
        "user": manager.id,
    }
    db.session.commit()
    missing = [name for name, value in ids.items() if value is None]
    assert not missing, f"the demo has no record for {missing}"
    return ids


@pytest.fixture(scope="module")
def site(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:  # noqa: ANN001
    tmp_path: Path = tmp_path_factory.mktemp("axe")
    app = make_app(
        f"sqlite:///{tmp_path / 'axe.db'}",
        tmp_path,
        WTF_CSRF_ENABLED=True,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        REPORT_JOB_MIN_BRANCHES=0,  # the comparison runs as a job, so its page is shown
    )
    with app.app_context():
        db.create_all()
        ids = _demo_ids()
    try:
        with serve(app) as server:
            site = Site(server.url, ids, browser)  # type: ignore[attr-defined]
            yield site
            for context in site.contexts.values():
                context.close()  # type: ignore[attr-defined]
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def axe_script() -> str:
    return _axe_script()


def violations(page, axe_script: str) -> list[str]:  # noqa: ANN001
    """What axe-core finds on the page as it is now: one readable line per failing rule."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script)
    found = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    lines = []
    for rule in found:
        if rule["impact"] not in FAILING_IMPACTS and rule["id"] not in ALSO_FAILING:
            continue
        nodes = rule["nodes"]
        targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:4])
        more = f" and {len(nodes) - 4} more" if len(nodes) > 4 else ""
        why = nodes[0].get("failureSummary", "").replace("\n", " ") if nodes else ""
        lines.append(
            f"  {rule['id']} ({rule['impact']}): {rule['help']}; "
            f"{len(nodes)} element(s): {targets}{more}\n    first: {why}"
        )
    return lines


def report(where: str, lines: list[str]) -> str:
    return f"{where}:\n" + "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", KINDS)
def test_page_has_no_serious_accessibility_violation(
    site: Site,
    axe_script: str,
    name: str,
    width: int,
) -> None:
    kind = KINDS[name]
    path = kind.path.format(**site.ids)
    page = site.page(kind.login, width)
    try:
        response = page.goto(f"{site.url}{path}")
        assert response is not None and response.status == kind.status, f"{name}: {path}"
        found = violations(page, axe_script)
    finally:
        page.close()
    assert not found, report(f"{name} at {width} px ({path})", found)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_step_of_the_visit_form_is_accessible(
    site: Site, axe_script: str, width: int
) -> None:
    """The shopper's form shows one step at a time: each step is checked as shown, then
    the form after Send with nothing answered (what is missing, and a question's message)."""
    page = site.page(SHOPPER, width)
    path = f"/shop/visits/{site.ids['draft_visit']}"
    problems: list[str] = []

    def check(where: str) -> None:
        found = violations(page, axe_script)
        if found:
            problems.append(report(where, found))

    try:
        page.goto(f"{site.url}{path}")
        page.wait_for_selector("[data-visit-nav]:not([hidden])")
        steps = page.locator("section.visit-section").count()
        for step in range(steps):
            title = page.locator("section.visit-section:visible").get_attribute("data-title")
            check(f"step {step + 1} of {steps} ({title})")
            if step < steps - 1:
                page.click("[data-next]")
                page.wait_for_timeout(200)
        page.click("#submit-button")
        page.wait_for_timeout(500)
        check("after Send with answers missing")
        page.locator("[data-go]").nth(2).click()
        page.wait_for_timeout(200)
        check("a question with its message, reached from the list of what is missing")
    finally:
        page.close()
    assert not problems, f"the visit form ({path}) at {width} px:\n" + "\n".join(problems)
