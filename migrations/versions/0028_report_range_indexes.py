"""Index ranges for the monthly report's remaining scans (issue 12): registrations of a month
per centre, the centre's desks and their first case, and the goals marked "no service" in a
span. Each replaced a scan of the centre's whole history (clients, cases, plan goals).

Revision ID: 0028
Revises: 0027
"""
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.create_index('ix_clients_centre_id_created_at', ['centre_id', 'created_at'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_desks', ['centre_id', 'agency_id', 'caseworker_id', 'opened_at'], unique=False)
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.create_index('ix_plan_goals_no_service_at', ['no_service_at'], unique=False)
        batch_op.create_index('ix_plan_goals_status_updated_at', ['status', 'updated_at'], unique=False)
    for table in ('clients', 'cases', 'plan_goals'):
        op.execute(f'ANALYZE {table}')


def downgrade():
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_goals_status_updated_at')
        batch_op.drop_index('ix_plan_goals_no_service_at')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_desks')
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_index('ix_clients_centre_id_created_at')
