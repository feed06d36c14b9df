"""Rules about the person: registration with the duplicate guard, links, consent.

Services change rows, write audit events and flush; they never commit (the view does).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from cases import identity, validation
from cases.models import (
    Case,
    CaseStatus,
    Client,
    ClientLink,
    ClientSearchGram,
    Consent,
    ConsentDocument,
    ConsentDocumentRecipient,
    ConsentKind,
    ConsentMethod,
    consent_agencies,
)
from catalogue.models import CustomerType
from centers.models import Agency, Centre, Staff
from core import audit, states
from core.clock import local_today
from core.crypto import cipher
from core.errors import ConflictError, NotAllowedError, RefusedError
from core.extensions import db
from core.roles import Role
from core.types import utcnow

# Who works the front desk: finds and registers people, keeps their record and consent, and
# registers visits.
DESK_ROLES = (Role.FRONT_DESK, Role.MANAGER)


class ClientError(RefusedError):
    """A refused change; the message is shown to the user."""


class ClientConflict(ClientError):
    """Refused because of what is already recorded (a duplicate, an earlier withdrawal)."""


class ClientStale(ClientError, ConflictError):
    """Someone saved the same record from the same starting version first."""


def _stale() -> ClientStale:
    # Lazy: after a failed flush the session needs a rollback before the language can be read.
    return ClientStale(_l("그사이 다른 직원이 이 기록을 고쳤습니다. 입력한 내용은 아래에 남아 "
                          "있습니다. 확인한 뒤 다시 저장하세요."))


class ClientNotAllowed(NotAllowedError, ClientError):
    """The actor does not keep this person's record."""


# --- who may do what: asked by the services below, the views, the templates and the API -----

def may_edit_person(actor: Staff, client: Client) -> bool:
    """The front desk and the manager of the person's centre keep their record: details,
    consent, links between records (caseworkers read it)."""
    return actor.role in DESK_ROLES and actor.centre_id == client.centre_id


def may_print_access_history(actor: Staff, client: Client) -> bool:
    """Who viewed or changed the record (PIPA 제35조): answered, for the person asking, by
    those who keep their record."""
    return may_edit_person(actor, client)


def may_withdraw_consent(actor: Staff, consent: Consent) -> bool:
    return consent.withdrawn_at is None and may_edit_person(actor, consent.client)


def may_reveal_rrn(actor: Staff, client: Client) -> bool:
    """Only those who keep the record see a resident number in full (each time audited)."""
    return client.rrn_encrypted is not None and may_edit_person(actor, client)


def may_take_signed_consent(actor: Staff, client: Client) -> bool:
    """Away from the desk (an outreach visit), a caseworker whose agency holds an open case
    for the person takes their consent, signed on the screen; the keepers may too."""
    if may_edit_person(actor, client):
        return True
    return (actor.role == Role.CASEWORKER and actor.agency_id is not None
            and actor.centre_id == client.centre_id
            and db.session.scalar(sa.select(sa.exists().where(
                Case.client_id == client.id, Case.agency_id == actor.agency_id,
                Case.status != CaseStatus.CLOSED))))


def _require_keeper(actor: Staff, client: Client) -> None:
    if not may_edit_person(actor, client):
        raise ClientNotAllowed(_("사람의 기록은 이 센터의 안내데스크와 센터 관리자가 관리합니다."))


# --- duplicate guard ---------------------------------------------------------------------

@dataclass
class Candidate:
    client: Client
    score: int
    reasons: list[str] = field(default_factory=list)


def likely_duplicates(
    centre: Centre, *, name: str, birth_date: date | None, phone: str | None,
    rrn_digits: str | None = None, exclude_id: int | None = None,
) -> list[Candidate]:
    """Existing people of the centre who may be the same person, best match first.

    Same RRN, same phone, or same birth date with a similar name; a person decides.
    """
    conditions = []
    if rrn_digits:
        conditions.append(Client.rrn_hash == cipher().keyed_hash(rrn_digits))
    if phone:
        conditions.append(Client.phone == phone)
    if birth_date:
        conditions.append(Client.birth_date == birth_date)
    if not conditions:
        return []
    query = sa.select(Client).where(Client.centre_id == centre.id, sa.or_(*conditions))
    if exclude_id:
        query = query.where(Client.id != exclude_id)
    candidates = []
    rrn_hash = cipher().keyed_hash(rrn_digits) if rrn_digits else None
    for client in db.session.scalars(query.limit(100)):
        candidate = _score(client, name, birth_date, phone, rrn_hash)
        if candidate.score > 0:
            candidates.append(candidate)
    return sorted(candidates, key=lambda c: c.score, reverse=True)[:10]


