"""Demo partners: a few organisations outside each demo centre, as a manager would list them."""

from __future__ import annotations

import sqlalchemy as sa

from centers.models import Staff
from core.demo import DemoRun
from core.extensions import db
from core.roles import Role
from partners import services as partners
from partners.models import Partner, PartnerKind

# (name suffix, kind, contact, what they offer); e-mail addresses are on example.org, which
# nobody receives.
DEMO_PARTNERS = (
    ("행정복지센터 맞춤형복지팀", PartnerKind.COMMUNITY_WELFARE, "김복지",
     "방문 상담\n긴급복지 신청 안내\n통합사례관리"),
    ("정신건강복지센터", PartnerKind.MENTAL_HEALTH, "이마음", "우울·불안 상담\n자살 위기 개입"),
    ("가족센터", PartnerKind.FAMILY, "박가족", "가족 상담\n한부모 가족 지원"),
    ("지역아동센터", PartnerKind.CHILDREN, "최아동", "방과 후 돌봄\n급식 지원"),
)


def seed_partners(run: DemoRun) -> None:
    """Each demo centre's partners, listed by its manager before the history starts."""
    run.count("협력기관", Partner)
    for centre in run.centres:
        if db.session.scalar(sa.select(Partner.id).where(Partner.centre_id == centre.id)):
            continue
        manager = db.session.scalar(sa.select(Staff).where(
            Staff.centre_id == centre.id, Staff.role == Role.MANAGER))
        if manager is None:
            continue
        town = centre.sigungu or centre.name
        for number, (suffix, kind, contact, offered) in enumerate(DEMO_PARTNERS, start=1):
            partners.create_partner(manager, centre, {
                "name": f"{town} {suffix}", "kind": kind, "contact_name": contact,
                "phone": f"031-000-{number:04d}",
                "email": f"partner{number}.{centre.code}@example.org",
                "services_offered": offered})
    db.session.flush()
