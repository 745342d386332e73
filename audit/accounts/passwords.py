"""Is a chosen password good enough? One answer for every place a password is chosen.

The check is zxcvbn (Dropbox's strength estimator, shipped with its word lists: common
passwords, names, English words, keyboard patterns, dates), so it runs with no network
call. It is given the account's e-mail address and name, so ``amira.hassan1`` is as weak
for Amira Hassan as ``password`` is for everyone. zxcvbn still scores a name written out
with a year (``AmiraHassan1987``) fairly well, so a password that is nothing but the
person's own details, digits and punctuation is refused first, in words of its own.

Only new passwords are checked: signing in with an older, weaker one still works.
"""

from __future__ import annotations

import re

from flask_babel import gettext
from zxcvbn import zxcvbn

from audit.languages import current_language

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "MIN_SCORE", "password_problem"]

#: The fewest characters a new password may have.
MIN_LENGTH = 10
#: The most: enough for any passphrase, short of making hashing a denial of service.
MAX_LENGTH = 200
#: zxcvbn's score runs 0 (guessed at once) to 4; 3 is "safely unguessable: moderate
#: protection from an offline attack" (about 10^8 guesses or more).
MIN_SCORE = 3
#: zxcvbn's running time grows with the length, so it judges the first 72 characters (its
#: own limit): a password that long is past guessing by then.
_JUDGED = 72
#: Letters that must be left once the person's own details are taken out.
_OWN_LETTERS = 4

_SEPARATORS = re.compile(r"[\s._+\-@']+")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` is refused for the account of ``email`` and ``name``, in words that
    say what to do instead; None when it may be used."""
    if len(password) < MIN_LENGTH:
        return gettext(
            "Use at least %(min)s characters (this has %(length)s). "
            "Three or four unrelated words make a long password that is easy to remember.",
            min=MIN_LENGTH,
            length=len(password),
        )
    if len(password) > MAX_LENGTH:
        return gettext("Use at most %(max)s characters.", max=MAX_LENGTH)
    own = _own_words(email, name)
    if _only_own_details(password, own):
        return gettext(
            "This password is made of your name or e-mail address with numbers or symbols, "
            "which anyone who knows you could guess. Choose words that have nothing to do "
            "with you."
        )
    result = zxcvbn(password[:_JUDGED], user_inputs=sorted(own))
    if result["score"] >= MIN_SCORE:
        return None
    # zxcvbn's own advice is English only: another language gets ours alone.
    feedback = (result.get("feedback") or {}) if current_language() == "en" else {}
    words = [gettext("This password is too easy to guess.")]
    if feedback.get("warning"):
        words.append(_sentence(feedback["warning"]))
    suggestions = [_sentence(s) for s in feedback.get("suggestions") or []]
    words.extend(suggestions or [gettext("Add another word or two. Uncommon words are better.")])
    return " ".join(words)


def _own_words(email: str, name: str) -> set[str]:
    """The person's details as a guesser would try them: the address, its local part and
    the pieces of both, each part of the name and the name run together."""
    words: set[str] = set()
    email = email.strip().lower()
    if email:
        words.add(email)
        local, _, domain = email.partition("@")
        words.add(local)
        words.update(_SEPARATORS.split(local))
        words.add(domain.split(".")[0])
    name = name.strip().lower()
    if name:
        parts = [p for p in _SEPARATORS.split(name) if p]
        words.update(parts)
        words.add("".join(parts))
    return {w for w in words if len(w) >= 3}


def _only_own_details(password: str, own: set[str]) -> bool:
    """True when taking the person's details out of ``password`` leaves fewer than a few
    letters: ``Amira.Hassan1987``, ``hassan!2024``, ``amirahassan``."""
    if not own:
        return False
    rest = password.lower()
    for word in sorted(own, key=len, reverse=True):
        rest = rest.replace(word, "")
    if rest == password.lower():
        return False
    letters = [c for c in rest if c.isalpha()]
    return len(letters) < _OWN_LETTERS


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
