"""Sign-in and the forgotten-password page do not tell, by their timing, which addresses
have accounts: against a served app over real HTTP, the median answer for an unknown
address is within 20% of the median for a known one, over 12 tries each.

The tries alternate (unknown, known, unknown, ...) so that a machine getting busier or
quieter during the test weighs on both sides alike. The hashing is the real one
(werkzeug's scrypt, as in production): it is what made the difference.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator

import pytest
import requests
from flask import Flask

from audit.extensions import db
from audit.models import Role
from audit.tasks import wait_for_tasks
from tests.builders import make_user
from tests.served import serve

TRIES = 12
WARM_UP = 3
#: The most the two medians may differ, as a share of the larger.
TOLERANCE = 0.20
ROUNDS = 3
WRONG = "not the password at all"  # noqa: S105
#: A pause after each try: the test's SMTP server runs in this process, and the end of
#: one conversation must not weigh on the next try.
SETTLE = 0.03


@pytest.fixture
def site(app: Flask, smtp_server) -> Iterator[str]:
    """The app served for real, with mail, throttles that let every try through, and the
    production hashing (the suite's other tests use a cheap one)."""
    app.config.update(
        smtp_server.config(),
        LOGIN_THROTTLE_PER_ACCOUNT=10_000,
        LOGIN_THROTTLE_PER_ADDRESS=10_000,
        PASSWORD_HASH_METHOD="scrypt",
    )
    with serve(app) as server:
        yield server.url  # type: ignore[attr-defined]


def _seconds(send: Callable[[], requests.Response], status: int) -> float:
    start = time.perf_counter()
    response = send()
    took = time.perf_counter() - start
    assert response.status_code == status, response.text[:300]
    wait_for_tasks()  # a mail sent in the background is not part of the answer's time
    time.sleep(SETTLE)
    return took


Measure = Callable[[int], float]


def _medians(series: tuple[Measure, ...]) -> list[float]:
    for i in range(WARM_UP):
        for measure in series:
            measure(i)
    times: list[list[float]] = [[] for _ in series]
    for i in range(TRIES):
        for n, measure in enumerate(series):
            times[n].append(measure(WARM_UP + i))
    return [statistics.median(t) for t in times]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(a, b)


def assert_same_time(*series: Measure) -> None:
    """Every series' median within :data:`TOLERANCE` of the first's. The machine is shared
    (other tests, other work): a round spoilt by a burst of load is measured again, up to
    :data:`ROUNDS` times; a real difference shows in every round."""
    seen = []
    for _ in range(ROUNDS):
        medians = _medians(series)
        seen.append([round(m * 1000, 1) for m in medians])
        if all(_close(medians[0], m) for m in medians[1:]):
            return
    pytest.fail(f"median answers (ms) differ by more than {TOLERANCE:.0%}, per round: {seen}")


def test_sign_in_takes_as_long_for_an_unknown_address(app: Flask, site: str):
    with app.app_context():
        known = make_user(Role.MANAGER, "known@example.org").email
        gone = make_user(Role.MANAGER, "gone@example.org", active=False).email
        db.session.commit()
    browser = requests.Session()

    def sign_in(email: str) -> Measure:
        def measure(i: int) -> float:
            data = {"email": email.format(i=i), "password": WRONG}
            return _seconds(lambda: browser.post(f"{site}/login", data=data, timeout=30), 200)

        return measure

    assert_same_time(sign_in("nobody{i}@example.org"), sign_in(known), sign_in(gone))


def test_asking_for_a_reset_link_takes_as_long_for_an_unknown_address(
    app: Flask, site: str, smtp_server
):
    with app.app_context():
        for i in range(WARM_UP + TRIES):
            make_user(Role.SHOPPER, f"known{i}@example.org")
        db.session.commit()
    browser = requests.Session()
    asked = []

    def ask(email: str) -> Measure:
        def measure(i: int) -> float:
            data = {"email": email.format(i=i)}
            asked.append(data["email"])
            return _seconds(lambda: browser.post(f"{site}/forgot", data=data, timeout=30), 200)

        return measure

    assert_same_time(ask("nobody{i}@example.org"), ask("known{i}@example.org"))
    mailed = [to for to, _ in smtp_server.inbox.messages]
    assert mailed == [[email] for email in asked if email.startswith("known")]
