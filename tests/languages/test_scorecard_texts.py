"""Scorecard texts per language: the file format, its errors as FILE:LINE, the one
helper that chooses a reader's wording, and the library's Spanish."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from audit.scorecards.fileformat import (
    definition_from_data,
    definition_to_data,
    dump_yaml,
    load_file,
    parse_yaml,
)
from audit.scorecards.languages import Text, localize
from tests.languages.cards import BILINGUAL_CARD

LIBRARY = Path(__file__).resolve().parents[2] / "scorecards"

CARD_YAML = """\
slug: two-languages
title:
  en: Branch visit
  es: Visita a la sucursal
channel: in_person
target: 80
languages: [en, es]
sections:
  - key: welcome
    title: {en: Welcome, es: Bienvenida}
    questions:
      - key: greeted
        text:
          en: Were you greeted?
        type: yes_no
      - key: outcome
        text: {en: Outcome, es: Resultado}
        type: choice
        options:
          - {label: {en: Fully, es: Totalmente}, points: 10}
          - {label: {en: Partly, es: En parte, fr: En partie}, points: 5}
"""


def test_a_missing_translation_is_reported_at_its_line():
    definition, errors = parse_yaml(CARD_YAML, "cards/two.yaml")
    assert definition is None
    assert [str(e) for e in errors] == [
        "cards/two.yaml:13: 'text' has no es translation (the scorecard's languages are en, es)",
        "cards/two.yaml:21: 'label' has a translation for 'fr', which is not one of the "
        "scorecard's languages (en, es)",
    ]


def test_texts_per_language_need_the_languages_declared():
    data = copy.deepcopy(BILINGUAL_CARD)
    del data["languages"]
    definition, errors = definition_from_data(data)
    assert definition is None
    assert str(errors[0]).startswith("title: 'title' must be text, not a mapping (a text per")


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ("es", "must be a list"),
        (["en", "en"], "listed twice"),
        (["en", "Spanish"], "not a language"),
    ],
)
def test_the_languages_list_is_checked(languages, message):
    data = {**copy.deepcopy(BILINGUAL_CARD), "languages": languages}
    definition, errors = definition_from_data(data)
    assert definition is None and message in str(errors[0])


def test_a_blank_translation_counts_as_missing():
    data = copy.deepcopy(BILINGUAL_CARD)
    data["sections"][0]["questions"][0]["text"]["es"] = "  "
    definition, errors = definition_from_data(data)
    assert definition is None and "has no es translation" in str(errors[0])


def test_keys_and_show_if_values_stay_plain():
    data = copy.deepcopy(BILINGUAL_CARD)
    data["sections"][0]["key"] = {"en": "welcome", "es": "bienvenida"}
    definition, errors = definition_from_data(data)
    assert definition is None and "'key' must be text" in str(errors[0])


def test_texts_carry_every_language_and_read_as_the_default():
    definition, errors = definition_from_data(BILINGUAL_CARD)
    assert errors == [] and definition is not None
    assert definition.languages == ("en", "es")
    outcome = definition.question("outcome")
    assert outcome is not None and outcome.text == "Was your question resolved?"
    partly = outcome.options[1].label
    assert isinstance(partly, Text) and partly == "Partly"
    assert localize(partly, "es") == "En parte" and localize(partly, "es-MX") == "En parte"
    assert localize(partly, "fr") == "Partly" and localize(partly, None) == "Partly"
    # The stored answer is the default wording, so a Spanish answer finds its option.
    assert outcome.option("Partly") is outcome.options[1]
    empathy = definition.question("empathy")
    assert empathy is not None and localize(empathy.labels[5], "es") == "Muy cercano"
    # Plain data (as a survey page might hold it) and plain strings pass through.
    assert localize({"en": "Hello", "es": "Hola"}, "es") == "Hola"
    assert localize({"en": "Hello", "es": "Hola"}, "de") == "Hello"
    assert localize("Hello", "es") == "Hello" and localize(None, "es") is None


def test_the_translations_round_trip_through_yaml_and_plain_data():
    definition, _ = definition_from_data(BILINGUAL_CARD)
    assert definition is not None
    data = definition_to_data(definition)
    assert data["languages"] == ["en", "es"]
    assert data["sections"][0]["questions"][1]["options"][0]["label"] == {
        "en": "Fully",
        "es": "Totalmente",
    }
    again, errors = parse_yaml(dump_yaml(definition), "again.yaml")
    assert errors == [] and again is not None
    assert definition_to_data(again) == data
    # A copy (the store caches definitions) keeps the translations too.
    assert localize(copy.deepcopy(definition).title, "es") == "Visita bilingüe"


def _texts(data: object, path: str = "") -> list[tuple[str, object]]:
    """Every value a person reads in a scorecard file's data, with where it is."""
    readable = {"title", "description", "text", "guidance", "standard", "label", "unit"}
    found: list[tuple[str, object]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}"
            if key in readable:
                found.append((where, value))
            elif key == "labels":
                found.extend((f"{where}.{point}", label) for point, label in value.items())
            else:
                found.extend(_texts(value, where))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found.extend(_texts(item, f"{path}[{index}]"))
    return found


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.yaml")), ids=lambda p: p.name)
def test_every_library_scorecard_reads_in_spanish(path):
    definition = load_file(path)  # valid: every translation present
    assert definition.languages[:1] == ("en",) and "es" in definition.languages
    untranslated = [
        where
        for where, value in _texts(yaml.safe_load(path.read_text()))
        if not (isinstance(value, dict) and value.get("es"))
    ]
    assert untranslated == []


def test_the_builder_edits_the_default_wording_and_keeps_the_other_languages():
    from audit.scorecards import builder

    data = copy.deepcopy(BILINGUAL_CARD)
    languages = builder.languages_of(data)
    outcome = data["sections"][0]["questions"][1]
    values = builder.question_values(outcome, languages)
    assert values["text"] == "Was your question resolved?"
    assert [row["label"] for row in values["options"]] == ["Fully", "Partly", "Not at all"]
    values["text"] = "Was your enquiry resolved?"  # the default wording is edited
    values["options"] = list(reversed(values["options"]))  # and the options reordered
    edit = builder.build_question(data, values, 0, 1)
    new, _ = builder.apply_question(data, 0, 1, edit.question)
    question = new["sections"][0]["questions"][1]
    assert question["text"] == {
        "en": "Was your enquiry resolved?",
        "es": "¿Se resolvió su consulta?",
    }
    assert [o["label"]["es"] for o in question["options"]] == [
        "En absoluto",
        "En parte",
        "Totalmente",
    ]
    assert data["sections"][0]["questions"][1] == outcome  # the input is left alone
    definition, errors = definition_from_data(new)
    assert errors == [] and definition is not None
    # The section title and the scorecard title keep their Spanish too.
    section_values = builder.section_values(new["sections"][0], languages)
    assert section_values["title"] == "Welcome"
    new, _ = builder.apply_section(new, 0, {**section_values, "title": "Arrival"})
    assert new["sections"][0]["title"] == {"en": "Arrival", "es": "Bienvenida"}
    settings = builder.settings_values(new)
    assert settings["title"] == "Bilingual visit"
    new = builder.apply_settings(new, {**settings, "title": "Two-language visit"})
    assert new["title"] == {"en": "Two-language visit", "es": "Visita bilingüe"}
    assert new["languages"] == ["en", "es"]
    assert definition_from_data(new)[1] == []
