"""Builder forms.

Most boxes are plain text on purpose: the values go into the draft's plain data
and are checked by the same validator as a YAML file
(:func:`audit.scorecards.fileformat.definition_from_data`), so a manager and a file
get the same rules and the same messages. WTForms only checks what the
validator cannot: choices offered on the page, and slugs already taken.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from audit.extensions import db
from audit.models import Scorecard

DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}
WHOLE = {"inputmode": "numeric", "autocomplete": "off"}

CHANNEL_CHOICES = [
    SelectChoice("in_person", _l("In person")),
    SelectChoice("phone", _l("Phone")),
    SelectChoice("email", _l("Email")),
    SelectChoice("chat", _l("Chat")),
    SelectChoice("web", _l("Web")),
    SelectChoice("survey", _l("Customer survey (answered by customers on the public page)")),
]
CRITICAL_CHOICES = [
    SelectChoice("zero_visit", _l("A failed critical question scores the whole visit 0%")),
    SelectChoice("zero_section", _l("A failed critical question scores its section 0%")),
    SelectChoice("flag_only", _l("Only flag the visit; scores are unchanged")),
]
CRITICAL_LABELS = {c.value: c.label for c in CRITICAL_CHOICES}
TYPE_CHOICES = [
    SelectChoice("yes_no", _l("Yes / No")),
    SelectChoice("scale", _l("Scale (e.g. 1 to 5)")),
    SelectChoice("choice", _l("Choice (pick one option)")),
    SelectChoice("number", _l("Number (e.g. minutes waited)")),
    SelectChoice("text", _l("Text (not scored)")),
    SelectChoice("nps", _l("NPS, 0 to 10 (not scored)")),
]
TYPE_LABELS = {c.value: c.label for c in TYPE_CHOICES}
EVIDENCE_CHOICES = [
    SelectChoice("none", _l("No photo")),
    SelectChoice("optional", _l("Photo optional")),
    SelectChoice("required", _l("Photo required")),
]
MEASURE_CHOICES = [
    SelectChoice("", _l("None")),
    SelectChoice("nps", _l("NPS: likelihood to recommend (an NPS question or a 0-10 scale)")),
    SelectChoice("csat", _l("CSAT: satisfaction (a 1-5 scale)")),
    SelectChoice("ces", _l("CES: customer effort (a 1-7 scale)")),
]
SHOW_IF_MODE_CHOICES = [
    SelectChoice("equals", _l("is")),
    SelectChoice("in", _l("is one of")),
]


class SettingsForm(FlaskForm):
    title = StringField(
        _l("Title"), description=_l("What managers and shoppers see, e.g. Branch visit.")
    )
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES, default="in_person")
    target = StringField(
        _l("Target (pass mark, %)"),
        render_kw=DECIMAL,
        description=_l("A visit meets the standard at or above it."),
    )
    excellence = StringField(
        _l("Excellence (%)"),
        render_kw=DECIMAL,
        description=_l("Optional: the mark for exceeding the standard."),
    )
    critical_fail = SelectField(
        _l("When a critical question fails"), choices=CRITICAL_CHOICES, default="zero_visit"
    )
    comment_on_fail = BooleanField(_l("A scored answer below full points needs a comment"))
    description = TextAreaField(_l("Description"), description=_l("Optional: a note for managers."))
    submit = SubmitField(_l("Save settings"))


class NewScorecardForm(SettingsForm):
    slug = StringField(
        _l("Slug"),
        description=_l(
            "Made from the title; change it if you like. Files and links use it, "
            "so it stays the same once the scorecard is created: lowercase letters, digits, - or _."
        ),
        render_kw={"autocomplete": "off", "autocapitalize": "none", "data-slug": ""},
    )
    submit = SubmitField(_l("Create draft"))

    def validate_slug(self, field: StringField) -> None:
        slug = (field.data or "").strip()
        if slug and db.session.scalar(select(Scorecard.id).where(Scorecard.slug == slug)):
            raise ValidationError(_l("A scorecard with this slug exists; pick another or edit it."))


class SectionForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("e.g. Welcome and first impressions"))
    key = StringField(
        _l("Key"),
        description=_l(
            "Leave empty to make one from the title. Lowercase letters, digits, - or _."
        ),
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    weight = StringField(
        _l("Weight"),
        render_kw=DECIMAL,
        description=_l("Optional. With weights, the visit score is the weighted mean of sections."),
    )
    target = StringField(_l("Section target (%)"), render_kw=DECIMAL, description=_l("Optional."))
    submit = SubmitField(_l("Save section"))


class OptionRow(Form):
    """One row of the options editor: what the shopper picks, and what it earns."""

    label = StringField(_l("Label"), render_kw={"autocomplete": "off"})
    points = StringField(_l("Points"), render_kw={**DECIMAL, "placeholder": "0"})


class ScaleLabelRow(Form):
    """One row of a scale's labels: a point of the scale and the words shown at it."""

    point = StringField(_l("Point"), render_kw=WHOLE)
    label = StringField(_l("Label"), render_kw={"autocomplete": "off"})


#: Empty rows the options editors offer, so that they work without JavaScript.
SPARE_ROWS = 3


