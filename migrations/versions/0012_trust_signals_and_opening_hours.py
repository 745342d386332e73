"""trust signals and opening hours

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:30:00

``visit_signals``: the reasons to look closer at a visit (photo reused, comment copied,
impossible travel, outside opening hours, too short, far from the branch, photo time,
late submission), stored when the visit is submitted or imported; they never change a
score. ``photo_hashes``: each photo's 64-bit perceptual hash, split into four indexed
16-bit bands so a reused photo is found by index lookups, not by scanning every photo.
``branches.opening_hours``: the weekly opening hours in local time, as plain text.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

KINDS = (
    'photo_reuse', 'duplicate_text', 'impossible_travel', 'outside_hours',
    'too_short', 'far_from_branch', 'photo_time', 'late_submission',
)


def upgrade():
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_hours', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.alter_column('opening_hours', server_default=None)

    op.create_table('visit_signals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='signalkind', native_enum=False, length=30), nullable=False),
    sa.Column('level', sa.Enum('warn', 'high', name='signallevel', native_enum=False, length=10), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_signals_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index('ix_visit_signals_kind_created', ['kind', 'created_at'], unique=False)

    op.create_table('photo_hashes',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('phash', sa.String(length=16), nullable=False),
    sa.Column('band0', sa.Integer(), nullable=False),
    sa.Column('band1', sa.Integer(), nullable=False),
    sa.Column('band2', sa.Integer(), nullable=False),
    sa.Column('band3', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attachment_id')
    )
    with op.batch_alter_table('photo_hashes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_hashes_visit_id'), ['visit_id'], unique=False)
        for band in range(4):
            batch_op.create_index(batch_op.f(f'ix_photo_hashes_band{band}'), [f'band{band}'], unique=False)


def downgrade():
    op.drop_table('photo_hashes')
    op.drop_table('visit_signals')
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.drop_column('opening_hours')