def _score(client: Client, name: str, birth_date, phone, rrn_hash) -> Candidate:
    candidate = Candidate(client, 0)
    if rrn_hash and client.rrn_hash == rrn_hash:
        candidate.score += 100
        candidate.reasons.append(_("주민등록번호 같음"))
    if phone and client.phone == phone:
        candidate.score += 50
        candidate.reasons.append(_("전화번호 같음"))
    if birth_date and client.birth_date == birth_date:
        similarity = identity.name_similarity(client.name, name)
        same_initials = identity.initials(client.name) == identity.initials(name)
        if similarity >= 0.5 or same_initials:
            candidate.score += 20 + int(30 * similarity)
            candidate.reasons.append(
                _("생년월일 같음, 이름 비슷함(%(p)d%%)", p=int(similarity * 100))
            )
    return candidate


# --- registration ------------------------------------------------------------------------

def register_client(
    actor: Staff, centre: Centre, values: dict[str, Any], *, rrn: str | None = None
) -> Client:
    """Create a person record. An exact RRN duplicate in the centre is refused.

    ``values`` holds the validated form fields; ``customer_types`` is a list of codes.
    :raise ClientError: RRN given where the centre does not process RRNs, or a duplicate.
    """
    client = Client(centre_id=centre.id, created_by_id=actor.id)
    _apply(client, values)
    if rrn:
        _set_rrn(client, centre, rrn)
    db.session.add(client)
    db.session.flush()
    audit.record("client.registered", actor=actor, subject=client, client_id=client.id,
                 detail={"rrn": bool(rrn)})
    return client


def update_client(actor: Staff, client: Client, values: dict[str, Any], *,
                  version: int | str | None = None) -> None:
    """Change the person's details; with ``version``, only if nobody saved since it was read.

    :raise ClientStale: ``version`` is not the record's any more, or another save won the race.
    """
    _require_keeper(actor, client)
    states.check_version(client, version, _stale(), required=False)
    before = {"phone": client.phone, "address_sigungu": client.address_sigungu,
              "types": [t.code for t in client.customer_types]}
    _apply(client, values)
    audit.record("client.updated", actor=actor, subject=client, client_id=client.id,
                 detail={"fields": sorted(k for k in values if k != "customer_types"),
                         "before_types": before["types"]})
    states.flush_or_conflict(_stale())


def _apply(client: Client, values: dict[str, Any]) -> None:
    for name in ("name", "birth_date", "sex", "phone", "address_sigungu", "address_detail",
                 "household_size"):
        if name in values:
            setattr(client, name, values[name])
    client.name = " ".join(client.name.split())
    client.name_initials = identity.initials(client.name)
    _index_name(client)
    if "customer_types" in values:
        codes = set(values["customer_types"])
        client.customer_types = list(
            db.session.scalars(sa.select(CustomerType).where(CustomerType.code.in_(codes)))
        )


def _index_name(client: Client) -> None:
    """Keep the search index (:class:`ClientSearchGram`) in step with the name."""
    grams = identity.search_grams(client.name)
    kept = [row for row in client.search_grams if row.gram in grams]
    if len(kept) == len(client.search_grams) == len(grams):
        return
    held = {row.gram for row in kept}
    client.search_grams = kept + [ClientSearchGram(centre_id=client.centre_id, gram=gram)
                                  for gram in sorted(grams - held)]


def _set_rrn(client: Client, centre: Centre, rrn: str) -> None:
    if not centre.processes_rrn:
        raise ClientError(_("이 센터는 주민등록번호를 처리하지 않습니다."))
    digits, _birth, _sex = identity.parse_rrn(rrn)
    rrn_hash = cipher().keyed_hash(digits)
    exists = db.session.scalar(
        sa.select(Client.id).where(Client.centre_id == centre.id, Client.rrn_hash == rrn_hash)
    )
    if exists:
        raise ClientConflict(_("같은 주민등록번호로 등록된 사람이 이미 있습니다."))
    client.rrn_hash = rrn_hash
    client.rrn_encrypted = cipher().encrypt(digits)


