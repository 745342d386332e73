"""survey follow up: comments a manager shared with the staff member a response names

The action kind ``customer_follow_up`` needs no change here: action kinds are
stored as VARCHAR(20) without a CHECK constraint (migration 0004).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 05:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shared_survey_comments',
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('shared_by_id', sa.Integer(), nullable=True),
        sa.Column('shared_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('visit_id'),
    )


def downgrade():
    op.drop_table('shared_survey_comments')
