"""Builder forms.

Most boxes are plain text on purpose: the values go into the draft's plain data
and are checked by the same validator as a YAML file
(:func:`audit.scorecards.fileformat.definition_from_data`), so a manager and a file
get the same rules and the same messages. WTForms only checks what the
validator cannot: choices offered on the page, and slugs already taken.
"""

from __future__ import annotations

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
    SelectChoice("in_person", "In person"),
    SelectChoice("phone", "Phone"),
    SelectChoice("email", "Email"),
    SelectChoice("chat", "Chat"),
    SelectChoice("web", "Web"),
    SelectChoice("survey", "Customer survey (answered by customers on the public page)"),
]
CRITICAL_CHOICES = [
    SelectChoice("zero_visit", "A failed critical question scores the whole visit 0%"),
    SelectChoice("zero_section", "A failed critical question scores its section 0%"),
    SelectChoice("flag_only", "Only flag the visit; scores are unchanged"),
]
CRITICAL_LABELS = {c.value: c.label for c in CRITICAL_CHOICES}
TYPE_CHOICES = [
    SelectChoice("yes_no", "Yes / No"),
    SelectChoice("scale", "Scale (e.g. 1 to 5)"),
    SelectChoice("choice", "Choice (pick one option)"),
    SelectChoice("number", "Number (e.g. minutes waited)"),
    SelectChoice("text", "Text (not scored)"),
    SelectChoice("nps", "NPS, 0 to 10 (not scored)"),
]
TYPE_LABELS = {c.value: c.label for c in TYPE_CHOICES}
EVIDENCE_CHOICES = [
    SelectChoice("none", "No photo"),
    SelectChoice("optional", "Photo optional"),
    SelectChoice("required", "Photo required"),
]
MEASURE_CHOICES = [
    SelectChoice("", "None"),
    SelectChoice("nps", "NPS: likelihood to recommend (an NPS question or a 0-10 scale)"),
    SelectChoice("csat", "CSAT: satisfaction (a 1-5 scale)"),
    SelectChoice("ces", "CES: customer effort (a 1-7 scale)"),
]
SHOW_IF_MODE_CHOICES = [
    SelectChoice("equals", "is"),
    SelectChoice("in", "is one of"),
]


class SettingsForm(FlaskForm):
    title = StringField("Title", description="What managers and shoppers see, e.g. Branch visit.")
    channel = SelectField("Channel", choices=CHANNEL_CHOICES, default="in_person")
    target = StringField(
        "Target (pass mark, %)",
        render_kw=DECIMAL,
        description="A visit meets the standard at or above it.",
    )
    excellence = StringField(
        "Excellence (%)",
        render_kw=DECIMAL,
        description="Optional: the mark for exceeding the standard.",
    )
    critical_fail = SelectField(
        "When a critical question fails", choices=CRITICAL_CHOICES, default="zero_visit"
    )
    comment_on_fail = BooleanField("A scored answer below full points needs a comment")
    description = TextAreaField("Description", description="Optional: a note for managers.")
    submit = SubmitField("Save settings")


class NewScorecardForm(SettingsForm):
    slug = StringField(
        "Slug",
        description="Made from the title; change it if you like. Files and links use it, "
        "so it stays the same once the scorecard is created: lowercase letters, digits, - or _.",
        render_kw={"autocomplete": "off", "autocapitalize": "none", "data-slug": ""},
    )
    submit = SubmitField("Create draft")

    def validate_slug(self, field: StringField) -> None:
        slug = (field.data or "").strip()
        if slug and db.session.scalar(select(Scorecard.id).where(Scorecard.slug == slug)):
            raise ValidationError("A scorecard with this slug exists; pick another or edit it.")


