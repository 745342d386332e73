"""The printed survey cards: an A6 card and an A4 poster per branch whose QR code, drawn as
vector paths, decodes to the branch's survey link (read back with zxing-cpp from a
pdftoppm render, as a phone's camera would read the paper)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image
from pypdf import PdfReader

from audit.documents.survey_cards import INVITATION, SurveyCard, survey_cards_pdf
from audit.extensions import db
from audit.surveys.links import survey_url
from tests.builders import make_branch, make_region

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm")

A6 = (297.6, 419.5)  # points
A4 = (595.3, 841.9)


def page_codes(pdf: bytes, page: int, tmp_path: Path) -> list[str]:
    """The text of every QR code found on ``page`` (1-based) rendered at 150 dpi."""
    source = tmp_path / "cards.pdf"
    source.write_bytes(pdf)
    prefix = tmp_path / f"page{page}"
    subprocess.run(  # noqa: S603 - a fixed tool on a file we wrote
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(source),
            str(prefix),
        ],
        check=True,
    )
    with Image.open(f"{prefix}.png") as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    return [code.text for code in found if code.format == zxingcpp.BarcodeFormat.QRCode]


def page_size(reader: PdfReader, index: int) -> tuple[float, float]:
    box = reader.pages[index].mediabox
    return round(float(box.width), 1), round(float(box.height), 1)


def test_card_and_poster_hold_the_link_as_a_vector_qr_code(app: Flask, tmp_path: Path) -> None:
    url = "https://audit.example.org/survey/b/abc123.signature-Xy_9"
    with app.app_context():
        pdf = survey_cards_pdf([SurveyCard("Harbour Lane", "LDS01", url)], "Survey cards")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert page_size(reader, 0) == pytest.approx(A6, abs=1)
    assert page_size(reader, 1) == pytest.approx(A4, abs=1)
    for index in range(2):
        text = " ".join((reader.pages[index].extract_text() or "").split())
        assert "Harbour Lane" in text
        assert INVITATION.split(" — ")[0] in text
        assert not reader.pages[index].images  # the code is paths, not a picture
    assert page_codes(pdf, 1, tmp_path) == [url]
    assert page_codes(pdf, 2, tmp_path) == [url]


def test_a_different_link_gives_a_different_code(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        pdf = survey_cards_pdf([SurveyCard("B", "B1", "https://x.example/one")], "t")
    assert page_codes(pdf, 1, tmp_path) != ["https://x.example/two"]


def test_poster_command_prints_the_branchs_own_link(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with app.app_context():
        branch = make_branch(code="LDS01", name="Harbour Lane")
        db.session.commit()
        expected = survey_url(branch)
    out = tmp_path / "leeds.pdf"
    result = runner.invoke(args=["surveys", "poster", "LDS01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert page_codes(pdf, 1, tmp_path) == [expected]
    assert page_codes(pdf, 2, tmp_path) == [expected]


def test_region_pdf_has_every_active_branch(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with app.app_context():
        north = make_region("North")
        first = make_branch(north, code="N1", name="Alpha Street")
        second = make_branch(north, code="N2", name="Beta Road")
        make_branch(north, code="N3", name="Closed Arcade", active=False)
        make_branch(make_region("South"), code="S1", name="Southern Way")
        db.session.commit()
        links = [survey_url(first), survey_url(second)]
    out = tmp_path / "north.pdf"
    result = runner.invoke(args=["surveys", "poster", "--region", "north", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    assert len(reader.pages) == 4
    assert "Alpha Street" in text and "Beta Road" in text
    assert "Closed Arcade" not in text and "Southern Way" not in text
    assert page_codes(pdf, 1, tmp_path) == [links[0]]
    assert page_codes(pdf, 3, tmp_path) == [links[1]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE1"], "no branch with the code NOPE1"),
        (["--region", "Atlantis"], "no region named Atlantis"),
        (["OFF1"], "branch OFF1 is deactivated"),
        ([], "give either BRANCH_CODE or --region"),
        (["OFF1", "--region", "North"], "give either BRANCH_CODE or --region"),
    ],
)
def test_poster_command_refuses_clearly(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    with app.app_context():
        make_branch(make_region("North"), code="OFF1", active=False)
        db.session.commit()
    out = tmp_path / "x.pdf"
    result = runner.invoke(args=["surveys", "poster", *args, "--out", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()
