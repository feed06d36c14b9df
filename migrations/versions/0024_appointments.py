"""Appointments: each desk's bookable hours, places per slot, bookings, their text messages
and the outbox; a booked visitor's priority at their first desk.

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_slots',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_booking_slots_agency_id_agencies')),
    sa.PrimaryKeyConstraint('agency_id', 'starts_at', name=op.f('pk_booking_slots'))
    )
    op.create_table('booking_hours',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.Time(), nullable=False),
    sa.Column('closes_at', sa.Time(), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('is_bookable', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_booking_hours_agency_id_agencies')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name=op.f('fk_booking_hours_updated_by_id_staff')),
    sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_booking_hours'))
    )
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('notify_by_sms', sa.Boolean(), nullable=False),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('change_reason', sa.String(length=300), nullable=False),
    sa.Column('times_moved', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_appointments_agency_id_agencies')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['staff.id'], name=op.f('fk_appointments_booked_by_id_staff')),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_appointments_centre_id_centres')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_appointments_client_id_clients')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_appointments_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_agency_id_day', ['agency_id', 'day'], unique=False)
        batch_op.create_index('ix_appointments_centre_id_day', ['centre_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_visit_id'), ['visit_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('backend', sa.String(length=20), nullable=False),
    sa.Column('provider_ref', sa.String(length=64), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_messages_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_messages_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index('ix_messages_status_due_at', ['status', 'due_at'], unique=False)

    op.create_table('message_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('body', sa.String(length=300), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_message_outbox_centre_id_centres')),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_outbox_message_id_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_message_outbox_message_id'))
    )
    with op.batch_alter_table('message_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_outbox_centre_id'), ['centre_id'], unique=False)

    with op.batch_alter_table('visit_stops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_priority', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('visit_stops', schema=None) as batch_op:
        batch_op.drop_column('is_priority')

    with op.batch_alter_table('message_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_outbox_centre_id'))

    op.drop_table('message_outbox')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_status_due_at')
        batch_op.drop_index(batch_op.f('ix_messages_centre_id'))
        batch_op.drop_index(batch_op.f('ix_messages_appointment_id'))

    op.drop_table('messages')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_visit_id'))
        batch_op.drop_index(batch_op.f('ix_appointments_client_id'))
        batch_op.drop_index('ix_appointments_centre_id_day')
        batch_op.drop_index('ix_appointments_agency_id_day')

    op.drop_table('appointments')
    op.drop_table('booking_hours')
    op.drop_table('booking_slots')
