"""branch time zones: each branch's IANA zone, and each visit's local day

``branches.timezone`` is the IANA name of the zone the branch keeps its clocks in
(``Europe/Madrid``); branches that existed before are put in UTC, the zone every time
was shown in until now, so no report moves. ``visits.local_day`` is the visit's date
in its branch's zone (``YYYY-MM-DD``), kept by the app whenever ``visited_at`` or the
branch's zone changes: reports pick days and months by it, on every database alike.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:10:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC")
        )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("local_day", sa.String(10), nullable=True))
    # Every branch is in UTC so far: a visit's local day is its UTC date.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE visits SET local_day = to_char(visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        )
    else:  # SQLite keeps UTC timestamps as text, "YYYY-MM-DD HH:MM:SS..."
        op.execute("UPDATE visits SET local_day = substr(visited_at, 1, 10)")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visits_branch_local_day", ["branch_id", "local_day"], unique=False
        )


def downgrade():
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_branch_local_day")
        batch_op.drop_column("local_day")
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_column("timezone")
