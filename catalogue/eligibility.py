"""Eligibility: which of a service's conditions a person meets, fails, or must still be asked.

A service states conditions: an age range, a sex, the support-condition codes of the open data
(grouped into questions by :data:`catalogue.data.CONDITION_GROUPS`), the policy-customer types
it is for, and the area of the local government that gives it. The centre knows some things
about a person: age, sex, the customer types the desk recorded, household size, the address
and the centre's own area. :class:`Facts` turns what is known into answers to the codes;
:func:`checks` answers each of a service's conditions with one of three outcomes:

- met (충족): what the centre knows satisfies it;
- to check (확인 필요): the centre does not know (income band, 무주택, an address not recorded);
- failed: what the centre knows rules it out — the service is not suggested.

:func:`sql_filters` is the same rule for the database, so that paging counts stay right: the
matching engine (:mod:`catalogue.matching`) leaves out every service with a failed condition.
Both read the one :class:`Facts`; a test runs the profile table through both and checks that
they agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

import sqlalchemy as sa
from flask_babel import gettext as _

from catalogue import data
from catalogue.models import Service, service_customer_types
from centers.models import Centre, Sex

GROUP_OF: dict[str, str] = {
    code: group for group, codes in data.CONDITION_GROUPS.items() for code in codes
}
#: The question a customer type on a service asks (the group of its codes).
TYPE_GROUP: dict[str, str] = {
    code: GROUP_OF[codes[0]] for code, codes in data.TYPE_CONDITION_CODES.items()
}
INCOME_CEILING = {"JA0201": 50, "JA0202": 75, "JA0203": 100, "JA0204": 200}


class Outcome(Enum):
    MET = "met"
    TO_CHECK = "to_check"
    FAILED = "failed"


@dataclass(frozen=True)
class Check:
    """One condition of a service and how this person stands with it."""

    label: str
    outcome: Outcome


@dataclass
class Facts:
    """What the centre knows about the person, as answers to the support-condition codes.

    ``has_one_of`` holds sets of codes the person has at least one of (a 농어업인 is a farmer,
    fisher, stock-breeder or forester, the desk did not say which); ``lacks`` the codes the
    person surely does not have.
    """

    age: int | None = None
    sex: str | None = None
    customer_types: frozenset[str] = frozenset()
    home: tuple[str, ...] = ()  # the words of the person's 시·군·구 address, if recorded
    centre: Centre | None = None
    has_one_of: list[frozenset[str]] = field(default_factory=list)
    lacks: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, *, customer_types: Iterable[str] = (), types_known: bool = False,
           age: int | None = None, sex: str | None = None, household_size: int | None = None,
           home: str | None = None, centre: Centre | None = None) -> Facts:
        """:param types_known: the customer types are the desk's record of this person, so a
            type it does not list (among :data:`~catalogue.data.ASKED_TYPES`) is a no."""
        types = frozenset(customer_types)
        facts = cls(age=age, sex=sex, customer_types=types,
                    home=tuple((home or "").split()), centre=centre)
        for code in sorted(types):
            if code in data.TYPE_CONDITION_CODES:
                facts.has_one_of.append(frozenset(data.TYPE_CONDITION_CODES[code]))
            facts.lacks.update(data.TYPE_RULES_OUT.get(code, ()))
        if types_known:
            for code in sorted(data.ASKED_TYPES - types):
                facts.lacks.update(data.TYPE_CONDITION_CODES[code])
        if age is not None:
            for code, (lowest, highest) in data.AGE_BAND_AGES.items():
                if lowest <= age and (highest is None or age <= highest):
                    facts.has_one_of.append(frozenset({code}))
                else:
                    facts.lacks.add(code)
        if household_size is not None:
            for code, size in data.HOUSEHOLD_SIZE_CODES.items():
                if household_size == size:
                    facts.has_one_of.append(frozenset({code}))
                else:
                    facts.lacks.add(code)
        return facts

    def answer(self, allowed: frozenset[str]) -> Outcome:
        """How the person stands with a question that any of ``allowed`` answers."""
        if any(known <= allowed for known in self.has_one_of):
            return Outcome.MET
        if allowed <= self.lacks:
            return Outcome.FAILED
        return Outcome.TO_CHECK

    def region_answer(self, region: str) -> Outcome:
        """A service of the local government ``region`` (경기도, 남양주시) and this person."""
        centre = self.centre
        if region in self.home:
            return Outcome.MET
        if centre is not None and region == centre.sido and centre.sigungu in self.home:
            return Outcome.MET
        if centre is None or region == centre.sido:
            return Outcome.TO_CHECK
        if not self.home and region == centre.sigungu:
            return Outcome.TO_CHECK
        return Outcome.FAILED

    def allowed_regions(self) -> set[str] | None:
        """The service regions not failed, for SQL; None when any may be (no centre)."""
        if self.centre is None:
            return None
        allowed = set(self.home) | {self.centre.sido}
        if not self.home:
            allowed.add(self.centre.sigungu)
        return allowed


# --- one service, in Python ----------------------------------------------------------------

def service_conditions(service: Service) -> dict[str, tuple[frozenset[str], str]]:
    """The questions a service asks: group → (the codes any of which answers it, label).

    The support-condition codes answer a question when the service has any in its group;
    otherwise the service's customer types of that group do (장애인 on a hand-entered service).
    """
    asked: dict[str, set[str]] = {}
    for code in service.condition_codes or ():
        if code in GROUP_OF:
            asked.setdefault(GROUP_OF[code], set()).add(code)
    conditions = {group: (frozenset(codes), _codes_label(group, codes))
                  for group, codes in asked.items()}
    by_type: dict[str, tuple[set[str], list[str]]] = {}
    for customer_type in service.customer_types:
        group = TYPE_GROUP.get(customer_type.code)
        if group is None or group in asked:
            continue
        codes, names = by_type.setdefault(group, (set(), []))
        codes.update(data.TYPE_CONDITION_CODES[customer_type.code])
        names.append(customer_type.label)
    for group, (codes, names) in by_type.items():
        conditions[group] = (frozenset(codes), _or(names))
    return conditions


def checks(service: Service, facts: Facts) -> list[Check]:
    """Each condition of ``service`` with the person's outcome, in a fixed order."""
    found = []
    if service.min_age is not None or service.max_age is not None:
        found.append(Check(service.age_label, _age_outcome(service, facts.age)))
    elif "age_band" not in service_conditions(service):
        age_types = [t for t in service.customer_types if t.code in data.TYPE_AGES]
        if age_types:
            found.append(Check(_or([t.label for t in age_types]), _age_type_outcome(age_types, facts)))
    if service.sex is not None:
        outcome = (Outcome.TO_CHECK if facts.sex is None
                   else Outcome.MET if Sex(facts.sex) == service.sex else Outcome.FAILED)
        found.append(Check(service.sex.label, outcome))
    for _group, (allowed, label) in sorted(service_conditions(service).items(),
                                          key=lambda item: _GROUP_ORDER[item[0]]):
        found.append(Check(label, facts.answer(allowed)))
    if service.region:
        found.append(Check(_("%(region)s 거주", region=service.region),
                           facts.region_answer(service.region)))
    return found


