"""The one place that decides which people and cases a staff member may see, and the
scoped searches over them (the desk's search box, the caseload's filters).

The front desk and the manager see the people of their centre; the national administrator
sees none. A caseworker sees a person only on a need to know (:func:`need_to_know`): their
agency has a case with the person, an open referral from or to it (the receiving side while
the person's consent to share with it is in force), a stop at its desk in today's visit, or
the person's third-party consent names it. Anything else goes through the reasoned
"break-the-glass" step (:func:`break_glass`), logged and flagged in the access review, which
opens the person to that caseworker until the end of the day. Every read of one person's
record is an audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import Forbidden

from cases import identity
from cases.models import Case, CaseStatus, Client, ClientSearchGram, GoalStatus, PlanGoal
from cases.people import sharing_consent_in_force
from cases.services import assessment_overdue_clause, may_edit_case, plan_overdue_clause
from centers.models import Staff
from core import audit
from core.audit import AuditEvent
from core.clock import local_day_bounds, local_today
from core.crypto import cipher
from core.database import holds_text
from core.extensions import db
from core.hooks import Hook
from core.roles import Role
from core.types import utcnow

CENTRE_ROLES = (Role.FRONT_DESK, Role.CASEWORKER, Role.MANAGER)

# Features above cases (intake, referrals) add reasons an agency needs to know a person:
# functions of the caseworker that return a SQL condition on Client, OR-ed with the case and
# consent rules below.
client_visibility: Hook[Callable[[Staff], sa.ColumnElement[bool]]] = Hook("cases.client_visibility")

#: The audit action of the reasoned step; the access review flags it ("break_glass").
BREAK_GLASS = "client.break_glass"
#: The audit action of the reasoned search that leads to it (flagged too: its name says so).
BREAK_GLASS_SEARCH = "client.break_glass_searched"
#: At most this many people are shown by one reasoned search (it is no browsing tool).
REASONED_SEARCH_LIMIT = 20


class NeedToKnow(Forbidden):
    """The person is of the caseworker's centre, but their agency has no reason to know them:
    the page offers the reasoned break-the-glass step instead."""

    def __init__(self, client_id: int):
        super().__init__()
        self.client_id = client_id


def broke_glass_today(actor: Staff) -> sa.ColumnElement[bool]:
    """SQL condition on Client: the actor took the reasoned step for the person today."""
    start, end = local_day_bounds(local_today())
    return Client.id.in_(sa.select(AuditEvent.client_id).where(
        AuditEvent.action == BREAK_GLASS, AuditEvent.staff_id == actor.id,
        AuditEvent.at >= start, AuditEvent.at < end))


def need_to_know(actor: Staff) -> sa.ColumnElement[bool]:
    """SQL condition on Client: the caseworker's agency has a reason to know the person (or
    the caseworker broke the glass for them today)."""
    conditions = [
        Client.id.in_(sa.select(Case.client_id).where(Case.agency_id == actor.agency_id)),
        sharing_consent_in_force(Client.id, actor.agency_id, local_today()),
        broke_glass_today(actor),
    ]
    conditions += [rule(actor) for rule in client_visibility.functions()]
    return sa.or_(*conditions)


def clients_of_centre(actor: Staff) -> sa.Select:
    """Everyone registered at the actor's centre (what the break-the-glass step may open)."""
    query = sa.select(Client)
    if actor.role not in CENTRE_ROLES or actor.centre_id is None:
        return query.where(sa.false())
    return query.where(Client.centre_id == actor.centre_id)


def clients_visible_to(actor: Staff) -> sa.Select:
    """The people the actor may see: the desk and the manager everyone of their centre, a
    caseworker those their agency needs to know, the administrator nobody."""
    query = clients_of_centre(actor)
    if actor.role == Role.CASEWORKER:
        return query.where(need_to_know(actor) if actor.agency_id else sa.false())
    return query


def visible_client_ids(actor: Staff, client_ids) -> set[int]:
    """Which of these people the actor may open (for showing a link only where it leads)."""
    wanted = {client_id for client_id in client_ids if client_id is not None}
    if not wanted:
        return set()
    return set(db.session.scalars(
        clients_visible_to(actor).with_only_columns(Client.id).where(Client.id.in_(wanted))))


