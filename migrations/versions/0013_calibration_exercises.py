"""calibration exercises

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 05:30:00

``calibration_cases``: a written-out case (scenario, transcript, photos in
``calibration_photos``) scored against one published scorecard version, draft →
published → closed. ``calibration_references``: the manager's answer and explanation per
question. ``calibration_assignments``: a shopper or assessor asked to score a case;
``calibration_responses``: their answers, stored like a visit's.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calibration_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('transcript', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'closed', name='casestatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scorecard_id'], ['scorecards.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['scorecard_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calibration_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_cases_scorecard_id'), ['scorecard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calibration_cases_version_id'), ['version_id'], unique=False)

    op.create_table('calibration_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=80), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_number', sa.Float(), nullable=True),
    sa.Column('is_na', sa.Boolean(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['calibration_cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'question_key')
    )

    op.create_table('calibration_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=False),
    sa.Column('thumb_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['calibration_cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name')
    )
    with op.batch_alter_table('calibration_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_photos_case_id'), ['case_id'], unique=False)

    op.create_table('calibration_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['calibration_cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'rater_id')
    )
    with op.batch_alter_table('calibration_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_assignments_rater_id'), ['rater_id'], unique=False)

    op.create_table('calibration_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=80), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_number', sa.Float(), nullable=True),
    sa.Column('is_na', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['calibration_assignments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assignment_id', 'question_key')
    )


def downgrade():
    op.drop_table('calibration_responses')
    with op.batch_alter_table('calibration_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_assignments_rater_id'))
    op.drop_table('calibration_assignments')
    with op.batch_alter_table('calibration_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_photos_case_id'))
    op.drop_table('calibration_photos')
    op.drop_table('calibration_references')
    with op.batch_alter_table('calibration_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_cases_version_id'))
        batch_op.drop_index(batch_op.f('ix_calibration_cases_scorecard_id'))
    op.drop_table('calibration_cases')
