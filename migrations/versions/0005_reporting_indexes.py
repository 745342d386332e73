"""reporting indexes: visits.updated_at for the report cache's data stamp

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_updated_at')
