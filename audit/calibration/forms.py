"""Forms of the calibration pages.

The reference and the raters' answers are given with the scorecard's own question widgets
(templates/visit_form/_question.html, the shopper's form) and read by
:func:`answers_from_form`. That reader is this package's own, not
``audit.shop.forms.draft_from_form``: importing the shop from here would close an import
circle between packages (shop → assignments → trust → calibration), and all it shares
with the shop is the widgets' field names, which the macro documents.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from audit.calibration.service import MAX_TEXT, MAX_TITLE
from audit.photos.uploads import photo_field
from audit.scorecards.definition import ScorecardDefinition
from audit.views import text_box
from audit.web.forms import Required

#: The widgets' field names: PREFIX-KEY, PREFIX-KEY-na, PREFIX-KEY-comment (the macro's).
PREFIX = "answer"
#: The reference form's explanation box of a question: EXPLAIN-KEY.
EXPLAIN = "explain"


def answers_from_form(
    form: MultiDict[str, str], definition: ScorecardDefinition
) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers, comments) as the question widgets posted them: every question is in the
    answers, so one left blank is unanswered; N/A ticked reads "na"."""
    answers: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for question in definition.questions():
        name = f"{PREFIX}-{question.key}"
        answers[question.key] = "na" if form.get(f"{name}-na") else form.get(name)
        if f"{name}-comment" in form:
            comments[question.key] = form.get(f"{name}-comment", "")
    return answers, comments


class CaseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Required(), Length(max=MAX_TITLE)])
    scenario = text_box(
        _l("Scenario"),
        MAX_TEXT,
        rows=8,
        required=_l("Write the scenario out: what happened at the visit."),
        description=_l(
            "What the rater would have seen and heard, in order. Raters score only what "
            "is written here, the transcript and the photos."
        ),
    )
    transcript = text_box(
        _l("Transcript (optional)"),
        MAX_TEXT,
        rows=8,
        description=_l("A call or chat word for word, if the case is one."),
    )


class NewCaseForm(CaseForm):
    scorecard = SelectField(_l("Scorecard"), coerce=int, validators=[Required()])


class PhotoForm(FlaskForm):
    photo = photo_field(
        _l("Add a photo"), _l("JPEG, PNG or WebP; shown to every rater with the case.")
    )


class RatersForm(FlaskForm):
    raters = SelectMultipleField(
        _l("Shoppers and assessors"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Required(message=_l("Choose at least one shopper or assessor."))],
        description=_l("Each one sees the case on their phone and scores it like a visit."),
    )


def explain_name(key: str) -> str:
    return f"{EXPLAIN}-{key}"
