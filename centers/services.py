"""Rules for centres, agencies and add-ons. Services flush and audit; views commit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from centers.models import Addon, Agency, Centre, CentreAddon, Staff
from core import audit
from core.errors import NotAllowedError, RefusedError
from core.extensions import db
from core.roles import Role

CENTRE_FIELDS = ("code", "name", "sido", "sigungu", "address", "phone", "opened_on", "is_pilot")
AGENCY_FIELDS = ("kind", "name", "desk_location", "phone", "response_target_hours", "is_active")


class CentreError(RefusedError):
    """A refused change; the message is shown to the user."""


class CentreNotAllowed(NotAllowedError, CentreError):
    """The actor may not change this centre or its agencies."""


# --- who may do what: asked by the services below, the views, the templates and the API -----

def sees_every_centre(actor: Staff) -> bool:
    """The national administrator works across centres; everyone else within their own."""
    return actor.role == Role.ADMIN


def may_create_centre(actor: Staff) -> bool:
    return actor.role == Role.ADMIN


def may_edit_centre(actor: Staff, centre: Centre) -> bool:
    """A centre's code, name and address are the administrator's."""
    return actor.role == Role.ADMIN


def may_manage_agencies(actor: Staff, centre: Centre) -> bool:
    """Which agencies sit in a centre is the administrator's to record."""
    return actor.role == Role.ADMIN


def may_configure_centre(actor: Staff, centre: Centre) -> bool:
    """Add-ons, resident-number processing and case time targets: the centre's manager or
    the administrator."""
    return actor.role == Role.ADMIN or (actor.role == Role.MANAGER and actor.centre_id == centre.id)


def _require(allowed: bool) -> None:
    if not allowed:
        raise CentreNotAllowed(_("이 센터 설정을 바꿀 권한이 없습니다."))


def centres_visible_to(actor: Staff) -> sa.Select:
    """Administrators see every centre, everyone else only their own."""
    query = sa.select(Centre).order_by(Centre.name)
    if not sees_every_centre(actor):
        query = query.where(Centre.id == actor.centre_id)
    return query


def _check_code_free(code: str, centre_id: int | None = None) -> None:
    query = sa.select(Centre.id).where(Centre.code == code)
    if centre_id is not None:
        query = query.where(Centre.id != centre_id)
    if db.session.scalar(query):
        raise CentreError(_("이미 쓰이고 있는 센터 코드입니다."))


def create_centre(actor: Staff, values: dict[str, Any]) -> Centre:
    _require(may_create_centre(actor))
    _check_code_free(values["code"])
    centre = Centre()
    audit.changes(centre, CENTRE_FIELDS, values)
    db.session.add(centre)
    db.session.flush()
    audit.record("centre.created", actor=actor, subject=centre, centre_id=centre.id,
                 detail={"code": centre.code})
    return centre


def update_centre(actor: Staff, centre: Centre, values: dict[str, Any]) -> None:
    _require(may_edit_centre(actor, centre))
    _check_code_free(values.get("code", centre.code), centre.id)
    changed = audit.changes(centre, CENTRE_FIELDS, values)
    if changed:
        audit.record("centre.updated", actor=actor, subject=centre, centre_id=centre.id,
                     detail=changed)


def set_addon(actor: Staff, centre: Centre, addon: Addon, enabled: bool) -> None:
    """Switch an add-on; a switched-off add-on hides its agencies and services at the centre."""
    _require(may_configure_centre(actor, centre))
    if enabled == centre.has_addon(addon):
        return
    if enabled:
        centre.addon_rows.append(CentreAddon(addon=addon))
    else:
        centre.addon_rows[:] = [row for row in centre.addon_rows if row.addon != addon]
    audit.record(
        "centre.addon_enabled" if enabled else "centre.addon_disabled",
        actor=actor,
        subject=centre,
        centre_id=centre.id,
        detail={"addon": addon.value},
    )


def create_agency(actor: Staff, centre: Centre, values: dict[str, Any]) -> Agency:
    _require(may_manage_agencies(actor, centre))
    agency = Agency(centre=centre)
    audit.changes(agency, AGENCY_FIELDS, values)
    db.session.add(agency)
    db.session.flush()
    audit.record("agency.created", actor=actor, subject=agency, centre_id=centre.id,
                 detail={"kind": agency.kind, "name": agency.name})
    return agency


def update_agency(actor: Staff, agency: Agency, values: dict[str, Any]) -> None:
    _require(may_manage_agencies(actor, agency.centre))
    changed = audit.changes(agency, AGENCY_FIELDS, values)
    if changed:
        audit.record("agency.updated", actor=actor, subject=agency, centre_id=agency.centre_id,
                     detail=changed)


def set_rrn_processing(actor: Staff, centre: Centre, enabled: bool, legal_basis: str) -> None:
    """Switch resident-number processing; only with a recorded legal basis (consent is none)."""
    _require(may_configure_centre(actor, centre))
    legal_basis = legal_basis.strip()
    if enabled and not legal_basis:
        raise CentreError(_("주민등록번호를 처리하려면 법적 근거를 적어야 합니다."))
    before = {"enabled": centre.rrn_enabled, "legal_basis": centre.rrn_legal_basis}
    centre.rrn_enabled = enabled
    centre.rrn_legal_basis = legal_basis
    after = {"enabled": centre.rrn_enabled, "legal_basis": centre.rrn_legal_basis}
    if before != after:
        audit.record("centre.rrn_processing_changed", actor=actor, subject=centre,
                     centre_id=centre.id, detail={"before": before, "after": after})


def set_time_targets(actor: Staff, centre: Centre, *, assessment_days: int, plan_days: int) -> None:
    """The centre's case time targets, in days after a case opens."""
    _require(may_configure_centre(actor, centre))
    changed = audit.changes(centre, ("assessment_due_days", "plan_due_days"),
                       {"assessment_due_days": assessment_days, "plan_due_days": plan_days})
    if changed:
        audit.record("centre.time_targets_changed", actor=actor, subject=centre,
                     centre_id=centre.id, detail=changed)
