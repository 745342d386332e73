"""dashboard day rollups: visit, section and question sums per branch, scorecard and day;
an index for the latest critical fails

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:30:00

The month rollups (0006) per day, so a period that does not start or end on a
month boundary ("the last 12 months", the dashboards' default) reads the days at
its ends from these tables instead of the visits and answers; and in both visit
tables the number of published visits (the appeal figures' denominator), so the
month table is filled again. Derived data: the
upgrade fills them from the visits already there, with the statements of
``audit.reporting.rollups`` as they were when this migration was written (frozen
here: a migration must not run application code that may change later).
``flask --app wsgi report rebuild-rollups`` recomputes them with the current code.

``ix_visits_critical_visited`` (partial: critical fails only) lets the dashboards'
"latest critical fails" read the newest few instead of every visit of the period.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


#: The rollup rows from the visits, per dialect (compiled from audit.reporting.rollups, frozen):
#: the month visit rows again (now with ``published``), then the three day tables.
FILL = {
    "sqlite": (
        "INSERT INTO visit_month_stats (branch_id, scorecard_id, month, n, total, total_sq, passed, critical, published) SELECT visits.branch_id, visits.scorecard_id, strftime('%Y-%m', visits.visited_at) AS month, count(visits.percent) AS n, coalesce(sum(visits.percent), 0.0) AS total, coalesce(sum(visits.percent * visits.percent), 0.0) AS total_sq, coalesce(sum(CASE WHEN (visits.percent >= scorecard_versions.target) THEN 1 ELSE 0 END), 0) AS passed, coalesce(sum(CASE WHEN (visits.critical_failed IS 1) THEN 1 ELSE 0 END), 0) AS critical, coalesce(sum(CASE WHEN (visits.status = 'published') THEN 1 ELSE 0 END), 0) AS published \nFROM visits JOIN scorecard_versions ON scorecard_versions.id = visits.version_id \nWHERE visits.status IN ('approved', 'published') AND visits.excluded IS 0 AND visits.percent IS NOT NULL AND (visits.scorecard_id NOT IN (SELECT scorecards.id \nFROM scorecards \nWHERE scorecards.channel = 'survey')) GROUP BY visits.branch_id, visits.scorecard_id, strftime('%Y-%m', visits.visited_at)",
        "INSERT INTO visit_day_stats (branch_id, scorecard_id, day, n, total, total_sq, passed, critical, published) SELECT visits.branch_id, visits.scorecard_id, strftime('%Y-%m-%d', visits.visited_at) AS day, count(visits.percent) AS n, coalesce(sum(visits.percent), 0.0) AS total, coalesce(sum(visits.percent * visits.percent), 0.0) AS total_sq, coalesce(sum(CASE WHEN (visits.percent >= scorecard_versions.target) THEN 1 ELSE 0 END), 0) AS passed, coalesce(sum(CASE WHEN (visits.critical_failed IS 1) THEN 1 ELSE 0 END), 0) AS critical, coalesce(sum(CASE WHEN (visits.status = 'published') THEN 1 ELSE 0 END), 0) AS published \nFROM visits JOIN scorecard_versions ON scorecard_versions.id = visits.version_id \nWHERE visits.status IN ('approved', 'published') AND visits.excluded IS 0 AND visits.percent IS NOT NULL AND (visits.scorecard_id NOT IN (SELECT scorecards.id \nFROM scorecards \nWHERE scorecards.channel = 'survey')) GROUP BY visits.branch_id, visits.scorecard_id, strftime('%Y-%m-%d', visits.visited_at)",
        "INSERT INTO section_day_stats (branch_id, scorecard_id, day, section_key, n, total, total_sq, passed, judged, critical) SELECT visits.branch_id, visits.scorecard_id, strftime('%Y-%m-%d', visits.visited_at) AS day, visit_section_scores.section_key, count(visit_section_scores.percent) AS n, coalesce(sum(visit_section_scores.percent), 0.0) AS total, coalesce(sum(visit_section_scores.percent * visit_section_scores.percent), 0.0) AS total_sq, coalesce(sum(CASE WHEN (scorecard_sections.target IS NOT NULL AND visit_section_scores.percent IS NOT NULL AND visit_section_scores.percent >= scorecard_sections.target) THEN 1 ELSE 0 END), 0) AS passed, coalesce(sum(CASE WHEN (scorecard_sections.target IS NOT NULL AND visit_section_scores.percent IS NOT NULL) THEN 1 ELSE 0 END), 0) AS judged, coalesce(sum(CASE WHEN (visit_section_scores.critical_failed IS 1) THEN 1 ELSE 0 END), 0) AS critical \nFROM visit_section_scores JOIN visits ON visits.id = visit_section_scores.visit_id JOIN scorecard_sections ON scorecard_sections.id = visit_section_scores.section_id \nWHERE visits.status IN ('approved', 'published') AND visits.excluded IS 0 AND visits.percent IS NOT NULL AND (visits.scorecard_id NOT IN (SELECT scorecards.id \nFROM scorecards \nWHERE scorecards.channel = 'survey')) GROUP BY visits.branch_id, visits.scorecard_id, strftime('%Y-%m-%d', visits.visited_at), visit_section_scores.section_key",
        "INSERT INTO question_day_stats (branch_id, scorecard_id, day, question_key, n, passed, nps_n, promoters, detractors) SELECT visits.branch_id, visits.scorecard_id, strftime('%Y-%m-%d', visits.visited_at) AS day, answers.question_key, coalesce(sum(CASE WHEN (answers.possible > 0 AND answers.earned IS NOT NULL AND answers.is_na IS 0 AND answers.hidden IS 0) THEN 1 ELSE 0 END), 0) AS n, coalesce(sum(CASE WHEN (answers.possible > 0 AND answers.earned IS NOT NULL AND answers.is_na IS 0 AND answers.hidden IS 0 AND answers.earned >= answers.possible) THEN 1 ELSE 0 END), 0) AS passed, coalesce(sum(CASE WHEN (scorecard_questions.type = 'nps' AND answers.value_number IS NOT NULL AND answers.is_na IS 0 AND answers.hidden IS 0) THEN 1 ELSE 0 END), 0) AS nps_n, coalesce(sum(CASE WHEN (scorecard_questions.type = 'nps' AND answers.value_number IS NOT NULL AND answers.is_na IS 0 AND answers.hidden IS 0 AND answers.value_number >= 9) THEN 1 ELSE 0 END), 0) AS promoters, coalesce(sum(CASE WHEN (scorecard_questions.type = 'nps' AND answers.value_number IS NOT NULL AND answers.is_na IS 0 AND answers.hidden IS 0 AND answers.value_number <= 6) THEN 1 ELSE 0 END), 0) AS detractors \nFROM answers JOIN visits ON visits.id = answers.visit_id JOIN scorecard_questions ON scorecard_questions.id = answers.question_id \nWHERE visits.status IN ('approved', 'published') AND visits.excluded IS 0 AND visits.percent IS NOT NULL AND (visits.scorecard_id NOT IN (SELECT scorecards.id \nFROM scorecards \nWHERE scorecards.channel = 'survey')) AND (answers.possible > 0 AND answers.earned IS NOT NULL AND answers.is_na IS 0 AND answers.hidden IS 0 OR scorecard_questions.type = 'nps' AND answers.value_number IS NOT NULL AND answers.is_na IS 0 AND answers.hidden IS 0) GROUP BY visits.branch_id, visits.scorecard_id, strftime('%Y-%m-%d', visits.visited_at), answers.question_key",
    ),
    "postgresql": (
        "INSERT INTO visit_month_stats (branch_id, scorecard_id, month, n, total, total_sq, passed, critical, published) SELECT visits.branch_id, visits.scorecard_id, to_char(date_trunc('month', visits.visited_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month, count(visits.percent) AS n, coalesce(sum(visits.percent), 0.0) AS total, coalesce(sum(visits.percent * visits.percent), 0.0) AS total_sq, coalesce(sum(CASE WHEN (visits.percent >= scorecard_versions.target) THEN 1 ELSE 0 END), 0) AS passed, coalesce(sum(CASE WHEN (visits.critical_failed IS true) THEN 1 ELSE 0 END), 0) AS critical, coalesce(sum(CASE WHEN (visits.status = 'published') THEN 1 ELSE 0 END), 0) AS published \nFROM visits JOIN scorecard_versions ON scorecard_versions.id = visits.version_id \nWHERE visits.status IN ('approved', 'published') AND visits.excluded IS false AND visits.percent IS NOT NULL AND (visits.scorecard_id NOT IN (SELECT scorecards.id \nFROM scorecards \nWHERE scorecards.channel = 'survey')) GROUP BY visits.branch_id, visits.scorecard_id, to_char(date_trunc('month', visits.visited_at AT TIME ZONE 'UTC'), 'YYYY-MM')",
        "INSERT INTO visit_day_stats (branch_id, scorecard_id, day, n, total, total_sq, passed, critical, published) SELECT visits.branch_id, visits.scorecard_id, to_char(visits.visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(visits.percent) AS n, coalesce(sum(visits.percent), 0.0) AS total, coalesce(sum(visits.percent * visits.percent), 0.0) AS total_sq, coalesce(sum(CASE WHEN (visits.percent >= scorecard_versions.target) THEN 1 ELSE 0 END), 0) AS passed, coalesce(sum(CASE WHEN (visits.critical_failed IS true) THEN 1 ELSE 0 END), 0) AS critical, coalesce(sum(CASE WHEN (visits.status = 'published') THEN 1 ELSE 0 END), 0) AS published \nFROM visits JOIN scorecard_versions ON scorecard_versions.id = visits.version_id \nWHERE visits.status IN ('approved', 'published') AND visits.excluded IS false AND visits.percent IS NOT NULL AND (visits.scorecard_id NOT IN (SELECT scorecards.id \nFROM scorecards \nWHERE scorecards.channel = 'survey')) GROUP BY visits.branch_id, visits.scorecard_id, to_char(visits.visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        "INSERT INTO section_day_stats (branch_id, scorecard_id, day, section_key, n, total, total_sq, passed, judged, critical) SELECT visits.branch_id, visits.scorecard_id, to_char(visits.visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, visit_section_scores.section_key, count(visit_section_scores.percent) AS n, coalesce(sum(visit_section_scores.percent), 0.0) AS total, coalesce(sum(visit_section_scores.percent * visit_section_scores.percent), 0.0) AS total_sq, coalesce(sum(CASE WHEN (scorecard_sections.target IS NOT NULL AND visit_section_scores.percent IS NOT NULL AND visit_section_scores.percent >= scorecard_sections.target) THEN 1 ELSE 0 END), 0) AS passed, coalesce(sum(CASE WHEN (scorecard_sections.target IS NOT NULL AND visit_section_scores.percent IS NOT NULL) THEN 1 ELSE 0 END), 0) AS judged, coalesce(sum(CASE WHEN (visit_section_scores.critical_failed IS true) THEN 1 ELSE 0 END), 0) AS critical \nFROM visit_section_scores JOIN visits ON visits.id = visit_section_scores.visit_id JOIN scorecard_sections ON scorecard_sections.id = visit_section_scores.section_id \nWHERE visits.status IN ('approved', 'published') AND visits.excluded IS false AND visits.percent IS NOT NULL AND (visits.scorecard_id NOT IN (SELECT scorecards.id \nFROM scorecards \nWHERE scorecards.channel = 'survey')) GROUP BY visits.branch_id, visits.scorecard_id, to_char(visits.visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), visit_section_scores.section_key",
        "INSERT INTO question_day_stats (branch_id, scorecard_id, day, question_key, n, passed, nps_n, promoters, detractors) SELECT visits.branch_id, visits.scorecard_id, to_char(visits.visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, answers.question_key, coalesce(sum(CASE WHEN (answers.possible > 0 AND answers.earned IS NOT NULL AND answers.is_na IS false AND answers.hidden IS false) THEN 1 ELSE 0 END), 0) AS n, coalesce(sum(CASE WHEN (answers.possible > 0 AND answers.earned IS NOT NULL AND answers.is_na IS false AND answers.hidden IS false AND answers.earned >= answers.possible) THEN 1 ELSE 0 END), 0) AS passed, coalesce(sum(CASE WHEN (scorecard_questions.type = 'nps' AND answers.value_number IS NOT NULL AND answers.is_na IS false AND answers.hidden IS false) THEN 1 ELSE 0 END), 0) AS nps_n, coalesce(sum(CASE WHEN (scorecard_questions.type = 'nps' AND answers.value_number IS NOT NULL AND answers.is_na IS false AND answers.hidden IS false AND answers.value_number >= 9) THEN 1 ELSE 0 END), 0) AS promoters, coalesce(sum(CASE WHEN (scorecard_questions.type = 'nps' AND answers.value_number IS NOT NULL AND answers.is_na IS false AND answers.hidden IS false AND answers.value_number <= 6) THEN 1 ELSE 0 END), 0) AS detractors \nFROM answers JOIN visits ON visits.id = answers.visit_id JOIN scorecard_questions ON scorecard_questions.id = answers.question_id \nWHERE visits.status IN ('approved', 'published') AND visits.excluded IS false AND visits.percent IS NOT NULL AND (visits.scorecard_id NOT IN (SELECT scorecards.id \nFROM scorecards \nWHERE scorecards.channel = 'survey')) AND (answers.possible > 0 AND answers.earned IS NOT NULL AND answers.is_na IS false AND answers.hidden IS false OR scorecard_questions.type = 'nps' AND answers.value_number IS NOT NULL AND answers.is_na IS false AND answers.hidden IS false) GROUP BY visits.branch_id, visits.scorecard_id, to_char(visits.visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), answers.question_key",
    ),
}


def _key():
    return [
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('scorecard_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
    ]


def _foreign_keys(table):
    return [
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f(f'fk_{table}_branch_id_branches'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['scorecard_id'], ['scorecards.id'], name=op.f(f'fk_{table}_scorecard_id_scorecards'), ondelete='CASCADE'),
    ]


def upgrade():
    op.create_table('visit_day_stats',
    *_key(),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('total_sq', sa.Float(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('critical', sa.Integer(), nullable=False),
    sa.Column('published', sa.Integer(), server_default='0', nullable=False),
    *_foreign_keys('visit_day_stats'),
    sa.PrimaryKeyConstraint('branch_id', 'scorecard_id', 'day', name=op.f('pk_visit_day_stats'))
    )
    op.create_table('section_day_stats',
    *_key(),
    sa.Column('section_key', sa.String(length=80), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('total_sq', sa.Float(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('judged', sa.Integer(), nullable=False),
    sa.Column('critical', sa.Integer(), nullable=False),
    *_foreign_keys('section_day_stats'),
    sa.PrimaryKeyConstraint('branch_id', 'scorecard_id', 'day', 'section_key', name=op.f('pk_section_day_stats'))
    )
    op.create_table('question_day_stats',
    *_key(),
    sa.Column('question_key', sa.String(length=80), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('nps_n', sa.Integer(), nullable=False),
    sa.Column('promoters', sa.Integer(), nullable=False),
    sa.Column('detractors', sa.Integer(), nullable=False),
    *_foreign_keys('question_day_stats'),
    sa.PrimaryKeyConstraint('branch_id', 'scorecard_id', 'day', 'question_key', name=op.f('pk_question_day_stats'))
    )
    for table in ('visit_day_stats', 'section_day_stats', 'question_day_stats'):
        op.create_index(f'ix_{table}_day', table, ['day', 'scorecard_id'], unique=False)
    for table, period in (('question_month_stats', 'month'), ('question_day_stats', 'day')):
        op.create_index(
            f'ix_{table}_nps', table, [period, 'scorecard_id'], unique=False,
            postgresql_where=sa.text('nps_n > 0'), sqlite_where=sa.text('nps_n > 0'),
        )
    with op.batch_alter_table('visit_month_stats') as batch_op:
        batch_op.add_column(sa.Column('published', sa.Integer(), server_default='0', nullable=False))
    bind = op.get_bind()
    bind.execute(sa.text('DELETE FROM visit_month_stats'))
    for statement in FILL[bind.dialect.name]:
        bind.execute(sa.text(statement))
    with op.batch_alter_table('visits') as batch_op:
        batch_op.create_index(
            'ix_visits_critical_visited', ['visited_at', 'id'], unique=False,
            postgresql_where=sa.text('critical_failed IS true'),
            sqlite_where=sa.text('critical_failed IS 1'),
        )


def downgrade():
    for table in ('question_month_stats', 'question_day_stats'):
        op.drop_index(f'ix_{table}_nps', table_name=table)
    with op.batch_alter_table('visits') as batch_op:
        batch_op.drop_index('ix_visits_critical_visited')
    with op.batch_alter_table('visit_month_stats') as batch_op:
        batch_op.drop_column('published')
    for table in ('question_day_stats', 'section_day_stats', 'visit_day_stats'):
        op.drop_index(f'ix_{table}_day', table_name=table)
        op.drop_table(table)
