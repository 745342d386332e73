"""customer surveys: responses from the public page and the contacts customers left

``survey_responses``: one row per response sent through the public survey page (the
response itself is a visit of a survey scorecard), holding the keyed hashes of the
device cookie and the sender's address that the per-day abuse limits count by.
``survey_contacts``: the e-mail a customer left to be contacted about their response,
kept apart from the answers so that only managers of the branch read it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 05:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('device_key', sa.String(length=64), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('visit_id')
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_device', ['branch_id', 'device_key', 'created_at'], unique=False)
        batch_op.create_index('ix_survey_responses_address', ['branch_id', 'address_key', 'created_at'], unique=False)

    op.create_table('survey_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('visit_id')
    )
    with op.batch_alter_table('survey_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_contacts_branch_id'), ['branch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_contacts_branch_id'))
    op.drop_table('survey_contacts')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_address')
        batch_op.drop_index('ix_survey_responses_device')
    op.drop_table('survey_responses')
