"""answer text fingerprints: an indexed fingerprint of each comment and written answer

``answers.comment_fingerprint`` and ``answers.value_text_fingerprint`` hold a hash of
the comment and of the text value once case, spacing and punctuation are evened out
(audit.models.text_fingerprint), for texts of 40 characters or more; shorter and blank
ones hold none. The duplicate_text signal looks a text up by it, so an identical comment
on any visit, however old, is found by an index lookup. Each index holds only the rows
that have a fingerprint.

Existing answers are filled in here, a batch at a time. The fingerprint is worked out
by a copy of the app's function as it is today, so this migration does the same thing
whenever it runs.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 09:00:00
"""

import hashlib
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

COLUMNS = ("comment_fingerprint", "value_text_fingerprint")
BATCH = 1000
MIN_TEXT_LENGTH = 40
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def _fingerprint(text):
    """audit.models.text_fingerprint.fingerprint_of, as of this revision."""
    if not text:
        return None
    normal = unicodedata.normalize("NFKC", text).casefold()
    normal = _SPACES.sub(" ", _PUNCTUATION.sub(" ", normal)).strip()
    if len(normal) < MIN_TEXT_LENGTH:
        return None
    return hashlib.blake2b(normal.encode(), digest_size=16).hexdigest()


def upgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(32), nullable=True))
    _fill(op.get_bind())
    with op.batch_alter_table("answers", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.create_index(
                f"ix_answers_{name}",
                [name],
                unique=False,
                postgresql_where=sa.text(f"{name} IS NOT NULL"),
                sqlite_where=sa.text(f"{name} IS NOT NULL"),
            )


def _fill(bind):
    """Fingerprint the existing texts, in batches of BATCH answers by id. A text shorter
    than 40 characters as stored is shorter still evened out: those rows are not read."""
    select = sa.text(
        "SELECT id, comment, value_text FROM answers"
        " WHERE id > :after AND (length(comment) >= :shortest OR length(value_text) >= :shortest)"
        " ORDER BY id LIMIT :batch"
    )
    update = sa.text(
        "UPDATE answers SET comment_fingerprint = :comment, value_text_fingerprint = :value"
        " WHERE id = :id"
    )
    after = 0
    while rows := bind.execute(
        select, {"after": after, "shortest": MIN_TEXT_LENGTH, "batch": BATCH}
    ).all():
        changes = [
            {
                "id": row.id,
                "comment": _fingerprint(row.comment),
                "value": _fingerprint(row.value_text),
            }
            for row in rows
        ]
        bind.execute(update, changes)
        after = rows[-1].id


def downgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.drop_index(f"ix_answers_{name}")
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
