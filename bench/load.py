"""Load: shoppers filling in and sending visits while managers read dashboards, against
gunicorn, compared in the same run with a bare Flask endpoint that inserts one row.

    .venv/bin/python bench/load.py                               # 16, 64, 256 shoppers, both DBs
    .venv/bin/python bench/load.py --shoppers 64 --db postgresql --duration 60
    .venv/bin/python bench/load.py --shoppers 64 --db postgresql --profile /tmp/prof

For each database and each number of shoppers the data is made afresh: the demo
organisation with its six months of visits (the 24-question branch-visit scorecard),
shopper accounts with ten accepted assignments each, and manager accounts. Then
gunicorn (``gunicorn.conf.py``, ``--workers 4``, on 127.0.0.1) serves the app and, for
the same time, ``bench/bare_insert.py``: the same client drives both.

A simulated shopper is a phone: its own cookies, the CSRF token read from each page as
a browser's form or the form's script does. It signs in to an account (GET and POST
/login) and, for each of the account's assignments, opens home, starts the visit,
opens the form, sends three autosaves carrying the whole form, uploads a photo and
submits; then it signs in as the next account. No pause between requests: the
figures are the server's capacity, not a day's traffic. Managers loop on the company
dashboard and a branch page. PostgreSQL is BENCH_POSTGRES_URL, by default the local
database bench_load (dropped and made again for each run).

Printed per run: requests per second, p50/p95/p99 per request kind, errors (with the
first few statuses), the load average, and the shopper mix's requests per second as a
fraction of the bare insert's. ``--profile DIR`` records every gunicorn worker with
py-spy during the shopper mix (collapsed stacks, readable by flamegraph tools) and
prints where the CPU went; profiling slows the run, so take the figures from a run
without it. Needs the bench requirements (``make bench-deps``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import io
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, make_url, select, text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CARD = "branch-visit"
PASSWORD = "bench-load-password-1"  # noqa: S105 - throw-away local accounts
VISITS_PER_ACCOUNT = 10
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
START = re.compile(r'action="(/shop/assignments/\d+/start)"')
SHOPPER_KINDS = ("sign in", "home", "start", "form", "autosave", "photo", "submit")
MANAGER_KINDS = ("dashboard", "branch page")


# --------------------------------------------------------------------------- data


@dataclass
class Workload:
    """What the clients need: accounts per simulated shopper, form payloads, a photo."""

    shopper_accounts: list[list[str]]
    managers: list[str]
    payloads: list[dict[str, Any]]
    photo: bytes
    photo_question: str
    branch_codes: list[str]


def _answer(rng: random.Random, question: Any) -> Any:
    if question.allow_na and rng.random() < 0.05:
        return "na"
    good = rng.random() < 0.85
    if question.type == "yes_no":
        return "yes" if good or question.critical else "no"
    if question.type in ("scale", "nps"):
        low, high = (0, 10) if question.type == "nps" else (question.min, question.max)
        return high if good else rng.randint(low, high)
    if question.type == "choice":
        return question.options[0].label if good else rng.choice(question.options).label
    if question.type == "number":
        return rng.randint(0, 4) if good else rng.randint(5, 12)
    return "Two advisers on the counter; I was served by the one nearest the door."


def form_payloads(definition: Any, count: int, seed: int = 15) -> list[dict[str, Any]]:
    """Whole-form drafts as the phone sends them: every visible question answered, a
    comment wherever an answer falls short (the scorecard asks for one), the details."""
    from audit.scorecards.scoring import NA, hidden_questions, normalise_value, score_visit

    rng = random.Random(seed)
    payloads = []
    for _ in range(count):
        raw = {q.key: _answer(rng, q) for q in definition.questions()}
        values = {
            q.key: NA if raw[q.key] == "na" else normalise_value(q, raw[q.key])
            for q in definition.questions()
        }
        hidden = hidden_questions(definition, values)
        score = score_visit(definition, {k: v for k, v in values.items() if k not in hidden})
        comments = {
            key: "The adviser did not do this; I waited and nobody mentioned it."
            for key, answer in score.answers.items()
            if answer.possible and answer.earned < answer.possible and key not in hidden
        }
        payloads.append(
            {
                "answers": {k: v for k, v in raw.items() if k not in hidden},
                "comments": comments,
                "staff_ids": [],
                "staff_description": "Adviser at the second desk, short dark hair, name badge Sam",
            }
        )
    return payloads


def jpeg_photo(width: int = 1280, height: int = 960) -> bytes:
    """A phone-sized JPEG (the form shrinks photos before sending) with real detail."""
    from PIL import Image

    noise = Image.effect_noise((width, height), 40)
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def reset_database(url: str) -> None:
    """An empty database: PostgreSQL dropped and made again, a SQLite file removed."""
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target.database}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def make_data(url: str, folder: Path, shoppers: int, managers: int, accounts: int) -> Workload:
    """The demo organisation, ``shoppers × accounts`` shopper accounts with their
    assignments, ``managers`` managers and the bare insert's table, in a fresh database."""
    from werkzeug.security import generate_password_hash

    from audit import create_app
    from audit.demo.load import load_demo
    from audit.extensions import db
    from audit.models import Assignment, AssignmentStatus, Branch, Role, Scorecard, User
    from audit.scorecards.store import definition_of
    from bench.bare_insert import metadata as bare_metadata

    reset_database(url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench-setup"}
    )
    with app.app_context():
        db.create_all()
        bare_metadata.create_all(db.engine)
        load_demo(visits=True)
        db.session.commit()
        now = datetime.now(UTC)
        password = generate_password_hash(PASSWORD)  # once: the same hash for every account
        emails = [
            [f"shopper{s:03d}-{a:02d}@bench.test" for a in range(accounts)] for s in range(shoppers)
        ]
        manager_emails = [f"manager{m:02d}@bench.test" for m in range(managers)]
        rows = [
            {"email": e, "name": e.split("@")[0], "role": Role.SHOPPER, "password_hash": password}
            for group in emails
            for e in group
        ] + [
            {"email": e, "name": e.split("@")[0], "role": Role.MANAGER, "password_hash": password}
            for e in manager_emails
        ]
        db.session.execute(insert(User), rows)
        scorecard = db.session.scalar(select(Scorecard).where(Scorecard.slug == CARD))
        branches = list(db.session.scalars(select(Branch).order_by(Branch.id)))
        shopper_ids = db.session.scalars(
            select(User.id).where(User.email.like("shopper%@bench.test")).order_by(User.id)
        ).all()
        rng = random.Random(8)
        db.session.execute(
            insert(Assignment),
            [
                {
                    "scorecard_id": scorecard.id,
                    "branch_id": rng.choice(branches).id,
                    "shopper_id": shopper_id,
                    "scenario": "Ask about a fixed-rate ISA for a first-time saver.",
                    "window_start": (now - timedelta(days=1)).date(),
                    "window_end": (now + timedelta(days=7)).date(),
                    "status": AssignmentStatus.ACCEPTED,
                    "responded_at": now,
                }
                for shopper_id in shopper_ids
                for _ in range(VISITS_PER_ACCOUNT)
            ],
        )
        db.session.commit()
        definition = definition_of(scorecard.latest_published)
        photo_question = next(q.key for q in definition.questions() if q.evidence != "none")
        workload = Workload(
            shopper_accounts=emails,
            managers=manager_emails,
            payloads=form_payloads(definition, 50),
            photo=jpeg_photo(),
            photo_question=photo_question,
            branch_codes=[b.code for b in branches],
        )
        db.session.remove()
        db.engine.dispose()
    return workload


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def gunicorn(app_spec: str, env: dict[str, str], workers: int, log: Path, probe: str) -> Server:
    """gunicorn with the project's settings (gunicorn.conf.py), answering on ``probe``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "gunicorn"),
        "--config", "gunicorn.conf.py",
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--timeout", "120",
        app_spec,
    ]  # fmt: skip
    handle = log.open("w")
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {app_spec} exited; see {log}")
        try:
            urllib.request.urlopen(url + probe, timeout=2)  # noqa: S310 - our own server
            return Server(process, url, log)
        except urllib.error.HTTPError:
            return Server(process, url, log)  # it answers (405 for GET /insert)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"gunicorn {app_spec} did not answer within 60 s; see {log}")


def server_env(url: str, folder: Path) -> dict[str, str]:
    """The environment of both servers: this one without any database or queue of its
    own, files in a temporary folder, metrics as in production (several workers)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "STORAGE_URL", "UPLOAD_FOLDER")
    }
    metrics = folder / "metrics"
    metrics.mkdir(exist_ok=True)
    env.update(
        DATABASE_URL=url,
        BENCH_DATABASE_URL=url,
        SECRET_KEY="bench-load-" + uuid.uuid4().hex,
        UPLOAD_FOLDER=str(folder / "files"),
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
        LOG_FORMAT="json",
    )
    return env


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


