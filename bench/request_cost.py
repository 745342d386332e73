"""What one request of each kind of bench/load.py costs the server: CPU and SQL queries.

    .venv/bin/python bench/request_cost.py                   # PostgreSQL (BENCH_POSTGRES_URL)
    .venv/bin/python bench/request_cost.py --db sqlite

The same data and the same requests as bench/load.py (CSRF tokens read from the pages,
the whole form in each autosave, a photo), made by one shopper and one manager through
Flask's test client in this process, one at a time: the CPU time of each request
(``time.process_time``, the database's own work not included) and the statements it
sent. Unlike requests per second these figures hardly move with what else the machine
is doing, so they show what a change to the code did; the median of each kind is
printed, and the CPU of a whole visit (home, start, form, three autosaves, photo,
submit; the sign-in is left out, as in the issue's figure).
"""

from __future__ import annotations

import argparse
import collections
import io
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from bench import load  # noqa: E402

VISIT = {"home": 1, "start": 1, "form": 1, "autosave": 3, "photo": 1, "submit": 1}


class Meter:
    """A test client that times every request and counts its statements."""

    def __init__(self, app: Any) -> None:
        from audit.extensions import db

        self.app = app
        self.client = app.test_client()
        self.cpu: dict[str, list[float]] = collections.defaultdict(list)
        self.queries: dict[str, list[int]] = collections.defaultdict(list)
        self.statements = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.statements += 1

    def __call__(self, kind: str, method: str, path: str, expect: int, **kw: Any) -> Any:
        before, began = self.statements, time.process_time()
        response = self.client.open(path, method=method, **kw)
        self.cpu[kind].append((time.process_time() - began) * 1000)
        self.queries[kind].append(self.statements - before)
        if response.status_code != expect:
            raise SystemExit(f"{kind}: {response.status_code} {response.get_data(as_text=True)}")
        return response

    def sign_in(self, email: str) -> None:
        """Sign in to another account as a new phone would: no cookies from the last."""
        self.client = self.app.test_client()
        page = self("sign in", "GET", "/login", 200).get_data(as_text=True)
        form = {"csrf_token": load.CSRF.search(page).group(1), "email": email}
        self("sign in", "POST", "/login", 302, data={**form, "password": load.PASSWORD})


def visit(meter: Meter, work: load.Workload, draft: dict[str, Any]) -> None:
    home = meter("home", "GET", "/shop/", 200).get_data(as_text=True)
    start, token = load.START.search(home).group(1), load.CSRF.search(home).group(1)
    form_path = meter("start", "POST", start, 302, data={"csrf_token": token}).headers["Location"]
    page = meter("form", "GET", form_path, 200).get_data(as_text=True)
    headers = {"X-CSRFToken": load.CSRF.search(page).group(1), "Accept": "application/json"}
    now = datetime.now(UTC)
    draft = {
        **draft,
        "started_at": (now - timedelta(minutes=40)).isoformat(),
        "ended_at": (now - timedelta(minutes=15)).isoformat(),
    }
    for n in range(3):
        draft = {**draft, "staff_description": f"{draft['staff_description'][:60]} ({n})"}
        meter("autosave", "POST", f"{form_path}/draft", 200, json=draft, headers=headers)
    photo = {
        "file": (io.BytesIO(work.photo), "offer.jpg", "image/jpeg"),
        "question_key": work.photo_question,
        "kind": "photo",
    }
    meter("photo", "POST", f"{form_path}/attachments", 201, data=photo, headers=headers)
    body = {"client_token": uuid.uuid4().hex, "draft": draft}
    meter("submit", "POST", f"{form_path}/submit", 200, json=body, headers=headers)


def main(argv: Sequence[str] | None = None) -> None:
    from audit import create_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
        ),
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-cost-"))
    url = args.postgres if args.db == "postgresql" else f"sqlite:///{folder / 'bench.db'}"
    work = load.make_data(url, folder, 1, 1, 1 + args.visits // load.VISITS_PER_ACCOUNT)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": folder,
            "SECRET_KEY": "bench-cost",
            "UPLOAD_FOLDER": str(folder / "files"),
        }
    )
    # One JSON line per request would time the terminal, not the server.
    logging.getLogger("audit.requests").disabled = True
    shopper = Meter(app)
    accounts = iter(work.shopper_accounts[0])
    for n in range(args.visits):
        if n % load.VISITS_PER_ACCOUNT == 0:
            shopper.sign_in(next(accounts))
        visit(shopper, work, work.payloads[n % len(work.payloads)])
    manager = Meter(app)
    manager.sign_in(work.managers[0])
    for n in range(args.visits):
        manager("dashboard", "GET", "/reports/", 200)
        code = work.branch_codes[n % len(work.branch_codes)]
        manager("branch page", "GET", f"/reports/branches/{code}", 200)

    print(f"\n{args.db}, {args.visits} visits, one at a time; medians (first of each left out)")
    print("| request | CPU ms | queries |\n|---|--:|--:|")
    medians = {}
    for meter in (shopper, manager):
        for kind, values in meter.cpu.items():
            values = values[1:] or values
            medians[kind] = statistics.median(values)
            queries = statistics.median(meter.queries[kind])
            print(f"| {kind} | {medians[kind]:.1f} | {queries:.0f} |")
    per_visit = sum(medians[kind] * times for kind, times in VISIT.items())
    print(f"\nserver CPU per visit (no sign-in): {per_visit:.0f} ms")


if __name__ == "__main__":
    main()