_GROUP_ORDER = {group: n for n, group in enumerate(data.CONDITION_GROUPS)}


def _age_outcome(service: Service, age: int | None) -> Outcome:
    if age is None:
        return Outcome.TO_CHECK
    if (service.min_age is not None and age < service.min_age) or (
            service.max_age is not None and age > service.max_age):
        return Outcome.FAILED
    return Outcome.MET


def _age_type_outcome(age_types, facts: Facts) -> Outcome:
    if facts.age is not None:
        return Outcome.MET if any(_in_range(facts.age, data.TYPE_AGES[t.code])
                                  for t in age_types) else Outcome.FAILED
    if any(t.code in facts.customer_types for t in age_types):
        return Outcome.MET
    return Outcome.TO_CHECK


def _in_range(age: int, bounds: tuple[int, int | None]) -> bool:
    lowest, highest = bounds
    return lowest <= age and (highest is None or age <= highest)


def _codes_label(group: str, codes: set[str]) -> str:
    ordered = [code for code in data.CONDITION_GROUPS[group] if code in codes]
    bands = data.CONDITION_GROUPS["income"]
    if group == "income" and tuple(ordered) == bands[:len(ordered)] and ordered[-1] in INCOME_CEILING:
        return _("기준 중위소득 %(percent)d%% 이하", percent=INCOME_CEILING[ordered[-1]])
    return _or([data.JA_LABELS.get(code, code) for code in ordered])


