"""The printed survey cards: an A6 table card and an A4 poster per branch, each with the
branch's QR code, name and one line of invitation.

The QR code is drawn by segno as SVG paths inside the HTML, so WeasyPrint writes it
into the PDF as vector graphics: it stays sharp at any print size and needs no image
file. The links themselves come from the caller (:func:`audit.surveys.links.survey_url`),
so this module knows nothing of signing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import segno
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from audit.documents.render import build_html, render_pdf

#: The words under the branch name on every card (in the language of whoever prints them).
INVITATION = _l("How did we do today? Scan the code and tell us — it takes under a minute.")

__all__ = ["INVITATION", "SurveyCard", "qr_svg", "survey_cards_html", "survey_cards_pdf"]


def qr_svg(url: str, label: str) -> Markup:
    """The QR code of ``url`` as an inline ``<svg>`` of paths (error correction M, the
    standard quiet zone of four modules); ``label`` is its accessible name."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=4, omitsize=True, dark="#000000", light="#ffffff")
    title = Markup("<title>{}</title>").format(label)
    opening, _, rest = svg.partition(">")
    # segno's own markup (paths and numbers only); the label is escaped by format() above.
    head = Markup(f'{opening} role="img" preserveAspectRatio="xMidYMid meet">')  # noqa: S704
    return head + title + Markup(rest)  # noqa: S704


@dataclass(frozen=True)
class SurveyCard:
    """What one branch's card and poster show."""

    branch_name: str
    branch_code: str
    url: str

    @classmethod
    def all_of(cls, cards: Iterable[tuple[str, str, str]]) -> list[SurveyCard]:
        """Cards from (branch name, branch code, link) triples."""
        return [cls(name, code, url) for name, code, url in cards]

    @property
    def qr(self) -> Markup:
        return qr_svg(
            self.url, gettext("QR code: the customer survey of %(branch)s", branch=self.branch_name)
        )


def survey_cards_html(cards: Iterable[SurveyCard], title: str) -> str:
    """For each card an A6 table card, then an A4 poster (named pages in one document)."""
    return build_html(
        "survey_cards.html", cards=list(cards), title=title, invitation=str(INVITATION)
    )


def survey_cards_pdf(cards: Iterable[SurveyCard], title: str) -> bytes:
    """The cards and posters as one PDF; ValueError when there is no card to print."""
    cards = list(cards)
    if not cards:
        raise ValueError("no branch to print a survey card for")
    return render_pdf(survey_cards_html(cards, title))