# --------------------------------------------------------------------------- client


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    errors: collections.Counter = field(default_factory=collections.Counter)
    examples: dict[str, str] = field(default_factory=dict)
    visits: int = 0
    out_of_work: int = 0
    #: Requests started before this moment (time.monotonic) warm the workers up, uncounted.
    since: float = 0.0

    def counts(self, started: float) -> bool:
        return started >= self.since

    def error(self, kind: str, what: str) -> None:
        self.errors[kind] += 1
        self.examples.setdefault(kind, what[:160])


class Stop(Exception):
    """The run's time is up."""


class Client:
    """One phone or one manager's browser: its own cookies, timing every request."""

    def __init__(self, base: str, results: Results, deadline: float) -> None:
        self.base = base
        self.results = results
        self.deadline = deadline
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        await self.close()
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies from 127.0.0.1
            timeout=aiohttp.ClientTimeout(total=120),
            headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) bench/load.py"},
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def request(
        self, kind: str, method: str, path: str, expect: int, **kw: Any
    ) -> tuple[int, str, Any]:
        """(status, body, headers); records the latency, or an error when the status is
        not ``expect``. Raises Stop once the run is over."""
        if time.monotonic() >= self.deadline:
            raise Stop
        began, started = time.perf_counter(), time.monotonic()
        counted = self.results.counts(started)
        try:
            async with self.session.request(
                method, self.base + path, allow_redirects=False, **kw
            ) as r:
                body = await r.text()
                status, headers = r.status, r.headers
        except (TimeoutError, aiohttp.ClientError) as error:
            self.results.error(kind, f"{type(error).__name__}: {error}")
            return 0, "", {}
        if counted:
            self.results.latencies[kind].append(time.perf_counter() - began)
        if status != expect:
            self.results.error(kind, f"{status} {method} {path}: {body[:100]}")
        return status, body, headers

    async def sign_in(self, email: str) -> bool:
        await self.open()
        _, page, _ = await self.request("sign in", "GET", "/login", 200)
        token = CSRF.search(page)
        if token is None:
            return False
        form = {"csrf_token": token.group(1), "email": email, "password": PASSWORD}
        status, _, _ = await self.request("sign in", "POST", "/login", 302, data=form)
        return status == 302


