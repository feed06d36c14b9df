"""Rules about the centre's partner organisations: who keeps the list, who reads it, and the
changes to it (each audited; services flush, the view commits)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from catalogue.models import CentreService, Service
from centers.models import Centre, Staff
from core import audit
from core.crypto import cipher
from core.errors import NotAllowedError, RefusedError
from core.extensions import db
from core.roles import Role
from core.types import utcnow
from partners.models import Partner, PartnerKind

FIELDS = ("name", "kind", "contact_name", "phone", "email", "website", "services_offered",
          "response_target_hours", "is_active")
LIMITS = {"name": 200, "contact_name": 100, "phone": 40, "email": 254, "website": 500}


class PartnerError(RefusedError):
    """A refused change; the message is shown to the user."""


class PartnerNotAllowed(NotAllowedError, PartnerError):
    """The actor does not keep this centre's partner list."""


# --- who may do what ------------------------------------------------------------------------

def may_manage_partners(actor: Staff, centre: Centre | None = None) -> bool:
    """The centre's manager keeps its list of partner organisations."""
    return (actor.role == Role.MANAGER and actor.centre_id is not None
            and (centre is None or actor.centre_id == centre.id))


def may_read_partners(actor: Staff) -> bool:
    """Everyone working at a centre reads its partners (to refer, to tell a visitor where)."""
    return actor.role in (Role.MANAGER, Role.CASEWORKER, Role.FRONT_DESK) and \
        actor.centre_id is not None


def partners_visible_to(actor: Staff) -> sa.Select:
    """The partners of the actor's centre; nothing for staff of no centre."""
    if not may_read_partners(actor):
        return sa.select(Partner).where(sa.false())
    return sa.select(Partner).where(Partner.centre_id == actor.centre_id)


def partner_list(actor: Staff, *, active_only: bool = False) -> list[Partner]:
    query = partners_visible_to(actor).options(sa.orm.selectinload(Partner.services))
    if active_only:
        query = query.where(Partner.is_active)
    return list(db.session.scalars(query.order_by(Partner.is_active.desc(), Partner.name)))


# --- checks shared by the form and the import -----------------------------------------------

