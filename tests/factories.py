"""Factory functions: each test builds the data it needs, visibly (no hidden fixtures)."""

from __future__ import annotations

import base64
import itertools
import re
import threading
from datetime import date

import sqlalchemy as sa

from catalogue.models import CentreService, CustomerType, Service, ServiceSource
from centers.accounts import hash_password
from centers.models import Addon, Agency, AgencyKind, Centre, CentreAddon, Domain, Sex, Staff
from core.audit import AuditEvent
from core.clock import local_today
from core.database import empty_database_beside
from core.extensions import db
from core.roles import Role

PASSWORD = "correct horse battery"
TEST_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def app_config(url: str, **overrides) -> dict:
    """Settings for a test app on ``url``."""
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "FIELD_ENCRYPTION_KEY": TEST_KEY,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Still argon2id, with a small cost: hashing is most of the suite's time otherwise.
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "SERVER_NAME": None,
        "STARTUP_CHECKS": False,  # a test that wants the connection checks turns them on
    }
    settings.update(overrides)
    return settings

def fresh_database_url(db_url: str, tmp_path, purpose: str) -> str:
    """An empty database beside the test one (see :func:`core.database.empty_database_beside`)."""
    return empty_database_beside(db_url, purpose, tmp_path)


_seq = itertools.count(1)


def make_centre(code: str | None = None, addons=(), **kw) -> Centre:
    n = next(_seq)
    centre = Centre(
        code=code or f"centre{n}",
        name=kw.pop("name", f"시험 고용복지+센터 {n}"),
        sido=kw.pop("sido", "경기도"),
        sigungu=kw.pop("sigungu", "남양주시"),
        **kw,
    )
    centre.addon_rows = [CentreAddon(addon=Addon(addon)) for addon in addons]
    db.session.add(centre)
    db.session.commit()
    return centre


def make_agency(centre: Centre, kind: AgencyKind = AgencyKind.EMPLOYMENT, **kw) -> Agency:
    agency = Agency(centre=centre, kind=kind, name=kw.pop("name", f"{kind.label} {next(_seq)}"),
                    **kw)
    db.session.add(agency)
    db.session.commit()
    return agency


def make_staff(
    role: Role = Role.FRONT_DESK,
    centre: Centre | None = None,
    agency: Agency | None = None,
    password: str = PASSWORD,
    **kw,
) -> Staff:
    if centre is None and role != Role.ADMIN:
        centre = agency.centre if agency else make_centre()
    if agency is None and role == Role.CASEWORKER:
        agency = make_agency(centre)
    staff = Staff(
        username=kw.pop("username", f"{role.value}{next(_seq)}"),
        display_name=kw.pop("display_name", "홍길동"),
        password_hash=hash_password(password),
        role=role,
        centre_id=centre.id if centre else None,
        agency_id=agency.id if agency else None,
        must_change_password=kw.pop("must_change_password", False),
        **kw,
    )
    db.session.add(staff)
    db.session.commit()
    return staff


def make_service(
    customer_types=(), centre: Centre | None = None, agency: Agency | None = None, desk: str = "",
    **kw,
) -> Service:
    """A catalogue service (hand-entered unless ``source`` says otherwise); with ``centre``
    also on that centre's list, given by ``agency`` at ``desk``."""
    n = next(_seq)
    domain = kw.pop("domain", Domain.JOBS)
    sex = kw.pop("sex", None)
    service = Service(
        name=kw.pop("name", f"시험 서비스 {n}"),
        source=kw.pop("source", ServiceSource.MANUAL),
        domain=Domain(domain),
        sex=Sex(sex) if sex else None,
        provider=kw.pop("provider", "고용노동부"),
        **kw,
    )
    service.customer_types = list(
        db.session.scalars(sa.select(CustomerType).where(CustomerType.code.in_(customer_types)))
    )
    db.session.add(service)
    if centre is not None:
        db.session.add(CentreService(centre=centre, service=service, agency=agency, desk=desk))
    db.session.commit()
    return service


def login(client, username: str, password: str = PASSWORD, follow: bool = False):
    return client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=follow
    )


# The staff member's own PC: an enrolment from the address that made the code is refused.
STAFF_PC = {"REMOTE_ADDR": "10.20.30.40"}


def enrolment_code(html: str) -> str:
    """The one-time code on the page shown after creating or resetting an account."""
    match = re.search(r'class="enrolment-code[^"]*">([^<]+)<', html)
    assert match, "no enrolment code shown"
    return match.group(1).strip()


def enrol(client, username: str, code: str, password: str = PASSWORD, environ=STAFF_PC,
          follow: bool = False):
    """Set an account's first password with its enrolment code, from the staff member's PC."""
    return client.post("/enrol", data={"username": username, "code": code, "new": password,
                                       "confirm": password},
                       environ_base=environ, follow_redirects=follow)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def audit_actions(**filters) -> list[str]:
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    for name, value in filters.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return list(db.session.scalars(query))


