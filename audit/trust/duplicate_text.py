"""``duplicate_text``: a comment pasted from another visit.

A comment (or a written answer) of :data:`MIN_LENGTH` characters or more is compared with
the comments on visits at another branch or by another shopper; it is a duplicate when,
once case, spacing and punctuation are evened out
(:func:`audit.models.text_fingerprint.normalise_text`), it is identical or at least
:data:`MIN_SIMILARITY` similar (:class:`difflib.SequenceMatcher`'s ratio: twice the
matching characters over both lengths). The same shopper writing the same sentence about
the same branch twice is left alone: that may simply be true twice. Customers' own
survey responses are neither checked nor compared.

Two searches, each costing the same on the millionth visit as on the tenth:

- **identical**, on every visit whatever its age: each answer keeps a fingerprint of its
  comment and of its written answer (``answers.comment_fingerprint``,
  ``value_text_fingerprint``, kept as the texts are written), and an identical text is
  found by looking the fingerprint up in their index. A sentence pasted from a visit two
  years ago is as much a copy as one from last week.
- **nearly identical** (90% or more, not identical), bounded, because comparing two texts
  means reading both:

  - *time*: only visits within :data:`WINDOW` of this one. A reworded copy is a habit of
    the moment (the shopper with a stock of sentences this quarter); a near match with a
    comment from years ago is more likely a common phrase than a copy.
  - *length*: two texts at least 90% similar have lengths within a factor of about 0.82
    of each other (the ratio cannot exceed ``2 * shorter / (shorter + longer)``), so the
    database leaves out every comment outside that band.
  - *count*: at most :data:`MAX_CANDIDATES` comments, the most recent first.

  All three filters run in SQL over indexed visit columns; Python compares the few left
  (:func:`_most_alike`: two cheap upper bounds of the ratio, then the ratio).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)

from audit.extensions import db
from audit.models import Answer, ScorecardQuestion, SignalKind, Visit, VisitStatus
from audit.models.text_fingerprint import MIN_TEXT_LENGTH, fingerprint_of, normalise_text
from audit.org.timezones import visit_day
from audit.reporting.sql import survey_scorecard_ids
from audit.trust.checks import Finding

__all__ = [
    "MIN_LENGTH",
    "MIN_SIMILARITY",
    "duplicate_text",
    "lcs_length",
    "normalise_text",
    "quoted_text",
]

MIN_LENGTH = MIN_TEXT_LENGTH
MIN_SIMILARITY = 0.9
WINDOW = timedelta(days=180)
MAX_CANDIDATES = 500
#: Customers' survey responses: neither checked nor compared. Two customers may well
#: write the same words, and no shopper reads what customers wrote.
SURVEY = "survey"
#: The shortest over the longest of two texts that may still be MIN_SIMILARITY alike.
_LENGTH_FACTOR = MIN_SIMILARITY / (2 - MIN_SIMILARITY)


#: Where a text was found: an answer's comment, or the answer itself (a text question).
COMMENT, ANSWER = "comment", "answer"


def _texts(visit: Visit) -> list[tuple[str, str, str]]:
    """(question key, COMMENT or ANSWER, normalised text) of the visit's comments and
    written answers long enough to check, each text once."""
    types = dict(
        db.session.execute(
            select(ScorecardQuestion.key, ScorecardQuestion.type).where(
                ScorecardQuestion.version_id == visit.version_id
            )
        ).all()
    )
    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for answer in visit.answers:
        texts = [(COMMENT, answer.comment or "")]
        if types.get(answer.question_key) == "text":
            texts.append((ANSWER, answer.value_text or ""))
        for source, text in texts:
            normal = normalise_text(text)
            if len(normal) >= MIN_LENGTH and normal not in seen:
                seen.add(normal)
                found.append((answer.question_key, source, normal))
    return found


def _others() -> ColumnElement[bool]:
    """Sent visits other than ``:visit_id``, at another branch than ``:branch_id`` or by
    another person than ``:visitor_id``, not customers' survey responses."""
    return and_(
        Visit.id != bindparam("visit_id", type_=Integer),
        Visit.status != VisitStatus.DRAFT,
        Visit.scorecard_id.not_in(survey_scorecard_ids()),
        or_(
            Visit.branch_id != bindparam("branch_id", type_=Integer),
            Visit.visitor_id.is_distinct_from(bindparam("visitor_id", type_=Integer)),
        ),
    )


