"""Signed survey links: one per branch, or per staff member for the card an adviser hands
over, optionally for a survey card other than the library's.

The token in the link carries the branch id, and the staff member's id and the
scorecard's slug when given, signed with the app's ``SECRET_KEY`` under a salt of its
own (itsdangerous), so nobody can make a link for another branch or change the one they
hold: an altered token is simply not found. The links do not expire: they are printed
on cards that stay on a counter for years. Changing ``SECRET_KEY`` retires every card.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from audit.models import Branch, Scorecard, StaffMember
from audit.notifications.service import absolute_link

__all__ = ["SURVEY_PATH", "LinkTarget", "read_token", "survey_path", "survey_token", "survey_url"]

#: The public page a survey link opens: this path and the token (the blueprint's prefix).
SURVEY_PATH = "/survey/"
_SALT = "customer-survey-link"


@dataclass(frozen=True)
class LinkTarget:
    """What a genuine token names; the records themselves are checked by the caller."""

    branch_id: int
    staff_id: int | None = None
    scorecard_slug: str | None = None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def survey_token(
    branch: Branch, staff: StaffMember | None = None, scorecard: Scorecard | None = None
) -> str:
    """The signed token: ``[branch]``, ``[branch, staff]`` or ``[branch, staff|null, slug]``
    (the shortest list that says it, so the QR code stays small)."""
    value: list[int | str | None] = [branch.id, staff.id if staff else None]
    if scorecard is not None:
        value.append(scorecard.slug)
    while value[-1] is None:
        value.pop()
    return _serializer().dumps(value)


def survey_path(
    branch: Branch, staff: StaffMember | None = None, scorecard: Scorecard | None = None
) -> str:
    return SURVEY_PATH + survey_token(branch, staff, scorecard)


def survey_url(
    branch: Branch, staff: StaffMember | None = None, scorecard: Scorecard | None = None
) -> str:
    """The absolute public URL of the branch's (or staff member's) survey.

    Absolute under ``APP_URL`` (the address people open the app at, as invitation links
    are); without it, under the current request's address; outside a request and
    without ``APP_URL``, only the path (``flask surveys link`` says so).
    """
    return absolute_link(survey_path(branch, staff, scorecard))


def read_token(token: str) -> LinkTarget:
    """What a genuine token names; ValueError for anything else (forged, altered, cut)."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        raise ValueError("This survey link is not valid.") from None
    if not isinstance(value, list) or not 1 <= len(value) <= 3:
        raise ValueError("This survey link is not valid.")
    branch_id, staff_id, slug = (value + [None, None])[:3]
    if not _is_id(branch_id) or not (staff_id is None or _is_id(staff_id)):
        raise ValueError("This survey link is not valid.")
    if slug is not None and not isinstance(slug, str):
        raise ValueError("This survey link is not valid.")
    return LinkTarget(branch_id, staff_id, slug)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
