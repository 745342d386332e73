"""Reporting at scale: 200 branches, 2,000 staff, 100,000 branch-visit visits with their
answers and section scores, in SQLite and in PostgreSQL; then timings.

    .venv/bin/python bench/reports.py                     # both databases (make bench-reports)
    .venv/bin/python bench/reports.py --only sqlite
    .venv/bin/python bench/reports.py --reuse             # keep the data from the last run

PostgreSQL is BENCH_POSTGRES_URL, by default the local database bench_reports
(created when missing). Data goes in with bulk
inserts (SQLite executemany on the raw connection, PostgreSQL COPY), not the
ORM one row at a time. Scores are real: a pool of random answer sets per
service level is scored with :func:`audit.scorecards.scoring.score_visit` and visits
draw from their branch's pool, so every stored score matches its answers.

Measured, warm (after one unmeasured run), as the median of several runs:

- the company dashboard (/reports/) and a branch page through the test client;
- the league-table query (:func:`audit.reporting.branch_league`);
- the visit, branch and 200-branch comparison PDFs end to end, and WeasyPrint
  alone on the same finished HTML, and our HTML build alone (queries and
  templates): "ours %" is our overhead on top of WeasyPrint.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from audit import create_app  # noqa: E402
from audit.documents import (  # noqa: E402
    branch_html,
    compare_html,
    render_pdf,
    visit_html,
)
from audit.extensions import db  # noqa: E402
from audit.models import (  # noqa: E402
    Branch,
    ScorecardVersion,
    Visit,
    VisitDayStats,
    VisitMonthStats,
)
from audit.reporting import ReportFilter, branch_league  # noqa: E402
from audit.reporting.rollups import rebuild_rollups  # noqa: E402
from audit.scorecards.fileformat import load_file  # noqa: E402
from audit.scorecards.scoring import NA, score_visit  # noqa: E402
from audit.scorecards.store import (
    definition_of,  # noqa: E402
    save_definition,  # noqa: E402, definition_of
)

ROOT = Path(__file__).resolve().parent.parent
CARD = "branch-visit"
PASSWORD = "bench-password-1"  # noqa: S105 - a throw-away local account
TODAY = date(2026, 11, 30)
MONTHS = 24
CHUNK = 10_000
TIERS = (0.62, 0.75, 0.85, 0.92, 0.97)  # chance of a "yes" per service level
POOL = 150  # scored answer sets per service level
FAIL_COMMENTS = (
    "Had to wait at the counter with nobody acknowledging me.",
    "No mention of the offer on the poster by the door.",
    "Adviser looked up the rates rather than knowing them.",
    "Closed questions only; my situation was never asked about.",
    "Not thanked when I left.",
)


# --------------------------------------------------------------------------- data


def _answers(rng: random.Random, definition: Any, p_yes: float) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for q in definition.questions():
        if q.allow_na and rng.random() < 0.1:
            answers[q.key] = NA
        elif q.type == "yes_no":
            p = max(p_yes, 0.93) if q.critical else p_yes
            answers[q.key] = "yes" if rng.random() < p else "no"
        elif q.type == "scale":
            top = q.max if rng.random() < p_yes else rng.randint(q.min, q.max)
            answers[q.key] = top
        elif q.type == "choice":
            answers[q.key] = (
                q.options[0].label if rng.random() < p_yes else rng.choice(q.options).label
            )
        elif q.type == "number":
            answers[q.key] = rng.randint(0, 4) if rng.random() < p_yes else rng.randint(5, 12)
        elif q.type == "nps":
            answers[q.key] = min(10, max(0, round(rng.gauss(10 * p_yes - 1, 2))))
        else:
            answers[q.key] = "Visited at lunchtime; two advisers on the counter."
    return answers


class Pools:
    """Scored answer sets per service level, as rows ready for insertion."""

    def __init__(self, rng: random.Random, version: ScorecardVersion) -> None:
        definition = definition_of(version)
        questions = {q.key: q for q in version.questions}
        sections = {s.key: s for s in version.sections}
        self.tiers: list[list[tuple[Any, list[tuple], list[tuple]]]] = []
        for p_yes in TIERS:
            pool = []
            for _ in range(POOL):
                values = _answers(rng, definition, p_yes)
                score = score_visit(definition, values)
                answers = []
                for position, q in enumerate(definition.questions()):
                    a = score.answers[q.key]
                    value = values.get(q.key)
                    number = float(value) if isinstance(value, int | float) else None
                    text_value = value if isinstance(value, str) else None
                    comment = ""
                    if a.possible and a.earned < a.possible and not a.hidden:
                        comment = rng.choice(FAIL_COMMENTS)
                    answers.append(
                        (
                            questions[q.key].id,
                            q.key,
                            position,
                            None if a.hidden else text_value,
                            None if a.hidden else number,
                            value is NA,
                            comment,
                            a.earned,
                            a.possible,
                            a.hidden,
                            a.critical_failed,
                        )
                    )
                section_rows = [
                    (
                        sections[key].id,
                        key,
                        position,
                        s.earned,
                        s.possible,
                        s.percent,
                        s.critical_failed,
                    )
                    for position, (key, s) in enumerate(score.sections.items())
                ]
                pool.append((score, answers, section_rows))
            self.tiers.append(pool)


def bulk(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert rows fast: COPY on PostgreSQL, executemany on the raw SQLite connection."""
    connection = db.session.connection().connection.driver_connection
    if db.engine.dialect.name == "postgresql":
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            rows,
        )


