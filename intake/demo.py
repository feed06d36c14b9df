"""Demo data for the front desk: each demo centre gets its consent documents."""

import sqlalchemy as sa

from cases.consent_texts import DEFAULT_TEXTS, RECIPIENT_DEFAULT
from cases.models import ConsentKind
from cases.services import current_document, publish_document
from centers.models import Centre, Staff
from core.extensions import db
from core.roles import Role


def seed_consent_documents() -> None:
    for centre in db.session.scalars(sa.select(Centre)):
        manager = db.session.scalar(
            sa.select(Staff).where(Staff.centre_id == centre.id, Staff.role == Role.MANAGER)
        ) or db.session.scalar(sa.select(Staff).where(Staff.role == Role.ADMIN))
        for kind in ConsentKind:
            if current_document(centre.id, kind) is not None:
                continue
            recipients = None
            if kind == ConsentKind.THIRD_PARTY:
                recipients = [{"agency_id": a.id, **RECIPIENT_DEFAULT}
                              for a in centre.visible_agencies()]
                if not recipients:
                    continue  # a centre without agencies has nobody to share with
            publish_document(manager, centre, kind, dict(DEFAULT_TEXTS[kind]), recipients)