def may_break_glass(actor: Staff) -> bool:
    """Only a caseworker needs the reasoned step; the desk and the manager see the centre."""
    return actor.role == Role.CASEWORKER and actor.agency_id is not None


def get_client_or_404(client_id: int, actor: Staff, *, purpose: str = "view") -> Client:
    """Load a person the actor may see and audit the read.

    :raise 404: no such person, or not of the actor's centre.
    :raise 403: (:class:`NeedToKnow`) of the caseworker's centre, but not needed to know.
    """
    client = db.session.scalar(
        clients_visible_to(actor)
        .where(Client.id == client_id)
        .options(selectinload(Client.customer_types), selectinload(Client.consents))
    )
    if client is None:
        if may_break_glass(actor) and db.session.scalar(
                clients_of_centre(actor).with_only_columns(Client.id).where(Client.id == client_id)):
            raise NeedToKnow(client_id)
        abort(404)
    audit.record(f"client.{purpose}", actor=actor, subject=client, client_id=client.id)
    return client


def break_glass(actor: Staff, client_id: int, reason: str, *,
                search: AuditEvent | None = None) -> Client:
    """The reasoned step: a caseworker opens a person of their centre their agency has no
    reason to know; the stated reason is audited (flagged in the access review) and the person
    stays open to them until the end of the day. ``search``: the reasoned search the person
    was found by (its id goes into the event).

    :raise 404: no such person at the actor's centre, or the actor is not a caseworker.
    """
    client = db.session.scalar(clients_of_centre(actor).where(Client.id == client_id)) \
        if may_break_glass(actor) else None
    if client is None:
        abort(404)
    detail = {"reason": reason.strip()}
    if search is not None:
        detail["search_event_id"] = search.id
    audit.record(BREAK_GLASS, actor=actor, subject=client, client_id=client.id, detail=detail)
    return client


@dataclass
class ReasonedSearch:
    """What a reasoned search found: its access-log event (the person is opened through it),
    the people of the centre matching the terms, and which of them the caseworker's agency
    already needs to know (those open without the reasoned step)."""

    event: AuditEvent
    terms: SearchTerms
    people: list[Client]
    known: set[int]


def reasoned_terms(text: str) -> SearchTerms:
    """The terms of a reasoned search: those of the caseload's search box, but a single
    character (a name or initials) is too broad to look beyond one's agency with
    (kind ``too_broad``)."""
    terms = understand(text, rrn_allowed=False)
    if terms.kind in ("name", "initials") and len(terms.value.replace(" ", "")) < 2:
        return SearchTerms("too_broad")
    return terms


def search_with_reason(actor: Staff, terms: SearchTerms, reason: str) -> ReasonedSearch:
    """The search a caseworker makes, on a stated reason, among all the people of their
    centre, outside their need to know too (the way to the break-the-glass step). The reason,
    the kind of terms understood (never the terms) and the people found are the access-log
    event ``client.break_glass_searched``, flagged in the monthly review.

    :raise 404: the actor is not a caseworker with an agency.
    """
    if not may_break_glass(actor):
        abort(404)
    query = search_query(actor, terms, among=clients_of_centre(actor))
    found = list(db.session.scalars(query.limit(REASONED_SEARCH_LIMIT))) if query is not None else []
    event = audit.record_listing(BREAK_GLASS_SEARCH, [client.id for client in found], actor=actor,
                                 reason=reason.strip(), understood_as=terms.kind,
                                 page="cases.reasoned_search")
    audit.write_pending()  # the event's id goes into each person's "open" button
    return ReasonedSearch(event=event, terms=terms, people=found,
                          known=visible_client_ids(actor, [client.id for client in found]))


