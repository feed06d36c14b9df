"""The service catalogue through the matching engine, filtered like the browse page
(``catalogue.views.browse``): a centre's list by default, or the national one."""

from __future__ import annotations

import sqlalchemy as sa

from api.auth import blueprint, current_staff
from api.errors import invalid
from api.people import agency_ref
from api.schemas import catalogue as schemas
from catalogue.matching import Criteria, search_services
from catalogue.models import CustomerType
from centers.services import centres_visible_to
from core.extensions import db

blp = blueprint("api_services", __name__, "서비스 카탈로그: 센터 서비스 목록과 전국 카탈로그 찾기")


@blp.route("/services", methods=["GET"])
@blp.arguments(schemas.ServiceArgs, location="query")
@blp.response(200, schemas.ServicePage)
def search(args):
    """Services matching the filters, best first, each with why it matched.

    ``centre`` omitted: the caller's centre (the national catalogue for the administrator);
    ``centre=`` empty: the national catalogue; a code: that centre, if the caller may see it.
    """
    actor = current_staff()
    code = args["centre"]
    if code is None:
        centre = actor.centre
    elif code == "":
        centre = None
    else:
        centre = next((c for c in db.session.scalars(centres_visible_to(actor))
                       if c.code == code), None)
        if centre is None:
            raise invalid("centre", "볼 수 없는 센터 코드입니다.", location="query")
    wanted = set(args["customer_type"])
    known = set(db.session.scalars(sa.select(CustomerType.code).where(CustomerType.code.in_(wanted))))
    if wanted - known:
        raise invalid("customer_type", "알 수 없는 정책고객 유형입니다: "
                      + ", ".join(sorted(wanted - known)), location="query")
    criteria = Criteria(customer_types=frozenset(wanted),
                        domains=frozenset([args["domain"]] if args["domain"] else ()),
                        age=args["age"], sex=args["sex"], text=args["q"] or None)
    page = search_services(centre, criteria, page=args["page"], per_page=args["per_page"])
    items = [{
        "id": s.service.id, "name": s.service.name, "domain": s.service.domain.value,
        "provider": s.service.provider, "purpose": s.service.purpose,
        "target": s.service.target, "support": s.service.support,
        "how_to_apply": s.service.how_to_apply, "apply_url": s.service.apply_url,
        "age_label": s.service.age_label,
        "sex": s.service.sex.value if s.service.sex else None,
        "customer_types": [t.code for t in s.service.customer_types],
        "reasons": [str(r) for r in s.reasons],
        "agency": agency_ref(s.offer.agency) if s.offer and s.offer.agency else None,
        "desk": s.offer.desk_location if s.offer else "",
    } for s in page.items]
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "pages": page.pages}