def _identical_statement() -> Select[Any]:
    """The oldest text whose fingerprint is ``:fingerprint`` on another visit (:func:`_others`),
    of any age: one lookup in each fingerprint index."""
    comments = (
        select(Answer.visit_id, Answer.question_key, literal(COMMENT, String).label("source"))
        .join(Visit, Visit.id == Answer.visit_id)
        .where(_others(), Answer.comment_fingerprint == bindparam("fingerprint"))
    )
    written = (
        select(Answer.visit_id, Answer.question_key, literal(ANSWER, String).label("source"))
        .join(Visit, Visit.id == Answer.visit_id)
        .join(ScorecardQuestion, ScorecardQuestion.id == Answer.question_id)
        .where(
            _others(),
            Answer.value_text_fingerprint == bindparam("fingerprint"),
            ScorecardQuestion.type == "text",
        )
    )
    both = union_all(comments, written).subquery()
    return (
        select(both.c.visit_id, both.c.question_key, both.c.source)
        .order_by(both.c.visit_id, both.c.question_key, both.c.source)
        .limit(1)
    )


def _candidates_statement() -> Select[Any]:
    """Comments and written answers of visits between ``:start`` and ``:end`` (and
    :func:`_others`) between ``:low`` and ``:high`` characters long, the most recent first
    (see the module docstring)."""
    when = Visit.visited_at.type
    others = and_(
        _others(),
        Visit.visited_at.between(bindparam("start", type_=when), bindparam("end", type_=when)),
    )
    low, high = bindparam("low", type_=Integer), bindparam("high", type_=Integer)
    comments = (
        select(
            Answer.visit_id,
            Answer.question_key,
            literal(COMMENT, String).label("source"),
            Answer.comment.label("text"),
            Visit.visited_at,
        )
        .join(Visit, Visit.id == Answer.visit_id)
        .where(others, func.length(Answer.comment).between(low, high))
    )
    written = (
        select(
            Answer.visit_id,
            Answer.question_key,
            literal(ANSWER, String).label("source"),
            func.coalesce(Answer.value_text, literal("", String)).label("text"),
            Visit.visited_at,
        )
        .join(Visit, Visit.id == Answer.visit_id)
        .join(ScorecardQuestion, ScorecardQuestion.id == Answer.question_id)
        .where(
            others,
            ScorecardQuestion.type == "text",
            func.length(Answer.value_text).between(low, high),
        )
    )
    both = union_all(comments, written).subquery()
    return (
        select(both.c.visit_id, both.c.question_key, both.c.source, both.c.text)
        .order_by(both.c.visited_at.desc(), both.c.visit_id.desc())
        .limit(MAX_CANDIDATES)
    )


#: Built once: a statement object keeps its compiled form's cache key, so each visit only
#: binds its values (building and keying the statements cost more than running them).
_IDENTICAL = _identical_statement()
_CANDIDATES = _candidates_statement()


def _whose(visit: Visit) -> dict[str, Any]:
    return {"visit_id": visit.id, "branch_id": visit.branch_id, "visitor_id": visit.visitor_id}


def _identical(visit: Visit, text: str) -> Row[Any] | None:
    """(visit id, question key, source) of the oldest text identical to ``text`` (normalised)
    on another visit, of any age."""
    params = {**_whose(visit), "fingerprint": fingerprint_of(text)}
    return db.session.execute(_IDENTICAL, params).first()


def _candidates(visit: Visit, shortest: int, longest: int) -> Sequence[Row[Any]]:
    """Comments and written answers of nearby visits at another branch or by another
    shopper, within the length band, the most recent first (see the module docstring)."""
    when = visit.visited_at
    params = {
        **_whose(visit),
        "start": when - WINDOW,
        "end": when + WINDOW,
        "low": int(shortest * _LENGTH_FACTOR),
        "high": int(longest / _LENGTH_FACTOR) + 1,
    }
    return db.session.execute(_CANDIDATES, params).all()


#: Letters are counted in this many bins (a character's code modulo it): every ASCII
#: character has a bin of its own; others share one, which only loosens the bound.
_BINS = 128


@lru_cache(maxsize=4096)
def _prepared(text: str) -> tuple[str, np.ndarray]:
    """``text`` normalised and its letters counted (never changed by the callers): a
    comment is a candidate of many visits when ``trust compute`` goes through them all."""
    normal = normalise_text(text)
    return normal, _letters(normal)


def _letters(text: str) -> np.ndarray:
    codes = np.fromiter(map(ord, text), dtype=np.int64, count=len(text)) % _BINS
    return np.bincount(codes, minlength=_BINS)


@dataclass(frozen=True)
class _Candidate:
    """A text of another visit, normalised."""

    visit_id: int
    question_key: str
    source: str
    text: str


class _Pool:
    """The candidates of one visit, read once for all its texts, with their lengths and
    letter counts side by side for the bounds."""

    def __init__(self, rows: Sequence[Row[Any]]) -> None:
        self.candidates: list[_Candidate] = []
        counts: list[np.ndarray] = []
        for row in rows:
            text, letters = _prepared(row.text or "")
            if len(text) >= MIN_LENGTH:
                self.candidates.append(_Candidate(row.visit_id, row.question_key, row.source, text))
                counts.append(letters)
        self.lengths = np.array([len(c.text) for c in self.candidates], dtype=np.int64)
        self.letters = np.stack(counts) if counts else np.zeros((0, _BINS), dtype=np.int64)

    def within_bounds(self, mine: str) -> list[_Candidate]:
        """The candidates whose length and letters allow MIN_SIMILARITY with ``mine``."""
        total = self.lengths + len(mine)
        shorter = np.minimum(self.lengths, len(mine))
        shared = np.minimum(self.letters, _letters(mine)).sum(axis=1)
        near = (2 * shorter >= MIN_SIMILARITY * total) & (2 * shared >= MIN_SIMILARITY * total)
        return [self.candidates[i] for i in np.flatnonzero(near)]