def check_values(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Cleaned values and the problems found, in Korean, one per field: the page and the
    import say the same thing about the same mistake."""
    cleaned = dict(values)
    problems = []
    for name in ("name", "contact_name", "phone", "email", "website", "services_offered"):
        if name in cleaned:
            cleaned[name] = " ".join(str(cleaned[name] or "").split()) if name != \
                "services_offered" else "\n".join(
                    line.strip() for line in str(cleaned[name] or "").splitlines() if line.strip())
    if not cleaned.get("name"):
        problems.append(_("기관 이름이 없습니다."))
    for name, limit in LIMITS.items():
        if len(cleaned.get(name) or "") > limit:
            problems.append(_("%(field)s이(가) %(n)d자를 넘습니다.", field=field_label(name), n=limit))
    kind = cleaned.get("kind")
    if not isinstance(kind, PartnerKind):
        try:
            cleaned["kind"] = PartnerKind(kind)
        except ValueError:
            problems.append(_("기관 종류 '%(kind)s'을(를) 알 수 없습니다. 다음 중 하나여야 합니다: "
                              "%(known)s.", kind=kind or "",
                              known=", ".join(k.value for k in PartnerKind)))
    if cleaned.get("email"):
        try:
            cleaned["email"] = validate_email(cleaned["email"], check_deliverability=False).normalized
        except EmailNotValidError:
            problems.append(_("전자우편 주소 '%(email)s'의 형식이 맞지 않습니다.",
                              email=cleaned["email"][:80]))
    website = cleaned.get("website") or ""
    if website and not website.startswith(("http://", "https://")):
        problems.append(_("누리집 주소는 http:// 또는 https://로 시작해야 합니다."))
    hours = cleaned.get("response_target_hours", 16)
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 200:
        problems.append(_("응답 목표 시간은 1에서 200 사이의 근무시간이어야 합니다."))
    return cleaned, problems


def field_label(name: str) -> str:
    return {"name": _("기관 이름"), "contact_name": _("담당자"), "phone": _("전화번호"),
            "email": _("전자우편"), "website": _("누리집")}.get(name, name)


def linkable_services(centre: Centre) -> list[Service]:
    """Catalogue services a partner may be linked to: those on the centre's list."""
    return list(db.session.scalars(
        sa.select(Service).join(CentreService, CentreService.service_id == Service.id)
        .where(CentreService.centre_id == centre.id).order_by(Service.name)))


# --- changes ------------------------------------------------------------------------------

def create_partner(actor: Staff, centre: Centre, values: dict[str, Any],
                   service_ids: list[int] | None = None) -> Partner:
    """Add a partner to the centre's list.

    :raise PartnerError: not the centre's manager, a value refused, a name already listed.
    """
    _require_keeper(actor, centre)
    partner = Partner(centre_id=centre.id)
    _apply(partner, values, service_ids)
    db.session.add(partner)
    _flush_unique()
    audit.record("partner.created", actor=actor, subject=partner, centre_id=centre.id,
                 detail={"kind": partner.kind.value})
    return partner


def update_partner(actor: Staff, partner: Partner, values: dict[str, Any],
                   service_ids: list[int] | None = None) -> None:
    """Change a partner's details (deactivating keeps its referrals and history)."""
    _require_keeper(actor, partner.centre)
    _apply(partner, values, service_ids)
    partner.updated_at = utcnow()
    _flush_unique()
    audit.record("partner.updated", actor=actor, subject=partner, centre_id=partner.centre_id,
                 detail={"fields": sorted(values), "active": partner.is_active})


def _require_keeper(actor: Staff, centre: Centre) -> None:
    if not may_manage_partners(actor, centre):
        raise PartnerNotAllowed(_("협력기관 목록은 센터 관리자가 관리합니다."))


def _apply(partner: Partner, values: dict[str, Any], service_ids: list[int] | None) -> None:
    cleaned, problems = check_values({**{n: getattr(partner, n) for n in FIELDS
                                         if getattr(partner, n) is not None}, **values})
    if problems:
        raise PartnerError(" ".join(problems))
    for name in FIELDS:
        if name in cleaned:
            setattr(partner, name, cleaned[name])
    if service_ids is not None:
        allowed = {s.id: s for s in linkable_services(partner.centre or
                                                      db.session.get(Centre, partner.centre_id))}
        unknown = set(service_ids) - set(allowed)
        if unknown:
            raise PartnerError(_("센터 서비스 목록에 없는 서비스는 연결할 수 없습니다."))
        partner.services = [allowed[i] for i in sorted(set(service_ids))]


def _flush_unique() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as error:
        raise PartnerError(_("같은 이름의 협력기관이 이미 목록에 있습니다.")) from error


# --- the partner's own system: an API key and a webhook address -----------------------------

API_KEY_PREFIX = "hjp_"


def _key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(actor: Staff, partner: Partner) -> str:
    """A new key for the partner API (the old one stops working); only its hash is kept, the
    secret is returned once to be handed to the partner."""
    _require_keeper(actor, partner.centre)
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    partner.api_key_hash = _key_hash(secret)
    partner.api_key_prefix = secret[:10]
    audit.record("partner.api_key_issued", actor=actor, subject=partner,
                 centre_id=partner.centre_id, detail={"prefix": partner.api_key_prefix})
    db.session.flush()
    return secret


def revoke_api_key(actor: Staff, partner: Partner) -> None:
    _require_keeper(actor, partner.centre)
    if partner.api_key_hash is None:
        raise PartnerError(_("폐기할 API 키가 없습니다."))
    partner.api_key_hash = None
    partner.api_key_prefix = ""
    audit.record("partner.api_key_revoked", actor=actor, subject=partner,
                 centre_id=partner.centre_id)


def authenticate_partner(secret: str) -> Partner | None:
    """The active partner whose API key this is (None for any other answer)."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    partner = db.session.scalar(sa.select(Partner).where(Partner.api_key_hash == _key_hash(secret)))
    return partner if partner is not None and partner.is_active else None


def set_webhook(actor: Staff, partner: Partner, url: str) -> str | None:
    """Where the partner's system hears of changes; a new signing secret each time, returned
    once (None when the address is cleared: no more webhooks)."""
    _require_keeper(actor, partner.centre)
    url = url.strip()
    if url and not url.startswith(("https://", "http://")):
        raise PartnerError(_("웹훅 주소는 http:// 또는 https://로 시작해야 합니다."))
    if len(url) > 500:
        raise PartnerError(_("웹훅 주소가 너무 깁니다."))
    partner.webhook_url = url
    secret = secrets.token_urlsafe(32) if url else None
    partner.webhook_secret_encrypted = cipher().encrypt(secret) if secret else None
    audit.record("partner.webhook_set", actor=actor, subject=partner,
                 centre_id=partner.centre_id, detail={"set": bool(url)})
    return secret
