"""Referrals to partners outside the centre: the referral with its consent, its events, the
one-time links (only hashes of their tokens); notifications name either kind (issue 19).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 09:43:50.145020

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('from_case_id', sa.Integer(), nullable=False),
    sa.Column('from_agency_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('contact_preference', sa.String(length=16), nullable=False),
    sa.Column('shared', sa.JSON(), nullable=False),
    sa.Column('consent_method', sa.String(length=16), nullable=False),
    sa.Column('consent_given_on', sa.Date(), nullable=False),
    sa.Column('consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responder', sa.String(length=100), nullable=False),
    sa.Column('decline_reason', sa.String(length=16), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('response_note', sa.Text(), nullable=False),
    sa.Column('closing_note', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mail_status', sa.String(length=16), nullable=False),
    sa.Column('mail_attempts', sa.Integer(), nullable=False),
    sa.Column('mail_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_partner_referrals_centre_id_centres')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_partner_referrals_client_id_clients')),
    sa.ForeignKeyConstraint(['from_agency_id'], ['agencies.id'], name=op.f('fk_partner_referrals_from_agency_id_agencies')),
    sa.ForeignKeyConstraint(['from_case_id'], ['cases.id'], name=op.f('fk_partner_referrals_from_case_id_cases')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_referrals_partner_id_partners')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['staff.id'], name=op.f('fk_partner_referrals_sent_by_id_staff')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_partner_referrals_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_referrals'))
    )
    with op.batch_alter_table('partner_referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_referrals_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_referrals_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_referrals_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_referrals_from_agency_id'), ['from_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_referrals_from_case_id'), ['from_case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_referrals_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_referrals_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_referrals_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_referrals_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('uq_partner_referrals_open', ['client_id', 'partner_id'], unique=True, postgresql_where=sa.text("status IN ('sent', 'accepted', 'in_progress')"), sqlite_where=sa.text("status IN ('sent', 'accepted', 'in_progress')"))

    op.create_table('partner_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_referral_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('used_actions', sa.JSON(), nullable=False),
    sa.Column('opened_count', sa.Integer(), nullable=False),
    sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_referral_id'], ['partner_referrals.id'], name=op.f('fk_partner_links_partner_referral_id_partner_referrals')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['staff.id'], name=op.f('fk_partner_links_revoked_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_partner_links_token_hash'))
    )
    with op.batch_alter_table('partner_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_links_partner_referral_id'), ['partner_referral_id'], unique=False)

    op.create_table('partner_referral_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_referral_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('by_partner', sa.Boolean(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff.id'], name=op.f('fk_partner_referral_events_actor_id_staff')),
    sa.ForeignKeyConstraint(['partner_referral_id'], ['partner_referrals.id'], name=op.f('fk_partner_referral_events_partner_referral_id_partner_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_referral_events'))
    )
    with op.batch_alter_table('partner_referral_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_referral_events_partner_referral_id'), ['partner_referral_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_referral_id', sa.Integer(), nullable=True))
        batch_op.alter_column('referral_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_notifications_partner_referral_id'), ['partner_referral_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_partner_referral_id_partner_referrals'), 'partner_referrals', ['partner_referral_id'], ['id'])



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_partner_referral_id_partner_referrals'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_partner_referral_id'))
        batch_op.alter_column('referral_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('partner_referral_id')

    with op.batch_alter_table('partner_referral_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_referral_events_partner_referral_id'))

    op.drop_table('partner_referral_events')
    with op.batch_alter_table('partner_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_links_partner_referral_id'))

    op.drop_table('partner_links')
    with op.batch_alter_table('partner_referrals', schema=None) as batch_op:
        batch_op.drop_index('uq_partner_referrals_open', postgresql_where=sa.text("status IN ('sent', 'accepted', 'in_progress')"), sqlite_where=sa.text("status IN ('sent', 'accepted', 'in_progress')"))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_updated_at'))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_sent_at'))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_from_case_id'))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_from_agency_id'))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_due_at'))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_client_id'))
        batch_op.drop_index(batch_op.f('ix_partner_referrals_centre_id'))

    op.drop_table('partner_referrals')
