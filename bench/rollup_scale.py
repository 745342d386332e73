"""Dashboards at scale with the report cache off: direct queries against rollup tables.

    .venv/bin/python bench/rollup_scale.py                  # both databases
    .venv/bin/python bench/rollup_scale.py --only sqlite --reuse

Data: 200 branches, 2,000 staff, 100,000 branch-visit visits with answers and
section scores, made by :func:`bench.reports.generate` (bulk inserts, real
scores), then the rollups rebuilt (timed). PostgreSQL is BENCH_ROLLUP_URL, by
default the local database bench_rollup (``createdb -h 127.0.0.1 -U postgres
bench_rollup``).

Every page is a first view: ``REPORT_CACHE_SIZE=0``. Each measure is the
median of several runs after one warm-up, once with the rollups bypassed
(``direct``: the query path before the rollups) and once with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from audit import create_app  # noqa: E402
from audit.extensions import db  # noqa: E402
from audit.models import Branch, StaffMember, Visit, visit_staff  # noqa: E402
from audit.reporting import ReportFilter, branch_league  # noqa: E402
from audit.reporting.rollups import direct_queries, rebuild_rollups  # noqa: E402
from bench.reports import CARD, PASSWORD, TODAY, generate  # noqa: E402


def timed(fn: Callable[[], Any], runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(kind: str, url: str, args: argparse.Namespace) -> list[tuple[str, str, str, float]]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": Path(tempfile.mkdtemp(prefix="bench-rollup-")),
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
            "GZIP_RESPONSES": False,
            "REPORT_CACHE_SIZE": 0,
        }
    )
    rows = []
    with app.app_context():
        have = 0
        if args.reuse:
            try:
                have = db.session.scalar(select(func.count()).select_from(Visit)) or 0
            except Exception:  # noqa: BLE001 - no tables yet
                db.session.rollback()
        if have != args.visits:
            print(f"{kind}: generating {args.visits:,} visits ...", flush=True)
            began = time.perf_counter()
            generate(args.visits, args.branches, args.staff)
            print(f"{kind}: generated in {time.perf_counter() - began:.0f} s", flush=True)
        db.create_all()  # tables added since the data was made (the rollups)
        began = time.perf_counter()
        rebuild_rollups()
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"{kind}: full rollup rebuild {time.perf_counter() - began:.1f} s", flush=True)

        big = db.session.execute(
            select(Branch.code, Branch.id, Branch.region_id)
            .join(Visit, Visit.branch_id == Branch.id)
            .group_by(Branch.code, Branch.id, Branch.region_id)
            .order_by(func.count().desc(), Branch.code)
            .limit(1)
        ).one()
        staff_code = db.session.scalar(
            select(StaffMember.code)
            .join(visit_staff, visit_staff.c.staff_member_id == StaffMember.id)
            .where(StaffMember.branch_id == big.id)
            .group_by(StaffMember.code)
            .order_by(func.count().desc(), StaffMember.code)
            .limit(1)
        )
        client = app.test_client()
        client.post("/login", data={"email": "admin@bench.test", "password": PASSWORD})
        query = f"?period=12m&scorecard={CARD}"
        measures: list[tuple[str, Callable[[], Any]]] = []
        for label, path in (
            ("overview /reports/", f"/reports/{query}"),
            ("region /reports/regions/<id>", f"/reports/regions/{big.region_id}{query}"),
            ("branch /reports/branches/<code>", f"/reports/branches/{big.code}{query}"),
            ("staff /reports/staff/<code>", f"/reports/staff/{staff_code}{query}"),
        ):

            def get(path: str = path) -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            measures.append((label, get))
        league_filter = ReportFilter(date(2025, 12, 1), TODAY, CARD)
        measures.append(("league query (12 months)", lambda: branch_league(league_filter)))

        modes: list[tuple[str, Callable[[], AbstractContextManager[Any]]]] = [
            ("direct", direct_queries),
            ("rollups", nullcontext),
        ]
        for mode, context in modes:
            for label, fn in measures:
                with context():
                    seconds = timed(fn, args.runs)
                rows.append((kind, label, mode, seconds))
                print(f"  {kind:<10} {label:<34} {mode:<8} {seconds * 1000:8.0f} ms", flush=True)
        db.session.remove()
        db.engine.dispose()
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--staff", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--reuse", action="store_true", help="keep data of the same size")
    parser.add_argument("--sqlite", default=str(Path(tempfile.gettempdir()) / "bench_rollup.db"))
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_ROLLUP_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_rollup"
        ),
    )
    args = parser.parse_args(argv)
    targets = []
    if args.only in (None, "sqlite"):
        if not args.reuse:
            Path(args.sqlite).unlink(missing_ok=True)
        targets.append(("sqlite", f"sqlite:///{args.sqlite}"))
    if args.only in (None, "postgresql"):
        targets.append(("postgresql", args.postgres))
    rows = []
    for kind, url in targets:
        rows.extend(measure(kind, url, args))
    by = {(k, label, mode): s for k, label, mode, s in rows}
    print("\n| db | measure | direct ms | rollups ms |\n|---|---|---|---|")
    for kind, label in dict.fromkeys((k, label) for k, label, _, _ in rows):
        direct = by.get((kind, label, "direct"))
        rolled = by.get((kind, label, "rollups"))
        cells = [f"{s * 1000:.0f}" if s is not None else "" for s in (direct, rolled)]
        print(f"| {kind} | {label} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
