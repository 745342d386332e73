"""No template holds visible English that gettext never sees (tests/languages/unmarked.py)."""

from __future__ import annotations

from pathlib import Path

from tests.languages.unmarked import ROOT, TEMPLATES, templates, unmarked_in


def test_every_visible_english_text_in_a_template_is_marked():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in templates([TEMPLATES])
        for line, text in unmarked_in(path)
    ]
    assert found == [], "mark these for translation:\n" + "\n".join(found)


def test_the_check_finds_english_and_lets_marked_text_code_and_data_pass(tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_text(
        "{% block title %}Branch report{% endblock %}{% block kind %}branch{% endblock %}\n"
        '<h1>{{ _("Visits") }}</h1>\n'
        "<p>{% trans %}Seen {{ n }} times{% endtrans %}</p>\n"
        '<p>{{ branch.name }} <code>curl -H "Accept: text/csv"</code></p>\n'
        '<a{% if css %} class="{{ css }}"{% endif %} href="/x">{{ _("Open") }}</a>\n'
        '<input type="submit" value="Send now"><img alt="Logo of the shop" src="x.png">\n'
        "<p>Due {{ when }}</p>\n",
        encoding="utf-8",
    )
    assert unmarked_in(page) == [
        (1, "Branch report"),
        (6, "Send now"),
        (6, "Logo of the shop"),
        (7, "Due"),
    ]
