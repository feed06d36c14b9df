"""Policy-customer types (정책고객), the fixed vocabulary shared by people and services.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# (code, name): the order is the order shown in forms.
CUSTOMER_TYPES = [
    ("youth", "청년"),
    ("middle_aged", "중장년"),
    ("senior", "노인"),
    ("career_break_women", "경력단절여성"),
    ("pregnant", "임산부"),
    ("infant_household", "영유아가구"),
    ("single_parent", "한부모"),
    ("multi_child", "다자녀"),
    ("disabled", "장애인"),
    ("basic_livelihood", "기초생활수급"),
    ("near_poverty", "차상위"),
    ("low_income", "저소득"),
    ("farmer_fisher", "농어업인"),
    ("multicultural", "다문화가족"),
    ("north_korean_defector", "북한이탈주민"),
    ("veteran", "제대군인"),
    ("job_seeker", "구직자"),
    ("small_business", "소상공인"),
]


def upgrade():
    table = op.create_table('customer_types',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_customer_types')),
    sa.UniqueConstraint('name', name=op.f('uq_customer_types_name'))
    )
    op.bulk_insert(table, [
        {"code": code, "name": name, "sort_order": (index + 1) * 10}
        for index, (code, name) in enumerate(CUSTOMER_TYPES)
    ])


def downgrade():
    op.drop_table('customer_types')
