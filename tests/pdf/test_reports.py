"""The four PDF reports read back: names, figures, page numbers, and who may see what.

Figures are checked against the reporting tests' independent computation
from the visits export (:class:`tests.reporting.dataset.Reference`), on
every test database. Each PDF is rendered once per database and shared.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from audit.documents import (
    FetchRefused,
    LocalFetcher,
    Resources,
    branch_pdf,
    compare_pdf,
    render_pdf,
    staff_html,
    staff_pdf,
    visit_pdf,
)
from audit.documents.staff import staff_report
from audit.extensions import db
from audit.models import Answer, Branch, Region, StaffMember, User, Visit
from audit.reporting import ReportFilter
from audit.scorecards.store import definition_of
from tests.builders import (
    PHOTO_ORIGINAL,
    REPORT_SHOPPER_EMAIL,
    REPORT_SHOPPER_NAME,
    REVIEWER_NAME,
    make_answer_change,
)
from tests.pdf.reading import Pdf, World
from tests.reporting.dataset import CARD, Expected

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def ci(expected: Expected) -> str:
    low, high = expected.interval
    return f"{max(low, 0):.1f}–{min(high, 100):.1f}"


def rendered(world: World, key: str) -> Pdf:
    """Each report once per database, kept on the module's world."""
    if key not in world.pdfs:
        visit = db.session.get(Visit, world.visit_id)
        if key == "visit-manager":
            data = visit_pdf(visit, db.session.get(User, world.manager_id))
        elif key == "visit-staff":
            data = visit_pdf(visit, db.session.get(User, world.staff_user_id))
        elif key == "branch":
            data = branch_pdf(branch_filter(world))
        elif key == "staff":
            data = staff_pdf(staff_filter(world))
        elif key == "compare":
            data = compare_pdf(ReportFilter(*PERIOD, scorecard=CARD))
        elif key == "compare-scoped":
            manager = db.session.get(User, world.manager_id)
            data = compare_pdf(
                ReportFilter.for_viewer(
                    manager, date_from=PERIOD[0], date_to=PERIOD[1], scorecard=CARD
                )
            )
        else:
            raise KeyError(key)
        world.pdfs[key] = Pdf(data)
    return world.pdfs[key]


def busiest_branch(world: World) -> str:
    flt = ReportFilter(*PERIOD, scorecard=CARD)
    counts = {code: 0 for code in world.org.branch_ids}
    for record in world.ref.visits(flt):
        counts[record["branch"]] += 1
    return max(sorted(counts), key=counts.__getitem__)


def branch_filter(world: World) -> ReportFilter:
    code = busiest_branch(world)
    return ReportFilter(*PERIOD, scorecard=CARD, branch_id=world.org.branch_ids[code])


def staff_filter(world: World) -> ReportFilter:
    return ReportFilter(*PERIOD, scorecard=CARD, staff_id=world.org.staff_ids[world.staff_code])


# --- every report ----------------------------------------------------------------------

REPORTS = ["visit-manager", "visit-staff", "branch", "staff", "compare", "compare-scoped"]


@pytest.mark.parametrize("key", REPORTS)
def test_every_page_says_page_x_of_y_under_a_header(world: World, key: str) -> None:
    pdf = rendered(world, key)
    assert pdf.data.startswith(b"%PDF-")
    for number, page in enumerate(pdf.reader.pages, start=1):
        words = " ".join((page.extract_text() or "").split())
        assert f"page {number} of {pdf.pages}" in words
        assert "Service Audit" in words  # the running header
    width, height = pdf.reader.pages[0].mediabox.width, pdf.reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


# --- the visit report ------------------------------------------------------------------


def test_visit_report_shows_every_answer_sections_photo_and_history(world: World) -> None:
    pdf = rendered(world, "visit-manager")
    visit = db.session.get(Visit, world.visit_id)
    definition = definition_of(visit.version)
    text = pdf.flat
    assert f"Visit report #{visit.id}" in text
    assert visit.branch.name in text
    assert pct(visit.percent) in text
    for section in definition.sections:
        assert section.title in text
    for question in definition.questions():
        assert " ".join(question.text.split())[:40] in text
    assert "Noted" in text  # the answers' comments
    assert REPORT_SHOPPER_NAME in text and REVIEWER_NAME in text  # managers may see who
    assert "The photo shows the badge" in text  # the reviewer's correction
    assert "Approved" in text and "Submitted" in text
    assert pdf.image_count() >= 1  # the photo thumbnail
    assert ("Critical fail" in text) == visit.critical_failed


