"""The public survey page: no account, one signed link per branch (or staff member).

A phone opens ``/survey/TOKEN`` from the QR code on a card. The page is one small HTML
form with its own stylesheet (no Bootstrap, no JavaScript needed; a few lines of script
only fold the e-mail field away until it is wanted), so it loads in well under 30 KB
compressed on a slow connection. Every answer to a person who is not signed in is
plain: an altered link or a closed branch is "not found" (404); too many responses are
"thank you, not again today" (429) and nothing is stored.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from audit.access import public
from audit.extensions import csrf, db
from audit.scorecards.scoring import SubmissionProblem
from audit.surveys import responses
from audit.surveys.forms import (
    HONEYPOT,
    SurveyForm,
    answers_from,
    field_name,
    form_stamp,
    read_stamp,
)
from audit.surveys.links import SURVEY_PATH

bp = Blueprint("surveys", __name__)

#: The cookie that tells one phone from another for the per-device limit: a random
#: value, kept a year, sent only to the survey pages.
DEVICE_COOKIE = "survey_device"
DEVICE_COOKIE_DAYS = 365


def _device_cookie() -> tuple[str, bool]:
    """The phone's device value, and whether it is new (to be set on the answer)."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if 16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum():
        return value, False
    return secrets.token_urlsafe(18), True


def _answer(body: str, status: int, device: tuple[str, bool]) -> Response:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    value, new = device
    if new:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
            path=SURVEY_PATH,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


def _message(title: str, text: str, status: int, device: tuple[str, bool]) -> Response:
    body = render_template("surveys/message.html", title=title, text=text)
    return _answer(body, status, device)


def _not_found(device: tuple[str, bool]) -> Response:
    return _message(
        gettext("Survey not found"),
        gettext(
            "This survey link does not work: it may be incomplete, or the branch is no longer "
            "taking answers. Thank you for wanting to tell us."
        ),
        404,
        device,
    )


def _page(
    link: responses.SurveyLink,
    form: SurveyForm,
    device: tuple[str, bool],
    *,
    sent: dict[str, str] | None = None,
    problems: list[SubmissionProblem] | None = None,
    notice: str | None = None,
    status: int | None = None,
) -> Response:
    errors: dict[str, list[str]] = {}
    for problem in problems or []:
        # The scoring engine's words are English; marked in audit.shop.service.
        errors.setdefault(problem.key, []).append(gettext(problem.message))
    form.stamp.data = form_stamp(link.token)
    body = render_template(
        "surveys/page.html",
        link=link,
        form=form,
        sent=sent or {},
        errors=errors,
        notice=notice,
        field_name=field_name,
        max_text=responses.MAX_TEXT_LENGTH,
        honeypot=HONEYPOT,
    )
    return _answer(body, status or (422 if errors else 200), device)


@bp.get("/<token>")
@public
def answer(token: str) -> Response:
    device = _device_cookie()
    try:
        link = responses.open_link(token)
        responses.check_limits(link.branch, responses.device_key(device[0]), _address_key())
    except responses.LinkNotFound:
        return _not_found(device)
    except responses.LimitReached as limit:
        return _message(gettext("Thank you"), limit.message, 429, device)
    return _page(link, SurveyForm(formdata=None), device)


@bp.post("/<token>")
@csrf.exempt  # see audit/surveys/forms.py: the signed start time stands in for it
@public
def send(token: str) -> Response:
    device = _device_cookie()
    try:
        link = responses.open_link(token)
    except responses.LinkNotFound:
        return _not_found(device)
    form = SurveyForm()
    thanks = redirect(url_for("surveys.thanks", token=token), code=303)
    if request.form.get(HONEYPOT):
        return thanks  # a robot: it is told nothing, and nothing is stored
    try:
        started = read_stamp(form.stamp.data or "", token)
    except ValueError as error:
        return _message(gettext("Please reload the page"), str(error), 400, device)
    sent = answers_from(link.definition, request.form)
    if time.time() - started < current_app.config["SURVEY_MIN_FILL_SECONDS"]:
        # Faster than anyone reads the questions: show the form again, answers kept.
        return _page(
            link,
            form,
            device,
            sent=sent,
            notice=gettext("That was very quick: please check your answers and send them again."),
            status=422,
        )
    try:
        responses.store_response(
            link,
            sent,
            contact=bool(form.contact.data),
            email=form.email.data or "",
            device=responses.device_key(device[0]),
            address=_address_key(),
            started_at=datetime.fromtimestamp(started, UTC),
        )
    except responses.LimitReached as limit:
        db.session.rollback()
        return _message(gettext("Thank you"), limit.message, 429, device)
    except responses.ResponseRefused as refused:
        db.session.rollback()
        return _page(
            link,
            form,
            device,
            sent=sent,
            problems=refused.problems,
            notice=str(refused),
            status=422,
        )
    db.session.commit()
    response = _answer("", 303, device)
    response.headers["Location"] = thanks.location
    return response


@bp.get("/<token>/thanks")
@public
def thanks(token: str) -> Response:
    device = _device_cookie()
    try:
        link = responses.open_link(token)
    except responses.LinkNotFound:
        return _not_found(device)
    return _message(
        gettext("Thank you"),
        gettext(
            "Your answers about %(branch)s have reached us. We read every one.",
            branch=link.branch.name,
        ),
        200,
        device,
    )


def _address_key() -> str:
    return responses.address_key(request.remote_addr or "unknown")
