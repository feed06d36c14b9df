"""Case instants: when each case's first assessment and first plan goal were recorded and when
its status last changed, kept on the case row, so the reports' "past its time targets" and
"open at month end" compare columns instead of probing every open case's assessments, goals
and events (issue 12: the national roll-up over ~120,000 open cases).

Filled here from the rows already stored; from then on every assessment, goal and event written
through the ORM keeps them (cases.models._keep_case_instants) and seed-synthetic writes them in
bulk.

Revision ID: 0029
Revises: 0028
"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_assessment_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_goal_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        'UPDATE cases SET '
        'first_assessment_at = (SELECT min(created_at) FROM assessments WHERE case_id = cases.id), '
        'first_goal_at = (SELECT min(created_at) FROM plan_goals WHERE case_id = cases.id), '
        'status_changed_at = (SELECT max(at) FROM case_events WHERE case_id = cases.id)')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_status_changed_at', ['status_changed_at'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        # Whole statistics: the app's connections sample 1,000 rows per index, and sampled,
        # SQLite took a centre's 162,000 cases for 1,001 and read them all by the centre
        # index (the monthly report and dashboard 1.4-1.8x slower at 1M visits).
        op.execute('PRAGMA analysis_limit=0')
        op.execute('ANALYZE cases')
        op.execute('PRAGMA analysis_limit=1000')
    else:
        op.execute('ANALYZE cases')


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_changed_at')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('first_goal_at')
        batch_op.drop_column('first_assessment_at')
