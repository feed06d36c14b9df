"""Report documents: the per-centre yearly document number of each issued report version,
and its remarks (비고).

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('series', sa.String(length=40), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('serial', sa.Integer(), nullable=True),
        sa.Column('number', sa.String(length=80), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('remarks', sa.Text(), nullable=False),
        sa.Column('remarks_by_id', sa.Integer(), nullable=True),
        sa.Column('remarks_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['issued_by_id'], ['staff.id'],
                                name=op.f('fk_report_documents_issued_by_id_staff')),
        sa.ForeignKeyConstraint(['remarks_by_id'], ['staff.id'],
                                name=op.f('fk_report_documents_remarks_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_documents')),
        sa.UniqueConstraint('series', 'month', 'version',
                            name=op.f('uq_report_documents_series_month_version')),
        sa.UniqueConstraint('series', 'year', 'serial',
                            name=op.f('uq_report_documents_series_year_serial')),
    )


def downgrade():
    op.drop_table('report_documents')
