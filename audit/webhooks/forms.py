"""The administrator's webhook form: URL, events (a tick box each), secret."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from audit.web.forms import Required
from audit.webhooks.events import EVENTS
from audit.webhooks.service import SECRET_MAX
from audit.webhooks.targets import URL_MAX


class EventsField(SelectMultipleField):
    """A tick box per event (the page draws it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    url = StringField(
        "URL",
        validators=[Required(), Length(max=URL_MAX)],
        description=_l("Deliveries are posted here as JSON. A public http:// or https:// address."),
        render_kw={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"},
    )
    events = EventsField(
        _l("Events"),
        choices=[SelectChoice(name, name) for name in EVENTS],
        validate_choice=False,  # the service names an unknown event; here every box is one
        description=_l("The endpoint hears only the events ticked here."),
    )
    secret = StringField(
        _l("Secret"),
        validators=[Length(max=SECRET_MAX)],
        description=_l(
            "Each delivery's X-Audit-Signature is the HMAC-SHA256 of its body under this key. "
            "Give the receiver the same value."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if editing:
            self.secret.description = _l(
                "Leave empty to keep the current secret. Each delivery's X-Audit-Signature is "
                "the HMAC-SHA256 of its body under this key. Give the receiver the same value."
            )
