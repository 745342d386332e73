"""How the reports' benchmark table reads: the unit inside its caption, and differences."""

from __future__ import annotations

from flask import render_template_string

from audit.extensions import db
from tests.builders import import_visits, make_world


def test_the_company_report_asks_how_all_branches_compare(app, client, auth):
    with app.app_context():
        world = make_world()
        import_visits(
            {"external_id": "A", "status": "approved", "visited_at": "2026-05-02T09:00:00"},
            {"external_id": "B", "status": "approved", "visited_at": "2026-05-04T09:00:00"},
        )
        db.session.commit()
        auth.login(world.manager.email)
    html = client.get("/reports/").get_data(as_text=True)
    assert "How all branches compare</caption>" in html
    assert "How All branches" not in html
    branch = client.get("/reports/branches/LDS01").get_data(as_text=True)
    assert "How Leeds Briggate (LDS01) compares</caption>" in branch


def test_a_negative_difference_is_written_with_a_true_minus(app):
    with app.test_request_context():
        shown = render_template_string(
            '{% from "reports/_report_macros.html" import diff %}'
            "{{ diff(-1.04) }}|{{ diff(2.16) }}|{{ diff(0.01) }}"
        )
    assert shown == "\u22121.0 pts|+2.2 pts|0.0 pts"
