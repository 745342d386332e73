"""Unbound extension singletons; :func:`audit.create_app` binds them."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Stable constraint names, so migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
babel = Babel()
#: The languages the interface ships, by code, each named in itself (the account page's
#: choices). English is the source language of the catalogue. Here, beside Babel, so
#: that the error pages (audit.errors) can read it without importing the app's layers.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later, by its text (``gettext``
    at display time): words kept in a table of a low layer, which has no request to
    translate in. Re-exported by :mod:`audit.languages`."""
    return message


def in_english(message: str, **values: object) -> str:
    """``gettext``'s stand-in where the English words are wanted (the command line, the
    audit trail): a function that says an ``N_`` message takes a ``say`` that is either."""
    return message % values if values else message