async def shopper(
    client: Client, accounts: Sequence[str], work: Workload, rng: random.Random
) -> None:
    results = client.results
    try:
        for email in accounts:
            if not await client.sign_in(email):
                continue
            for _ in range(VISITS_PER_ACCOUNT):
                _, home, _ = await client.request("home", "GET", "/shop/", 200)
                start, token = START.search(home), CSRF.search(home)
                if start is None or token is None:
                    break
                status, _, headers = await client.request(
                    "start", "POST", start.group(1), 302, data={"csrf_token": token.group(1)}
                )
                if status != 302:
                    continue
                form_path = headers["Location"].replace(client.base, "")
                _, page, _ = await client.request("form", "GET", form_path, 200)
                token = CSRF.search(page)
                if token is None:
                    continue
                json_headers = {"X-CSRFToken": token.group(1), "Accept": "application/json"}
                draft = dict(rng.choice(work.payloads))
                now = datetime.now(UTC)
                draft["started_at"] = (now - timedelta(minutes=40)).isoformat()
                draft["ended_at"] = (now - timedelta(minutes=15)).isoformat()
                for n in range(3):
                    draft = {
                        **draft,
                        "staff_description": f"{draft['staff_description'][:60]} ({n})",
                    }
                    await client.request(
                        "autosave",
                        "POST",
                        f"{form_path}/draft",
                        200,
                        json=draft,
                        headers=json_headers,
                    )
                upload = aiohttp.FormData()
                upload.add_field(
                    "file", work.photo, filename="offer.jpg", content_type="image/jpeg"
                )
                upload.add_field("question_key", work.photo_question)
                upload.add_field("kind", "photo")
                await client.request(
                    "photo",
                    "POST",
                    f"{form_path}/attachments",
                    201,
                    data=upload,
                    headers=json_headers,
                )
                status, _, _ = await client.request(
                    "submit",
                    "POST",
                    f"{form_path}/submit",
                    200,
                    json={"client_token": uuid.uuid4().hex, "draft": draft},
                    headers=json_headers,
                )
                if status == 200 and results.counts(time.monotonic()):
                    results.visits += 1
        results.out_of_work += 1
    except Stop:
        pass
    finally:
        await client.close()


