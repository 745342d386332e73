"""shopper rating: a scorecard's minimum rating and the override on assignments

The rating itself is computed from the record (audit.trust.rating) and not stored;
what is stored is the bar a programme sets (``scorecards.min_rating``, 0-100) and,
on an assignment, that a manager offered it below the bar and why.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_rating", sa.Integer(), nullable=True))
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rating_overridden", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("rating_override_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("rating_override_reason")
        batch_op.drop_column("rating_overridden")
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.drop_column("min_rating")
