"""A centre's directory in the Open Referral HSDS 3.0 shape, so other directories can take it.

HSDS calls the agencies *organizations*, the centre's building a *location* and each entry of
the centre's list a *service* with a *service_at_location* whose description says the desk.
Identifiers are UUIDs derived from our ids (UUID 5), so they stay the same from one export
to the next and another directory can update instead of duplicating.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _

from catalogue import services as catalogue
from catalogue.models import CentreService
from centers.models import Agency, Centre, Staff
from core import audit

# Fixed for Hanjari: changing it would change every exported identifier.
NAMESPACE = uuid.UUID("6f1c1e52-3c55-4d8e-9a53-7b0d3f0e6a11")


def _id(kind: str, key: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def export_directory(actor: Staff, centre: Centre) -> dict[str, list[dict[str, Any]]]:
    """The centre's organisations, services and location as HSDS 3.0 JSON; audited."""
    offers = catalogue.centre_list(centre)
    location_id = _id("centre", centre.id)
    agencies = {a.id: a for a in centre.agencies if a.is_visible}
    agencies.update({o.agency.id: o.agency for o in offers if o.agency is not None})
    organizations = [_agency(agency) for agency in agencies.values()]
    providers: dict[str, dict[str, Any]] = {}
    services, placements = [], []
    for offer in offers:
        if offer.agency is not None:
            organization_id = _id("agency", offer.agency.id)
        else:
            provider = offer.service.provider or centre.name
            organization_id = _id("provider", provider)
            providers.setdefault(provider, _provider(organization_id, provider))
        services.append(_service(offer, organization_id))
        placements.append({
            "id": _id("centre_service", offer.id),
            "service_id": _id("centre_service_service", offer.id),
            "location_id": location_id,
            "description": offer.desk_location,
        })
    document = {
        "organizations": organizations + list(providers.values()),
        "services": services,
        "locations": [_location(centre, location_id)],
        "service_at_locations": placements,
    }
    audit.record("directory.exported", actor=actor, subject=centre, centre_id=centre.id,
                 detail={"format": "hsds-3.0", "services": len(services),
                         "organizations": len(document["organizations"])})
    return document


def _agency(agency: Agency) -> dict[str, Any]:
    organization_id = _id("agency", agency.id)
    return {
        "id": organization_id,
        "name": agency.name,
        "description": _("%(kind)s, %(centre)s 입주 기관", kind=agency.kind.label,
                         centre=agency.centre.name),
        "email": None,
        "website": None,
        "phones": _phones(f"agency:{agency.id}", agency.phone, organization_id=organization_id),
    }


def _provider(organization_id: str, name: str) -> dict[str, Any]:
    return {
        "id": organization_id,
        "name": name,
        "description": _("서비스를 맡은 기관(소관기관)"),
        "email": None,
        "website": None,
        "phones": [],
    }


def _service(offer: CentreService, organization_id: str) -> dict[str, Any]:
    service = offer.service
    service_id = _id("centre_service_service", offer.id)
    return {
        "id": service_id,
        "organization_id": organization_id,
        "name": service.name,
        "description": service.purpose or service.support,
        "url": service.apply_url or None,
        "email": None,
        "status": "active" if offer.is_visible else "inactive",
        "application_process": service.how_to_apply,
        "eligibility_description": service.target,
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "phones": _phones(f"service:{offer.id}", service.contact, service_id=service_id),
    }


def _location(centre: Centre, location_id: str) -> dict[str, Any]:
    return {
        "id": location_id,
        "location_type": "physical",
        "name": centre.name,
        "addresses": [{
            "id": _id("address", centre.id),
            "location_id": location_id,
            "address_1": centre.address,
            "city": centre.sigungu,
            "state_province": centre.sido,
            "postal_code": "",
            "country": "KR",
            "address_type": "physical",
        }],
        "phones": _phones(f"centre:{centre.id}", centre.phone, location_id=location_id),
    }


def _phones(key: str, number: str, **owner: str) -> list[dict[str, Any]]:
    if not number:
        return []
    return [{"id": _id("phone", key), "number": number, **owner}]
