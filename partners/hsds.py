"""The partner list in the Open Referral HSDS 3.0 shape the centre directory uses
(:mod:`catalogue.directory`): each partner an *organization* with its *contacts* and
*phones*; what it offers a *service* of that organization; its kind an *attribute* whose
*taxonomy_term* is one of :class:`PartnerKind`; a link to the catalogue an attribute naming
the open data's 서비스ID. An export read back by the import changes nothing.

The import checks every organization first and says, per row, what is wrong; one refused row
refuses the file, so a half-read list never replaces the one the centre keeps.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from catalogue.directory import NAMESPACE
from catalogue.models import Service
from centers.models import Centre, Staff
from core import audit
from core.extensions import db
from partners import services as partners
from partners.models import Partner, PartnerKind

KIND_TAXONOMY = "hanjari-partner-kind"
SERVICE_TAXONOMY = "kr-public-service-id"  # the open data's 서비스ID
_ID_TAXONOMY = "hanjari-service"  # a hand-entered service (no 서비스ID): our id
MAX_ORGANIZATIONS = 2000


def _id(kind: str, key: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def organization_id(partner: Partner) -> str:
    return partner.hsds_id or _id("partner", partner.id)


def export_partners(actor: Staff, centre: Centre) -> dict[str, list[dict[str, Any]]]:
    """The centre's partners as HSDS 3.0 JSON (organizations and services); audited."""
    rows = db.session.scalars(
        sa.select(Partner).where(Partner.centre_id == centre.id)
        .options(sa.orm.selectinload(Partner.services)).order_by(Partner.name)).all()
    organizations, services = [], []
    for partner in rows:
        org_id = organization_id(partner)
        organizations.append(_organization(partner, org_id))
        for number, line in enumerate(partner.offered_lines):
            services.append({"id": _id(f"partner_offer:{org_id}", number),
                             "organization_id": org_id, "name": line, "status": "active",
                             "attributes": []})
        for service in partner.services:
            service_id = _id(f"partner_service:{org_id}", service.id)
            services.append({
                "id": service_id, "organization_id": org_id, "name": service.name,
                "description": service.purpose or "", "status": "active",
                "attributes": [_service_attribute(service, service_id)],
            })
    audit.record("partners.exported", actor=actor, subject=centre, centre_id=centre.id,
                 detail={"format": "hsds-3.0", "organizations": len(organizations)})
    return {"organizations": organizations, "services": services}


def _organization(partner: Partner, org_id: str) -> dict[str, Any]:
    contacts = []
    if partner.contact_name:
        contacts.append({"id": _id("partner_contact", org_id), "organization_id": org_id,
                         "name": partner.contact_name, "email": partner.email or None})
    return {
        "id": org_id,
        "name": partner.name,
        "description": partner.kind.label,
        "email": partner.email or None,
        "website": partner.website or None,
        "phones": ([{"id": _id("partner_phone", org_id), "organization_id": org_id,
                     "number": partner.phone}] if partner.phone else []),
        "contacts": contacts,
        "attributes": [{
            "id": _id("partner_kind", org_id), "link_id": org_id, "link_type": "organization",
            "link_entity": "organization", "value": partner.kind.value,
            "taxonomy_term": {"id": _id("partner_kind_term", partner.kind.value),
                              "code": partner.kind.value, "name": partner.kind.label,
                              "taxonomy": KIND_TAXONOMY},
        }],
        # Not HSDS: what HSDS has no field for, so that reading an export back loses nothing.
        "x_hanjari": {"response_target_hours": partner.response_target_hours,
                      "is_active": partner.is_active},
    }


def _service_attribute(service: Service, link_id: str) -> dict[str, Any]:
    taxonomy, code = ((SERVICE_TAXONOMY, service.external_id) if service.external_id
                      else (_ID_TAXONOMY, str(service.id)))
    return {"id": _id("partner_service_attr", link_id), "link_id": link_id,
            "link_type": "service", "link_entity": "service", "value": code,
            "taxonomy_term": {"id": _id(taxonomy, code), "code": code, "name": service.name,
                              "taxonomy": taxonomy}}