def test_staff_variant_of_the_visit_report_never_names_the_shopper(world: World) -> None:
    pdf = rendered(world, "visit-staff")
    text = pdf.flat
    visit = db.session.get(Visit, world.visit_id)
    assert visit.branch.name in text and pct(visit.percent) in text
    for secret in (
        REPORT_SHOPPER_NAME,
        "Quartermaine",
        REPORT_SHOPPER_EMAIL,
        REVIEWER_NAME,
        PHOTO_ORIGINAL,
    ):
        assert secret not in text
    assert "Shopper" not in text
    assert "1 answer corrected before publication" in text
    assert pdf.image_count() >= 1  # the photo itself is still evidence


# --- branch, staff and comparison figures ------------------------------------------------


def test_branch_report_figures_match_the_visits_export(world: World) -> None:
    flt = branch_filter(world)
    pdf = rendered(world, "branch")
    text = pdf.flat
    code = busiest_branch(world)
    branch = db.session.get(Branch, flt.branch_id)
    expected = world.ref.figure(flt)
    assert f"{branch.name} ({code})" in text
    assert f"averaged {pct(expected.mean)} over {expected.n} visits" in text
    assert f"95% CI {ci(expected)}" in text
    company = world.ref.figure(flt.company())
    assert f"Company average {pct(company.mean)} {company.n}" in text
    region_id = world.org.branch_region[code]
    region = world.ref.figure(flt.in_region(region_id))
    region_name = db.session.get(Region, region_id).name
    assert f"{region_name} average {pct(region.mean)} {region.n}" in text
    previous = world.ref.figure(flt.previous_period())
    assert f"Previous period (01 Jul 2025 to 31 Dec 2025) {pct(previous.mean)} {previous.n}" in text
    ranks = world.ref.branch_league(flt.in_region(region_id), 3)
    ranked = sum(rank is not None for rank in ranks.values())
    if ranks[flt.branch_id] is not None:
        assert f"ranks {ranks[flt.branch_id]} of {ranked} ranked branches" in text
    for key, (section, _) in world.ref.sections(flt).items():
        assert pct(section.mean) in text, key


def test_staff_report_compares_with_branch_and_company_without_the_shopper(world: World) -> None:
    flt = staff_filter(world)
    pdf = rendered(world, "staff")
    text = pdf.flat
    member = db.session.get(StaffMember, flt.staff_id)
    expected = world.ref.figure(flt)
    branch = world.ref.figure(replace(flt, staff_id=None, branch_id=member.branch_id))
    assert f"{member.name} ({member.code})" in text
    assert f"served on {expected.n} visit" in text
    assert f"averaging {pct(expected.mean)}; the branch averaged {pct(branch.mean)}" in text
    assert f"over {branch.n} visits" in text
    assert f"Branch average {pct(branch.mean)} {branch.n}" in text
    company = world.ref.figure(flt.company())
    assert f"Company average {pct(company.mean)} {company.n}" in text
    assert "Strengths" in text and "To work on" in text
    for secret in (
        REPORT_SHOPPER_NAME,
        "Quartermaine",
        REPORT_SHOPPER_EMAIL,
        REVIEWER_NAME,
        PHOTO_ORIGINAL,
    ):
        assert secret not in text


def test_staff_report_marks_a_quoted_answer_that_changed_after_sending(world: World) -> None:
    flt = staff_filter(world)
    report = staff_report(flt)
    point = next(p for p in (*report.weaknesses, *report.strengths) if p.quotes)
    quote = point.quotes[0]
    assert quote.changed is None
    assert "answer changed on appeal" not in staff_html(flt)
    answer = db.session.scalars(
        select(Answer)
        .join(Visit, Visit.id == Answer.visit_id)
        .where(
            Answer.question_key == point.result.question.key,
            Answer.comment == quote.text,
            Visit.visited_at == quote.visited_at,
        )
    ).first()
    try:
        make_answer_change(
            answer.visit,
            answer.question_key,
            "no",
            "yes",
            by=db.session.get(User, world.manager_id),
            reason="Seen on the video",
            at=quote.visited_at,
            source="appeal",
        )
        assert "answer changed on appeal" in staff_html(flt)
    finally:
        db.session.rollback()  # the module's world stays as it was


