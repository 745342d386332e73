"""What the areas' route and form modules share.

Views: a page of a list; the answers to a POST. A POST that worked commits, flashes what
happened and redirects (:func:`done`). A POST a service refuses, with no form to show
again, is undone through :func:`audit.errors.refused`, flashed and redirected
(:func:`turned_down`). A one-button decision does both (:func:`decide`).

Forms: the text box every area's forms use for a reason, a note or a comment
(:func:`text_box`); the "required" checks that name their field are in
:mod:`audit.web.forms`.

This module sits beside :mod:`audit.errors` rather than in :mod:`audit.web`: it builds on
``refused()``, and ``audit.errors`` already imports from ``audit.web``, so a module there
importing ``audit.errors`` would make a circle between the two packages.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from flask import abort, flash, redirect, request
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy import Select
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from audit.errors import refused
from audit.extensions import db
from audit.models import AnswerChange
from audit.web.forms import EmptyForm, Required

#: Rows on one page of a list.
PER_PAGE = 50


# --- lists --------------------------------------------------------------------------------


def page_of(query: Select, per_page: int = PER_PAGE) -> Pagination:
    """The page of ``query`` that ``?page=`` names, the first by default; a page past the
    end is empty rather than a 404."""
    return db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=per_page,
        error_out=False,
    )


def choice_arg(name: str, allowed: Collection[str], default: str) -> str:
    """The query-string value ``name`` when it is one of ``allowed``, else ``default``."""
    value = request.args.get(name, default)
    return value if value in allowed else default


# --- answering a POST ---------------------------------------------------------------------


def require_submitted(form: FlaskForm | None = None) -> None:
    """400 unless the POST's form (a one-button :class:`EmptyForm` by default) validates:
    a missing or stale CSRF token, or a value no page offers, has nothing to show again."""
    if not (form if form is not None else EmptyForm()).validate_on_submit():
        abort(400)


def done(message: str, url: str, category: str = "success") -> Response:
    """The end of a POST that worked: keep what it wrote, say so, and go to ``url``."""
    db.session.commit()
    flash(message, category)
    return redirect(url)


def turned_down(error: Exception, url: str, message: str | None = None) -> Response:
    """A service refused a POST that has no form to show again: undo what the request
    wrote, flash the refusal (``message``, else the error's own words) and go to ``url``."""
    refused(error)
    flash(message or str(error), "danger")
    return redirect(url)


def decide(
    action: Callable[[], Any],
    refusal: type[Exception],
    url: str,
    message: str,
    *,
    then: str | None = None,
    category: str = "success",
) -> Response:
    """A one-button POST that asks a service for one decision (approve, withdraw…).

    400 when the button's form does not validate; when ``action`` raises ``refusal``, the
    refusal is flashed and the answer goes back to ``url``; otherwise the decision is
    committed, ``message`` flashed, and the answer goes to ``then`` (``url`` by default).
    """
    require_submitted()
    try:
        action()
    except refusal as error:
        return turned_down(error, url)
    return done(message, then or url, category)


def score_change(change: AnswerChange) -> str:
    """What a flash adds for a changed answer that moved the visit's score, else ""."""
    before, after = change.percent_before, change.percent_after
    if before is None or after is None or before == after:
        return ""
    return " " + gettext(
        "Score %(before)s → %(after)s.",
        before=format(before, ".1f") + "%",
        after=format(after, ".1f") + "%",
    )


# --- forms --------------------------------------------------------------------------------


def text_box(
    label: str,
    max_length: int,
    *,
    rows: int = 2,
    required: str | None = None,
    description: str = "",
) -> TextAreaField:
    """A text area of ``rows`` rows that takes at most ``max_length`` characters; with
    ``required``, the message shown when it is left empty."""
    validators: list[Any] = [Length(max=max_length)]
    if required is not None:
        validators.insert(0, Required(message=required))
    return TextAreaField(
        label, validators=validators, description=description, render_kw={"rows": rows}
    )


def shorten(text: str | None, length: int = 60) -> str:
    """``text`` cut to about ``length`` characters at a word's end, with "…" when cut:
    a question's wording where a table or a message names it."""
    value = " ".join((text or "").split())
    if len(value) <= length:
        return value
    cut = value[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.?!–-") + "…"
