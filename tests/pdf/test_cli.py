"""``flask report ...`` writes PDFs and fails clearly (exit 1) on bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from pypdf import PdfReader

from tests.builders import REPORT_SHOPPER_NAME, Small, build_small


@pytest.fixture
def small(app: Flask) -> Small:
    with app.app_context():
        return build_small()


def read(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())


def test_each_report_command_writes_a_pdf(
    runner: FlaskCliRunner, small: Small, tmp_path: Path
) -> None:
    period = ["--scorecard", "branch-visit", "--from", "2026-01-01", "--to", "2026-06-30"]
    commands = {
        "visit": ["visit", str(small.visit_id)],
        "branch": ["branch", small.codes["N1"], *period],
        "staff": ["staff", small.staff_code, *period],
        "compare": ["compare", "--region", "North", *period],
    }
    texts = {}
    for name, args in commands.items():
        out = tmp_path / f"{name}.pdf"
        result = runner.invoke(args=["report", *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert f"Wrote {out}" in result.output
        texts[name] = read(out)
    assert REPORT_SHOPPER_NAME in texts["visit"]  # the command line acts as an administrator
    assert "Harbour Lane" in texts["branch"] and "01 Jan 2026 to 30 Jun 2026" in texts["branch"]
    assert "Nadia Staffwell" in texts["staff"] and REPORT_SHOPPER_NAME not in texts["staff"]
    assert "Castle Gate" in texts["compare"] and "Seafront Parade" not in texts["compare"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["branch", "NOPE"], "there is no branch with code 'NOPE'"),
        (["staff", "NOPE"], "there is no staff member with code 'NOPE'"),
        (["visit", "999999"], "there is no submitted visit 999999"),
        (["compare", "--region", "Atlantis"], "there is no region 'Atlantis' (regions: "),
        (["compare", "--scorecard", "nope"], "there is no scorecard 'nope'"),
        (["compare", "--from", "2026-05-01", "--to", "2026-04-01"], "the period ends before"),
    ],
)
def test_bad_input_fails_with_a_clear_message(
    runner: FlaskCliRunner, small: Small, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "x.pdf"
    result = runner.invoke(args=["report", *args, "--out", str(out)])
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()


def test_the_worker_needs_redis(runner: FlaskCliRunner, app: Flask) -> None:
    app.config["REDIS_URL"] = None
    result = runner.invoke(args=["report", "worker", "--burst"])
    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output