def test_comparison_report_ranks_every_branch_like_the_export(world: World) -> None:
    flt = ReportFilter(*PERIOD, scorecard=CARD)
    pdf = rendered(world, "compare")
    text = pdf.flat
    ranks = world.ref.branch_league(flt, 3)
    names = dict(db.session.execute(db.select(Branch.id, Branch.name)).tuples().all())
    for code, branch_id in world.org.branch_ids.items():
        expected = world.ref.figure(replace(flt, branch_id=branch_id))
        rank = ranks[branch_id]
        row = f"{names[branch_id]} {code}"
        assert row in text
        if rank is not None:
            assert f"{rank} {row}" in text
            assert f"{expected.n} {pct(expected.mean)} {ci(expected)}" in text
        elif expected.n:
            assert f"{expected.n} visit" in text  # listed with the reason it is not ranked
    ranked = sum(rank is not None for rank in ranks.values())
    assert f"{ranked} of {len(ranks)} branches have at least 3 visits" in text
    titles = {s.key: s.title for s in world.org.definitions[2].sections}
    titles.update(
        {s.key: s.title for s in world.org.definitions[1].sections if s.key not in titles}
    )
    for key, (section, judged) in world.ref.sections(flt).items():
        if section.n == 0:
            continue  # a section with no scored answers is not listed
        met = f"{100 * section.passed / judged:.0f}%" if judged else "–"
        row = f"{titles[key]} {section.n} {pct(section.mean)} {ci(section)}"
        assert row in text, row
        assert f"{row} " in text and met in text.split(row, 1)[1][:40]


def test_a_regional_managers_comparison_holds_only_their_branches(world: World) -> None:
    text = rendered(world, "compare-scoped").flat
    inside = [c for c, r in world.org.branch_region.items() if r == world.manager_region_id]
    outside = [c for c, r in world.org.branch_region.items() if r != world.manager_region_id]
    assert inside and outside
    for code in inside:
        assert code in text
    for code in outside:
        assert code not in text


# --- nothing from the network ----------------------------------------------------------


def test_the_fetcher_serves_only_static_and_upload_files(world: World, tmp_path) -> None:
    resources = Resources.from_app()
    fetcher = LocalFetcher((resources.static, resources.uploads))
    logo = fetcher.fetch((resources.static / "img" / "logo.svg").as_uri())
    assert logo.url.endswith("logo.svg")
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    for url in (
        "http://example.com/logo.png",
        "https://example.com/font.woff",
        secret.as_uri(),
        (resources.static / ".." / "audit" / "__init__.py").as_uri(),
    ):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    # A remote image in the HTML is refused, not fetched, and the PDF still renders.
    data = render_pdf('<p>Hi</p><img src="http://203.0.113.1/x.png">', resources)
    assert data.startswith(b"%PDF-")


# --- layout, looked at as pictures ------------------------------------------------------

#: Outer strips of an A4 page that must stay blank, in mm: inside the @page margins
#: (22 top, 14 sides, 18 bottom) and clear of the running header and the page footer.
BLANK_STRIPS_MM = {"left": 8, "right": 8, "top": 8, "bottom": 6}


def page_pictures(pdf: Pdf, tmp_path: Path, dpi: int = 40) -> list[Image.Image]:
    """Every page as a greyscale picture, drawn by poppler's pdftoppm."""
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf.data)
    subprocess.run(  # noqa: S603 - a fixed program on our own file
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(tmp_path / "page")],
        check=True,
    )
    pictures = []
    for path in sorted(tmp_path.glob("page-*.png")):
        with Image.open(path) as picture:
            pictures.append(picture.convert("L"))
    return pictures


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("key", REPORTS)
def test_nothing_is_drawn_outside_the_page_margins(world: World, key: str, tmp_path) -> None:
    """A table too wide or a row pushed off the page shows as ink in the outer margins."""
    pdf = rendered(world, key)
    pictures = page_pictures(pdf, tmp_path)
    assert len(pictures) == pdf.pages
    for number, picture in enumerate(pictures, start=1):
        width, height = picture.size
        px = min(width, height) / 210  # pixels per mm (A4 is 210 mm on its short side)
        strips = {
            "left": (0, 0, round(BLANK_STRIPS_MM["left"] * px), height),
            "right": (width - round(BLANK_STRIPS_MM["right"] * px), 0, width, height),
            "top": (0, 0, width, round(BLANK_STRIPS_MM["top"] * px)),
            "bottom": (0, height - round(BLANK_STRIPS_MM["bottom"] * px), width, height),
        }
        for side, box in strips.items():
            darkest, _ = picture.crop(box).getextrema()
            assert darkest >= 250, f"{key}: page {number} has ink in its {side} margin"
        darkest, _ = picture.crop((0, 0, width, height)).getextrema()
        assert darkest < 100, f"{key}: page {number} is blank"
