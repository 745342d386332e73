"""PDF reports: Jinja templates (templates/pdf/) with print CSS, rendered by WeasyPrint.

Each report is two steps, so the benchmark can time them apart:
``*_html`` builds the finished HTML (our queries and templates) and
:func:`render_pdf` lays it out (WeasyPrint alone). ``*_pdf`` does both.

- :func:`visit_pdf` (visit, viewer): every answer, photos, sections against targets;
  the staff variant leaves out the shopper's identity;
- :func:`branch_pdf` (filter with a branch);
- :func:`staff_pdf` (filter with a staff member): strengths and weaknesses, no shopper;
- :func:`compare_pdf` (filter over a region, the viewer's scope or the company):
  league table and section heatmap.
"""

from audit.documents.branch import branch_html, branch_pdf, branch_report
from audit.documents.compare import compare_html, compare_pdf, compare_report
from audit.documents.render import (
    FetchRefused,
    LocalFetcher,
    Progress,
    Resources,
    build_html,
    render_pdf,
)
from audit.documents.staff import staff_html, staff_pdf, staff_report
from audit.documents.visit import shows_identity, visit_html, visit_pdf, visit_report

__all__ = [
    "branch_html",
    "branch_pdf",
    "branch_report",
    "compare_html",
    "compare_pdf",
    "compare_report",
    "staff_html",
    "staff_pdf",
    "staff_report",
    "FetchRefused",
    "LocalFetcher",
    "Progress",
    "Resources",
    "build_html",
    "render_pdf",
    "shows_identity",
    "visit_html",
    "visit_pdf",
    "visit_report",
]