def lcs_length(a: str, b: str, positions: dict[str, int] | None = None) -> int:
    """The length of the longest common subsequence of ``a`` and ``b``.

    Bit-parallel (Hyyrö, "Bit-parallel LCS-length computation revisited", 2004): one bit
    per character of ``a`` in a Python integer, a few integer operations per character of
    ``b``, so two 500-character texts take well under a millisecond where a table of
    500 × 500 cells would not. ``positions``: :func:`char_positions` of ``a``, when many
    texts are compared with it."""
    if positions is None:
        positions = char_positions(a)
    full = (1 << len(a)) - 1
    v = full
    for char in b:
        u = v & positions.get(char, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def char_positions(text: str) -> dict[str, int]:
    """Each character of ``text`` → the bits of the places it stands at."""
    positions: dict[str, int] = {}
    for place, char in enumerate(text):
        positions[char] = positions.get(char, 0) | (1 << place)
    return positions


def _most_alike(mine: str, pool: _Pool) -> tuple[float, _Candidate] | None:
    """The candidate at least MIN_SIMILARITY like ``mine``, the most alike then the oldest
    visit; None if none is.

    Three bounds come before the ratio, each at least as large as it: the two lengths, the
    letters both texts have (in any order), then their longest common subsequence (in
    order; the matching blocks SequenceMatcher finds are one such subsequence). Most texts
    fail the first two, counted for the whole pool at once; texts alike in their words but
    not in their order fail the third, for a fraction of what the ratio costs on long
    texts."""
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(mine)  # what SequenceMatcher indexes: once for all candidates
    positions = char_positions(mine)
    best: tuple[float, _Candidate] | None = None
    for other in pool.within_bounds(mine):
        total = len(mine) + len(other.text)
        if 2 * lcs_length(mine, other.text, positions) < MIN_SIMILARITY * total:
            continue
        matcher.set_seq1(other.text)
        score = matcher.ratio()
        if score >= MIN_SIMILARITY and (
            best is None or (score, -other.visit_id) > (best[0], -best[1].visit_id)
        ):
            best = (score, other)
    return best


def duplicate_text(visit: Visit) -> list[Finding]:
    """One finding per text of ``visit`` that matches one on another visit: an identical one
    (the oldest visit, of any age), else the most alike within the bounds (then the oldest).

    The evidence names the two answers (visit, question key, comment or answer), not their
    words: the texts stay where they are, and go when the retention period removes them.
    """
    if visit.scorecard.channel == SURVEY:
        return []
    texts = _texts(visit)
    if not texts:
        return []
    pool: _Pool | None = None
    findings: list[Finding] = []
    for key, source, mine in texts:
        same = _identical(visit, mine)
        if same is not None:
            score, other_id, other_key, other_source = 1.0, *same
        else:
            if pool is None:  # read once, for every text of the visit
                lengths = [len(text) for _, _, text in texts]
                pool = _Pool(_candidates(visit, min(lengths), max(lengths)))
            alike = _most_alike(mine, pool)
            if alike is None:
                continue
            score, near = alike
            other_id, other_key, other_source = near.visit_id, near.question_key, near.source
        other = db.session.get(Visit, other_id)
        assert other is not None  # noqa: S101  (read in this transaction)
        how = "the same text" if score == 1.0 else f"{score:.0%} the same text"
        who = "by the same shopper" if other.visitor_id == visit.visitor_id else "by another person"
        detail = (
            f"The {_words(source)} '{key}' is {how} as the {_words(other_source)} "
            f"'{other_key}' of visit {other.id} at {other.branch.label} on "
            f"{visit_day(other):%d %b %Y}, {who}."
        )
        evidence = {
            "question_key": key,
            "source": source,
            "other_visit_id": other.id,
            "other_question_key": other_key,
            "other_source": other_source,
            "similarity": round(score, 3),
        }
        findings.append(Finding(SignalKind.DUPLICATE_TEXT, "high", detail, evidence))
    return findings


def _words(source: str) -> str:
    return "comment on" if source == COMMENT else "answer to"


def quoted_text(visit_id: int, question_key: str, source: str) -> str | None:
    """The text a duplicate_text signal points at, as it is now (None when gone)."""
    answer = db.session.scalar(
        select(Answer).where(Answer.visit_id == visit_id, Answer.question_key == question_key)
    )
    if answer is None:
        return None
    return (answer.comment if source == COMMENT else answer.value_text) or None
