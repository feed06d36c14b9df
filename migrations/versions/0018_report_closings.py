"""Closed monthly reports: each edition (판) of a centre's month, as it was closed; when a
plan goal was first recorded as "no service available"; a case closing's reason on its event.

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_closings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('data_as_of', sa.DateTime(timezone=True), nullable=False),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['centre_id'], ['centres.id'],
                                name=op.f('fk_report_closings_centre_id_centres')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['staff.id'],
                                name=op.f('fk_report_closings_closed_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_closings')),
        sa.UniqueConstraint('centre_id', 'month', 'version',
                            name=op.f('uq_report_closings_centre_id_month_version')),
    )
    with op.batch_alter_table('report_closings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_closings_centre_id'), ['centre_id'],
                              unique=False)
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_service_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE plan_goals SET no_service_at = updated_at WHERE status = 'no_service'")
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_reason', sa.String(length=16), nullable=True))
    # The closings of cases still closed: their reason is the case's.
    op.execute("UPDATE case_events SET closure_reason = (SELECT cases.closure_reason FROM cases "
               "WHERE cases.id = case_events.case_id AND cases.status = 'closed') "
               "WHERE to_status = 'closed'")


def downgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('closure_reason')
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.drop_column('no_service_at')
    with op.batch_alter_table('report_closings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_closings_centre_id'))
    op.drop_table('report_closings')
