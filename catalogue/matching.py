"""The matching engine: which services to offer a person, and why.

The intake calls :func:`suggest_services` with what the front desk knows about the visitor;
the catalogue's browse and search pages call :func:`search_services`, the same query with
paging and an optional centre. Both:

- offer only active services, and at a centre only those on its list whose add-on is on and
  whose agency is open (:attr:`CentreService.is_visible`, here as SQL);
- offer a service only when the person meets every condition of it that the centre knows —
  age, sex, customer types, income band, household, disability, the area of a local
  government's service (:mod:`catalogue.eligibility`); a condition the centre does not know
  is shown as "확인 필요", never silently passed; and, for a described person, leave out
  services only for organisations (unless the person runs a small business);
- when customer types or domains are given, keep services matching at least one of them and
  rank those matching more first; the score is computed in SQL so paging stays correct;
- say why each result matched ("임산부 대상", "취업 분야"), which conditions it met ("만 19~34세",
  "구직자·실업자") and which the desk must still ask ("기준 중위소득 100% 이하").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import g
from flask_babel import gettext
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from catalogue.eligibility import Facts, Outcome, checks, sql_filters
from catalogue.models import CentreService, CustomerType, Service, service_customer_types
from centers.models import Agency, AgencyKind, Centre, Domain
from core.extensions import db

# Weights of the ranking: a customer type says most about fit, then the domain asked for,
# then a fitting age range or sex condition (a targeted service), then the name.
TYPE_WEIGHT = 10
DOMAIN_WEIGHT = 5
CONDITION_WEIGHT = 3
NAME_WEIGHT = 2
MAX_TERMS = 5


@dataclass
class Suggestion:
    """One service offered to a person: why it matched, the conditions met (충족) and those
    the desk must still ask (확인 필요), all in the user's language."""

    service: Service
    reasons: list[str]
    score: int
    #: Where the centre offers it (agency and desk); None in the national catalogue.
    offer: CentreService | None = None
    met: list[str] = field(default_factory=list)
    to_check: list[str] = field(default_factory=list)
    #: The reasons as codes, for storing (see :func:`reason_codes`).
    reason_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Criteria:
    """What is known about the person (all optional).

    ``types_known``: the customer types are the desk's record of a registered person, so a
    type not listed is a no (see :data:`catalogue.data.ASKED_TYPES`). Otherwise (a search
    for 청년 services) the types given are yeses and the others unknown, to be checked.
    """

    customer_types: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    age: int | None = None
    sex: str | None = None
    text: str | None = None
    household_size: int | None = None
    home: str | None = None  # the person's 시·군·구 address
    types_known: bool = False
    terms: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self):
        object.__setattr__(self, "terms", tuple((self.text or "").split()[:MAX_TERMS]))

    @property
    def describes_a_person(self) -> bool:
        return (bool(self.customer_types) or self.types_known or self.age is not None
                or self.sex is not None or self.household_size is not None or bool(self.home))

    def facts(self, centre: Centre | None) -> Facts:
        return Facts.of(customer_types=self.customer_types, types_known=self.types_known,
                        age=self.age, sex=self.sex, household_size=self.household_size,
                        home=self.home, centre=centre)


@dataclass
class SearchPage:
    items: list[Suggestion]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def suggest_services(
    centre: Centre,
    *,
    customer_types: Collection[str] = frozenset(),
    domains: Collection[str] = frozenset(),
    age: int | None = None,
    sex: str | None = None,
    text: str | None = None,
    household_size: int | None = None,
    home: str | None = None,
    types_known: bool = False,
    limit: int = 20,
) -> list[Suggestion]:
    """Services of this centre's list for a person, best first, each with its reasons.

    :param customer_types: codes of :class:`~catalogue.models.CustomerType` the person has.
    :param domains: :class:`~catalogue.models.Domain` values (visit purposes).
    :param age: 만 나이; services whose target range excludes it are left out.
    :param sex: ``"M"`` or ``"F"``; services only for the other sex are left out.
    :param text: words that must each appear in the service's name or description.
    :param household_size: persons in the household (1인가구).
    :param home: the person's 시·군·구 address (a local government's services).
    :param types_known: ``customer_types`` is the desk's record of the person (True for a
        registered visitor, even with no type).
    """
    criteria = Criteria(frozenset(customer_types), frozenset(domains), age, sex, text,
                        household_size, home, types_known)
    rows = db.session.execute(ranked_query(centre, criteria).limit(limit)).all()
    return _suggestions(rows, criteria, centre)


def search_services(
    centre: Centre | None, criteria: Criteria, *, page: int = 1, per_page: int = 20
) -> SearchPage:
    """One page of :func:`suggest_services`' results; without a centre, the national catalogue."""
    query = ranked_query(centre, criteria)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    page = max(1, page)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return SearchPage(_suggestions(rows, criteria, centre), total or 0, page, per_page)


def ranked_query(centre: Centre | None, criteria: Criteria) -> sa.Select:
    """``select(Service, CentreService | NULL, score)`` filtered and ordered best first."""
    score = _score(criteria)
    if centre is None:
        query = sa.select(Service, sa.null().label("offer"), score)
    else:
        query = offered_at(centre, sa.select(Service, CentreService, score))
    query = query.where(Service.is_active, *sql_filters(criteria.facts(centre)))
    if criteria.describes_a_person and "small_business" not in criteria.customer_types:
        query = query.where(Service.for_people)
    for term in criteria.terms:
        query = query.where(sa.or_(*(
            column.icontains(term, autoescape=True)
            for column in (Service.name, Service.purpose, Service.target, Service.support,
                           Service.provider, Service.category)
        )))
    wanted = []
    if criteria.customer_types:
        wanted.append(_has_type(criteria.customer_types))
    if criteria.domains:
        wanted.append(Service.domain.in_([Domain(d) for d in criteria.domains]))
    if wanted:
        query = query.where(sa.or_(*wanted))
    return query.options(selectinload(Service.customer_types)).order_by(
        score.desc(), Service.name, Service.id
    )


