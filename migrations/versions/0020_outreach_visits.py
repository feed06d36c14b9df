"""Outreach visits (찾아가는 상담): the plan, companions, check-in/out, document photos, and
a consent's drawn signature.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outreach_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('caseworker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('planned_start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('planned_end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_reason', sa.String(length=300), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=True),
    sa.Column('assessment', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outreach_visits_case_id_cases')),
    sa.ForeignKeyConstraint(['caseworker_id'], ['staff.id'], name=op.f('fk_outreach_visits_caseworker_id_staff')),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_outreach_visits_centre_id_centres')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_outreach_visits_client_id_clients')),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_outreach_visits_consent_id_consents')),
    sa.ForeignKeyConstraint(['note_id'], ['case_notes.id'], name=op.f('fk_outreach_visits_note_id_case_notes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_visits'))
    )
    with op.batch_alter_table('outreach_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_visits_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_visits_caseworker_id'), ['caseworker_id'], unique=False)
        batch_op.create_index('ix_outreach_visits_centre_start', ['centre_id', 'planned_start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_visits_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_visits_planned_end_at'), ['planned_end_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_visits_status'), ['status'], unique=False)

    op.create_table('outreach_companions',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_outreach_companions_staff_id_staff')),
    sa.ForeignKeyConstraint(['visit_id'], ['outreach_visits.id'], name=op.f('fk_outreach_companions_visit_id_outreach_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'staff_id', name=op.f('pk_outreach_companions'))
    )
    with op.batch_alter_table('outreach_companions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_companions_staff_id'), ['staff_id'], unique=False)

    op.create_table('outreach_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('document_type', sa.String(length=16), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['staff.id'], name=op.f('fk_outreach_photos_uploaded_by_id_staff')),
    sa.ForeignKeyConstraint(['visit_id'], ['outreach_visits.id'], name=op.f('fk_outreach_photos_visit_id_outreach_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_photos')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_outreach_photos_stored_name'))
    )
    with op.batch_alter_table('outreach_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_photos_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature_png', sa.LargeBinary(), nullable=True))



def downgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('signature_png')

    with op.batch_alter_table('outreach_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_photos_visit_id'))

    op.drop_table('outreach_photos')
    with op.batch_alter_table('outreach_companions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_companions_staff_id'))

    op.drop_table('outreach_companions')
    with op.batch_alter_table('outreach_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_visits_status'))
        batch_op.drop_index(batch_op.f('ix_outreach_visits_planned_end_at'))
        batch_op.drop_index(batch_op.f('ix_outreach_visits_client_id'))
        batch_op.drop_index('ix_outreach_visits_centre_start')
        batch_op.drop_index(batch_op.f('ix_outreach_visits_caseworker_id'))
        batch_op.drop_index(batch_op.f('ix_outreach_visits_case_id'))

    op.drop_table('outreach_visits')
