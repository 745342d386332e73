"""Dashboards at scale with the report cache off: direct queries against rollup tables.

    .venv/bin/python bench/rollup_scale.py                  # both databases
    .venv/bin/python bench/rollup_scale.py --only sqlite --reuse

Data: 200 branches, 2,000 staff, 100,000 branch-visit visits with answers and
section scores, made by :func:`bench.reports.generate` (bulk inserts, real
scores), then the rollups rebuilt (timed). The databases are those of
bench/reports.py (``--reuse`` takes its data as it is).

Every page is a first view: ``REPORT_CACHE_SIZE=0``. Each measure is the
median of several runs after one warm-up, once with the rollups bypassed
(``direct``: the query path before the rollups) and once with them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from audit.extensions import db  # noqa: E402
from audit.models import Branch, StaffMember, Visit, visit_staff  # noqa: E402
from audit.reporting import ReportFilter, branch_league  # noqa: E402
from audit.reporting.rollups import direct_queries, rebuild_rollups  # noqa: E402
from bench.reports import (  # noqa: E402
    CARD,
    PASSWORD,
    TODAY,
    add_scale_arguments,
    bench_app,
    databases,
    ensure_data,
    timed,
)


def measure(kind: str, url: str, args: argparse.Namespace) -> list[tuple[str, str, str, float]]:
    app = bench_app(url, "bench-rollup-")
    rows = []
    with app.app_context():
        ensure_data(kind, args)
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
                    seconds, _ = timed(fn, args.runs)
                rows.append((kind, label, mode, seconds))
                print(f"  {kind:<10} {label:<34} {mode:<8} {seconds * 1000:8.0f} ms", flush=True)
        db.session.remove()
        db.engine.dispose()
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_scale_arguments(parser, "bench_reports", runs=5)
    args = parser.parse_args(argv)
    targets = databases(args)
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