def make_consent_documents(centre: Centre, actor: Staff | None = None) -> dict:
    """The centre's collection and third-party consent texts (all visible agencies named)."""
    from cases.consent_texts import DEFAULT_TEXTS, RECIPIENT_DEFAULT
    from cases.models import ConsentKind
    from cases.people import publish_document

    actor = actor or make_staff(Role.MANAGER, centre=centre)
    documents = {}
    for kind in ConsentKind:
        recipients = None
        if kind == ConsentKind.THIRD_PARTY:
            recipients = [{"agency_id": a.id, **RECIPIENT_DEFAULT} for a in centre.visible_agencies()]
            if not recipients:
                continue
        documents[kind] = publish_document(actor, centre, kind, dict(DEFAULT_TEXTS[kind]), recipients)
    db.session.commit()
    return documents


def make_client(centre: Centre, *, consent: bool = True, share_with=(), **kw):
    """A person of ``centre``; with collection consent unless ``consent=False``."""
    from cases.models import ConsentKind, ConsentMethod, Sex
    from cases.people import current_document, record_consent, register_client

    actor = make_staff(Role.FRONT_DESK, centre=centre)
    values = {
        "name": kw.pop("name", "홍길동"),
        "birth_date": kw.pop("birth_date", date(1985, 3, 2)),
        "sex": kw.pop("sex", Sex.MALE),
        "phone": kw.pop("phone", None),
        "customer_types": kw.pop("customer_types", []),
        **kw,
    }
    rrn = values.pop("rrn", None)
    client = register_client(actor, centre, values, rrn=rrn)
    if consent or share_with:
        if current_document(centre.id, ConsentKind.COLLECTION) is None:
            make_consent_documents(centre, actor)
        record_consent(actor, client, current_document(centre.id, ConsentKind.COLLECTION),
                       method=ConsentMethod.WRITTEN, given_on=local_today())
        if share_with:
            record_consent(actor, client, current_document(centre.id, ConsentKind.THIRD_PARTY),
                           method=ConsentMethod.WRITTEN, given_on=local_today(),
                           agency_ids=[a.id for a in share_with])
    db.session.commit()
    return client


def make_visit(centre: Centre, plan: list, client=None, purposes=None):
    from centers.models import Domain
    from intake.services import register_visit

    actor = make_staff(Role.FRONT_DESK, centre=centre)
    visit = register_visit(
        actor, centre, client=client,
        purposes=purposes or [plan[0].kind.domain], plan=plan,
    )
    db.session.commit()
    assert isinstance(visit.purposes[0].domain, Domain)
    return visit


def valid_rrn(front: str = "850302", seventh: str = "1", serial: str = "23456") -> str:
    """A resident number with a correct check digit, e.g. 850302-1234561."""
    digits = front + seventh + serial
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    check = (11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11) % 10
    return f"{front}-{seventh}{serial}{check}"


def make_case(client, agency, caseworker=None, **kw):
    from cases.models import Priority
    from cases.services import open_case

    caseworker = caseworker or make_staff(Role.CASEWORKER, centre=client.centre, agency=agency)
    case = open_case(caseworker, client, priority=kw.pop("priority", Priority.NORMAL),
                     summary=kw.pop("summary", "초기 상담"))
    for name, value in kw.items():
        setattr(case, name, value)
    db.session.commit()
    return case


def make_referral(case, to_agency, sender=None, **kw):
    """A referral sent from ``case`` (the person must consent to sharing with ``to_agency``)."""
    from referrals.services import send

    sender = sender or case.caseworker
    referral = send(sender, case, to_agency, reason=kw.pop("reason", "복지 상담 필요"), **kw)
    db.session.commit()
    return referral


def make_token(staff: Staff, *, days: int = 90, name: str = "시험 토큰") -> str:
    """An API token for ``staff``; returns the secret to send as ``Authorization: Bearer``."""
    from centers.tokens import create_token

    secret = create_token(staff, staff, name=name, days=days).secret
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def make_partner(centre: Centre, **kw):
    """A partner organisation of ``centre``, listed by its manager."""
    from partners.models import PartnerKind
    from partners.services import create_partner

    manager = kw.pop("manager", None) or make_staff(Role.MANAGER, centre=centre)
    values = {"name": kw.pop("name", f"협력기관 {next(_seq)}"),
              "kind": kw.pop("kind", PartnerKind.MENTAL_HEALTH),
              "email": kw.pop("email", "partner@example.org"), **kw}
    partner = create_partner(manager, centre, values, kw.pop("service_ids", None))
    db.session.commit()
    return partner


def at_once(calls):
    """Run the calls in threads released together; return their results in order (the
    concurrency tests: two desks, two caseworkers, six bookings at the same instant)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()  # read what the threads committed
    return results