def open_found(actor: Staff, search_id: int, client_id: int) -> Client:
    """Break the glass for a person found by the actor's own reasoned search today, on the
    reason stated for that search.

    :raise 404: no such search of the actor today, or the person was not among its results.
    """
    start, end = local_day_bounds(local_today())
    search = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.id == search_id, AuditEvent.action == BREAK_GLASS_SEARCH,
        AuditEvent.staff_id == actor.id, AuditEvent.at >= start, AuditEvent.at < end))
    if search is None or client_id not in search.detail.get("client_ids", []):
        abort(404)
    return break_glass(actor, client_id, search.detail["reason"], search=search)


@dataclass
class SearchTerms:
    """What the one search box understood it was given."""

    kind: str  # "rrn", "phone", "birth_date", "initials", "name", "empty", "unknown"
    value: str | date | None = None


def understand(text: str, *, rrn_allowed: bool, today: date | None = None) -> SearchTerms:
    text = text.strip()
    if not text:
        return SearchTerms("empty")
    if identity.looks_like_rrn(text):
        if not rrn_allowed:
            return SearchTerms("rrn_disabled")
        digits = text.replace("-", "")
        return SearchTerms("rrn", digits)
    birth = identity.parse_birth_date(text, today)
    if birth is not None:
        return SearchTerms("birth_date", birth)
    digits = sum(char.isdigit() for char in text)
    if digits >= 9:
        phone = identity.normalise_phone(text)
        return SearchTerms("phone", phone) if phone else SearchTerms("unknown")
    if identity.is_initials_query(text):
        return SearchTerms("initials", text.replace(" ", ""))
    if digits == 0 and len(text) <= 50:
        return SearchTerms("name", text)
    return SearchTerms("unknown")


def search_query(actor: Staff, terms: SearchTerms, *, among: sa.Select | None = None) -> sa.Select | None:
    """People the actor may see (or ``among`` these) matching the understood terms, most
    recent first; None when the terms cannot match anyone (empty, not understood, RRN not
    processed)."""
    query = clients_visible_to(actor) if among is None else among
    if terms.kind == "rrn":
        query = query.where(Client.rrn_hash == cipher().keyed_hash(terms.value))
    elif terms.kind == "birth_date":
        query = query.where(Client.birth_date == terms.value)
    elif terms.kind == "phone":
        query = query.where(Client.phone == terms.value)
    elif terms.kind == "initials":
        query = _by_name_index(query, actor, terms.value).where(
            holds_text(Client.name_initials, terms.value))
    elif terms.kind == "name":
        text = terms.value.lower()
        query = _by_name_index(query, actor, text).where(holds_text(sa.func.lower(Client.name), text))
    else:
        return None
    return query.order_by(Client.id.desc())


def _by_name_index(query: sa.Select, actor: Staff, text: str) -> sa.Select:
    """Only people whose name index holds the text's leading run (one character has none:
    that search reads the centre's people newest first until the page is full).

    Written as ``id IN (…)`` so that both engines read the index entries in person order:
    a common run stops as soon as the page is full, a rare one (or a name nobody has) reads
    a few entries instead of every person of the centre (EXPLAIN in docs/performance.md)."""
    gram = identity.leading_gram(text)
    if gram is None:
        return query
    return query.where(Client.id.in_(
        sa.select(ClientSearchGram.client_id)
        .where(ClientSearchGram.centre_id == actor.centre_id, ClientSearchGram.gram == gram)
    ))


def search_clients(actor: Staff, terms: SearchTerms, limit: int = 50) -> list[Client]:
    query = search_query(actor, terms)
    if query is None:
        return []
    return list(db.session.scalars(query.limit(limit)))


# --- case records ------------------------------------------------------------------------

# Features above cases (referrals) add who else may see a case: functions of the actor that
# return a SQL condition on Case, OR-ed with the agency's own cases.
case_visibility: Hook[Callable[[Staff], sa.ColumnElement[bool]]] = Hook("cases.case_visibility")
# The referral counts of a list of cases ({case id: count}) and the referrals of one case as
# its page shows them; referrals answers both.
referral_counts: Hook[Callable[[list[int]], dict[int, int]]] = Hook("cases.referral_counts")
case_referrals: Hook[Callable[[int, Staff], list]] = Hook("cases.case_referrals")