# --- import -------------------------------------------------------------------------------

class ImportRefused(partners.PartnerError):
    """The file as a whole cannot be read; nothing was changed."""


@dataclass
class Row:
    number: int
    org_id: str
    values: dict[str, Any]
    service_ids: list[int]
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)  # one line per refused row

    @property
    def refused(self) -> bool:
        return bool(self.problems)


def read_document(raw: bytes) -> dict[str, Any]:
    """:raise ImportRefused: not UTF-8 JSON with an ``organizations`` list."""
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRefused(_("JSON 파일로 읽을 수 없습니다 (UTF-8 인코딩의 HSDS 3.0 JSON이어야 "
                              "합니다).")) from error
    if not isinstance(document, dict) or not isinstance(document.get("organizations"), list):
        raise ImportRefused(_("HSDS 3.0 JSON에 organizations 목록이 없습니다."))
    if not document["organizations"]:
        raise ImportRefused(_("organizations 목록이 비어 있습니다."))
    if len(document["organizations"]) > MAX_ORGANIZATIONS:
        raise ImportRefused(_("한 번에 %(n)d곳까지 가져올 수 있습니다.", n=MAX_ORGANIZATIONS))
    if not isinstance(document.get("services", []), list):
        raise ImportRefused(_("services는 목록이어야 합니다."))
    return document


def import_partners(actor: Staff, centre: Centre, document: dict[str, Any]) -> ImportResult:
    """Create or update the centre's partners from HSDS JSON, all rows or none.

    A row whose organization id is one this centre exported (or imported) updates that
    partner; any other makes a new one. Services with a 서비스ID on the centre's list become
    catalogue links, every other service a line of what the partner offers.
    """
    partners._require_keeper(actor, centre)
    rows = _rows(centre, document)
    result = ImportResult(problems=[line for row in rows for line in _row_lines(row)])
    ids = [row.org_id for row in rows]
    duplicates = {i for i in ids if ids.count(i) > 1}
    for row in rows:
        if row.org_id in duplicates:
            result.problems.append(_("%(n)d번째 기관: 같은 id(%(id)s)가 파일에 두 번 이상 있습니다.",
                                     n=row.number, id=row.org_id[:64]))
    if result.refused:
        return result
    existing = _existing(centre)
    for row in rows:
        partner = existing.get(row.org_id)
        try:
            if partner is None:
                partner = partners.create_partner(actor, centre, row.values, row.service_ids)
                partner.hsds_id = row.org_id if row.org_id != _id("partner", partner.id) else None
                result.created += 1
            else:
                partners.update_partner(actor, partner, row.values, row.service_ids)
                result.updated += 1
        except partners.PartnerError as error:
            result.problems.append(_("%(n)d번째 기관(%(name)s): %(why)s", n=row.number,
                                     name=row.values.get("name", "")[:60], why=str(error)))
    if not result.refused:
        audit.record("partners.imported", actor=actor, subject=centre, centre_id=centre.id,
                     detail={"created": result.created, "updated": result.updated})
    return result


def _row_lines(row: Row) -> list[str]:
    name = str(row.values.get("name") or "")[:60]
    return [_("%(n)d번째 기관(%(name)s): %(why)s", n=row.number, name=name or _("이름 없음"),
              why=problem) for problem in row.problems]


def _existing(centre: Centre) -> dict[str, Partner]:
    found = {}
    for partner in db.session.scalars(sa.select(Partner).where(Partner.centre_id == centre.id)):
        found[organization_id(partner)] = partner
        found[_id("partner", partner.id)] = partner
    return found