def _or(labels: list[str]) -> str:
    return _(" 또는 ").join(labels)


# --- the same rule in SQL ------------------------------------------------------------------

def sql_filters(facts: Facts) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses that leave out every service with a failed condition (see :func:`checks`)."""
    filters = []
    if facts.age is not None:
        filters.append(sa.or_(Service.min_age.is_(None), Service.min_age <= facts.age))
        filters.append(sa.or_(Service.max_age.is_(None), Service.max_age >= facts.age))
        filters.append(sa.not_(_fails_age_types(facts.age)))
    if facts.sex:
        filters.append(sa.or_(Service.sex.is_(None), Service.sex == Sex(facts.sex)))
    for codes in data.CONDITION_GROUPS.values():
        failing = _fails_group(facts, codes)
        if failing is not None:
            filters.append(sa.not_(failing))
    regions = facts.allowed_regions()
    if regions is not None:
        filters.append(sa.or_(Service.region == "", Service.region.in_(sorted(regions))))
    return filters


def _fails_group(facts: Facts, codes: tuple[str, ...]) -> sa.ColumnElement[bool] | None:
    """A service fails a question when every code (or type) it accepts is one the person lacks."""
    lacked = [code for code in codes if code in facts.lacks]
    if not lacked:
        return None
    others = [code for code in codes if code not in facts.lacks]
    by_codes = _has_code(lacked)
    if others:
        by_codes = sa.and_(by_codes, sa.not_(_has_code(others)))
    types = [t for t, tc in data.TYPE_CONDITION_CODES.items() if set(tc) <= set(codes)]
    lacked_types = [t for t in types if set(data.TYPE_CONDITION_CODES[t]) <= facts.lacks]
    if not lacked_types:
        return by_codes
    by_types = sa.and_(_has_type(lacked_types), sa.not_(_has_code(codes)))
    other_types = [t for t in types if t not in lacked_types]
    if other_types:
        by_types = sa.and_(by_types, sa.not_(_has_type(other_types)))
    return sa.or_(by_codes, by_types)


def _fails_age_types(age: int) -> sa.ColumnElement[bool]:
    """Only for age-like types none of whose ages fit, and stating no age range of its own."""
    outside = [t for t, bounds in data.TYPE_AGES.items() if not _in_range(age, bounds)]
    inside = [t for t in data.TYPE_AGES if t not in outside]
    failing = sa.and_(
        Service.min_age.is_(None), Service.max_age.is_(None),
        sa.not_(_has_code(data.CONDITION_GROUPS["age_band"])),
        _has_type(outside) if outside else sa.false(),
    )
    if inside:
        failing = sa.and_(failing, sa.not_(_has_type(inside)))
    return failing


def _has_code(codes: Iterable[str]) -> sa.ColumnElement[bool]:
    # condition_codes is a JSON list of fixed-form codes; its text holds each as "JA0328" on
    # both engines, so a LIKE on the text is exact and needs no JSON functions.
    text = sa.cast(Service.condition_codes, sa.String)
    return sa.or_(*(text.like(f'%"{code}"%') for code in codes))


def _has_type(codes: Iterable[str]) -> sa.ColumnElement[bool]:
    return sa.exists().where(
        service_customer_types.c.service_id == Service.id,
        service_customer_types.c.customer_type_code.in_(list(codes)),
    )
