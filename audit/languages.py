"""The interface's language: Flask-Babel, the locale each request is served in, and the
template helpers that choose a scorecard's wording for the reader.

The language is, in this order: the person's own setting (``users.language``, set on
the account page), else the browser's ``Accept-Language`` among the shipped languages,
else the installation's ``AUDIT_DEFAULT_LANGUAGE``. Outside a request (CLI, background
jobs) it is the installation default.

Catalogues live in ``audit/translations/`` (``make translations-extract``,
``translations-update``, ``translations-compile``); the compiled ``.mo`` files are built
by ``make run`` and ``make test``, never committed.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale, gettext
from flask_login import current_user

from audit.config import PROJECT_ROOT
from audit.extensions import babel, login_manager
from audit.scorecards.languages import localize

__all__ = [
    "LANGUAGES",
    "TRANSLATIONS_FOLDER",
    "current_language",
    "localized",
    "register_languages",
    "select_language",
]

#: The languages the interface ships, by code, each named in itself (the account page's
#: choices). English is the source language of the catalogue.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
TRANSLATIONS_FOLDER = PROJECT_ROOT / "audit" / "translations"


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later, by its text."""
    return message


#: Messages others hand to gettext by value: Flask-Login's (through ``localize_callback``).
MARKED_ELSEWHERE = (N_("Please sign in to continue."),)


def select_language() -> str:
    """The language of this request (the order is in the module's docstring)."""
    default = current_app.config["AUDIT_DEFAULT_LANGUAGE"]
    if not has_request_context():
        return default
    if current_user.is_authenticated:
        chosen = getattr(current_user, "language", None)
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES) or default


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
    # Flask-Login's "Please sign in to continue." in the reader's language.
    login_manager.localize_callback = gettext
    app.add_template_filter(localized, "localize")
    app.add_template_global(localized, "localize")
    app.add_template_global(current_language, "current_language")
