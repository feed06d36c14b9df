"""The access log becomes tamper-evident: a hash chain over its events, checkpoints where the
retention purge cuts it, and triggers that refuse UPDATE and DELETE in the database itself.

Revision ID: 0009
Revises: 0008
"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
REFUSAL = "audit events are append-only"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    # The retention purge drops old events only after recording a checkpoint covering them.
    f"""CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        WHEN NOT EXISTS (SELECT 1 FROM audit_checkpoints WHERE upto_id >= OLD.id)
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events' AND EXISTS (
            SELECT 1 FROM audit_checkpoints WHERE upto_id >= OLD.id) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'restrict_violation';
    END $$""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
    """CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    """CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
]


def _content(row) -> str:
    """core.audit.content_of as of this revision (frozen here, as migrations are)."""
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail or "{}")
    return json.dumps(
        [at.astimezone(UTC).isoformat(timespec="microseconds"), row.staff_id, row.username,
         row.ip, row.request_id, row.centre_id, row.action, row.subject_type, row.subject_id,
         row.client_id, json.loads(json.dumps(detail, default=str))],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def upgrade():
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('upto_id', sa.Integer(), nullable=False),
    sa.Column('upto_hash', sa.String(length=64), nullable=False),
    sa.Column('dropped', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_upto_id'), ['upto_id'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('chain_hash', sa.String(length=64), nullable=True))

    # Chain the events already there, in id order.
    connection = op.get_bind()
    events = sa.table(
        'audit_events', sa.column('at', sa.DateTime(timezone=True)), sa.column('detail', sa.JSON),
        *(sa.column(name) for name in (
            'id', 'staff_id', 'username', 'ip', 'request_id', 'centre_id', 'action',
            'subject_type', 'subject_id', 'client_id', 'prev_hash', 'chain_hash')))
    prev = GENESIS
    for row in connection.execute(sa.select(events).order_by(events.c.id)).all():
        digest = hashlib.sha256(f"{prev}\n{_content(row)}".encode()).hexdigest()
        connection.execute(events.update().where(events.c.id == row.id)
                           .values(prev_hash=prev, chain_hash=digest))
        prev = digest

    # On SQLite the table is rebuilt here: AUTOINCREMENT, so that an id is never handed out
    # again after the newest events were dropped (the chain is walked in id order).
    with op.batch_alter_table('audit_events', schema=None, recreate="always",
                              table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('chain_hash', existing_type=sa.String(length=64), nullable=False)

    for statement in (POSTGRESQL_TRIGGERS if connection.dialect.name == "postgresql"
                      else SQLITE_TRIGGERS):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ('audit_events', 'audit_checkpoints'):
            kind = 'events' if table == 'audit_events' else 'checkpoints'
            op.execute(f"DROP TRIGGER audit_{kind}_append_only ON {table}")
            op.execute(f"DROP TRIGGER audit_{kind}_no_truncate ON {table}")
        op.execute("DROP FUNCTION audit_append_only()")
    else:
        for name in ('audit_events_no_update', 'audit_events_no_delete',
                     'audit_checkpoints_no_update', 'audit_checkpoints_no_delete'):
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('chain_hash')
        batch_op.drop_column('prev_hash')
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoints_upto_id'))
    op.drop_table('audit_checkpoints')
