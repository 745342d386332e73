"""The form that sets a scorecard's minimum shopper rating."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional


class MinRatingForm(FlaskForm):
    min_rating = IntegerField(
        _l("Minimum rating"),
        validators=[
            Optional(),
            NumberRange(0, 100, message=_l("A minimum rating is a whole number from 0 to 100.")),
        ],
        description=_l("0-100; leave empty for no minimum."),
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )
    submit = SubmitField(_l("Save"))
