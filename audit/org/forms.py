from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from audit.accounts.email_address import EmailAddress
from audit.extensions import db
from audit.models import Branch, Region, StaffMember
from audit.org.hours import HoursError
from audit.org.hours import normalise as normalise_hours
from audit.org.timezones import default_zone_name, normalise_zone
from audit.web.forms import Required

CODE_RULE = Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use letters, digits, '-' or '_' only."))


class _UniqueCode:
    """Reject a code another record of ``model`` already has."""

    def __init__(self, model: type[Branch] | type[StaffMember]) -> None:
        self.model = model

    def __call__(self, form: FlaskForm, field: StringField) -> None:
        query = select(self.model.id).where(self.model.code == field.data.strip().upper())
        if form.editing is not None:
            query = query.where(self.model.id != form.editing.id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_l("This code is already in use."))


class RegionForm(FlaskForm):
    name = StringField(_l("Region name"), validators=[Required(), Length(max=80)])
    submit = SubmitField(_l("Save region"))

    def __init__(self, *args, editing: Region | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing

    def validate_name(self, field: StringField) -> None:
        query = select(Region.id).where(func.lower(Region.name) == field.data.strip().lower())
        if self.editing is not None:
            query = query.where(Region.id != self.editing.id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_l("A region with this name exists."))


class BranchForm(FlaskForm):
    code = StringField(
        _l("Branch code"),
        validators=[Required(), Length(max=20), CODE_RULE, _UniqueCode(Branch)],
        description=_l("Used in imports and reports, e.g. LDN-001."),
    )
    name = StringField(_l("Name"), validators=[Required(), Length(max=120)])
    region = SelectField(_l("Region"), coerce=int, validators=[Required()])
    address = TextAreaField(_l("Address"), validators=[Length(max=500)])
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    opening_hours = StringField(
        _l("Opening hours"),
        validators=[Length(max=500)],
        description=_l(
            "Local times, e.g. Mon-Fri 09:00-17:30; Sat 10:00-16:00. Days not named "
            "are closed; leave empty if not known. A visit outside them is flagged for review."
        ),
    )
    timezone = StringField(
        _l("Time zone"),
        validators=[Required(), Length(max=64)],
        default=default_zone_name,
        description=_l(
            "The IANA name of the zone the branch keeps its clocks in, e.g. "
            "Europe/Madrid: its visits count in the days and months of this zone."
        ),
        # The names offered as the manager types (templates/org/branch_form.html).
        render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Save branch"))

    def __init__(self, *args, editing: Branch | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing

    def validate_opening_hours(self, field: StringField) -> None:
        try:
            normalise_hours(field.data)
        except HoursError as error:
            raise ValidationError(f"{str(error)[0].upper()}{str(error)[1:]}.") from None

    def validate_timezone(self, field: StringField) -> None:
        try:
            normalise_zone(field.data)
        except ValueError as error:
            raise ValidationError(f"{str(error)[0].upper()}{str(error)[1:]}.") from None

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        valid = super().validate(extra_validators)
        if (self.lat.data is None) != (self.lng.data is None) and not self.lng.errors:
            missing = self.lng if self.lng.data is None else self.lat
            missing.errors = [
                *missing.errors,
                gettext("Give both latitude and longitude, or neither."),
            ]
            valid = False
        return valid


class StaffForm(FlaskForm):
    code = StringField(
        _l("Staff code"),
        validators=[Required(), Length(max=20), CODE_RULE, _UniqueCode(StaffMember)],
    )
    name = StringField(_l("Full name"), validators=[Required(), Length(max=120)])
    branch = SelectField(_l("Branch"), coerce=int, validators=[Required()])
    job_title = StringField(_l("Job title"), validators=[Required(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), EmailAddress(), Length(max=254)])
    user = SelectField(
        _l("Linked sign-in"),
        coerce=int,
        description=_l("A staff account that may read this person's feedback."),
    )
    submit = SubmitField(_l("Save staff member"))

    def __init__(self, *args, editing: StaffMember | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("What the file holds"),
        choices=[SelectChoice("branches", _l("Branches")), SelectChoice("staff", _l("Staff"))],
    )
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to import."))])
    invite = BooleanField(
        _l("Invite staff with an e-mail address"),
        description=_l(
            "Staff files only: each staff member with an address and no account yet "
            "gets an e-mail inviting them to choose a password and read their feedback."
        ),
    )
    submit = SubmitField(_l("Import"))
