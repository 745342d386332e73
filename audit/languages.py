"""The interface's language: Flask-Babel, the locale each request is served in, and the
template helpers that choose a scorecard's wording for the reader.

The language is, in this order: the person's own setting (``users.language``, set on
the account page), else the browser's ``Accept-Language`` among the shipped languages,
else the installation's ``AUDIT_DEFAULT_LANGUAGE``. Outside a request (CLI, background
jobs) it is the installation default. The JSON API answers in English whatever the
caller's ``Accept-Language``: its messages are read by programs and documented as written.

What is written TO someone (an e-mail, a notification, a scheduled report) is in their
language, :func:`recipient_language`, never in that of whoever's request caused it:
render it inside ``flask_babel.force_locale(recipient_language(user))``.

Catalogues live in ``audit/translations/`` (``make translations-extract``,
``translations-update``, ``translations-compile``); the compiled ``.mo`` files are built
by ``make run`` and ``make test``, never committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Domain, get_locale, gettext
from flask_login import current_user

from audit.config import PROJECT_ROOT
from audit.extensions import LANGUAGES, N_, babel, login_manager
from audit.scorecards.languages import localize

if TYPE_CHECKING:
    from audit.models import User

__all__ = [
    "LANGUAGES",
    "N_",
    "TRANSLATIONS_FOLDER",
    "current_language",
    "localized",
    "recipient_language",
    "register_languages",
    "select_language",
]

TRANSLATIONS_FOLDER = PROJECT_ROOT / "audit" / "translations"


#: Messages others hand to gettext by value: Flask-Login's (through ``localize_callback``).
MARKED_ELSEWHERE = (N_("Please sign in to continue."),)


class RequestDomain(Domain):
    """Flask-Babel's message domain, finding the translations once per request.

    Flask-Babel looks the catalogue up again for every string it translates (the
    request's context four times, the locale's name, the cache): the visit form's
    250 strings spent about a tenth of the page's CPU there. The catalogue found
    is kept in ``g`` with the locale it is for. ``force_locale`` (a mail in its
    reader's language) and ``refresh`` put another locale object in place, so
    the next string looks its own catalogue up.
    """

    def get_translations(self) -> NullTranslations:
        locale = get_locale()
        if locale is None:  # no application context: Flask-Babel's own answer
            return super().get_translations()
        found = g.get("_audit_translations")
        if found is None or found[0] is not locale:
            found = g._audit_translations = (locale, super().get_translations())
        return found[1]


#: The one "messages" domain of the process: its cache of catalogues outlives each app.
REQUEST_DOMAIN = RequestDomain()


def select_language() -> str:
    """The language of this request (the order is in the module's docstring)."""
    default = current_app.config["AUDIT_DEFAULT_LANGUAGE"]
    if not has_request_context():
        return default
    if request.blueprint == "api":
        return "en"  # the JSON API's messages are English, for programs (docs/api.md)
    if current_user.is_authenticated:
        chosen = getattr(current_user, "language", None)
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES) or default


def recipient_language(user: User | None) -> str:
    """The language to write to ``user`` in: their own setting, else the installation
    default. Not the browser's: a mail is read later, elsewhere, and often set off by
    someone else's request (whose ``Accept-Language`` says nothing about the reader)."""
    chosen = getattr(user, "language", None)
    return chosen if chosen in LANGUAGES else current_app.config["AUDIT_DEFAULT_LANGUAGE"]


def current_language() -> str:
    """The code of the language this request (or job) is served in: "en", "es"."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def localized(value: Any, default: str | None = None) -> Any:
    """A scorecard text (or ``{code: text}`` mapping) in the reader's language, else its
    default: ``{{ question.text|localize }}`` in templates."""
    return localize(value, current_language(), default)


def register_languages(app: Flask) -> None:
    default = app.config.setdefault("AUDIT_DEFAULT_LANGUAGE", "en")
    if default not in LANGUAGES:
        raise RuntimeError(
            f"AUDIT_DEFAULT_LANGUAGE={default!r} is not a shipped language ({', '.join(LANGUAGES)})"
        )
    babel.init_app(
        app,
        default_locale=default,
        default_translation_directories=str(TRANSLATIONS_FOLDER),
        locale_selector=select_language,
    )
    babel.domain_instance = REQUEST_DOMAIN  # instead of Flask-Babel's own "messages"
    # Flask-Login's "Please sign in to continue." in the reader's language.
    login_manager.localize_callback = gettext
    app.add_template_filter(localized, "localize")
    app.add_template_global(localized, "localize")
    app.add_template_global(current_language, "current_language")
