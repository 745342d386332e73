"""What the survey tests share: the library's survey card, a branch with a link, and a
customer's answers as the page posts them."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from audit.extensions import db
from audit.models import Branch, Scorecard, StaffMember
from audit.scorecards.fileformat import load_file
from audit.scorecards.store import save_definition
from audit.surveys.forms import form_stamp
from audit.surveys.links import survey_path
from tests.builders import make_branch, make_region, make_staff
from tests.builders.scorecards import ROOT

SURVEY_CARD = ROOT / "scorecards" / "customer-survey.yaml"

#: A happy customer's answers to the library card (the form's field names).
HAPPY = {
    "q-csat": "5",
    "q-ease": "6",
    "q-needs_met": "Yes, fully",
    "q-recommend": "9",
    "q-comment": "Quick and friendly, thank you.",
}


@dataclass
class SurveyWorld:
    """Ids, not records: each request and check opens its own application context."""

    branch_id: int
    staff_id: int
    card_id: int
    path: str

    def branch(self) -> Branch:
        return db.session.get(Branch, self.branch_id)

    def staff(self) -> StaffMember:
        return db.session.get(StaffMember, self.staff_id)


def survey_card() -> Scorecard:
    version, _ = save_definition(load_file(SURVEY_CARD), publish=True)
    return version.scorecard


def make_survey_world(app: Flask) -> SurveyWorld:
    with app.app_context():
        card = survey_card()
        branch = make_branch(make_region("North"), "HRB01", "Harbour Lane")
        staff = make_staff(branch, "ST0001", name="Ana Silva")
        db.session.commit()
        return SurveyWorld(branch.id, staff.id, card.id, survey_path(branch))


def posted(app: Flask, path: str, seconds_ago: int = 60, **fields: str) -> dict[str, str]:
    """The form as a customer sends it ``seconds_ago`` after the page was served."""
    token = path.rsplit("/", 1)[1]
    with app.test_request_context():
        stamp = form_stamp(token, now=time.time() - seconds_ago)
    data = {**HAPPY, "stamp": stamp, "website": ""}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def page_stamp(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="stamp" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="stamp" name="stamp" type="hidden" value="([^"]+)"', page
    )
    assert match, page
    return match.group(1)
