"""The fingerprint of a comment or written answer: its text, evened out, hashed.

The ``duplicate_text`` signal (:mod:`audit.trust.duplicate_text`) finds a comment that
is identical to one on any other visit, however old, by looking its fingerprint up in an
index instead of reading comments. Two texts have the same fingerprint when they read
the same once :func:`normalise_text` has evened out case, spacing and punctuation.

Texts shorter than :data:`MIN_TEXT_LENGTH` (evened out) get none: "Fine." on two visits
proves nothing, and leaving them out keeps the index to the texts worth comparing.

The fingerprint columns follow their text column by name (``comment`` →
``comment_fingerprint``) and say so in their ``info`` (:data:`FINGERPRINT_OF`). The
ORM keeps them (:class:`audit.models.visit.Answer` sets them as a text is set); an
UPDATE written in SQL (retention, erasure) adds :func:`fingerprint_values` to what it
sets, so a text and its fingerprint never disagree.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table

__all__ = [
    "FINGERPRINT_OF",
    "FINGERPRINT_SIZE",
    "MIN_TEXT_LENGTH",
    "fingerprint_of",
    "fingerprint_values",
    "normalise_text",
]

#: The shortest text (evened out) that is compared with other visits' texts.
MIN_TEXT_LENGTH = 40
#: Hex characters of a fingerprint (a 128-bit BLAKE2b digest): chance matches are out of
#: reach, and the texts are compared again after the lookup anyway.
FINGERPRINT_SIZE = 32
#: The ``info`` key of a fingerprint column: the name of the text column it fingerprints.
FINGERPRINT_OF = "fingerprint_of"

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """``text`` as the duplicate check compares it: Unicode compatibility forms unified
    (NFKC), case folded, every punctuation mark a space, each run of spaces one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()


def fingerprint_of(text: str | None) -> str | None:
    """The fingerprint of ``text``; None when it is blank or too short to compare."""
    if not text:
        return None
    normal = normalise_text(text)
    if len(normal) < MIN_TEXT_LENGTH:
        return None
    digest = hashlib.blake2b(normal.encode(), digest_size=FINGERPRINT_SIZE // 2)
    return digest.hexdigest()


def fingerprint_values(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (column name → value, for an UPDATE of ``table`` written in SQL) with the
    fingerprint of each text column they set added beside it."""
    added = dict(values)
    for column in table.columns:
        source = column.info.get(FINGERPRINT_OF)
        if source in values:
            added[column.name] = fingerprint_of(values[source])
    return added
