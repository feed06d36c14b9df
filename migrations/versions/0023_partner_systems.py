"""Partner systems: an API key (its hash) and a signed-webhook address per partner, and the
outbox of webhook deliveries that `flask send-webhooks` posts (issue 19 point 3).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 09:50:46.549963

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('partner_referral_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=36), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('abandoned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_webhook_deliveries_partner_id_partners')),
    sa.ForeignKeyConstraint(['partner_referral_id'], ['partner_referrals.id'], name=op.f('fk_webhook_deliveries_partner_referral_id_partner_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_webhook_deliveries_idempotency_key'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_delivered_at'), ['delivered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_partner_referral_id'), ['partner_referral_id'], unique=False)

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_key_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('api_key_prefix', sa.String(length=12), server_default='', nullable=False))
        batch_op.add_column(sa.Column('webhook_url', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('webhook_secret_encrypted', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_partners_api_key_hash'), ['api_key_hash'])



def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_partners_api_key_hash'), type_='unique')
        batch_op.drop_column('webhook_secret_encrypted')
        batch_op.drop_column('webhook_url')
        batch_op.drop_column('api_key_prefix')
        batch_op.drop_column('api_key_hash')

    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_partner_referral_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_partner_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_delivered_at'))

    op.drop_table('webhook_deliveries')
