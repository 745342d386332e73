"""How far raters agree: percent agreement and Krippendorff's alpha. Pure: no database.

Krippendorff's alpha comes from the maintained ``krippendorff`` package rather than being
written here: it handles missing ratings and the nominal, ordinal and interval distance
functions, and is what agreement studies cite. What this module adds is the choice of the
level of measurement from the question's type (:data:`LEVELS`) and the coding of answers
(an option label, yes/no, a number, N/A) into the numbers the package reads.

- ``yes_no`` and ``choice`` are **nominal**: answers are equal or not; N/A is one more
  category (saying N/A when the reference answers is a real disagreement).
- ``scale`` and ``nps`` are **ordinal**: 4 against 5 is a smaller disagreement than 1
  against 5, but the steps need not be equal. N/A is left out (missing), as it has no
  place on the scale.
- ``number`` is **interval**: the difference itself counts. N/A is left out.
- ``text`` has no agreement figure: two comments are never "equal".

Percent agreement is pairwise: of all pairs of raters who both answered, the share
that gave the same answer (N/A equal to N/A). It is easy to read but not corrected for
chance; alpha is (1 = perfect, 0 = no better than chance, below 0 = worse).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Final, Literal

import krippendorff
import numpy as np

from audit.scorecards.values import NA

__all__ = ["LEVELS", "Level", "alpha", "level_of", "percent_agreement"]

Level = Literal["nominal", "ordinal", "interval"]

#: The level of measurement of each question type; text has none.
LEVELS: Final[dict[str, Level]] = {
    "yes_no": "nominal",
    "choice": "nominal",
    "scale": "ordinal",
    "nps": "ordinal",
    "number": "interval",
}


def level_of(question_type: str) -> Level | None:
    """The level of measurement for a question type; None for text (no agreement figure)."""
    return LEVELS.get(question_type)


def percent_agreement(values: Sequence[Hashable | None]) -> float | None:
    """Share (0..1) of pairs of answers that are equal; None (unanswered) is left out.

    None when fewer than two raters answered. N/A is an answer like any other here.
    """
    answered = [v for v in values if v is not None]
    n = len(answered)
    if n < 2:
        return None
    same = sum(k * (k - 1) // 2 for k in Counter(answered).values())
    return same / (n * (n - 1) // 2)


def _code(value: Hashable | None, level: Level, codes: dict[Hashable, int]) -> float:
    """The number the package reads for one answer; NaN for a missing one."""
    if value is None:
        return np.nan
    if level == "nominal":
        return float(codes.setdefault(value, len(codes)))
    if value is NA or isinstance(value, bool) or not isinstance(value, int | float):
        return np.nan  # N/A (or anything not a number) has no place on a scale
    return float(value)


def alpha(units: Sequence[Sequence[Hashable | None]], level: Level) -> float | None:
    """Krippendorff's alpha over ``units`` (each the answers given to one unit, one per
    rater, None where a rater gave none) at ``level``.

    None when alpha is not defined: fewer than two answers in any unit that has two, or
    one single value among all answers (everyone agreeing on everything gives no
    variation to measure).
    """
    codes: dict[Hashable, int] = {}
    width = max((len(u) for u in units), default=0)
    rows = [
        [_code(v, level, codes) for v in unit] + [np.nan] * (width - len(unit)) for unit in units
    ]
    data = np.array(rows, dtype=float).T  # raters × units, as the package wants it
    if data.size == 0:
        return None
    pairable = (np.sum(~np.isnan(data), axis=0) >= 2).sum()
    values = data[~np.isnan(data)]
    if pairable == 0 or len(np.unique(values)) < 2:
        return None
    result = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    return float(result)
