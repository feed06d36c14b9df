"""Report targets (a centre's yearly and monthly targets, set by its manager) and report
addressees (수신/발신 of the covers, set on a screen instead of in the environment).

Revision ID: 0027
Revises: 0026
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('targets', sa.JSON(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['centre_id'], ['centres.id'],
                                name=op.f('fk_report_targets_centre_id_centres')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'],
                                name=op.f('fk_report_targets_updated_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_targets')),
        sa.UniqueConstraint('centre_id', 'year', name=op.f('uq_report_targets_centre_id_year')),
    )
    op.create_table(
        'report_addressees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('series', sa.String(length=40), nullable=False),
        sa.Column('recipient', sa.String(length=200), nullable=False),
        sa.Column('sender', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'],
                                name=op.f('fk_report_addressees_updated_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_addressees')),
        sa.UniqueConstraint('series', name=op.f('uq_report_addressees_series')),
    )


def downgrade():
    op.drop_table('report_addressees')
    op.drop_table('report_targets')