def _rows(centre: Centre, document: dict[str, Any]) -> list[Row]:
    services_by_org: dict[str, list[dict]] = {}
    for service in document.get("services", []):
        if isinstance(service, dict):
            services_by_org.setdefault(str(service.get("organization_id") or ""), []).append(service)
    catalogue = {}
    for service in partners.linkable_services(centre):
        catalogue[(_ID_TAXONOMY, str(service.id))] = service.id
        if service.external_id:
            catalogue[(SERVICE_TAXONOMY, service.external_id)] = service.id
    rows = []
    for number, org in enumerate(document["organizations"], start=1):
        if not isinstance(org, dict):
            row = Row(number, "", {}, [])
            row.problems.append(_("기관 항목이 JSON 객체가 아닙니다."))
            rows.append(row)
            continue
        rows.append(_row(number, org, services_by_org.get(str(org.get("id") or ""), []),
                         catalogue))
    return rows


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _row(number: int, org: dict, services: list[dict], catalogue: dict) -> Row:
    problems = []
    org_id = _text(org.get("id")).strip()
    if not org_id:
        problems.append(_("id가 없습니다."))
    elif len(org_id) > 64:
        problems.append(_("id가 64자를 넘습니다."))
    kind = _kind(org)
    if kind is None:
        problems.append(_("기관 종류가 없습니다: attributes에 %(taxonomy)s 분류의 값이 있어야 합니다.",
                          taxonomy=KIND_TAXONOMY))
    phones = org.get("phones") or []
    contacts = org.get("contacts") or []
    extra = org.get("x_hanjari") if isinstance(org.get("x_hanjari"), dict) else {}
    values: dict[str, Any] = {
        "name": _text(org.get("name")),
        # A missing kind is said once, above, not again by the value checks.
        "kind": kind or PartnerKind.OTHER,
        "email": _text(org.get("email")),
        "website": _text(org.get("website")),
        "phone": _text(phones[0].get("number")) if phones and isinstance(phones[0], dict) else "",
        "contact_name": (_text(contacts[0].get("name"))
                         if contacts and isinstance(contacts[0], dict) else ""),
    }
    if len(phones) > 1 or len(contacts) > 1:
        problems.append(_("전화번호와 담당자는 한 기관에 하나씩만 가져올 수 있습니다 "
                          "(파일에 %(p)d개, %(c)d명).", p=len(phones), c=len(contacts)))
    if "response_target_hours" in extra:
        values["response_target_hours"] = extra["response_target_hours"]
    if "is_active" in extra:
        if not isinstance(extra["is_active"], bool):
            problems.append(_("x_hanjari.is_active는 true 또는 false여야 합니다."))
        else:
            values["is_active"] = extra["is_active"]
    lines, service_ids = [], []
    for service in services:
        link = _catalogue_link(service)
        if link is None:
            name = " ".join(_text(service.get("name")).split())
            if name:
                lines.append(name)
            else:
                problems.append(_("이름 없는 서비스가 있습니다."))
        elif link in catalogue:
            service_ids.append(catalogue[link])
        else:
            problems.append(_("서비스 '%(name)s'(%(code)s)이(가) 센터 서비스 목록에 없습니다. 먼저 "
                              "센터 서비스 목록에 넣거나 연결 표시(attributes)를 지우세요.",
                              name=_text(service.get("name"))[:60], code=link[1][:40]))
    values["services_offered"] = "\n".join(lines)
    cleaned, value_problems = partners.check_values(values)
    return Row(number, org_id, cleaned, service_ids, problems + value_problems)


def _attributes(item: dict) -> list[dict]:
    return [a for a in item.get("attributes") or [] if isinstance(a, dict)]


def _taxonomy(attribute: dict) -> tuple[str, str]:
    term = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) \
        else {}
    return _text(term.get("taxonomy")), _text(term.get("code") or attribute.get("value"))


def _kind(org: dict) -> str | None:
    for attribute in _attributes(org):
        taxonomy, code = _taxonomy(attribute)
        if taxonomy == KIND_TAXONOMY:
            return code
    return None


def _catalogue_link(service: dict) -> tuple[str, str] | None:
    for attribute in _attributes(service):
        taxonomy, code = _taxonomy(attribute)
        if taxonomy in (SERVICE_TAXONOMY, _ID_TAXONOMY):
            return taxonomy, code
    return None


def kinds_help() -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in PartnerKind]
