"""First-load weight of the shopper's visit form, as a phone downloads it (gzip).

Fetches the form page and every asset it references (stylesheets, scripts,
images, icons, the service worker, and url(...) inside the stylesheets) with an
empty cache and ``Accept-Encoding: gzip``, and prints the bytes transferred per
resource (body as sent + response headers) and in total; the copy of the page
that the service worker keeps for offline use is counted as a second download
of the page. Exits 1 over the budget.

``--browser`` measures the same first load in Chromium instead (390×844, empty
HTTP cache, no service worker yet): every response the page and its service
worker receive, from the navigation until the page is kept for offline use,
counted by Chromium as transferred (encoded body + headers).

    # a throw-away demo database and the Flask test client (nothing to start):
    .venv/bin/python bench/page_weight.py
    .venv/bin/python bench/page_weight.py --questions 60     # a generated 60-question card
    .venv/bin/python bench/page_weight.py --browser          # measured by Chromium
    .venv/bin/python bench/page_weight.py --browser --questions 60

    # a running server (make run): signs in as the demo shopper and opens a visit
    .venv/bin/python bench/page_weight.py --url http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: (status, headers as text, body as sent)
Fetch = Callable[[str], tuple[int, str, bytes]]
BUDGET_KB = 150
ASSET = re.compile(
    r"""<(?:link[^>]+href|script[^>]+src|img[^>]+src|meta name="service-worker" content)"""
    r"""\s*=\s*["']([^"']+)["']""",
    re.IGNORECASE,
)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def measure(fetch: Fetch, page: str) -> list[tuple[str, int, int]]:
    """(path, bytes transferred, body bytes) for the page and everything it loads."""
    seen: list[str] = []
    rows: list[tuple[str, int, int]] = []
    queue = [page]
    while queue:
        path = queue.pop(0)
        if path in seen or path.startswith(("data:", "http://", "https://", "//")):
            continue
        seen.append(path)
        status, headers, body = fetch(path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
        rows.append((path, len(headers) + len(body), len(body)))
        if "gzip" in headers.lower() and body[:2] == b"\x1f\x8b":
            import gzip

            text = gzip.decompress(body).decode("utf-8", "replace")
        else:
            text = body.decode("utf-8", "replace")
        if path == page:
            found = ASSET.findall(text)
        elif path.split("?")[0].endswith(".css"):
            found = CSS_URL.findall(text)
        else:
            found = []
        for ref in found:
            queue.append(urllib.parse.urljoin(path, ref.replace("&amp;", "&")))
    if any(p.endswith("/sw.js") for p, _, _ in rows):
        rows.append((f"{page} (kept offline by sw.js)", rows[0][1], rows[0][2]))
    return rows


def report(rows: list[tuple[str, int, int]], budget_kb: int) -> int:
    width = max(len(p) for p, _, _ in rows)
    print(f"{'resource':<{width}}  {'body':>9}  {'+headers':>9}")
    for path, transferred, body in rows:
        print(f"{path:<{width}}  {body:>9,}  {transferred:>9,}")
    total = sum(t for _, t, _ in rows)
    print(f"{'total (' + str(len(rows)) + ' requests)':<{width}}  {'':>9}  {total:>9,}")
    verdict = "within" if total < budget_kb * 1024 else "OVER"
    print(f"{total / 1024:.1f} KB transferred: {verdict} the {budget_kb} KB budget")
    return 0 if total < budget_kb * 1024 else 1


# --- a running server ----------------------------------------------------------------


def against_server(base: str, email: str, password: str) -> tuple[Fetch, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def open_(path: str, data: dict[str, str] | None = None):  # noqa: ANN202
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(base + path, data=body)
        return opener.open(request, timeout=30)

    def csrf(html: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if not match:
            raise SystemExit("no CSRF token on the page")
        return match.group(1)

    login = open_("/login").read().decode()
    open_("/login", {"csrf_token": csrf(login), "email": email, "password": password})
    home = open_("/shop/")
    html = home.read().decode()
    if not home.geturl().endswith("/shop/"):
        raise SystemExit(f"could not sign in as {email}")
    visit = re.search(r'href="(/shop/visits/\d+)"', html)
    if visit:
        page = visit.group(1)
    else:
        start = re.search(r'action="(/shop/assignments/\d+/start)"', html)
        if not start:
            raise SystemExit(
                f"{email} has no visit in progress and no accepted assignment: accept one first"
            )
        page = urllib.parse.urlsplit(open_(start.group(1), {"csrf_token": csrf(html)}).geturl())
        page = page.path

    def fetch(path: str) -> tuple[int, str, bytes]:
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
        with opener.open(request, timeout=30) as response:
            headers = "".join(f"{k}: {v}\r\n" for k, v in response.headers.items())
            return response.status, f"HTTP/1.1 {response.status}\r\n{headers}\r\n", response.read()

    return fetch, page


# --- the test client ---------------------------------------------------------------------


def sixty_questions() -> dict:
    """10 sections of 6 questions: every type, guidance, a show_if and photos in each."""
    options = [{"label": "A lot", "points": 2}, {"label": "Some", "points": 1}]
    sections = []
    for s in range(10):
        questions = [
            {"key": f"s{s}_seen", "text": "Was it there when you arrived?", "type": "yes_no"},
            {
                "key": f"s{s}_detail",
                "text": "How much did you notice?",
                "type": "choice",
                "options": options,
                "show_if": {"question": f"s{s}_seen", "equals": "yes"},
                "guidance": "Count what a customer would notice without looking for it.",
            },
            {
                "key": f"s{s}_scale",
                "text": "How good was it?",
                "type": "scale",
                "min": 1,
                "max": 5,
                "labels": {1: "Poor", 5: "Excellent"},
            },
            {
                "key": f"s{s}_wait",
                "text": "Minutes waited",
                "type": "number",
                "unit": "minutes",
                "target": {"max": 5},
            },
            {"key": f"s{s}_nps", "text": "Would you recommend it?", "type": "nps"},
            {
                "key": f"s{s}_notes",
                "text": "Anything else?",
                "type": "text",
                "evidence": "optional",
            },
        ]
        sections.append({"key": f"part{s}", "title": f"Part {s + 1}", "questions": questions})
    return {
        "slug": "sixty",
        "title": "Sixty questions",
        "channel": "in_person",
        "target": 80,
        "comment_on_fail": True,
        "sections": sections,
    }


def with_test_client(questions: int | None) -> tuple[Fetch, str]:
    from sqlalchemy import select

    from audit import create_app
    from audit.assignments.service import today
    from audit.demo.load import DEMO_PASSWORD, load_demo
    from audit.extensions import db
    from audit.models import Assignment, AssignmentStatus, Branch, Scorecard, User
    from audit.scorecards.fileformat import definition_from_data
    from audit.scorecards.store import save_definition

    folder = Path(tempfile.mkdtemp(prefix="page-weight-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "INSTANCE_PATH": folder,
            "SECRET_KEY": "page-weight-bench",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(visits=False)
        slug = "branch-visit"
        if questions:
            definition, errors = definition_from_data(sixty_questions())
            assert definition is not None, errors
            save_definition(definition, publish=True)
            slug = "sixty"
        assignment = Assignment(
            scorecard=db.session.scalar(select(Scorecard).where(Scorecard.slug == slug)),
            branch=db.session.scalar(select(Branch).where(Branch.code == "LDS01")),
            shopper=db.session.scalar(select(User).where(User.email == "shopper@demo.test")),
            window_start=today(),
            window_end=today() + timedelta(days=7),
            status=AssignmentStatus.ACCEPTED,
            scenario="Ask about a fixed-rate ISA for a first-time saver.",
        )
        db.session.add(assignment)
        db.session.commit()
        assignment_id = assignment.id
    client = app.test_client()
    client.post("/login", data={"email": "shopper@demo.test", "password": DEMO_PASSWORD})
    page = client.post(f"/shop/assignments/{assignment_id}/start").headers["Location"]

    def fetch(path: str) -> tuple[int, str, bytes]:
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        body = response.get_data()
        response.close()
        headers = "".join(f"{k}: {v}\r\n" for k, v in response.headers.items())
        return response.status_code, f"HTTP/1.1 {response.status}\r\n{headers}\r\n", body

    return fetch, page


# --- Chromium -------------------------------------------------------------------------------


def in_browser(questions: int | None) -> list[tuple[str, int, int]]:
    """(url, bytes transferred, body bytes) of the form's first load, as Chromium saw it."""
    from playwright.sync_api import sync_playwright

    from bench.live import CHROMIUM, CHROMIUM_ARGS, PHONE, serve, sign_in, start_visit

    server, base = serve(Path(tempfile.mkdtemp(prefix="page-weight-")), sixty=bool(questions))
    rows: list[tuple[str, int, int]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(**PHONE)
            page = context.new_page()
            sign_in(page, base)
            form = start_visit(page)
            # Forget everything the sign-in and home pages left: a phone's first load.
            page.goto(base + "/login")
            page.evaluate(
                """async () => {
                  for (const r of await navigator.serviceWorker.getRegistrations()) {
                    await r.unregister();
                  }
                  for (const key of await caches.keys()) await caches.delete(key);
                }"""
            )
            cdp = context.new_cdp_session(page)
            cdp.send("Network.clearBrowserCache")

            def finished(request) -> None:  # noqa: ANN001
                response = request.response()
                if response is None or response.from_service_worker:
                    return  # answered by the service worker: its own fetch is counted
                sizes = request.sizes()
                body = sizes["responseBodySize"]
                who = "sw " if request.service_worker else ""
                rows.append(
                    (who + request.url.replace(base, ""), body + sizes["responseHeadersSize"], body)
                )

            context.on("requestfinished", finished)
            page.goto(base + form)
            page.wait_for_function("() => document.documentElement.dataset.offlineReady === '1'")
            page.wait_for_load_state("networkidle")
            context.remove_listener("requestfinished", finished)
            browser.close()
    finally:
        server.shutdown()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--email", default="shopper@demo.test")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--questions", type=int, choices=[60], help="a generated 60-question card")
    parser.add_argument("--budget", type=int, default=BUDGET_KB, help="KB (default 150)")
    parser.add_argument("--browser", action="store_true", help="measure it in Chromium")
    args = parser.parse_args()
    if args.browser:
        return report(in_browser(args.questions), args.budget)
    if args.url:
        fetch, page = against_server(args.url.rstrip("/"), args.email, args.password)
    else:
        fetch, page = with_test_client(args.questions)
    return report(measure(fetch, page), args.budget)


if __name__ == "__main__":
    sys.exit(main())
