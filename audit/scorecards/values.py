"""What an answer may be: the engine's values (:data:`AnswerValue`, :data:`NA`) and
:func:`normalise_value`, which turns what a form, CSV file or API client sent into one
of them or refuses it with a message for a person (:class:`InvalidAnswer`).

Answer values, as the engine sees them:

* yes_no -> ``"yes"`` or ``"no"``
* scale -> an ``int`` within the question's ``min..max``
* choice -> an option's label, exactly as written in the scorecard
* number -> an ``int`` or ``float`` (within the question's ``min``/``max``, if set)
* nps -> an ``int`` in ``0..10``
* text -> a ``str``
* :data:`NA` -> not applicable (only where the question has ``allow_na``)
* ``None`` -> not answered (yet)
"""

from __future__ import annotations

import math
from typing import Final, Literal

from audit.extensions import N_
from audit.scorecards.definition import MAX_MEASUREMENT, Question, range_text


class _NotApplicable:
    """The type of :data:`NA`; there is only ever one instance."""

    _instance: _NotApplicable | None = None

    def __new__(cls) -> _NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"

    def __reduce__(self) -> str:
        # Pickling/copying gives back the singleton, so ``value is NA`` keeps working.
        return "NA"


#: "Not applicable": an answer that adds nothing to earned or possible.
NA: Final = _NotApplicable()

#: A normalised answer; ``None`` means unanswered.
AnswerValue = str | int | float | _NotApplicable | None

Band = Literal["exceeds", "meets", "below"]

#: A band as every page and PDF names it (the CSV keeps the stored word); English here,
#: translated where it is shown (the ``band`` filter of :mod:`audit.templating`).
BAND_WORDS: Final[dict[str, str]] = {
    "exceeds": N_("Exceeds target"),
    "meets": N_("Meets target"),
    "below": N_("Below target"),
}


def band_words(band: str | None) -> str:
    """``"meets"`` → ``"Meets target"``; "" for no band."""
    return BAND_WORDS.get(band, band) if band else ""


_NA_WORDS: Final = frozenset({"na", "n/a"})
_YES_NO: Final = ("yes", "no")
NPS_MIN: Final = 0
NPS_MAX: Final = 10


class InvalidAnswer(ValueError):
    """A value that is not a valid answer to its question; ``str()`` is for the person."""


# --------------------------------------------------------------------------- values


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _is_na_word(raw: object) -> bool:
    return isinstance(raw, str) and raw.strip().lower() in _NA_WORDS


def as_number(raw: object) -> int | float | None:
    """A finite int/float from a number or a numeric string; None if it isn't one.

    Booleans are not numbers here (True is not 1 point on a scale). A float or
    string with a whole value (``3.0``, ``"3"``) becomes an int, so stored and
    typed values compare and display alike.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        number = raw
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def normalise_value(question: Question, raw: object) -> AnswerValue:
    """Turn a submitted value into the engine's :data:`AnswerValue` for ``question``.

    ``None``, ``""`` and blank strings mean unanswered (``None``). :data:`NA`,
    and the words "na"/"n/a" in any case, mean N/A, but only when the question
    allows N/A. For a choice question an option whose label is exactly the
    value wins over the N/A words. Raises :class:`InvalidAnswer` naming the
    allowed values when ``raw`` is not a valid answer.
    """
    if _is_blank(raw):
        return None
    qtype = question.type
    if qtype == "choice" and isinstance(raw, str):
        for candidate in (raw, raw.strip()):
            if question.option(candidate) is not None:
                return candidate
    # "n/a" is ordinary text for a text question that does not allow N/A.
    if raw is NA or (_is_na_word(raw) and (qtype != "text" or question.allow_na)):
        if question.allow_na:
            return NA
        raise InvalidAnswer("N/A is not allowed for this question; give an answer")

    if qtype == "yes_no":
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        if isinstance(raw, str) and raw.strip().lower() in _YES_NO:
            return raw.strip().lower()
        raise InvalidAnswer(f"Answer yes or no, not {_describe(raw)}")

    if qtype == "choice":
        labels = ", ".join(repr(o.label) for o in question.options)
        raise InvalidAnswer(f"{_describe(raw)} is not one of the options: {labels}")

    if qtype in ("scale", "nps"):
        if qtype == "nps":
            low, high = NPS_MIN, NPS_MAX
        else:
            low, high = question.min, question.max
        number = as_number(raw)
        if not isinstance(number, int):
            raise InvalidAnswer(
                f"Give a whole number from {range_text(low, high)}, not {_describe(raw)}"
            )
        if (low is not None and number < low) or (high is not None and number > high):
            raise InvalidAnswer(f"{number} is outside {range_text(low, high)}")
        return number

    if qtype == "number":
        number = as_number(raw)
        if number is None:
            raise InvalidAnswer(f"Give a number, not {_describe(raw)}")
        low, high = question.min, question.max
        unit = f" {question.unit}" if question.unit else ""
        if (low is not None and number < low) or (high is not None and number > high):
            raise InvalidAnswer(f"{_describe(raw)} is outside {range_text(low, high)}{unit}")
        if abs(number) > MAX_MEASUREMENT:
            raise InvalidAnswer(
                f"This number is beyond what a measurement can be (±{MAX_MEASUREMENT:,}); check it"
            )
        return number

    if qtype == "text":
        if isinstance(raw, str):
            return raw
        raise InvalidAnswer(f"Give some text, not {_describe(raw)}")

    raise InvalidAnswer(f"Unknown question type {qtype!r}")  # pragma: no cover


def _describe(raw: object) -> str:
    if raw is NA:
        return "N/A"
    if isinstance(raw, str):
        return repr(raw if len(raw) <= 40 else raw[:37] + "…")
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int) and abs(raw) >= 10**15:
        return f"a {len(str(abs(raw)))}-digit number"
    if isinstance(raw, float) and abs(raw) >= 1e15:
        return f"{raw:.3g}"
    if isinstance(raw, int | float):
        return str(raw)
    return f"a {type(raw).__name__}"
