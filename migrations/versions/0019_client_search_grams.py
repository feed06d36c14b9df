"""The search box's name index: runs of two to four characters of each name and its initials.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# A frozen copy of cases.identity.search_grams as it was when this ran: a migration must not
# change meaning when the application code does.
_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"


def _initials(name):
    out = []
    for char in name.replace(" ", ""):
        code = ord(char)
        out.append(_CHOSEONG[(code - 0xAC00) // 588] if 0xAC00 <= code <= 0xD7A3 else char.lower())
    return "".join(out)


def _grams(text):
    return {text[i:i + n] for n in (2, 3, 4) for i in range(len(text) - n + 1)}


def upgrade():
    grams = op.create_table(
        'client_search_grams',
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('gram', sa.String(length=8), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['centre_id'], ['centres.id'],
                                name=op.f('fk_client_search_grams_centre_id_centres')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE',
                                name=op.f('fk_client_search_grams_client_id_clients')),
        sa.PrimaryKeyConstraint('centre_id', 'gram', 'client_id',
                                name=op.f('pk_client_search_grams')),
    )
    op.create_index('ix_client_search_grams_client_id', 'client_search_grams', ['client_id'])
    connection = op.get_bind()
    clients = connection.execute(sa.text(
        "SELECT id, centre_id, name FROM clients WHERE anonymised_at IS NULL")).all()
    rows = [{"centre_id": centre_id, "gram": gram, "client_id": client_id}
            for client_id, centre_id, name in clients
            for gram in sorted(_grams(name.lower()) | _grams(_initials(name)))]
    for start in range(0, len(rows), 10_000):
        op.bulk_insert(grams, rows[start:start + 10_000])


def downgrade():
    op.drop_index('ix_client_search_grams_client_id', table_name='client_search_grams')
    op.drop_table('client_search_grams')
