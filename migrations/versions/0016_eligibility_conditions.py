"""Eligibility: a service's region, and the met / to-check conditions of a visit's suggestions.

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=60), server_default='',
                                      nullable=False))
    with op.batch_alter_table('visit_suggestions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('met', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('to_check', sa.JSON(), server_default='[]',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('visit_suggestions', schema=None) as batch_op:
        batch_op.drop_column('to_check')
        batch_op.drop_column('met')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('region')