def pad_rows(rows: FieldList, spare: int = SPARE_ROWS, at_least: int = 0) -> None:
    """Add empty rows until ``rows`` ends with ``spare`` empty ones (and has ``at_least``)."""

    def empty(entry: FormField) -> bool:
        return not any(str(value or "").strip() for value in entry.data.values())

    trailing = 0
    for entry in reversed(rows.entries):
        if not empty(entry):
            break
        trailing += 1
    while trailing < spare or len(rows.entries) < at_least:
        rows.append_entry()
        trailing += 1


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Question"), render_kw={"rows": 2})
    key = StringField(
        _l("Key"),
        description=_l("Leave empty to make one from the question. Answers are stored by key."),
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    type = SelectField(_l("Answer type"), choices=TYPE_CHOICES, default="yes_no")
    points = StringField(
        _l("Points"),
        render_kw=DECIMAL,
        description=_l("Full marks for this question; 1 when empty."),
    )
    critical = BooleanField(_l("Critical: earning 0 here fails the visit"))
    allow_na = BooleanField(_l("Allow N/A (not applicable)"))
    required = BooleanField(_l("Required (text and NPS questions are optional otherwise)"))
    comment_on_fail = BooleanField(_l("An answer below full points needs a comment"))
    guidance = TextAreaField(
        _l("Guidance for the shopper"),
        render_kw={"rows": 2},
        description=_l("Optional; folded away."),
    )
    standard = TextAreaField(
        _l("Standard for staff"),
        render_kw={"rows": 2},
        description=_l(
            "Optional. What staff should do, in their words: "
            '"Greet every customer within 60 seconds." Staff see it in their feedback '
            "instead of the shopper's question."
        ),
    )
    evidence = SelectField(_l("Photo evidence"), choices=EVIDENCE_CHOICES, default="none")
    measure = SelectField(
        _l("Customer measure"),
        choices=MEASURE_CHOICES,
        default="",
        description=_l("Survey cards: which customer-voice figure this question's answers feed."),
    )
    # scale
    scale_min = StringField(_l("Lowest point"), render_kw=WHOLE)
    scale_max = StringField(_l("Highest point"), render_kw=WHOLE)
    scale_labels = FieldList(
        FormField(ScaleLabelRow),
        label=_l("Labels"),
        description=_l(
            "Optional: the words a shopper sees at a point, e.g. 1 Not at all, 5 Completely."
        ),
    )
    # choice
    options = FieldList(
        FormField(OptionRow),
        label=_l("Options"),
        description=_l("The best option's points are full marks for the question."),
    )
    # number
    unit = StringField(_l("Unit"), description=_l("e.g. minutes"))
    target_min = StringField(_l("Target minimum"), render_kw=DECIMAL)
    target_max = StringField(
        _l("Target maximum"),
        render_kw=DECIMAL,
        description=_l("An answer inside the range (inclusive) earns the points."),
    )
    accept_min = StringField(_l("Lowest possible answer"), render_kw=DECIMAL)
    accept_max = StringField(
        _l("Highest possible answer"),
        render_kw=DECIMAL,
        description=_l("Optional: answers outside are refused as typing errors (e.g. 0 and 120)."),
    )
    # show_if
    show_if_question = SelectField(_l("Show only when question"), choices=[], default="")
    show_if_mode = SelectField(_l("Answer"), choices=SHOW_IF_MODE_CHOICES, default="equals")
    show_if_values = TextAreaField(
        _l("Value(s)"),
        render_kw={"rows": 2},
        description=_l(
            "yes or no, an option label, or a number; several separated by commas "
            "(or one per line)."
        ),
    )
    submit = SubmitField(_l("Save question"))

    def field_named(self, name: str) -> Field | None:
        """A field by name, rows included: ``options-2-points`` is row 2's points box."""
        if name in self._fields:
            return self._fields[name]
        head, _, rest = name.partition("-")
        row, _, part = rest.partition("-")
        rows = self._fields.get(head)
        if not isinstance(rows, FieldList) or not row.isdigit():
            return None
        if int(row) >= len(rows.entries):
            return None
        return rows.entries[int(row)].form._fields.get(part)

    def problem_count(self) -> int:
        """How many boxes show a problem, the options editors' rows counted one by one."""
        count = 0
        for field in self:
            if isinstance(field, FieldList):
                count += any(isinstance(error, str) for error in field.errors)
                count += sum(1 for entry in field.entries for box in entry.form if box.errors)
            elif field.errors:
                count += 1
        return count

    def offer_rows(self) -> None:
        """Spare rows in the options editors: four for a new choice, some after any rows."""
        pad_rows(self.options, at_least=4)
        pad_rows(self.scale_labels, spare=2)

    def set_earlier_questions(self, refs) -> None:  # noqa: ANN001
        """Offer only questions that come earlier in the form (show_if cannot look ahead)."""
        self.show_if_question.choices = [SelectChoice("", _l("— always show —"))] + [
            SelectChoice(r.key, f"{r.key}: {_short(r.text)} ({TYPE_LABELS.get(r.type, r.type)})")
            for r in refs
        ]


def _short(text: str, length: int = 50) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class UploadForm(FlaskForm):
    file = FileField(
        _l("Scorecard file (.yaml)"),
        validators=[FileRequired(_l("Choose a YAML file to upload."))],
        render_kw={"accept": ".yaml,.yml,text/yaml,application/x-yaml"},
    )
    submit = SubmitField(_l("Upload"))


class MoveForm(FlaskForm):
    direction = SelectField(choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down")])
