"""Managers' page of shopper ratings, and each scorecard's minimum rating."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from audit.access import MANAGERS, VISITORS, roles_required
from audit.errors import refused
from audit.extensions import db
from audit.models import Scorecard, User
from audit.trust import rating as ratings
from audit.trust.rating_forms import MinRatingForm
from audit.trust.routes import bp
from audit.views import done

#: The manager's page about one shopper (audit.trust.shopper_routes), linked when present.
SHOPPER_ENDPOINT = "trust.shopper"


def _shopper_url(user: User) -> str | None:
    if SHOPPER_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(SHOPPER_ENDPOINT, user_id=user.id)


def _render(forms: dict[int, MinRatingForm], status: int = 200) -> tuple[str, int]:
    people = list(
        db.session.scalars(
            select(User).where(User.role.in_(ratings.RATED_ROLES)).order_by(User.name, User.id)
        )
    )
    by_id = ratings.shopper_ratings([p.id for p in people])
    rows = sorted(
        ((p, by_id[p.id]) for p in people),
        key=lambda pr: (pr[1].value is None, -(pr[1].exact or 0), pr[0].name),
    )
    scorecards = list(db.session.scalars(select(Scorecard).order_by(Scorecard.title)))
    for card in scorecards:
        forms.setdefault(card.id, MinRatingForm(formdata=None, min_rating=card.min_rating))
    return render_template(
        "trust/ratings.html",
        rows=rows,
        scorecards=scorecards,
        forms=forms,
        shopper_url=_shopper_url,
        components=ratings.COMPONENTS,
        needed=next(iter(by_id.values())).needed if by_id else None,
    ), status


@bp.route("/ratings")
@roles_required(*MANAGERS)
def rating_list():
    return _render({})


@bp.route("/ratings/scorecards/<int:scorecard_id>", methods=["POST"])
@roles_required(*MANAGERS)
def set_min_rating(scorecard_id: int):
    scorecard = db.get_or_404(Scorecard, scorecard_id)
    form = MinRatingForm()
    if not form.validate_on_submit():
        return _render({scorecard.id: form}, 422)
    try:
        ratings.set_min_rating(scorecard, form.min_rating.data, current_user)
    except ratings.MinRatingError as error:
        refused(error, form, fallback="min_rating")
        return _render({scorecard.id: form}, 422)
    db.session.commit()
    if scorecard.min_rating is None:
        message = _("%(scorecard)s: no minimum rating.", scorecard=scorecard.title)
    else:
        message = _(
            "%(scorecard)s: offered only to shoppers rated %(minimum)s or more.",
            scorecard=scorecard.title,
            minimum=scorecard.min_rating,
        )
    return done(message, url_for("trust.rating_list") + "#minimums")


@bp.route("/my-rating")
@roles_required(*VISITORS)
def my_rating():
    """The signed-in shopper's own rating and how it is made (counts and shares of their
    own visits only; never a visit's score)."""
    return render_template("trust/my_rating.html", rating=ratings.rating_of(current_user))