def cases_visible_to(actor: Staff) -> sa.Select:
    """A caseworker sees their agency's cases (and those referred to it); a manager every
    case of the centre; the front desk and the administrator none."""
    query = sa.select(Case)
    if actor.role == Role.MANAGER and actor.centre_id:
        return query.where(Case.centre_id == actor.centre_id)
    if actor.role == Role.CASEWORKER and actor.agency_id:
        conditions = [Case.agency_id == actor.agency_id]
        conditions += [rule(actor) for rule in case_visibility.functions()]
        return query.where(Case.centre_id == actor.centre_id, sa.or_(*conditions))
    return query.where(sa.false())


def visible_case_ids(actor: Staff, case_ids) -> set[int]:
    """Which of these cases the actor may open (for showing a link only where it leads)."""
    wanted = {case_id for case_id in case_ids if case_id is not None}
    if not wanted:
        return set()
    return set(db.session.scalars(
        cases_visible_to(actor).with_only_columns(Case.id).where(Case.id.in_(wanted))))


def get_case_or_404(case_id: int, actor: Staff, *, need: str = "view"):
    """Load a case the actor may see, audit the read, and check the wanted right.

    :raise 404: no such case, or invisible to the actor.
    :raise 403: visible, but ``need="edit"`` and the actor is not of the lead agency.
    """
    case = db.session.scalar(cases_visible_to(actor).where(Case.id == case_id))
    if case is None:
        abort(404)
    if need == "edit" and not may_edit_case(actor, case):
        abort(403)
    audit.record(f"case.{need}", actor=actor, subject=case, client_id=case.client_id)
    return case


STALE_CONTACT_DAYS = 30  # a current case nobody has contacted for this long is "stale"


@dataclass(frozen=True)
class CaseloadFilter:
    """What the caseload page was asked to show (from its query string and search box)."""

    mine: bool
    status: str = "current"  # "current" (not closed), "" (all) or a CaseStatus value
    overdue: str = ""  # "assessment", "plan", "goals" or ""
    stale: bool = False
    text: str = ""  # the search box: name, initials, birth date or phone

    @classmethod
    def from_args(cls, args, actor: Staff, text: str = "") -> CaseloadFilter:
        """A caseworker starts on their own cases; a manager on every case of the centre."""
        return cls(mine=args.get("mine", "1" if actor.role == Role.CASEWORKER else "") == "1",
                   status=args.get("status", "current"), overdue=args.get("overdue", ""),
                   stale=args.get("stale") == "1", text=text)


def caseload_query(actor: Staff, wanted: CaseloadFilter) -> sa.Select:
    """The cases the actor may see that match ``wanted``, newest first, ready to paginate."""
    query = cases_visible_to(actor).join(Client, Client.id == Case.client_id)
    if wanted.mine:
        query = query.where(Case.caseworker_id == actor.id)
    if wanted.status == "current":
        query = query.where(Case.status != CaseStatus.CLOSED)
    elif wanted.status in CaseStatus._value2member_map_:
        query = query.where(Case.status == wanted.status)
    if wanted.overdue == "assessment":
        query = query.where(assessment_overdue_clause())
    elif wanted.overdue == "plan":
        query = query.where(plan_overdue_clause())
    elif wanted.overdue == "goals":
        query = query.where(Case.goals.any(sa.and_(
            PlanGoal.status.in_([GoalStatus.PLANNED, GoalStatus.IN_PROGRESS]),
            PlanGoal.target_date < local_today())))
    if wanted.stale:
        cutoff = utcnow() - timedelta(days=STALE_CONTACT_DAYS)
        query = query.where(Case.status != CaseStatus.CLOSED,
                            sa.or_(Case.last_contact_at.is_(None), Case.last_contact_at < cutoff))
    if wanted.text:
        people = search_query(actor, understand(wanted.text, rrn_allowed=False))
        query = query.where(Case.client_id.in_(people.with_only_columns(Client.id))
                            if people is not None else sa.false())
    return query.options(
        selectinload(Case.client), selectinload(Case.agency), selectinload(Case.caseworker),
        selectinload(Case.goals),
    ).order_by(Case.opened_at.desc())