class SectionForm(FlaskForm):
    title = StringField("Title", description="e.g. Welcome and first impressions")
    key = StringField(
        "Key",
        description="Leave empty to make one from the title. Lowercase letters, digits, - or _.",
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    weight = StringField(
        "Weight",
        render_kw=DECIMAL,
        description="Optional. With weights, the visit score is the weighted mean of sections.",
    )
    target = StringField("Section target (%)", render_kw=DECIMAL, description="Optional.")
    submit = SubmitField("Save section")


class OptionRow(Form):
    """One row of the options editor: what the shopper picks, and what it earns."""

    label = StringField("Label", render_kw={"autocomplete": "off"})
    points = StringField("Points", render_kw={**DECIMAL, "placeholder": "0"})


class ScaleLabelRow(Form):
    """One row of a scale's labels: a point of the scale and the words shown at it."""

    point = StringField("Point", render_kw=WHOLE)
    label = StringField("Label", render_kw={"autocomplete": "off"})


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
    text = TextAreaField("Question", render_kw={"rows": 2})
    key = StringField(
        "Key",
        description="Leave empty to make one from the question. Answers are stored by key.",
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    type = SelectField("Answer type", choices=TYPE_CHOICES, default="yes_no")
    points = StringField(
        "Points", render_kw=DECIMAL, description="Full marks for this question; 1 when empty."
    )
    critical = BooleanField("Critical: earning 0 here fails the visit")
    allow_na = BooleanField("Allow N/A (not applicable)")
    required = BooleanField("Required (text and NPS questions are optional otherwise)")
    comment_on_fail = BooleanField("An answer below full points needs a comment")
    guidance = TextAreaField(
        "Guidance for the shopper", render_kw={"rows": 2}, description="Optional; folded away."
    )
    standard = TextAreaField(
        "Standard for staff",
        render_kw={"rows": 2},
        description="Optional. What staff should do, in their words: "
        '"Greet every customer within 60 seconds." Staff see it in their feedback '
        "instead of the shopper's question.",
    )
    evidence = SelectField("Photo evidence", choices=EVIDENCE_CHOICES, default="none")
    measure = SelectField(
        "Customer measure",
        choices=MEASURE_CHOICES,
        default="",
        description="Survey cards: which customer-voice figure this question's answers feed.",
    )
    # scale
    scale_min = StringField("Lowest point", render_kw=WHOLE)
    scale_max = StringField("Highest point", render_kw=WHOLE)
    scale_labels = FieldList(
        FormField(ScaleLabelRow),
        label="Labels",
        description="Optional: the words a shopper sees at a point, e.g. 1 Not at all, "
        "5 Completely.",
    )
    # choice
    options = FieldList(
        FormField(OptionRow),
        label="Options",
        description="The best option's points are full marks for the question.",
    )
    # number
    unit = StringField("Unit", description="e.g. minutes")
    target_min = StringField("Target minimum", render_kw=DECIMAL)
    target_max = StringField(
        "Target maximum",
        render_kw=DECIMAL,
        description="An answer inside the range (inclusive) earns the points.",
    )
    accept_min = StringField("Lowest possible answer", render_kw=DECIMAL)
    accept_max = StringField(
        "Highest possible answer",
        render_kw=DECIMAL,
        description="Optional: answers outside are refused as typing errors (e.g. 0 and 120).",
    )
    # show_if
    show_if_question = SelectField("Show only when question", choices=[], default="")
    show_if_mode = SelectField("Answer", choices=SHOW_IF_MODE_CHOICES, default="equals")
    show_if_values = TextAreaField(
        "Value(s)",
        render_kw={"rows": 2},
        description="yes or no, an option label, or a number; several separated by commas "
        "(or one per line).",
    )
    submit = SubmitField("Save question")

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
        self.show_if_question.choices = [SelectChoice("", "— always show —")] + [
            SelectChoice(r.key, f"{r.key}: {_short(r.text)} ({TYPE_LABELS.get(r.type, r.type)})")
            for r in refs
        ]


def _short(text: str, length: int = 50) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class UploadForm(FlaskForm):
    file = FileField(
        "Scorecard file (.yaml)",
        validators=[FileRequired("Choose a YAML file to upload.")],
        render_kw={"accept": ".yaml,.yml,text/yaml,application/x-yaml"},
    )
    submit = SubmitField("Upload")


class MoveForm(FlaskForm):
    direction = SelectField(choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down")])