def generate(visits: int, branches: int, staff: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    db.drop_all()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    db.create_all()
    version, _ = save_definition(load_file(ROOT / "scorecards" / f"{CARD}.yaml"), publish=True)
    db.session.commit()
    version = db.session.get(ScorecardVersion, version.id)
    pools = Pools(rng, version)
    now = datetime.now(UTC)
    password = generate_password_hash(PASSWORD)

    regions = max(1, branches // 20)
    bulk("regions", ("id", "name"), [(i + 1, f"Region {i + 1:02d}") for i in range(regions)])
    branch_rows = [
        (
            i + 1,
            f"B{i + 1:04d}",
            f"Branch {i + 1:04d}",
            f"{i + 1} High Street",
            i % regions + 1,
            True,
            now,
        )
        for i in range(branches)
    ]
    bulk(
        "branches",
        ("id", "code", "name", "address", "region_id", "active", "created_at"),
        branch_rows,
    )
    per_branch = max(1, staff // branches)
    staff_rows = [
        (
            s + 1,
            f"S{s + 1:05d}",
            f"Staff {s + 1:05d}",
            "Customer Service Adviser",
            s // per_branch + 1,
            True,
            False,
            now,
        )
        for s in range(per_branch * branches)
    ]
    bulk(
        "staff_members",
        (
            "id",
            "code",
            "name",
            "job_title",
            "branch_id",
            "active",
            "hide_from_recognition",
            "created_at",
        ),
        staff_rows,
    )
    bulk(
        "users",
        ("id", "email", "name", "role", "password_hash", "active", "created_at"),
        [
            (1, "admin@bench.test", "Bench Admin", "admin", password, True, now),
            (2, "shopper@bench.test", "Bench Shopper", "shopper", password, True, now),
        ],
    )
    tier_of = [rng.randrange(len(TIERS)) for _ in range(branches)]
    start = datetime.combine(TODAY - timedelta(days=30 * MONTHS), datetime.min.time(), UTC)
    span = (TODAY - start.date()).days * 86400
    visit_cols = (
        "id", "scorecard_id", "version_id", "branch_id", "visitor_id", "status", "visited_at",
        "local_day", "submitted_at", "approved_at", "published_at", "staff_description",
        "earned", "possible", "percent", "band", "critical_failed", "scored_at", "excluded",
        "exclusion_reason", "return_reason", "created_at", "updated_at",
    )  # fmt: skip
    answer_cols = (
        "visit_id", "question_id", "question_key", "position", "value_text", "value_number",
        "is_na", "comment", "earned", "possible", "hidden", "critical_failed",
    )  # fmt: skip
    section_cols = (
        "visit_id", "section_id", "section_key", "position", "earned", "possible", "percent",
        "critical_failed",
    )  # fmt: skip
    for first in range(0, visits, CHUNK):
        visit_rows, staff_links, answer_rows, section_rows = [], [], [], []
        for visit_id in range(first + 1, min(visits, first + CHUNK) + 1):
            branch = rng.randrange(branches)
            score, answers, sections = rng.choice(pools.tiers[tier_of[branch]])
            at = start + timedelta(seconds=rng.randrange(span))
            status = rng.choices(("approved", "published", "submitted"), (60, 35, 5))[0]
            visit_rows.append(
                (
                    visit_id, version.scorecard_id, version.id, branch + 1, 2, status, at,
                    at.date().isoformat(),  # its local day: the branches are in UTC
                    at + timedelta(hours=2),
                    at + timedelta(days=2) if status != "submitted" else None,
                    at + timedelta(days=3) if status == "published" else None, "", score.earned,
                    score.possible, score.percent, score.band, score.critical_failed, at,
                    rng.random() < 0.03, "", "", at, at,
                )
            )  # fmt: skip
            if rng.random() < 0.85:
                staff_links.append((visit_id, branch * per_branch + rng.randrange(per_branch) + 1))
            answer_rows.extend((visit_id, *row) for row in answers)
            section_rows.extend((visit_id, *row) for row in sections)
        bulk("visits", visit_cols, visit_rows)
        bulk("visit_staff", ("visit_id", "staff_member_id"), staff_links)
        bulk("answers", answer_cols, answer_rows)
        bulk("visit_section_scores", section_cols, section_rows)
        db.session.commit()
        print(f"  {min(visits, first + CHUNK):>7,} visits", end="\r", flush=True)
    if db.engine.dialect.name == "postgresql":
        for table in (
            "regions",
            "branches",
            "staff_members",
            "users",
            "visits",
            "answers",
            "visit_section_scores",
        ):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            maximum = f"(SELECT max(id) FROM {table})"  # noqa: S608
            db.session.execute(text(f"SELECT setval({sequence}, {maximum})"))
        db.session.commit()
        db.session.connection().connection.driver_connection.autocommit = False
    # Bulk inserts bypass the session hook that keeps the reporting rollups current.
    began = time.perf_counter()
    rebuild_rollups()
    db.session.commit()
    print(f"\n  rollups rebuilt in {time.perf_counter() - began:.1f} s")
    db.session.execute(text("ANALYZE"))
    db.session.commit()


# --------------------------------------------------------------------------- timing


#: (database, measure, total s, WeasyPrint alone s, our HTML build s, note)
Row = tuple[str, str, float, float | None, float | None, str]


COLD: dict[str, float] = {}  # measure -> seconds of its first (cold) run


def timed(fn: Callable[[], Any], runs: int, cold: str | None = None) -> tuple[float, Any]:
    """Median seconds of ``runs`` calls after one warm-up call, and the last result."""
    began = time.perf_counter()
    result = fn()
    if cold is not None:
        COLD[cold] = time.perf_counter() - began
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def bench_app(url: str, prefix: str) -> Flask:
    """The app on the benchmark database; the report cache off, so every view computes."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": Path(tempfile.mkdtemp(prefix=prefix)),
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
            "GZIP_RESPONSES": False,
            "REPORT_JOB_MIN_BRANCHES": 10_000,
            # Every page view computes its figures: no memoised results from the report cache.
            "REPORT_CACHE_SIZE": 0,
        }
    )


def ensure_data(kind: str, args: argparse.Namespace) -> None:
    """Generate the data set unless ``--reuse`` finds one of the same size (app context)."""
    have = 0
    if args.reuse:
        try:
            have = db.session.scalar(select(func.count()).select_from(Visit)) or 0
        except Exception:  # noqa: BLE001 - no tables yet
            db.session.rollback()
    if have == args.visits:
        db.create_all()  # tables added since the data was made
        filled = (select(func.count(t.branch_id)) for t in (VisitMonthStats, VisitDayStats))
        if not all(db.session.scalar(query) for query in filled):
            print(f"{kind}: rebuilding the rollups ...", flush=True)
            rebuild_rollups()  # data from before the rollups (or the day rollups) existed
            db.session.commit()
        return
    print(f"{kind}: generating {args.visits:,} visits ...", flush=True)
    began = time.perf_counter()
    generate(args.visits, args.branches, args.staff)
    print(f"{kind}: generated in {time.perf_counter() - began:.0f} s", flush=True)


def add_scale_arguments(parser: argparse.ArgumentParser, name: str, runs: int) -> None:
    """Data size and databases; ``name`` names the SQLite file and the PostgreSQL database."""
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--staff", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=runs, help="measured runs per figure (median)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--reuse", action="store_true", help="keep data of the same size")
    parser.add_argument("--sqlite", default=str(Path(tempfile.gettempdir()) / f"{name}.db"))
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        ),
    )


def databases(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(kind, URL) of each database to measure; a fresh SQLite file unless ``--reuse``."""
    targets = []
    if args.only in (None, "sqlite"):
        if not args.reuse:
            Path(args.sqlite).unlink(missing_ok=True)
        targets.append(("sqlite", f"sqlite:///{args.sqlite}"))
    if args.only in (None, "postgresql"):
        create_database_if_missing(args.postgres)
        targets.append(("postgresql", args.postgres))
    return targets


def create_database_if_missing(url: str) -> None:
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def measure(kind: str, url: str, args: argparse.Namespace) -> list[Row]:
    app = bench_app(url, "bench-reports-")
    rows: list[Row] = []
    with app.app_context():
        ensure_data(kind, args)
        counts = {
            t: db.session.scalar(text(f"SELECT count(*) FROM {t}"))  # noqa: S608
            for t in ("branches", "staff_members", "visits", "answers", "visit_section_scores")
        }
        print(f"{kind}: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))

        months = ReportFilter(date(2025, 12, 1), TODAY, CARD)
        big_branch = db.session.scalar(
            select(Branch.code).join(Visit, Visit.branch_id == Branch.id)
            .group_by(Branch.code).order_by(func.count().desc()).limit(1)
        )  # fmt: skip
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == big_branch))

        client = app.test_client()
        client.post("/login", data={"email": "admin@bench.test", "password": PASSWORD})
        query = "?period=12m&scorecard=branch-visit"
        if "reports.overview" in app.view_functions:
            for label, path in (
                ("company dashboard /reports/", f"/reports/{query}"),
                (
                    f"branch page /reports/branches/{big_branch}",
                    f"/reports/branches/{big_branch}{query}",
                ),
            ):

                def get(path: str = path) -> int:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                    return len(response.data)

                try:
                    seconds, size = timed(get, args.runs, cold=f"{kind} {label}")
                except Exception as error:  # noqa: BLE001 - a page being rewritten must not stop the run
                    db.session.rollback()
                    note = f"FAILED: {type(error).__name__}: {error}"[:90]
                    rows.append((kind, label, 0.0, None, None, note))
                    continue
                rows.append((kind, label, seconds, None, None, f"{size // 1024} KB HTML"))
        else:
            rows.append((kind, "dashboards not installed", 0.0, None, None, ""))

        league_filter = ReportFilter(date(2025, 12, 1), TODAY, CARD)
        seconds, league = timed(
            lambda: branch_league(league_filter), args.runs, cold=f"{kind} league"
        )
        rows.append(
            (
                kind,
                "league table query (200 branches, 12 months)",
                seconds,
                None,
                None,
                f"{len(league.ranked)} ranked",
            )
        )

        visit = db.session.scalar(
            select(Visit).where(Visit.branch_id == branch_id, Visit.status == "published")
            .order_by(Visit.visited_at.desc()).limit(1)
        )  # fmt: skip
        viewer = None  # the CLI's view: everything
        pdf_runs = max(3, args.runs // 2)
        for label, build in (
            (f"visit PDF #{visit.id}", lambda: visit_html(visit, viewer)),
            (
                f"branch PDF {big_branch}, 12 months",
                lambda: branch_html(
                    ReportFilter(months.date_from, months.date_to, CARD, branch_id=branch_id)
                ),
            ),
            ("comparison PDF, 200 branches, 12 months", lambda: compare_html(league_filter)),
        ):

            def end_to_end(build: Callable[[], str] = build) -> tuple[str, bytes]:
                html = build()
                return html, render_pdf(html)

            try:
                total, (html, pdf) = timed(end_to_end, pdf_runs, cold=f"{kind} {label}")
                ours, _ = timed(build, pdf_runs)
                weasy, _ = timed(lambda html=html: render_pdf(html), pdf_runs)
            except Exception as error:  # noqa: BLE001 - as for the pages: keep the other rows
                db.session.rollback()
                note = f"FAILED: {type(error).__name__}: {error}"[:90]
                rows.append((kind, label, 0.0, None, None, note))
                continue
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            if args.save:
                Path(args.save).mkdir(parents=True, exist_ok=True)
                name = label.split(",")[0].split()[0].lower()
                (Path(args.save) / f"{kind}-{name}.pdf").write_bytes(pdf)
            rows.append((kind, label, total, weasy, ours, f"{pages} pages, {len(pdf) // 1024} KB"))
        db.session.remove()
        db.engine.dispose()
    return rows


def table(rows: list[Row]) -> str:
    head = (
        f"| {'db':<10} | {'measure':<48} | {'cold ms':>8} | {'warm ms':>8} "
        f"| {'WeasyPrint ms':>13} | {'ours ms':>8} | {'ours %':>6} | note |"
    )
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    for kind, label, total, weasy, ours, note in rows:
        if weasy is None or ours is None:
            cells = ("", "", "")
        else:
            cells = (f"{weasy * 1000:.0f}", f"{ours * 1000:.0f}", f"{100 * ours / weasy:.0f}%")
        cold = COLD.get(f"{kind} {label}", COLD.get(f"{kind} league" if "league" in label else ""))
        cold_text = f"{cold * 1000:.0f}" if cold is not None else ""
        lines.append(
            f"| {kind:<10} | {label:<48} | {cold_text:>8} | {total * 1000:>8.0f} "
            f"| {cells[0]:>13} | {cells[1]:>8} | {cells[2]:>6} | {note} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_scale_arguments(parser, "bench_reports", runs=7)
    parser.add_argument("--save", metavar="DIR", help="write the measured PDFs to DIR")
    args = parser.parse_args(argv)
    targets = databases(args)
    rows = []
    for kind, url in targets:
        rows.extend(measure(kind, url, args))
    print()
    print(table(rows))
    print(
        "\nTargets: dashboards and league < 300 ms warm; our overhead < 20% of WeasyPrint; "
        "visit PDF < 1500 ms, branch PDF < 4000 ms."
    )


if __name__ == "__main__":
    main()