def offered_at(centre: Centre, query: sa.Select) -> sa.Select:
    """Restrict ``query`` to the services on the centre's list that it offers now.

    SQL of :attr:`CentreService.is_visible`: the add-on of the service's domain is on, and the
    agency giving it (if any) is active and not of a switched-off add-on.
    """
    hidden_domains = [d for d in Domain if d.addon and not centre.has_addon(d.addon)]
    hidden_kinds = [k for k in AgencyKind if k.addon and not centre.has_addon(k.addon)]
    query = (
        query.join(CentreService, CentreService.service_id == Service.id)
        .outerjoin(Agency, Agency.id == CentreService.agency_id)
        .where(CentreService.centre_id == centre.id)
        .where(sa.or_(CentreService.agency_id.is_(None), Agency.is_active))
        .options(selectinload(CentreService.agency))
    )
    if hidden_domains:
        query = query.where(Service.domain.not_in(hidden_domains))
    if hidden_kinds:
        query = query.where(sa.or_(CentreService.agency_id.is_(None), Agency.kind.not_in(hidden_kinds)))
    return query


def _has_type(codes: Collection[str]) -> sa.ColumnElement[bool]:
    return sa.exists().where(
        service_customer_types.c.service_id == Service.id,
        service_customer_types.c.customer_type_code.in_(list(codes)),
    )


def _score(criteria: Criteria) -> sa.ColumnElement[int]:
    parts: list[sa.ColumnElement[int]] = [sa.literal(0)]
    if criteria.customer_types:
        hits = (
            sa.select(sa.func.count())
            .where(
                service_customer_types.c.service_id == Service.id,
                service_customer_types.c.customer_type_code.in_(list(criteria.customer_types)),
            )
            .scalar_subquery()
        )
        parts.append(hits * TYPE_WEIGHT)
    if criteria.domains:
        domains = [Domain(d) for d in criteria.domains]
        parts.append(sa.case((Service.domain.in_(domains), DOMAIN_WEIGHT), else_=0))
    if criteria.age is not None:
        ranged = sa.or_(Service.min_age.is_not(None), Service.max_age.is_not(None))
        parts.append(sa.case((ranged, CONDITION_WEIGHT), else_=0))
    if criteria.sex:
        parts.append(sa.case((Service.sex.is_not(None), CONDITION_WEIGHT), else_=0))
    for term in criteria.terms:
        parts.append(sa.case((Service.name.icontains(term, autoescape=True), NAME_WEIGHT), else_=0))
    return sum(parts[1:], parts[0]).label("score")


def _suggestions(rows, criteria: Criteria, centre: Centre | None) -> list[Suggestion]:
    facts = criteria.facts(centre)
    found = []
    for service, offer, score in rows:
        conditions = checks(service, facts)
        found.append(Suggestion(
            service, reasons(service, criteria), int(score), offer,
            reason_codes=reason_codes(service, criteria),
            met=[c.label for c in conditions if c.outcome is Outcome.MET],
            to_check=[c.label for c in conditions if c.outcome is Outcome.TO_CHECK],
        ))
    return found


def reasons(service: Service, criteria: Criteria) -> list[str]:
    """Why ``service`` matched (what the person asked for or is), in the order of the score's
    weights, in the reader's language; the conditions it meets are :attr:`Suggestion.met`.
    (The same as ``reason_texts(reason_codes(...))``, from the service's loaded types.)"""
    found = [
        _("%(name)s 대상", name=customer_type.label)
        for customer_type in service.customer_types
        if customer_type.code in criteria.customer_types
    ]
    if service.domain.value in criteria.domains:
        found.append(_("%(domain)s 분야", domain=service.domain.label))
    found.extend(
        _("검색어 '%(term)s'", term=term) for term in criteria.terms
        if term.lower() in service.name.lower()
    )
    return found


def reason_codes(service: Service, criteria: Criteria) -> list[str]:
    """The reasons as codes, to be stored (a visit's suggestions) and read in any language:
    ``type:<customer type code>``, ``domain:<domain>``, ``term:<search term>``."""
    codes = [f"type:{customer_type.code}" for customer_type in service.customer_types
             if customer_type.code in criteria.customer_types]
    if service.domain.value in criteria.domains:
        codes.append(f"domain:{service.domain.value}")
    codes.extend(f"term:{term}" for term in criteria.terms if term.lower() in service.name.lower())
    return codes


def reason_texts(codes: list[str]) -> list[str]:
    """Reason codes in the reader's language. Text stored before reasons were codes (Korean)
    is shown as it was."""
    if "customer_type_names" not in g:  # the 18 names, read once per request
        g.customer_type_names = dict(db.session.execute(
            sa.select(CustomerType.code, CustomerType.name)).all())
    texts = []
    for code in codes:
        kind, _sep, value = code.partition(":")
        if kind == "type" and value in g.customer_type_names:
            texts.append(_("%(name)s 대상", name=gettext(g.customer_type_names[value])))
        elif kind == "domain" and value in Domain._value2member_map_:
            texts.append(_("%(domain)s 분야", domain=Domain(value).label))
        elif kind == "term" and value:
            texts.append(_("검색어 '%(term)s'", term=value))
        else:
            texts.append(code)
    return texts
