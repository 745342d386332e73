"""The person's API tokens on their account page: make one (shown once), list them with
their last use, revoke one. Registered on the ``auth`` blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import any_signed_in
from audit.accounts.api_token_forms import ApiTokenForm
from audit.accounts.api_tokens import TokenError, create_token, revoke_token, tokens_of
from audit.accounts.routes import bp
from audit.errors import refused
from audit.extensions import db
from audit.models import ApiToken
from audit.views import done, require_submitted
from audit.web.forms import EmptyForm


@bp.app_context_processor
def api_token_card() -> dict[str, Any]:
    """What the account page's "API tokens" card needs, fetched only when it is drawn."""

    def card() -> dict[str, Any]:
        return {
            "tokens": tokens_of(current_user),
            "form": ApiTokenForm(formdata=None),
            "button": EmptyForm(),
        }

    return {"api_token_card": card}


@bp.route("/account/api-tokens", methods=["POST"])
@any_signed_in
def create_api_token():
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            made = create_token(
                current_user, form.name.data, form.scopes.data or (), form.expires_days.data
            )
        except TokenError as error:
            refused(error, form, fallback="name")
        else:
            db.session.commit()
            return render_template(
                "account/api_token_created.html", token=made.row, secret=made.secret
            )
    return render_template("account/api_token_new.html", form=form), 422


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@any_signed_in
def revoke_api_token(token_id: int) -> Response:
    require_submitted()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke_token(token, current_user)
    return done(gettext("API token “%(name)s” revoked.", name=token.name), url_for("auth.account"))
