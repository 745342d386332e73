"""scheduled reports: subscriptions, and the invitation mail's outcome

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:30:00

Report subscriptions (a branch, region or company PDF mailed every week or month to its
owner and the managers they chose, with the last period sent) and their recipients; and,
since invitation mail now goes by the task queue, when an invitation link's mail was
taken by the SMTP server or refused, so the waiting invitations list can say so.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.Enum('branch', 'region', 'company', name='reportunit', native_enum=False, length=20), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('scorecard', sa.String(length=80), nullable=True),
    sa.Column('frequency', sa.Enum('weekly', 'monthly', name='reportfrequency', native_enum=False, length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_period_end', sa.Date(), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_mail_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_report_subscriptions_branch_id_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_report_subscriptions_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_report_subscriptions_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_subscriptions'))
    )
    with op.batch_alter_table('report_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_subscriptions_owner_id'), ['owner_id'], unique=False)

    op.create_table('report_subscription_recipients',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['report_subscriptions.id'], name=op.f('fk_report_subscription_recipients_subscription_id_report_subscriptions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_subscription_recipients_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subscription_id', 'user_id', name=op.f('pk_report_subscription_recipients'))
    )

    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mail_failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.drop_column('mail_failed_at')
        batch_op.drop_column('mailed_at')

    op.drop_table('report_subscription_recipients')
    with op.batch_alter_table('report_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_subscriptions_owner_id'))

    op.drop_table('report_subscriptions')
