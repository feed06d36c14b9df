"""The rules of outreach visits: planning, the check-in/check-out steps, the safety alert,
and the record made on the spot.

The steps are written once in ``OUTREACH_TRANSITIONS``. A visit carries a version: saving the
record from a stale version raises :class:`OutreachConflict`, which the tablet's offline queue
relies on to never store one note twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from cases import people
from cases import services as casework
from cases.models import Case, CaseNote, CaseStatus, ConsentKind, Level, NeedDomain, NoteKind
from centers.models import Staff
from core import audit, states
from core.clock import local_day_bounds, local_today
from core.errors import ConflictError, NotAllowedError, RefusedError
from core.extensions import db
from core.home import Notice
from core.roles import Role
from core.states import Transition
from core.types import utcnow
from outreach.models import (
    DocumentType,
    OutreachKind,
    OutreachPhoto,
    OutreachStatus,
    OutreachVisit,
    outreach_companions,
)

# A visit not checked out this long after its planned end alerts the centre's manager.
ALERT_AFTER = timedelta(hours=2)
LONGEST_VISIT = timedelta(hours=12)
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
# Assessment items checked on the spot: each need domain of the case assessment and the
# crisis level, rated with the same levels.
ASSESSMENT_ITEMS = [domain.value for domain in NeedDomain] + ["crisis"]


class OutreachError(RefusedError):
    """A refused change; the message is shown to the user."""


class OutreachConflict(OutreachError, ConflictError):
    """The record was saved from another screen (or this one, earlier) since it was opened."""


class OutreachNotAllowed(NotAllowedError, OutreachError):
    """The actor may not do this to this visit."""


OUTREACH_TRANSITIONS = {
    "check_in": Transition(sources=frozenset({OutreachStatus.PLANNED}),
                           target=OutreachStatus.UNDERWAY, label=_l("출발/도착 확인(체크인)")),
    # Forgetting to check in must not keep the alert on: returning is always possible.
    "check_out": Transition(sources=frozenset({OutreachStatus.PLANNED, OutreachStatus.UNDERWAY}),
                            target=OutreachStatus.RETURNED, label=_l("복귀 확인(체크아웃)")),
    "cancel": Transition(sources=frozenset({OutreachStatus.PLANNED}),
                         target=OutreachStatus.CANCELLED, label=_l("취소")),
}
OPEN_STATUSES = (OutreachStatus.PLANNED, OutreachStatus.UNDERWAY)


def _stale() -> OutreachConflict:
    return OutreachConflict(_l("그사이 이 방문 기록이 먼저 저장되었습니다. 입력한 내용은 그대로 "
                               "남아 있습니다. 최신 내용을 확인한 뒤 다시 저장하세요."))


# --- who may do what: asked by the services below, the views and the templates ---------------

def may_plan_visit(actor: Staff, case: Case) -> bool:
    """The caseworkers of the agency holding the case plan visits for it while it is open."""
    return casework.may_edit_case(actor, case) and case.status != CaseStatus.CLOSED


def may_use_outreach(actor: Staff) -> bool:
    """The outreach lists: caseworkers (their own visits) and managers (the centre's day)."""
    return actor.role in (Role.CASEWORKER, Role.MANAGER) and actor.centre_id is not None


def goes_on(actor: Staff, visit: OutreachVisit) -> bool:
    """The caseworker who planned the visit, or one of their companions."""
    return actor.id == visit.caseworker_id or any(c.id == actor.id for c in visit.companions)


def may_step(actor: Staff, visit: OutreachVisit, action: str) -> bool:
    """Check-in and check-out are for whoever goes (each may confirm for the team); only the
    planner cancels."""
    rule = OUTREACH_TRANSITIONS.get(action)
    if rule is None or not rule.allows(visit.status):
        return False
    if action == "cancel":
        return actor.id == visit.caseworker_id
    return goes_on(actor, visit)


def may_record(actor: Staff, visit: OutreachVisit) -> bool:
    """The planner writes the record once the visit has started (or after returning), while
    the case takes notes."""
    return (actor.id == visit.caseworker_id
            and visit.status in (OutreachStatus.UNDERWAY, OutreachStatus.RETURNED)
            and casework.may_add_note(actor, visit.case))


# --- planning ----------------------------------------------------------------------------

def companion_choices(actor: Staff) -> list[Staff]:
    """Caseworkers of the other agencies of the actor's centre, active ones."""
    return list(db.session.scalars(
        sa.select(Staff).where(Staff.centre_id == actor.centre_id,
                               Staff.role == Role.CASEWORKER, Staff.is_active_account,
                               Staff.agency_id != actor.agency_id)
        .order_by(Staff.agency_id, Staff.display_name, Staff.id)))


def plan_visit(actor: Staff, case: Case, *, kind: OutreachKind, address: str, purpose: str,
               start: datetime, end: datetime, companion_ids: list[int]) -> OutreachVisit:
    """Plan a home or field visit for the case's person.

    :raise OutreachError: not the case's agency, a closed case, times that do not make a
        visit, or a companion who is not a caseworker of another agency of the centre.
    """
    if not may_plan_visit(actor, case):
        if case.status == CaseStatus.CLOSED:
            raise OutreachError(_("종결된 사례입니다. 먼저 다시 여세요."))
        raise OutreachNotAllowed(_("방문 계획은 사례를 맡은 기관의 사례관리자가 세웁니다."))
    if not address.strip() or not purpose.strip():
        raise OutreachError(_("방문 주소와 목적을 입력하세요."))
    if end <= start:
        raise OutreachError(_("끝나는 시각은 시작 시각보다 뒤여야 합니다."))
    if end - start > LONGEST_VISIT:
        raise OutreachError(_("한 번의 방문은 12시간을 넘길 수 없습니다."))
    if end <= utcnow():
        raise OutreachError(_("이미 지난 시각에는 방문을 계획할 수 없습니다."))
    allowed = {staff.id: staff for staff in companion_choices(actor)}
    wanted = set(companion_ids)
    if not wanted <= set(allowed):
        raise OutreachError(_("동행자는 이 센터 다른 기관의 사례관리자 가운데에서 고르세요."))
    visit = OutreachVisit(
        centre_id=case.centre_id, case_id=case.id, client_id=case.client_id,
        caseworker_id=actor.id, kind=kind, address=address.strip(), purpose=purpose.strip(),
        planned_start_at=start, planned_end_at=end, status=OutreachStatus.PLANNED,
        companions=[allowed[i] for i in sorted(wanted)], assessment={},
    )
    db.session.add(visit)
    db.session.flush()
    audit.record("outreach.planned", actor=actor, subject=visit, client_id=case.client_id,
                 detail={"case_id": case.id, "companion_ids": sorted(wanted)})
    return visit


def step(actor: Staff, visit: OutreachVisit, action: str, *, reason: str = "") -> None:
    """Check in, check out or cancel."""
    if not may_step(actor, visit, action):
        may_ever = actor.id == visit.caseworker_id if action == "cancel" else goes_on(actor, visit)
        if action in OUTREACH_TRANSITIONS and may_ever:
            raise OutreachError(_("지금 상태(%(s)s)에서는 할 수 없는 처리입니다.",
                                  s=visit.status.label))
        raise OutreachNotAllowed(_("방문을 맡은 직원과 동행자만 할 수 있습니다."))
    now = utcnow()
    previous = visit.status
    if action == "check_in":
        visit.checked_in_at = now
    elif action == "check_out":
        visit.checked_out_at = now
    elif action == "cancel":
        visit.cancelled_reason = reason.strip()[:300]
    visit.status = OUTREACH_TRANSITIONS[action].target
    states.flush_or_conflict(_stale())
    audit.record(f"outreach.{action}", actor=actor, subject=visit, client_id=visit.client_id,
                 detail={"from": previous.value, "to": visit.status.value})


# --- the lists ---------------------------------------------------------------------------

def day_query(actor: Staff, day) -> sa.Select:
    """The visits starting on a Seoul day that the actor's list shows: a caseworker's own and
    those they go along on; a manager's, the whole centre's."""
    start, end = local_day_bounds(day)
    query = (sa.select(OutreachVisit)
             .where(OutreachVisit.planned_start_at >= start, OutreachVisit.planned_start_at < end)
             .order_by(OutreachVisit.planned_start_at, OutreachVisit.id))
    return query.where(visible_visits_clause(actor))


def visible_visits_clause(actor: Staff) -> sa.ColumnElement[bool]:
    """Which visits the actor sees at all (the one place that decides)."""
    if actor.role == Role.MANAGER and actor.centre_id:
        return OutreachVisit.centre_id == actor.centre_id
    if actor.role == Role.CASEWORKER and actor.centre_id:
        accompanied = sa.select(outreach_companions.c.visit_id).where(
            outreach_companions.c.staff_id == actor.id)
        return sa.and_(OutreachVisit.centre_id == actor.centre_id,
                       sa.or_(OutreachVisit.caseworker_id == actor.id,
                              OutreachVisit.id.in_(accompanied)))
    return sa.false()


# --- safety ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Alert:
    """A visit not checked out in time: what the manager needs to act, no personal data."""

    visit_id: int
    centre_id: int
    caseworker: str
    planned_end_at: datetime
    checked_in: bool


def overdue_query(now: datetime | None = None) -> sa.Select:
    """Visits still out (planned or underway) two hours after their planned end."""
    cutoff = (now or utcnow()) - ALERT_AFTER
    return (sa.select(OutreachVisit)
            .where(OutreachVisit.status.in_(OPEN_STATUSES), OutreachVisit.planned_end_at < cutoff)
            .order_by(OutreachVisit.planned_end_at, OutreachVisit.id))


def overdue_alerts(centre_id: int | None = None, now: datetime | None = None) -> list[Alert]:
    query = overdue_query(now).options(sa.orm.selectinload(OutreachVisit.caseworker))
    if centre_id is not None:
        query = query.where(OutreachVisit.centre_id == centre_id)
    return [Alert(visit.id, visit.centre_id, visit.caseworker.display_name,
                  visit.planned_end_at, visit.checked_in_at is not None)
            for visit in db.session.scalars(query)]


def is_overdue(visit: OutreachVisit, now: datetime | None = None) -> bool:
    return (visit.status in OPEN_STATUSES
            and visit.planned_end_at < (now or utcnow()) - ALERT_AFTER)


# --- the record made on the spot -----------------------------------------------------------

def clean_assessment(values: dict[str, str]) -> dict[str, str]:
    """Only known items with known levels; an item left blank is not kept."""
    levels = {level.value for level in Level}
    return {item: values[item] for item in ASSESSMENT_ITEMS
            if values.get(item) in levels}


def save_record(actor: Staff, visit: OutreachVisit, *, version, body: str,
                assessment: dict[str, str]) -> CaseNote | None:
    """Save the visit's note and assessment items from the version the screen started from.

    The note is the case's own note (kind 방문), written and corrected through the cases
    service, so it appears once in the case's timeline; saving again corrects it (its
    earlier text stays as a revision).
    :raise OutreachConflict: the record was saved since ``version`` (a resend, or another
        screen): nothing is stored twice.
    """
    if not may_record(actor, visit):
        raise OutreachNotAllowed(_("방문 기록은 방문을 맡은 직원이 체크인한 뒤에 씁니다."))
    states.check_version(visit, version, _stale())
    body = body.strip()
    note = visit.note
    if note is None and body:
        note = casework.add_note(actor, visit.case, kind=NoteKind.HOME_VISIT, body=body,
                                 is_confidential=False)
        visit.note_id = note.id
    elif note is not None and body and body != note.body:
        casework.edit_note(actor, note, version=note.version, kind=note.kind, body=body,
                           is_confidential=note.is_confidential)
    elif note is not None and not body:
        raise OutreachError(_("이미 저장한 메모는 비울 수 없습니다. 고칠 내용을 입력하세요."))
    visit.assessment = clean_assessment(assessment)
    visit.recorded_at = utcnow()
    states.flush_or_conflict(_stale())
    audit.record("outreach.recorded", actor=actor, subject=visit, client_id=visit.client_id,
                 detail={"note_id": visit.note_id, "items": sorted(visit.assessment)})
    return note


def add_photo(actor: Staff, visit: OutreachVisit, *, document_type: DocumentType, data: bytes,
              directory: Path) -> OutreachPhoto:
    """Keep a photo of a document the person showed, re-encoded without its metadata (a
    tablet camera writes where and when it was taken into the file).

    :raise OutreachError: not a JPEG or PNG image, or larger than ``PHOTO_MAX_BYTES``.
    """
    if not may_record(actor, visit):
        raise OutreachNotAllowed(_("서류 사진은 방문을 맡은 직원이 체크인한 뒤에 올립니다."))
    if not data:
        raise OutreachError(_("사진 파일을 고르세요."))
    if len(data) > PHOTO_MAX_BYTES:
        raise OutreachError(_("사진이 너무 큽니다(최대 8MB)."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in PHOTO_FORMATS:
            raise OutreachError(_("JPEG 또는 PNG 사진만 올릴 수 있습니다."))
        with Image.open(io.BytesIO(data)) as image:
            clean = ImageOps.exif_transpose(image)
            if kind == "JPEG" and clean.mode not in ("RGB", "L"):
                clean = clean.convert("RGB")
            out = io.BytesIO()
            clean.save(out, format=kind)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise OutreachError(_("JPEG 또는 PNG 사진만 올릴 수 있습니다.")) from error
    stored = out.getvalue()
    name = secrets.token_hex(16)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(stored)
    photo = OutreachPhoto(visit_id=visit.id, document_type=document_type, stored_name=name,
                          content_type=PHOTO_FORMATS[kind], size=len(stored),
                          uploaded_by_id=actor.id)
    db.session.add(photo)
    db.session.flush()
    audit.record("outreach.photo_added", actor=actor, subject=visit, client_id=visit.client_id,
                 detail={"photo_id": photo.id, "type": document_type.value})
    return photo


def take_signed_consent(actor: Staff, visit: OutreachVisit, data_url: str):
    """The person's consent to the collection of their data, on the centre's current text,
    signed on the tablet (the canvas gives a ``data:image/png;base64,`` URL).

    Linked to the visit by a plain UPDATE: signing must not make the note typed meanwhile
    (perhaps waiting offline, from the visit's version) look stale.
    """
    if not may_record(actor, visit):
        raise OutreachNotAllowed(_("서명 동의는 방문을 맡은 직원이 체크인한 뒤에 받습니다."))
    if visit.consent_id is not None:
        raise OutreachError(_("이 방문에서 이미 서명으로 동의를 받았습니다."))
    prefix = "data:image/png;base64,"
    try:
        png = base64.b64decode((data_url or "").removeprefix(prefix), validate=True) \
            if (data_url or "").startswith(prefix) else b""
    except ValueError:
        png = b""
    document = people.current_document(visit.centre_id, ConsentKind.COLLECTION)
    if document is None:
        raise OutreachError(_("개인정보 수집·이용 동의서가 아직 없습니다."))
    consent = people.record_signed_consent(actor, visit.client, document, signature_png=png,
                                           given_on=local_today())
    db.session.execute(sa.update(OutreachVisit).where(OutreachVisit.id == visit.id)
                       .values(consent_id=consent.id)
                       .execution_options(synchronize_session=False))
    audit.record("outreach.consent_signed", actor=actor, subject=visit,
                 client_id=visit.client_id, detail={"consent_id": consent.id})
    return consent


def offline_key(secret_key: str, actor: Staff) -> str:
    """The key that encrypts what waits to be sent, for this sign-in only.

    Derived from the app's secret and the staff member's session id (which changes at every
    sign-out), never stored: after sign-out, whatever was left in a browser cannot be read.
    """
    digest = hmac.new(secret_key.encode(), f"outreach-offline:{actor.get_id()}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def home_notices(actor: Staff) -> list[Notice]:
    """For the manager's start page: the centre's visits not checked out in time."""
    if actor.role != Role.MANAGER or actor.centre_id is None:
        return []
    count = len(overdue_alerts(actor.centre_id))
    if not count:
        return []
    return [Notice(_("찾아가는 상담 %(n)d건이 예정 종료 2시간이 지나도록 복귀 확인(체크아웃)되지 "
                     "않았습니다. 직원의 안전을 확인하세요.", n=count),
                   url_for("outreach.day"), "danger")]


# --- retention (plugged into cases.retention) -------------------------------------------------

def photo_directory() -> Path:
    """Outside static and outside the code: under the instance folder unless configured."""
    configured = current_app.config.get("OUTREACH_PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outreach-photos"


def outreach_activity() -> list[sa.Select]:
    """A visit planned or returned from is activity of its person."""
    return [sa.select(OutreachVisit.client_id, OutreachVisit.created_at),
            sa.select(OutreachVisit.client_id, OutreachVisit.checked_out_at)]


def erase_outreach_text(client_ids: list[int]) -> None:
    """Where they live, why they were visited, what was seen, and the document photos."""
    from cases.retention import ERASED

    visits = sa.select(OutreachVisit.id).where(OutreachVisit.client_id.in_(client_ids))
    photos = db.session.scalars(sa.select(OutreachPhoto.stored_name)
                                .where(OutreachPhoto.visit_id.in_(visits))).all()
    db.session.execute(sa.delete(OutreachPhoto).where(OutreachPhoto.visit_id.in_(visits)))
    db.session.execute(sa.update(OutreachVisit).where(OutreachVisit.client_id.in_(client_ids))
                       .values(address=ERASED, purpose=ERASED, cancelled_reason="",
                               assessment={}))
    directory = photo_directory()
    for name in photos:
        (directory / name).unlink(missing_ok=True)
