"""What scripts and charts write reads in the page's language: the words base.html hands
the scripts (audit/script_words.py) and the figures and months of the SVG charts."""

from __future__ import annotations

import json
import re
from html import unescape

from audit.extensions import db
from audit.models import Role
from tests.builders import make_user
from tests.pages import login
from tests.reporting.dataset import CARD, FIRST_DAY, LAST_DAY, build

SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}
ENGLISH = {"Accept-Language": "en"}
BLOCK = re.compile(r'<script type="application/json" id="script-words">(.*?)</script>', re.S)


def script_words(client, headers: dict[str, str]) -> dict[str, str]:
    page = client.get("/login", headers=headers).get_data(as_text=True)
    return json.loads(BLOCK.search(page).group(1))


def test_a_spanish_page_gives_its_scripts_spanish_words(client):
    english, spanish = script_words(client, ENGLISH), script_words(client, SPANISH)
    assert english["sendReport"] == "Send my report"
    assert spanish["sendReport"] == "Enviar mi informe"
    assert spanish["saved"] == "Guardado a las {time}"
    assert spanish.keys() == english.keys()
    untranslated = [key for key in english if spanish[key] == english[key]]
    assert untranslated == []
    # the placeholders the scripts fill in survive the translation
    for key, text in english.items():
        assert set(re.findall(r"\{\w+\}", spanish[key])) == set(re.findall(r"\{\w+\}", text)), key


def chart_texts(html: str) -> list[str]:
    """The words and figures drawn in the page's SVG charts (not their attributes)."""
    texts = []
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        texts += [unescape(t).strip() for t in re.findall(r">([^<>]+)<", svg)]
    return [t for t in texts if t]


def test_a_chart_on_a_spanish_page_writes_spanish_figures_and_months(app, client):
    with app.app_context():
        build(3, regions=1, branches=2, visits=24)
        admin = make_user(Role.ADMIN)
        admin.language = "es"
        db.session.commit()
        email = admin.email
    login(client, email)
    args = {"period": "custom", "from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat()}
    html = client.get("/reports/", query_string={**args, "scorecard": CARD}).get_data(True)
    texts = chart_texts(html)
    joined = " | ".join(texts)
    assert re.search(r"\d,\d\s%", joined), joined  # "74,3 %"
    assert not re.search(r"\d\.\d", joined), joined  # no English decimal point
    assert re.search(r"\b\d+\s%", joined)  # axis ticks "50 %"
    assert not re.search(r"\d%", joined)
    assert "oct 2025" in texts and "Oct 2025" not in joined  # the reader's month names
