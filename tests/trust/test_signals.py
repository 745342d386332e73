"""Signals across visits, planted in generated visits: a reused photo, copied comments,
two visits 300 km apart within an hour, a visit at 3 a.m. at a branch closed then. Each
appears on the review page and in ``trust report``; the clean visits raise none.

Visits are imported (approved) or sent from the phone's service, and their signals are
computed by the task queue as in production (the in-process pool, waited for here).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from audit.config import PROJECT_ROOT
from audit.extensions import db
from audit.models import (
    Attachment,
    PhotoHash,
    Role,
    SignalKind,
    SignalLevel,
    Visit,
    VisitSignal,
)
from audit.settings import set_setting
from audit.shop.service import SIGNALS_TASK, DraftData, save_draft, submit
from audit.storage import storage
from audit.tasks import resolve, wait_for_tasks
from audit.trust.photo_reuse import bands, hamming, hash_image
from audit.trust.service import COMPUTE_TASK, compute_visit_signals
from audit.visits.answer_changes import SIGNALS_TASK as CHANGE_SIGNALS_TASK
from tests.builders import (
    FULL,
    approved_record,
    attach_photo,
    import_visits,
    make_branch,
    make_user,
    make_world,
    publish_reviewed,
    started_draft,
)

K = SignalKind

#: Long enough to be checked (40 characters or more), and copied with one word changed.
COPIED = "The adviser never looked up from her phone and the queue did not move for ages."
COPIED_AGAIN = "The adviser never looked up from his phone and the queue did not move for ages."
CLEAN_TEXTS = {
    "CLEAN1": "Greeted at the door by name, offered a seat and a glass of water straight away.",
    "CLEAN2": "A short wait, then a clear explanation of the overdraft fees with a leaflet.",
    "CLEAN3": "The branch was busy; a manager opened a second till within five minutes.",
    "NIGHT": "Everything about the visit was fine, though the lights were dim inside.",
    "TRAVEL_A": "The cashier counted the coins twice and thanked me for waiting so patiently.",
    "TRAVEL_B": "Mortgage adviser available without an appointment, friendly and well informed.",
}


def scene(seed: int) -> Image.Image:
    """A made-up photo: coloured blocks placed by ``seed``; other seeds look different."""
    rng = random.Random(seed)
    colour = lambda: (rng.randrange(256), rng.randrange(256), rng.randrange(256))  # noqa: E731
    image = Image.new("RGB", (640, 480), colour())
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(640), rng.randrange(480)
        draw.rectangle([x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 200)], colour())
    return image


def jpeg_of(image: Image.Image, size: tuple[int, int], quality: int) -> bytes:
    buffer = io.BytesIO()
    image.resize(size).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def add_photo(visit: Visit, image: Image.Image, name: str, quality: int = 90) -> Attachment:
    """The picture stored as the upload path stores one (the file and its thumbnail)."""
    photo = jpeg_of(image, (640, 480), quality), jpeg_of(image, (160, 120), quality)
    attachment = attach_photo(visit, None, storage(), name, photo=photo)
    db.session.flush()
    return attachment


def sent_from_phone(world, branch, shopper, hours_ago: int, photo, text: str):  # noqa: ANN001, ANN201
    """A visit started ``hours_ago``, filled in with a photo and sent through the phone's
    service (sent within the hour: not late)."""
    draft = started_draft(world.card, branch, shopper)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    data = DraftData(
        answers={**FULL, "summary": text},
        staff_description="The adviser at the first desk",
        started_at=start.isoformat(),
        ended_at=(start + timedelta(minutes=25)).isoformat(),
    )
    assert save_draft(draft, data, shopper) == []
    # Taken during the visit (the builder dates it at the visit's time).
    add_photo(draft, photo, f"{text[:8]}.jpg", quality=90 if shopper is world.shopper else 70)
    submit(draft, hashlib.sha256(text.encode()).hexdigest()[:32], shopper)
    db.session.commit()
    return draft


@pytest.fixture
def world(ctx) -> SimpleNamespace:
    """make_world, Leeds open Mon-Sat 09:00-17:30, York (38 km away), Southampton (320
    km away), a second shopper; then every planted fraud and the clean visits."""
    world = make_world()
    world.leeds.opening_hours = "Mon-Sat 09:00-17:30"
    world.york = make_branch(world.north, code="YRK01", name="York", lat=53.959, lng=-1.0815)
    world.soton = make_branch(
        world.south, code="SOU01", name="Southampton", lat=50.9097, lng=-1.4044
    )
    world.other = make_user(Role.SHOPPER, email="other@example.org", name="Olly Other")
    db.session.commit()
    one, two = world.shopper.email, world.other.email
    visits = import_visits(
        approved_record("CLEAN1", "LDS01", one, "2026-05-12T10:00:00", CLEAN_TEXTS["CLEAN1"]),
        approved_record("CLEAN2", "YRK01", one, "2026-05-12T14:00:00", CLEAN_TEXTS["CLEAN2"]),
        approved_record("CLEAN3", "LDS01", two, "2026-05-13T11:00:00", CLEAN_TEXTS["CLEAN3"]),
        approved_record("COPY_A", "LDS01", one, "2026-05-14T10:00:00", COPIED),
        approved_record("COPY_B", "YRK01", two, "2026-05-14T15:00:00", COPIED_AGAIN),
        approved_record("TRAVEL_A", "LDS01", two, "2026-05-15T10:00:00", CLEAN_TEXTS["TRAVEL_A"]),
        approved_record("TRAVEL_B", "SOU01", two, "2026-05-15T10:45:00", CLEAN_TEXTS["TRAVEL_B"]),
        approved_record(
            "NIGHT", "LDS01", one, "2026-05-16T03:00:00", CLEAN_TEXTS["NIGHT"]
        ),  # a Saturday
    )
    world.visits = {v.external_id: v.id for v in visits}
    wait_for_tasks()  # the import queued their signals
    # The same photo sent with two visits by two shoppers (the second re-encoded smaller),
    # from the phone, today; a clean visit sends a photo of its own.
    reused = scene(5)
    first = sent_from_phone(
        world, world.york, world.shopper, 3, reused, "Queue of four, served in six minutes flat."
    )
    wait_for_tasks()
    second = sent_from_phone(
        world, world.soton, world.other, 2, reused, "Bright branch, leaflets tidy, nobody waiting."
    )
    own = sent_from_phone(
        world, world.york, world.shopper, 1, scene(9), "Asked about savings; got a written quote."
    )
    wait_for_tasks()
    for sent in (first, second, own):
        publish_reviewed(db.session.get(Visit, sent.id), world.manager)
    world.visits.update(PHOTO_A=first.id, PHOTO_B=second.id, PHOTO_CLEAN=own.id)
    return world


def stored(visit_id: int) -> list[VisitSignal]:
    return list(
        db.session.scalars(
            select(VisitSignal).where(VisitSignal.visit_id == visit_id).order_by(VisitSignal.id)
        )
    )


def kinds(visit_id: int) -> list[str]:
    return [signal.kind.value for signal in stored(visit_id)]


def test_each_planted_fraud_is_stored_with_its_evidence_and_clean_visits_raise_none(world):
    ids = world.visits
    for clean in ("CLEAN1", "CLEAN2", "CLEAN3", "PHOTO_CLEAN"):
        assert kinds(ids[clean]) == [], clean

    # Copied comments: both visits (another branch, another shopper) name each other.
    (copy_b,) = stored(ids["COPY_B"])
    assert (copy_b.kind, copy_b.level) == (K.DUPLICATE_TEXT, SignalLevel.HIGH)
    assert copy_b.evidence["other_visit_id"] == ids["COPY_A"]
    assert copy_b.evidence["question_key"] == copy_b.evidence["other_question_key"] == "summary"
    assert "text" not in copy_b.evidence  # named, not copied: retention removes the words
    assert re.search(
        r"The answer to 'summary' is 9\d% the same text as the answer to 'summary' of visit",
        copy_b.detail,
    )
    assert kinds(ids["COPY_A"]) == ["duplicate_text"]

    # 320 km in 45 minutes.
    (travel,) = stored(ids["TRAVEL_B"])
    assert (
        travel.kind is K.IMPOSSIBLE_TRAVEL and travel.evidence["other_visit_id"] == ids["TRAVEL_A"]
    )
    assert 300 < travel.evidence["distance_km"] < 340 and travel.evidence["gap_minutes"] == 45
    assert "faster than 120 km/h" in travel.detail
    assert kinds(ids["TRAVEL_A"]) == ["impossible_travel"]

    # 3 a.m. on a Saturday at a branch open 09:00-17:30.
    (night,) = stored(ids["NIGHT"])
    assert night.kind is K.OUTSIDE_HOURS and night.level is SignalLevel.WARN
    assert "03:00 on Sat 16 May 2026" in night.detail and "(Sat: 09:00-17:30)" in night.detail

    # The reused photo: the second visit points at the first, photo to photo.
    (reuse,) = stored(ids["PHOTO_B"])
    assert reuse.kind is K.PHOTO_REUSE and reuse.evidence["other_visit_id"] == ids["PHOTO_A"]
    assert reuse.evidence["distance"] <= 3
    first_photo = db.session.scalars(
        select(Attachment).where(Attachment.visit_id == ids["PHOTO_A"])
    ).one()
    assert reuse.evidence["other_attachment_id"] == first_photo.id
    # The first was sent before the second existed: nothing to compare it with then.
    assert kinds(ids["PHOTO_A"]) == []
    # Every sent photo has its hash, split into bands.
    assert db.session.scalar(select(db.func.count()).select_from(PhotoHash)) == 3

    night = db.session.get(Visit, world.visits["NIGHT"])
    clean = db.session.get(Visit, world.visits["CLEAN1"])
    assert night.percent == clean.percent and night.band == clean.band


def test_the_review_page_shows_each_signal_with_its_evidence(app, client, auth, world):
    ids = world.visits
    auth.login(world.manager.email)

    def signals_of(key: str) -> str:
        page = client.get(f"/review/visits/{ids[key]}").get_data(as_text=True)
        return page[page.index("Trust signals") :]

    photo = signals_of("PHOTO_B")
    assert 'data-kind="photo_reuse"' in photo and "Hard to explain" in photo
    with app.app_context():
        theirs, mine = (
            db.session.scalars(select(Attachment.id).where(Attachment.visit_id == ids[k])).one()
            for k in ("PHOTO_A", "PHOTO_B")
        )
    # Both photos side by side, each a link to the photo itself.
    assert f"/shop/attachments/{mine}/thumb" in photo
    assert f"/shop/attachments/{theirs}/thumb" in photo
    assert f'href="/review/visits/{ids["PHOTO_A"]}"' in photo

    text = signals_of("COPY_B")
    assert 'data-kind="duplicate_text"' in text
    assert COPIED in text and COPIED_AGAIN in text

    travel = signals_of("TRAVEL_B")
    assert 'data-kind="impossible_travel"' in travel
    assert "Southampton (SOU01)" in travel and "Leeds Briggate (LDS01)" in travel
    assert f'href="/review/visits/{ids["TRAVEL_A"]}"' in travel

    night = signals_of("NIGHT")
    assert 'data-kind="outside_hours"' in night and "when the branch is closed" in night

    clean = signals_of("CLEAN1")
    assert "Check this" not in clean and "Hard to explain" not in clean
    assert "within the branch&#39;s opening hours" in clean

    page = client.get("/review/?status=approved").get_data(as_text=True)
    rows = {
        int(m[1]): m[2]
        for m in re.finditer(
            r'href="/review/visits/(\d+)".*?data-label="Signals">(.*?)</td>', page, re.S
        )
    }
    assert "1 warning" in rows[world.visits["TRAVEL_B"]]
    assert "none" in rows[world.visits["CLEAN1"]]

    # Ned manages the North only: Southampton's visit is not shown to him.
    auth.logout()
    auth.login(world.north_manager.email)
    page = client.get(f"/review/visits/{world.visits['TRAVEL_A']}").get_data(as_text=True)
    signals = page[page.index("Trust signals") :]
    assert 'data-kind="impossible_travel"' in signals
    assert "outside your regions" in signals
    assert f'href="/review/visits/{world.visits["TRAVEL_B"]}"' not in signals


def test_trust_report_lists_the_planted_signals_and_every_shopper(app, runner, world):
    result = runner.invoke(args=["trust", "report", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    ids = world.visits
    by_id = {entry["id"]: entry for entry in report["visits"]}
    expected = {
        "COPY_A": ["duplicate_text"],
        "COPY_B": ["duplicate_text"],
        "TRAVEL_A": ["impossible_travel"],
        "TRAVEL_B": ["impossible_travel"],
        "NIGHT": ["outside_hours"],
        "PHOTO_B": ["photo_reuse"],
    }
    assert {key: [s["kind"] for s in by_id[ids[key]]["signals"]] for key in expected} == expected
    assert set(by_id) == {ids[key] for key in expected}  # the clean visits raise none
    assert by_id[ids["NIGHT"]]["external_id"] == "NIGHT"
    signal = by_id[ids["NIGHT"]]["signals"][0]
    assert set(signal) == {"kind", "level", "detail"} and signal["level"] == "warn"
    assert {s["email"] for s in report["shoppers"]} == {world.shopper.email, world.other.email}
    for shopper in report["shoppers"]:
        assert set(shopper) == {"email", "visits", "leniency", "ci_low", "ci_high", "flagged"}

    result = runner.invoke(
        args=["trust", "report", "--from", "2026-05-15", "--to", "2026-05-15", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    listed = {entry["external_id"] for entry in json.loads(result.output)["visits"]}
    assert listed == {"TRAVEL_A", "TRAVEL_B"}
    backwards = runner.invoke(
        args=["trust", "report", "--from", "2026-05-16", "--to", "2026-05-01"]
    )
    assert backwards.exit_code == 2 and "ends before it starts" in backwards.output


def test_submitted_visits_are_not_in_the_report_until_approved(runner, world):
    """Only approved and published visits count: a submitted copy has its signal stored,
    and stays out of the report until it is approved."""
    import_visits(
        {
            **approved_record("COPY_C", "BRS01", world.other.email, "2026-05-14T16:00:00", COPIED),
            "status": "submitted",
        }
    )
    wait_for_tasks()
    (copy_c,) = db.session.scalars(select(Visit.id).where(Visit.external_id == "COPY_C"))
    assert kinds(copy_c) == ["duplicate_text"]
    report = json.loads(runner.invoke(args=["trust", "report"]).output)
    assert "COPY_C" not in {entry["external_id"] for entry in report["visits"]}


def test_computing_again_replaces_the_signals_and_follows_the_settings(runner, world):
    set_setting("travel_speed_kmh", 1000, None)
    db.session.commit()
    result = runner.invoke(args=["trust", "compute", "--from", "2026-05-15", "--to", "2026-05-15"])
    assert result.exit_code == 0 and "2 visits checked, 0 signals stored." in result.output
    assert kinds(world.visits["TRAVEL_B"]) == []
    assert kinds(world.visits["NIGHT"]) == ["outside_hours"]  # outside the period: kept
    assert compute_visit_signals([world.visits["NIGHT"]]) == 1
    db.session.commit()
    assert kinds(world.visits["NIGHT"]) == ["outside_hours"]  # replaced, not doubled

    # Everything again: the visit that sent the photo first still has nothing to answer
    # for, whatever was sent since.
    set_setting("travel_speed_kmh", 120, None)
    db.session.commit()
    assert runner.invoke(args=["trust", "compute"]).exit_code == 0
    assert kinds(world.visits["PHOTO_A"]) == [] and kinds(world.visits["PHOTO_B"]) == [
        "photo_reuse"
    ]
    assert kinds(world.visits["TRAVEL_B"]) == ["impossible_travel"]
    # A call is made from anywhere: on a phone scorecard the same times are no trip.
    world.card.channel = "phone"
    db.session.commit()
    runner.invoke(args=["trust", "compute", "--from", "2026-05-15", "--to", "2026-05-15"])
    assert kinds(world.visits["TRAVEL_A"]) == kinds(world.visits["TRAVEL_B"]) == []


# --- the photo hash (no database) -------------------------------------------------------


def test_a_photo_re_encoded_keeps_its_hash_and_other_photos_do_not_share_it():
    original = hash_image(jpeg_of(scene(1), (640, 480), 90))
    assert hamming(original, hash_image(jpeg_of(scene(1), (200, 150), 60))) <= 3
    others = [hash_image(jpeg_of(scene(seed), (640, 480), 90)) for seed in range(2, 12)]
    assert min(hamming(original, other) for other in others) > 10


def test_hashes_within_three_bits_share_a_band():
    """The candidate search rests on this: flip any 3 bits and one band stays equal."""
    rng = random.Random(3)
    for _ in range(200):
        value = rng.getrandbits(64)
        flipped = value
        for bit in rng.sample(range(64), 3):
            flipped ^= 1 << bit
        assert any(a == b for a, b in zip(bands(value), bands(flipped), strict=True))


# --- the managers' list -----------------------------------------------------------------


def listed(client, **args) -> dict[int, str]:  # noqa: ANN001
    """Visit id → kind of each row of the signals list."""
    page = client.get("/trust/signals", query_string=args)
    assert page.status_code == 200
    return {
        int(m[2]): m[1]
        for m in re.finditer(
            r'<tr data-kind="(\w+)">\s*<td><a href="/review/visits/(\d+)"', page.get_data(True)
        )
    }


def test_managers_list_the_signals_by_kind_and_period_in_their_regions(client, auth, world):
    ids = world.visits
    auth.login(world.manager.email)
    everything = listed(client, period="all")
    assert everything == {
        ids["COPY_A"]: "duplicate_text",
        ids["COPY_B"]: "duplicate_text",
        ids["TRAVEL_A"]: "impossible_travel",
        ids["TRAVEL_B"]: "impossible_travel",
        ids["NIGHT"]: "outside_hours",
        ids["PHOTO_B"]: "photo_reuse",
    }
    assert listed(client, period="all", kind="impossible_travel") == {
        ids["TRAVEL_A"]: "impossible_travel",
        ids["TRAVEL_B"]: "impossible_travel",
    }
    may = listed(client, period="custom", **{"from": "2026-05-16", "to": "2026-05-16"})
    assert may == {ids["NIGHT"]: "outside_hours"}

    auth.logout()
    auth.login(world.north_manager.email)  # Southampton is in the South
    assert ids["TRAVEL_B"] not in listed(client, period="all")
    assert ids["TRAVEL_A"] in listed(client, period="all")

    auth.logout()
    auth.login(world.shopper.email)
    assert client.get("/trust/signals").status_code == 403


def test_the_phone_and_the_import_queue_the_task_that_computes_signals():
    """They, and an answer changed in review or on appeal, name it by string (they do not
    import trust): the name must stay right."""
    assert SIGNALS_TASK == COMPUTE_TASK == CHANGE_SIGNALS_TASK
    assert resolve(COMPUTE_TASK) is compute_visit_signals
    imports = (PROJECT_ROOT / "audit" / "visits" / "imports.py").read_text()
    assert f'"{COMPUTE_TASK}"' in imports
