"""Rules for the catalogue: hand-entered services and each centre's service list.

Like every service module it changes rows, writes audit events and flushes; the view commits.
The open-data files are read by :mod:`catalogue.open_data` and applied by
:mod:`catalogue.importer`; the matching is in :mod:`catalogue.matching`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from catalogue.models import CentreService, CustomerType, Service, ServiceSource
from centers.models import Agency, Centre, Staff
from core import audit
from core.errors import NotAllowedError, RefusedError
from core.extensions import db
from core.roles import Role
from core.types import utcnow

SERVICE_FIELDS = (
    "name", "domain", "purpose", "target", "criteria", "support", "how_to_apply", "deadline",
    "provider", "contact", "apply_url", "min_age", "max_age", "sex", "is_active",
)


class CatalogueError(RefusedError):
    """A refused change; the message is shown to the user."""


class CatalogueNotAllowed(NotAllowedError, CatalogueError):
    """The actor may not change this entry or this centre's list."""


# --- who may do what: asked by the services below, the views, the templates and the API -----

def may_create_service(actor: Staff) -> bool:
    """Managers (for their centre) and the administrator (for everyone) enter services by hand."""
    return actor.role in (Role.MANAGER, Role.ADMIN)


def new_service_owner(actor: Staff) -> int | None:
    """The centre a hand-entered service belongs to: a manager's is local to their centre."""
    return actor.centre_id if actor.role == Role.MANAGER else None


def may_edit_service(actor: Staff, service: Service) -> bool:
    """Imported entries belong to the import; hand-entered ones to the administrator and
    to the managers of the centre that entered them."""
    if service.source != ServiceSource.MANUAL:
        return False
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.MANAGER and service.owner_centre_id == actor.centre_id


def may_import_services(actor: Staff) -> bool:
    """The national catalogue's open-data import is the administrator's."""
    return actor.role == Role.ADMIN


def may_manage_centre_services(actor: Staff, centre: Centre) -> bool:
    """A centre's service list: its manager, or the administrator."""
    return actor.role == Role.ADMIN or (actor.role == Role.MANAGER and actor.centre_id == centre.id)


def _require_list_keeper(actor: Staff, centre: Centre) -> None:
    if not may_manage_centre_services(actor, centre):
        raise CatalogueNotAllowed(_("이 센터의 서비스 목록을 바꿀 권한이 없습니다."))


def customer_types() -> list[CustomerType]:
    return list(db.session.scalars(sa.select(CustomerType).order_by(CustomerType.sort_order)))


# --- hand-entered services ----------------------------------------------------------------

def create_service(actor: Staff, values: dict[str, Any], type_codes: list[str]) -> Service:
    """A hand-entered service. A manager's is local: owned by and listed at their centre."""
    if not may_create_service(actor):
        raise CatalogueNotAllowed(_("서비스는 센터 관리자와 시스템 관리자가 등록합니다."))
    _check_ages(values)
    service = Service(source=ServiceSource.MANUAL, created_at=utcnow(), updated_at=utcnow())
    audit.changes(service, SERVICE_FIELDS, values)
    service.customer_types = _types(type_codes)
    owner = new_service_owner(actor)
    if owner is not None:
        service.owner_centre_id = owner
        db.session.add(CentreService(centre_id=owner, service=service))
    db.session.add(service)
    db.session.flush()
    audit.record("service.created", actor=actor, subject=service,
                 detail={"name": service.name, "domain": service.domain.value})
    return service


def update_service(actor: Staff, service: Service, values: dict[str, Any],
                   type_codes: list[str]) -> None:
    """:raise CatalogueError: the actor may not edit this entry, or the ages are reversed."""
    if not may_edit_service(actor, service):
        raise CatalogueNotAllowed(_("이 서비스는 고칠 수 없습니다."))
    _check_ages(values)
    changed = audit.changes(service, SERVICE_FIELDS, values)
    before = sorted(t.code for t in service.customer_types)
    if before != sorted(type_codes):
        service.customer_types = _types(type_codes)
        changed["customer_types"] = [before, sorted(type_codes)]
    if changed:
        service.updated_at = utcnow()
        audit.record("service.updated", actor=actor, subject=service, detail=changed)


def _check_ages(values: dict[str, Any]) -> None:
    low, high = values.get("min_age"), values.get("max_age")
    if low is not None and high is not None and high < low:
        raise CatalogueError(_("최대 연령이 최소 연령보다 작습니다."))


def _types(codes: list[str]) -> list[CustomerType]:
    if not codes:
        return []
    return list(db.session.scalars(sa.select(CustomerType).where(CustomerType.code.in_(codes))))


# --- a centre's service list --------------------------------------------------------------

def centre_list(centre: Centre) -> list[CentreService]:
    """Every entry of the centre's list, hidden ones too (the manager sees why)."""
    return list(db.session.scalars(
        sa.select(CentreService)
        .join(Service)
        .where(CentreService.centre_id == centre.id)
        .options(
            selectinload(CentreService.service).selectinload(Service.customer_types),
            selectinload(CentreService.agency),
        )
        .order_by(Service.name)
    ))


def offer_at(centre: Centre, service: Service) -> CentreService | None:
    return db.session.scalar(
        sa.select(CentreService).where(
            CentreService.centre_id == centre.id, CentreService.service_id == service.id
        )
    )


def add_to_centre(actor: Staff, centre: Centre, service: Service, agency: Agency | None,
                  desk: str) -> CentreService:
    """Put a catalogue service on the centre's list, given at an agency's desk or only linked.

    :raise CatalogueError: already listed, or the agency belongs to another centre.
    """
    _require_list_keeper(actor, centre)
    if offer_at(centre, service) is not None:
        raise CatalogueError(_("이미 이 센터의 서비스 목록에 있습니다."))
    _check_agency(centre, agency)
    offer = CentreService(centre=centre, service=service, agency=agency, desk=desk.strip())
    db.session.add(offer)
    db.session.flush()
    audit.record("centre_service.added", actor=actor, subject=offer, centre_id=centre.id,
                 detail={"service_id": service.id, "agency_id": offer.agency_id,
                         "desk": offer.desk})
    return offer


def update_offer(actor: Staff, offer: CentreService, agency: Agency | None, desk: str) -> None:
    """:raise CatalogueError: the agency belongs to another centre."""
    _require_list_keeper(actor, offer.centre)
    _check_agency(offer.centre, agency)
    before = {"agency_id": offer.agency_id, "desk": offer.desk}
    offer.agency = agency
    offer.agency_id = agency.id if agency else None
    offer.desk = desk.strip()
    after = {"agency_id": offer.agency_id, "desk": offer.desk}
    if before != after:
        audit.record("centre_service.updated", actor=actor, subject=offer,
                     centre_id=offer.centre_id, detail={"before": before, "after": after})


def remove_from_centre(actor: Staff, offer: CentreService) -> None:
    _require_list_keeper(actor, offer.centre)
    audit.record("centre_service.removed", actor=actor, subject=offer, centre_id=offer.centre_id,
                 detail={"service_id": offer.service_id})
    db.session.delete(offer)
    db.session.flush()


def _check_agency(centre: Centre, agency: Agency | None) -> None:
    if agency is not None and agency.centre_id != centre.id:
        raise CatalogueError(_("선택한 기관은 이 센터에 속하지 않습니다."))
