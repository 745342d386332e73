"""Scorecards and their versions: the rules card of tests/data, the library's branch-visit
card in two versions, and any card given as file-format data."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from audit.models import Scorecard
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.fileformat import definition_from_data, load_file
from audit.scorecards.store import save_definition

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
RULES_CARD = DATA / "rules-card.yaml"
#: The slug of the library's branch-visit scorecard (see :func:`branch_visit_versions`).
BRANCH_VISIT = "branch-visit"


def definition_of_data(data: dict[str, Any]) -> ScorecardDefinition:
    definition, errors = definition_from_data(data)
    assert definition is not None, errors
    return definition


def publish_card(data: dict) -> Scorecard:
    """A scorecard from file-format data, published as its first version."""
    version, _ = save_definition(definition_of_data(data), publish=True)
    return version.scorecard


def published_card() -> Scorecard:
    """The rules card (tests/data/rules-card.yaml), published."""
    version, _ = save_definition(load_file(RULES_CARD), publish=True)
    return version.scorecard


def branch_visit_versions() -> dict[int, dict[str, Any]]:
    """The plain data of branch-visit v1 (the library file) and of a v2 that changes it:
    target 80, the first section renamed "Arrival" with target 85 and without the name
    badge question, "needs" without its target, and a contact-card question at the end."""
    v1 = yaml.safe_load((ROOT / "scorecards" / "branch-visit.yaml").read_text())
    v2 = copy.deepcopy(v1)
    v2["target"] = 80
    arrival = v2["sections"][0]
    arrival["title"] = "Arrival"
    arrival["target"] = 85
    arrival["questions"] = [q for q in arrival["questions"] if q["key"] != "name_badge"]
    v2["sections"][3]["questions"].append(
        {"key": "offered_card", "text": "Were you offered a contact card?", "type": "yes_no"}
    )
    del v2["sections"][1]["target"]  # "needs" loses its target
    return {1: v1, 2: v2}


def publish_report_cards() -> dict[int, ScorecardDefinition]:
    """Branch-visit v1 and v2 published in turn, then the rules card; returns the
    branch-visit definitions by version number."""
    definitions = {}
    for number, data in branch_visit_versions().items():
        definition = definition_of_data(data)
        save_definition(definition, publish=True)
        definitions[number] = definition
    save_definition(load_file(RULES_CARD), publish=True)
    return definitions