async def manager(client: Client, email: str, work: Workload, rng: random.Random) -> None:
    try:
        if not await client.sign_in(email):
            return
        while True:
            await client.request("dashboard", "GET", "/reports/", 200)
            code = rng.choice(work.branch_codes)
            await client.request("branch page", "GET", f"/reports/branches/{code}", 200)
    except Stop:
        pass
    finally:
        await client.close()


async def bare(client: Client) -> None:
    await client.open()
    try:
        while True:
            await client.request("bare insert", "POST", "/insert", 201, data=b"x" * 200)
    except Stop:
        pass
    finally:
        await client.close()


async def run_mix(
    base: str, work: Workload, duration: float, warmup: float
) -> tuple[Results, float]:
    """The shoppers and managers for ``warmup`` + ``duration`` seconds; (results, the
    seconds counted)."""
    began = time.monotonic()
    results = Results(since=began + warmup)
    deadline = began + warmup + duration
    tasks = [
        shopper(Client(base, results, deadline), accounts, work, random.Random(i))
        for i, accounts in enumerate(work.shopper_accounts)
    ] + [
        manager(Client(base, results, deadline), email, work, random.Random(1000 + i))
        for i, email in enumerate(work.managers)
    ]
    await asyncio.gather(*tasks)
    return results, time.monotonic() - results.since


async def run_bare(
    base: str, clients: int, duration: float, warmup: float
) -> tuple[Results, float]:
    began = time.monotonic()
    results = Results(since=began + warmup)
    deadline = began + warmup + duration
    await asyncio.gather(*(bare(Client(base, results, deadline)) for _ in range(clients)))
    return results, time.monotonic() - results.since


# --------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


@dataclass
class Row:
    kind: str
    count: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int


def rows_of(results: Results, seconds: float, kinds: Sequence[str]) -> list[Row]:
    rows = []
    for kind in kinds:
        values = results.latencies.get(kind, [])
        if not values and not results.errors[kind]:
            continue
        rows.append(
            Row(
                kind,
                len(values),
                len(values) / seconds,
                percentile(values, 50) if values else 0.0,
                percentile(values, 95) if values else 0.0,
                percentile(values, 99) if values else 0.0,
                results.errors[kind],
            )
        )
    return rows