def register_with_consent(
    actor: Staff, centre: Centre, values: dict[str, Any], *, rrn: str | None,
    method: ConsentMethod, expires_on: date | None = None,
    third_party_agency_ids: list[int] | None = None,
) -> Client:
    """A new person and their consent, on the centre's current texts, together or not at all.

    Collection consent is given today (it is what allows keeping the record at all);
    third-party consent only for the agencies chosen.
    :raise ClientError: no consent text published yet, or a refusal of the steps below.
    """
    collection = current_document(centre.id, ConsentKind.COLLECTION)
    if collection is None:
        raise ClientError(_("개인정보 수집·이용 동의서가 아직 없습니다. 센터 관리자가 동의서 양식을 "
                            "먼저 게시해야 등록할 수 있습니다. 그동안은 익명 방문으로 접수하세요."))
    client = register_client(actor, centre, values, rrn=rrn)
    today = local_today()
    record_consent(actor, client, collection, method=method, given_on=today, expires_on=expires_on)
    if third_party_agency_ids:
        third_party = current_document(centre.id, ConsentKind.THIRD_PARTY)
        if third_party is None:
            raise ClientError(_("제3자 제공 동의서가 아직 없습니다."))
        record_consent(actor, client, third_party, method=method, given_on=today,
                       expires_on=expires_on, agency_ids=third_party_agency_ids)
    return client


def reveal_rrn(actor: Staff, client: Client) -> str | None:
    """The full RRN, for the rare case that needs it; always audited."""
    if not client.rrn_encrypted:
        return None
    _require_keeper(actor, client)
    audit.record("client.rrn_revealed", actor=actor, subject=client, client_id=client.id)
    return cipher().decrypt(client.rrn_encrypted)


def masked_rrn(client: Client) -> str | None:
    if not client.rrn_encrypted:
        return None
    return identity.mask_rrn(cipher().decrypt(client.rrn_encrypted))


# --- links between two records of one person --------------------------------------------

