"""Report edition PDFs: a closed edition's PDF kept per language once drawn (issue 16 point 5).

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_edition_pdfs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['report_closings.id'], name=op.f('fk_report_edition_pdfs_edition_id_report_closings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_edition_pdfs')),
    sa.UniqueConstraint('edition_id', 'locale', name=op.f('uq_report_edition_pdfs_edition_id_locale'))
    )


def downgrade():
    op.drop_table('report_edition_pdfs')