def total(
    rows: Sequence[Row], label: str, results: Results, seconds: float, kinds: Sequence[str]
) -> Row:
    values = [v for kind in kinds for v in results.latencies.get(kind, [])]
    return Row(
        label,
        len(values),
        len(values) / seconds,
        percentile(values, 50) if values else 0.0,
        percentile(values, 95) if values else 0.0,
        percentile(values, 99) if values else 0.0,
        sum(r.errors for r in rows),
    )


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| request | count | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.kind} | {r.count:,} | {r.rps:.1f} | {r.p50 * 1000:.0f} | {r.p95 * 1000:.0f} "
            f"| {r.p99 * 1000:.0f} | {r.errors} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- profile


def start_profiler(master: int, out: Path, seconds: float) -> subprocess.Popen:
    """py-spy sampling every gunicorn worker (on-CPU samples only) into ``out``."""
    py_spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if py_spy is None:
        raise SystemExit("py-spy is missing: make bench-deps")
    command = [
        py_spy, "record", "--pid", str(master), "--subprocesses", "--rate", "200",
        "--format", "raw", "--output", str(out), "--duration", str(int(seconds)), "--nonblocking",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def profile_summary(path: Path, views: Sequence[str] = ("submit", "save_draft", "upload")) -> str:
    """Where the samples went: per view, its share of all samples and its heaviest
    frames (inclusive), from py-spy's collapsed stacks."""
    stacks: list[tuple[list[str], int]] = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            stacks.append((stack.split(";"), int(count)))
    everything = sum(n for _, n in stacks) or 1
    lines = [f"{everything:,} samples in all"]
    for view in views:
        marker = f"{view} (audit/shop/routes.py"
        mine = [(frames, n) for frames, n in stacks if any(f.startswith(marker) for f in frames)]
        samples = sum(n for _, n in mine)
        lines.append(f"\n{view}: {samples:,} samples, {100 * samples / everything:.1f}% of all")
        inclusive: collections.Counter = collections.Counter()
        for frames, n in mine:
            seen = set()
            for frame in frames[
                next(i for i, f in enumerate(frames) if f.startswith(marker)) + 1 :
            ]:
                name = re.sub(r":\d+\)$", ")", frame)
                if name not in seen:
                    seen.add(name)
                    inclusive[name] += n
        for name, n in inclusive.most_common(18):
            lines.append(f"  {100 * n / max(samples, 1):5.1f}%  {name}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def accounts_needed(shoppers: int, duration: float, rate: float) -> int:
    """Accounts per simulated shopper so that none runs out of assignments: enough for
    ``rate`` visits a second in all."""
    return max(2, math.ceil(rate * duration / shoppers / VISITS_PER_ACCOUNT) + 1)


def run(kind: str, url: str, shoppers: int, args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-load-{kind}-"))
    print(
        f"\n## {kind}, {shoppers} shoppers, {args.managers} managers, {args.duration:.0f} s",
        flush=True,
    )
    began = time.perf_counter()
    work = make_data(
        url,
        folder,
        shoppers,
        args.managers,
        accounts_needed(shoppers, args.warmup + args.duration, args.rate),
    )
    print(f"data made in {time.perf_counter() - began:.0f} s", flush=True)
    env = server_env(url, folder)
    app = gunicorn("wsgi:app", env, args.workers, folder / "app.log", "/healthz")
    try:
        profiler = None
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            out = Path(args.profile) / f"{kind}-{shoppers}.txt"
            profiler = start_profiler(app.process.pid, out, args.warmup + args.duration)
        load_before = os.getloadavg()
        mix, mix_seconds = asyncio.run(run_mix(app.url, work, args.duration, args.warmup))
        load_after = os.getloadavg()
        if profiler is not None:
            profiler.wait()
            print(profile_summary(out))
    finally:
        app.stop()
    bare_server = gunicorn(
        "bench.bare_insert:app", env, args.workers, folder / "bare.log", "/insert"
    )
    try:
        clients = shoppers + args.managers
        base, base_seconds = asyncio.run(
            run_bare(bare_server.url, clients, args.duration, args.warmup)
        )
    finally:
        bare_server.stop()

    shopper_rows = rows_of(mix, mix_seconds, SHOPPER_KINDS)
    manager_rows = rows_of(mix, mix_seconds, MANAGER_KINDS)
    shop_total = total(shopper_rows, "**shopper mix**", mix, mix_seconds, SHOPPER_KINDS)
    bare_rows = rows_of(base, base_seconds, ("bare insert",))
    bare_rps = bare_rows[0].rps if bare_rows else 0.0
    print(table([*shopper_rows, shop_total, *manager_rows, *bare_rows]))
    ratio = shop_total.rps / bare_rps if bare_rps else 0.0
    submit = next((r for r in shopper_rows if r.kind == "submit"), None)
    summary = {
        "db": kind,
        "shoppers": shoppers,
        "visits_per_s": mix.visits / mix_seconds,
        "shopper_rps": shop_total.rps,
        "bare_rps": bare_rps,
        "ratio": ratio,
        "submit_p99_ms": submit.p99 * 1000 if submit else None,
        "errors": sum(mix.errors.values()) + sum(base.errors.values()),
        "load": f"{load_before[0]:.1f} → {load_after[0]:.1f}",
    }
    print(
        f"\nvisits sent: {mix.visits} ({summary['visits_per_s']:.1f}/s); shopper mix "
        f"{shop_total.rps:.1f} req/s, bare insert {bare_rps:.1f} req/s: ratio {ratio:.2f} "
        f"(target ≥ 0.33); load average {summary['load']}"
    )
    if mix.out_of_work:
        print(f"note: {mix.out_of_work} shoppers ran out of assignments (raise --rate)")
    for what, results in (("mix", mix), ("bare", base)):
        for request_kind, example in results.examples.items():
            print(f"errors ({what}) {request_kind}: {results.errors[request_kind]}, e.g. {example}")
    shutil.rmtree(folder, ignore_errors=True)
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--managers", type=int, default=4)
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--duration", type=float, default=60, help="seconds of each phase")
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds of each phase before counting"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--rate", type=float, default=30, help="visits/s the data must last for (accounts made)"
    )
    parser.add_argument("--profile", metavar="DIR", help="py-spy every worker during the mix")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
        ),
    )
    parser.add_argument("--sqlite", default=str(Path(tempfile.gettempdir()) / "bench_load.db"))
    parser.add_argument("--json", metavar="FILE", help="also write the summaries as JSON")
    args = parser.parse_args(argv)
    targets = []
    if args.db in ("postgresql", "both"):
        targets.append(("postgresql", args.postgres))
    if args.db in ("sqlite", "both"):
        targets.append(("sqlite", f"sqlite:///{args.sqlite}"))
    summaries = [run(kind, url, n, args) for kind, url in targets for n in args.shoppers]
    print(
        "\n| db | shoppers | visits/s | shopper req/s | bare insert req/s | ratio "
        "| submit p99 ms | errors | load avg |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|---|")
    for s in summaries:
        p99 = f"{s['submit_p99_ms']:.0f}" if s["submit_p99_ms"] is not None else "-"
        print(
            f"| {s['db']} | {s['shoppers']} | {s['visits_per_s']:.1f} | {s['shopper_rps']:.1f} "
            f"| {s['bare_rps']:.1f} | {s['ratio']:.2f} | {p99} | {s['errors']} | {s['load']} |"
        )
    print(
        "\nTargets at 64 shoppers on PostgreSQL: no errors; shopper req/s ≥ 1/3 of the bare "
        "insert's; submit p99 < 1000 ms."
    )
    if args.json:
        Path(args.json).write_text(json.dumps(summaries, indent=2))


if __name__ == "__main__":
    main()
