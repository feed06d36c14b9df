"""Partner organisations outside the centre, with links to catalogue services (issue 19).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 09:36:03.584524

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('website', sa.String(length=500), nullable=False),
    sa.Column('services_offered', sa.Text(), nullable=False),
    sa.Column('response_target_hours', sa.Integer(), nullable=False),
    sa.Column('hsds_id', sa.String(length=64), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_partners_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('centre_id', 'name', name=op.f('uq_partners_centre_id_name'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_centre_id'), ['centre_id'], unique=False)

    op.create_table('partner_services',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_services_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_partner_services_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', 'service_id', name=op.f('pk_partner_services'))
    )
    with op.batch_alter_table('partner_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_services_service_id'), ['service_id'], unique=False)



def downgrade():
    with op.batch_alter_table('partner_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_services_service_id'))

    op.drop_table('partner_services')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_centre_id'))

    op.drop_table('partners')
