"""Sending a visit under real concurrency: a served app, requests from several threads.

A phone on a slow network does what no test client does on its own: an older
autosave still in flight when Send is pressed, a double tap that sends the
same token twice at once, two tabs sending different tokens. Each trial makes
a fresh draft, fires the requests at a given offset, then checks what a
reviewer would rely on: the visit was sent once, its answers are those of the
accepted submit, its stored score equals a recompute, and no request got a 5xx.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask import Flask

from audit.extensions import db
from audit.models import Branch, Scorecard, User, Visit, VisitStatus
from audit.shop.service import DraftData, save_draft
from audit.visits.scores import answer_values, comments_of, score_changed
from tests.builders import count_events, make_shop_world, started_draft
from tests.conftest import TEST_PASSWORD
from tests.served import serve

CARD = {
    "slug": "race-card",
    "title": "Race card",
    "channel": "in_person",
    "target": 80,
    "critical_fail": "zero_visit",
    "sections": [
        {
            "key": "welcome",
            "title": "Welcome",
            "questions": [
                {"key": "greeted", "text": "Greeted?", "type": "yes_no", "points": 5},
                {
                    "key": "safe",
                    "text": "Checked identity?",
                    "type": "yes_no",
                    "points": 5,
                    "critical": True,
                },
                {
                    "key": "wait",
                    "text": "Minutes waited",
                    "type": "number",
                    "target": {"max": 5},
                    "points": 4,
                },
            ],
        },
        {
            "key": "close",
            "title": "Close",
            "questions": [
                {"key": "summary", "text": "Summary", "type": "text", "required": True},
            ],
        },
    ],
}

#: What the phone sent a moment before Send: an older state of the form.
OLDER = {
    "answers": {"greeted": "no", "safe": "no", "wait": 12, "summary": "typing…"},
    "comments": {"greeted": "Nobody looked up.", "safe": "Not asked."},
}
#: What Send carries: the whole form as it finally is.
FINAL_ANSWERS = {"greeted": "yes", "safe": "yes", "wait": 3, "summary": "Quick and friendly."}
FINAL_COMMENTS = {"greeted": "", "safe": "", "wait": "", "summary": ""}


@dataclass
class World:
    app: Flask
    url: str
    shopper_email: str
    staff_id: int
    make_visit: Callable[[bool], int]
    statuses: Counter[int] = field(default_factory=Counter)

    def phone(self) -> requests.Session:
        """A signed-in browser session of the shopper (each tab or phone has its own)."""
        session = requests.Session()
        response = session.post(
            f"{self.url}/login",
            data={"email": self.shopper_email, "password": TEST_PASSWORD},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text
        return session

    def final_draft(self) -> dict:
        now = datetime.now(UTC)
        return {
            "answers": FINAL_ANSWERS,
            "comments": FINAL_COMMENTS,
            "started_at": (now - timedelta(minutes=30)).isoformat(),
            "ended_at": (now - timedelta(minutes=10)).isoformat(),
            "staff_ids": [self.staff_id],
        }


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        shop = make_shop_world(CARD)
        ids = (shop.branch.id, shop.card.id, shop.shopper.id, shop.shopper.email, shop.staff.id)
    branch_id, card_id, shopper_id, email, staff_id = ids

    def make_visit(typed: bool = False) -> int:
        """A new draft; ``typed``: earlier autosaves already stored some answers."""
        with app.app_context():
            shopper = db.session.get(User, shopper_id)
            visit = started_draft(
                db.session.get(Scorecard, card_id), db.session.get(Branch, branch_id), shopper
            )
            if typed:
                save_draft(visit, DraftData(answers={"greeted": "yes", "summary": "Fine"}), shopper)
            db.session.commit()
            return visit.id

    with serve(app) as server:
        yield World(app, server.url, email, staff_id, make_visit)


def at_once(*calls: tuple[float, Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run each call in its own thread, ``delay`` seconds after a common start."""
    barrier = threading.Barrier(len(calls))
    results: list[requests.Response | BaseException | None] = [None] * len(calls)

    def run(index: int, delay: float, call: Callable[[], requests.Response]) -> None:
        barrier.wait()
        if delay:
            time.sleep(delay)
        try:
            results[index] = call()
        except BaseException as error:  # noqa: BLE001  (reported below, with the others)
            results[index] = error

    threads = [
        threading.Thread(target=run, args=(i, delay, call)) for i, (delay, call) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for result in results:
        if not isinstance(result, requests.Response):
            raise AssertionError(f"a request did not complete: {result!r}")
    return results  # type: ignore[return-value]


def json_of(response: requests.Response) -> dict:
    try:
        return response.json()
    except ValueError:
        return {}


def what_went_wrong(world: World, visit_id: int, responses: list[requests.Response]) -> list[str]:
    """Every broken promise of one trial, in words (empty when the trial held)."""
    wrong = [
        f"{r.request.method} {r.request.path_url} answered {r.status_code}: {r.text[:200]}"
        for r in responses
        if r.status_code >= 500
    ]
    with world.app.app_context():
        visit = db.session.get(Visit, visit_id)
        if visit.status is not VisitStatus.SUBMITTED:
            wrong.append(f"visit is {visit.status.value}, not submitted")
        events = count_events("visit.submitted", visit_id)
        if events != 1:
            wrong.append(f"{events} visit.submitted events")
        values = answer_values(visit)
        for key, expected in FINAL_ANSWERS.items():
            if values.get(key) != expected:
                wrong.append(f"answer {key} is {values.get(key)!r}, sent {expected!r}")
        if comments_of(visit):
            wrong.append(f"comments {comments_of(visit)} survived the final send")
        if score_changed(visit):
            wrong.append(f"stored score {visit.percent} does not match its answers")
    return wrong


# Offsets of Send after the older autosave started (negative: Send went first).
OFFSETS_MS = (-20, -5, 0, 5, 10, 20, 30, 45, 60)
REPEATS = 4
#: Double sends per case.
TRIALS = 16


def test_an_autosave_in_flight_never_changes_a_sent_visit(world: World) -> None:
    phone = world.phone()
    failures: list[str] = []
    trials = failed = 0
    for repeat in range(REPEATS):
        for offset_ms in OFFSETS_MS:
            visit_id = world.make_visit(typed=repeat % 2 == 0)
            token = f"race{visit_id:08d}{repeat:04d}{offset_ms + 100:04d}"
            autosave_delay, send_delay = max(0, -offset_ms) / 1000, max(0, offset_ms) / 1000
            responses = at_once(
                (
                    autosave_delay,
                    lambda v=visit_id: phone.post(f"{world.url}/shop/visits/{v}/draft", json=OLDER),
                ),
                (
                    send_delay,
                    lambda v=visit_id, t=token: phone.post(
                        f"{world.url}/shop/visits/{v}/submit",
                        json={"client_token": t, "draft": world.final_draft()},
                    ),
                ),
            )
            autosave, send = responses
            trials += 1
            wrong = what_went_wrong(world, visit_id, responses)
            if send.status_code != 200:
                wrong.append(f"send answered {send.status_code}: {send.text[:200]}")
            if autosave.status_code not in (200, 409):
                wrong.append(f"autosave answered {autosave.status_code}: {autosave.text[:200]}")
            failed += bool(wrong)
            failures += [f"offset {offset_ms} ms: {w}" for w in wrong]
    assert not failures, f"{failed} of {trials} trials broke a promise:\n" + "\n".join(failures)


@pytest.mark.parametrize("same_token", [True, False], ids=["one-token", "two-tokens"])
def test_two_sends_at_once_make_one_submission(world: World, same_token: bool) -> None:
    tabs = (world.phone(), world.phone())
    failures: list[str] = []
    failed = 0
    for trial in range(TRIALS):
        visit_id = world.make_visit()
        tokens = [f"double{visit_id:08d}{trial:04d}a", f"double{visit_id:08d}{trial:04d}b"]
        if same_token:
            tokens[1] = tokens[0]
        responses = at_once(
            *(
                (
                    0.0,
                    lambda tab=tab, t=t, v=visit_id: tab.post(
                        f"{world.url}/shop/visits/{v}/submit",
                        json={"client_token": t, "draft": world.final_draft()},
                    ),
                )
                for tab, t in zip(tabs, tokens, strict=True)
            )
        )
        wrong = what_went_wrong(world, visit_id, responses)
        answers = sorted((r.status_code, json_of(r).get("already")) for r in responses)
        expected = [(200, False), (200, True)] if same_token else [(200, False), (409, None)]
        if answers != expected:
            wrong.append(f"answers {answers}, expected {expected}")
        failed += bool(wrong)
        failures += [f"trial {trial}: {w}" for w in wrong]
    assert not failures, f"{failed} of {TRIALS} trials broke a promise:\n" + "\n".join(failures)
