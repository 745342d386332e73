"""retention and erasure

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:30:00

Users and staff members gain ``erased_at``: when their identity was replaced by a
pseudonym (``erase user``, ``erase staff``, or the retention job for people who left).
The rows stay so that every visit, score and audit event keeps pointing at someone;
the column tells an erased record from a live one and makes a second erasure a no-op.
The retention periods themselves are settings (rows of ``settings``): no schema.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
