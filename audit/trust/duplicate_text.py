"""``duplicate_text``: a comment pasted from another visit.

A comment (or a written answer) of :data:`MIN_LENGTH` characters or more is compared with
the comments on visits at another branch or by another shopper; it is a duplicate when,
after case and spacing are evened out, it is identical or at least
:data:`MIN_SIMILARITY` similar (:class:`difflib.SequenceMatcher`'s ratio: twice the
matching characters over both lengths). The same shopper writing the same sentence about
the same branch twice is left alone: that may simply be true twice.

The candidate search is bounded, so the check costs the same on the thousandth visit as
on the tenth:

- **time**: only visits within :data:`WINDOW` of this one. Copying is a habit of the
  moment (the shopper with a stock of sentences this quarter); a comment matching one
  from years ago is more likely a common phrase than a copy.
- **length**: two texts at least 90% similar have lengths within a factor of about 0.82
  of each other (the ratio cannot exceed ``2 * shorter / (shorter + longer)``), so the
  database leaves out every comment outside that band.
- **count**: at most :data:`MAX_CANDIDATES` comments, the most recent first.

All three filters run in SQL over indexed visit columns; Python compares the few left.
"""

from __future__ import annotations

import re
from datetime import timedelta
from difflib import SequenceMatcher

from sqlalchemy import String, and_, func, literal, or_, select, union_all

from audit.extensions import db
from audit.models import Answer, ScorecardQuestion, SignalKind, Visit, VisitStatus
from audit.trust.checks import Finding

__all__ = [
    "MIN_LENGTH",
    "MIN_SIMILARITY",
    "duplicate_text",
    "normalise_text",
    "quoted_text",
    "similarity",
]

MIN_LENGTH = 40
MIN_SIMILARITY = 0.9
WINDOW = timedelta(days=180)
MAX_CANDIDATES = 500
#: The shortest over the longest of two texts that may still be MIN_SIMILARITY alike.
_LENGTH_FACTOR = MIN_SIMILARITY / (2 - MIN_SIMILARITY)

_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def similarity(a: str, b: str) -> float:
    """How alike two normalised texts are, 0 to 1 (1: identical)."""
    if a == b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < MIN_SIMILARITY or matcher.quick_ratio() < MIN_SIMILARITY:
        return matcher.quick_ratio()
    return matcher.ratio()


#: Where a text was found: an answer's comment, or the answer itself (a text question).
COMMENT, ANSWER = "comment", "answer"


def _texts(visit: Visit) -> list[tuple[str, str, str]]:
    """(question key, COMMENT or ANSWER, text) of the visit's comments and written answers
    long enough to check, each text once."""
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
            text = text.strip()
            if len(text) >= MIN_LENGTH and normalise_text(text) not in seen:
                seen.add(normalise_text(text))
                found.append((answer.question_key, source, text))
    return found


def _candidates(visit: Visit, shortest: int, longest: int):  # noqa: ANN202
    """Comments and written answers of nearby visits at another branch or by another
    shopper, within the length band, the most recent first (see the module docstring)."""
    when = visit.visited_at
    others = and_(
        Visit.id != visit.id,
        Visit.status != VisitStatus.DRAFT,
        Visit.visited_at.between(when - WINDOW, when + WINDOW),
        or_(
            Visit.branch_id != visit.branch_id,
            Visit.visitor_id.is_distinct_from(visit.visitor_id),
        ),
    )
    low, high = int(shortest * _LENGTH_FACTOR), int(longest / _LENGTH_FACTOR) + 1
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
    return db.session.execute(
        select(both.c.visit_id, both.c.question_key, both.c.source, both.c.text)
        .order_by(both.c.visited_at.desc(), both.c.visit_id.desc())
        .limit(MAX_CANDIDATES)
    ).all()


def duplicate_text(visit: Visit) -> list[Finding]:
    """One finding per text of ``visit`` that matches one on another visit (the most alike,
    then the oldest visit).

    The evidence names the two answers (visit, question key, comment or answer), not their
    words: the texts stay where they are, and go when the retention period removes them.
    """
    texts = _texts(visit)
    if not texts:
        return []
    lengths = [len(normalise_text(text)) for _, _, text in texts]
    rows = _candidates(visit, min(lengths), max(lengths))
    findings: list[Finding] = []
    for key, source, text in texts:
        mine = normalise_text(text)
        best: tuple[float, int, str, str] | None = None
        for other_id, other_key, other_source, other_text in rows:
            theirs = normalise_text(other_text or "")
            if len(theirs) < MIN_LENGTH:
                continue
            score = similarity(mine, theirs)
            if score >= MIN_SIMILARITY and (
                best is None or (score, -other_id) > (best[0], -best[1])
            ):
                best = (score, other_id, other_key, other_source)
        if best is None:
            continue
        score, other_id, other_key, other_source = best
        other = db.session.get(Visit, other_id)
        assert other is not None  # noqa: S101  (read in this transaction)
        how = "the same text" if score == 1.0 else f"{score:.0%} the same text"
        who = "by the same shopper" if other.visitor_id == visit.visitor_id else "by another person"
        detail = (
            f"The {_words(source)} '{key}' is {how} as the {_words(other_source)} "
            f"'{other_key}' of visit {other.id} at {other.branch.label} on "
            f"{other.visited_at:%d %b %Y}, {who}."
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
