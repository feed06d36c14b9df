"""First visits: each person's first visit day at a centre, kept with every visit written, so
the reports count first-time visitors from an index range; an index on case events' time, so
"cases changed since a moment" is a range too (issue 12).

Filled here from the visits already stored; from then on every visit written through the ORM
keeps it (intake.models._keep_first_visit) and seed-synthetic writes it in bulk.

Revision ID: 0025
Revises: 0024
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('first_visits',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_first_visits_centre_id_centres')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_first_visits_client_id_clients')),
    sa.PrimaryKeyConstraint('centre_id', 'client_id', name=op.f('pk_first_visits'))
    )
    op.execute('INSERT INTO first_visits (centre_id, client_id, first_date) '
               'SELECT centre_id, client_id, min(visit_date) FROM visits '
               'WHERE client_id IS NOT NULL GROUP BY centre_id, client_id')
    with op.batch_alter_table('first_visits', schema=None) as batch_op:
        batch_op.create_index('ix_first_visits_centre_id_first_date', ['centre_id', 'first_date'], unique=False)
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_at'), ['at'], unique=False)
    op.execute('ANALYZE first_visits')
    op.execute('ANALYZE case_events')


def downgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_at'))
    with op.batch_alter_table('first_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_first_visits_centre_id_first_date')
    op.drop_table('first_visits')
