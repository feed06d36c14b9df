"""Indexes the reports and the case page need at a real centre's volume, then statistics.

- visits (centre_id, visit_date): a centre's visits of a day or a month, for the queue and
  every report figure (replaces the index on centre_id alone, its prefix);
- visits (client_id, visit_date): whether a person was seen before a day (first-time
  visitors) and a person's last visit (replaces the index on client_id alone);
- referrals.to_case_id: a case page lists the referrals from *or to* it; without this the
  OR scanned every referral.

Then ANALYZE, so both engines plan with the new indexes from the first query (SQLite never
gathers statistics by itself).

Revision ID: 0012
Revises: 0011
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_centre_id_visit_date', ['centre_id', 'visit_date'],
                              unique=False)
        batch_op.create_index('ix_visits_client_id_visit_date', ['client_id', 'visit_date'],
                              unique=False)
        batch_op.drop_index('ix_visits_centre_id')
        batch_op.drop_index('ix_visits_client_id')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_to_case_id'), ['to_case_id'], unique=False)
    op.execute('ANALYZE')


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_to_case_id'))
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_client_id', ['client_id'], unique=False)
        batch_op.create_index('ix_visits_centre_id', ['centre_id'], unique=False)
        batch_op.drop_index('ix_visits_client_id_visit_date')
        batch_op.drop_index('ix_visits_centre_id_visit_date')