def link_clients(actor: Staff, client: Client, other: Client, reason: str) -> ClientLink:
    """Record that two records are one person. Nothing is merged or deleted."""
    _require_keeper(actor, client)
    if client.id == other.id:
        raise ClientError(_("같은 기록끼리는 연결할 수 없습니다."))
    if client.centre_id != other.centre_id:
        raise ClientError(_("다른 센터의 기록과는 연결할 수 없습니다."))
    if any(link.other_client_id == other.id or link.client_id == other.id
           for link in active_links(client)):
        raise ClientError(_("이미 연결된 기록입니다."))
    link = ClientLink(client_id=client.id, other_client_id=other.id, reason=reason.strip(),
                      linked_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    for subject in (client, other):
        audit.record("client.linked", actor=actor, subject=subject, client_id=subject.id,
                     detail={"link_id": link.id, "client_ids": [client.id, other.id]})
    return link


def unlink_clients(actor: Staff, link: ClientLink) -> None:
    _require_keeper(actor, link.client)
    if not link.is_active:
        raise ClientError(_("이미 해제된 연결입니다."))
    link.unlinked_at = utcnow()
    link.unlinked_by_id = actor.id
    for client_id in (link.client_id, link.other_client_id):
        audit.record("client.unlinked", actor=actor, subject=link, client_id=client_id,
                     detail={"client_ids": [link.client_id, link.other_client_id]})


def active_links(client: Client) -> list[ClientLink]:
    return list(db.session.scalars(
        sa.select(ClientLink).where(
            sa.or_(ClientLink.client_id == client.id, ClientLink.other_client_id == client.id),
            ClientLink.unlinked_at.is_(None),
        ).order_by(ClientLink.id)
    ))


# --- consent -----------------------------------------------------------------------------

def current_document(centre_id: int, kind: ConsentKind) -> ConsentDocument | None:
    return db.session.scalar(
        sa.select(ConsentDocument)
        .where(ConsentDocument.centre_id == centre_id, ConsentDocument.kind == kind)
        .order_by(ConsentDocument.version.desc())
        .limit(1)
    )


def publish_document(
    actor: Staff, centre: Centre, kind: ConsentKind, values: dict[str, Any],
    recipients: list[dict[str, Any]] | None = None,
) -> ConsentDocument:
    """A new version of a consent text; earlier versions stay as the ones people signed."""
    previous = current_document(centre.id, kind)
    document = ConsentDocument(
        centre_id=centre.id, kind=kind, version=(previous.version + 1) if previous else 1,
        created_by_id=actor.id, **values,
    )
    if kind == ConsentKind.THIRD_PARTY:
        if not recipients:
            raise ClientError(_("제3자 제공 동의서에는 받는 기관이 하나 이상 있어야 합니다."))
        document.recipients = [ConsentDocumentRecipient(**r) for r in recipients]
    db.session.add(document)
    db.session.flush()
    audit.record("consent_document.published", actor=actor, subject=document,
                 centre_id=centre.id, detail={"kind": kind.value, "version": document.version})
    return document


def record_consent(
    actor: Staff, client: Client, document: ConsentDocument, *, method: ConsentMethod,
    given_on: date, expires_on: date | None = None, agency_ids: list[int] | None = None,
) -> Consent:
    """Record what the person agreed to, on this version of the text."""
    _require_keeper(actor, client)
    return _record(actor, client, document, method=method, given_on=given_on,
                   expires_on=expires_on, agency_ids=agency_ids)


SIGNATURE_MAX_BYTES = 300 * 1024


def record_signed_consent(
    actor: Staff, client: Client, document: ConsentDocument, *, signature_png: bytes,
    given_on: date, agency_ids: list[int] | None = None,
) -> Consent:
    """Record consent given electronically with the person's signature drawn on a screen,
    kept as a PNG with the consent.

    :raise ClientError: no signature, or not a PNG image of a sensible size.
    """
    if not may_take_signed_consent(actor, client):
        raise ClientNotAllowed(_("서명 동의는 이 사람의 사례를 맡은 기관의 사례관리자가 받습니다."))
    if not signature_png or len(signature_png) > SIGNATURE_MAX_BYTES:
        raise ClientError(_("서명을 받은 뒤 저장하세요."))
    try:
        with Image.open(io.BytesIO(signature_png)) as image:
            is_png = image.format == "PNG"
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        is_png = False
    if not is_png:
        raise ClientError(_("서명을 받은 뒤 저장하세요."))
    return _record(actor, client, document, method=ConsentMethod.ELECTRONIC, given_on=given_on,
                   agency_ids=agency_ids, signature_png=signature_png)


def _record(actor: Staff, client: Client, document: ConsentDocument, *, method: ConsentMethod,
            given_on: date, expires_on: date | None = None,
            agency_ids: list[int] | None = None, signature_png: bytes | None = None) -> Consent:
    if document.centre_id != client.centre_id:
        raise ClientError(_("이 센터의 동의서가 아닙니다."))
    try:
        validation.check_consent_given_on(given_on)
    except validation.InvalidField as error:
        raise ClientError(str(error.message)) from error
    if expires_on and expires_on < given_on:
        raise ClientError(_("동의 만료일은 동의일보다 뒤여야 합니다."))
    consent = Consent(
        client_id=client.id, document_id=document.id, method=method, given_on=given_on,
        expires_on=expires_on, recorded_by_id=actor.id, signature_png=signature_png,
    )
    if document.kind == ConsentKind.THIRD_PARTY:
        allowed = {r.agency_id for r in document.recipients}
        chosen = set(agency_ids or [])
        if not chosen or not chosen <= allowed:
            raise ClientError(_("동의서에 적힌 받는 기관 가운데 하나 이상을 고르세요."))
        consent.agencies = list(
            db.session.scalars(sa.select(Agency).where(Agency.id.in_(chosen)))
        )
    db.session.add(consent)
    db.session.flush()
    audit.record("consent.recorded", actor=actor, subject=consent, client_id=client.id,
                 detail={"kind": document.kind.value, "version": document.version,
                         "method": method.value, "agency_ids": sorted(agency_ids or []),
                         **({"signed": True} if signature_png else {})})
    return consent


def withdraw_consent(actor: Staff, consent: Consent, note: str = "") -> None:
    """Record a withdrawal; the consent and its history stay."""
    if consent.withdrawn_at is not None:
        raise ClientConflict(_("이미 철회된 동의입니다."))
    _require_keeper(actor, consent.client)
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = actor.id
    consent.withdrawal_note = note.strip()[:300]
    audit.record("consent.withdrawn", actor=actor, subject=consent, client_id=consent.client_id,
                 detail={"note": consent.withdrawal_note})


def has_collection_consent(client: Client, today: date) -> bool:
    return any(c.document.kind == ConsentKind.COLLECTION and c.is_in_force(today)
               for c in client.consents)


def sharing_consent_in_force(client_id, agency_id, today: date):
    """SQL twin of :func:`may_share_with`, for scoped queries: a third-party consent naming
    the agency, not withdrawn and not expired, for the person in ``client_id``."""
    return sa.exists().where(
        Consent.client_id == client_id, Consent.withdrawn_at.is_(None),
        sa.or_(Consent.expires_on.is_(None), Consent.expires_on >= today),
        Consent.document_id == ConsentDocument.id,
        ConsentDocument.kind == ConsentKind.THIRD_PARTY,
        consent_agencies.c.consent_id == Consent.id, consent_agencies.c.agency_id == agency_id,
    )


def may_share_with(client: Client, agency_id: int, today: date) -> bool:
    """Has the person agreed, and not withdrawn, that this agency may receive their data?"""
    return any(
        c.document.kind == ConsentKind.THIRD_PARTY and c.is_in_force(today)
        and any(a.id == agency_id for a in c.agencies)
        for c in client.consents
    )
