"""report mailings: each scheduled report's mail until every recipient has it

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 21:17:04

Each period a scheduled report claims gets a row: the stored PDF of each language, who
the SMTP server took the mail for, the attempts and the last error, and when everyone
had it. A mail refused is tried again by the hourly send-pending-mail job, where before
the claimed period was lost.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('keys', sa.JSON(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sent_to', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['report_subscriptions.id'], name=op.f('fk_report_mailings_subscription_id_report_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_mailings'))
    )
    with op.batch_alter_table('report_mailings', schema=None) as batch_op:
        batch_op.create_index('ix_report_mailings_pending', ['done_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_mailings_subscription_id'), ['subscription_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report_mailings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_mailings_subscription_id'))
        batch_op.drop_index('ix_report_mailings_pending')

    op.drop_table('report_mailings')
