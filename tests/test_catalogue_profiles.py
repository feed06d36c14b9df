"""The suggestion rules measured on 44 hand-made visitor profiles (tests/suggestion_profiles.py).

Precision and recall are printed by ``scripts/bench_suggestions.py`` and written in
docs/suggestions.md; here the table must hold as measured, and the database rule and the
Python rule must agree on every profile.
"""

import pytest
import sqlalchemy as sa
from suggestion_profiles import PROFILES, score, setup_sample_centre, suggested

from catalogue.eligibility import Outcome, checks
from catalogue.matching import Criteria, suggest_services
from catalogue.models import Service
from centers.models import Domain
from core.extensions import db


@pytest.fixture
def centre():
    return setup_sample_centre()


def test_the_table_has_at_least_forty_judged_profiles():
    assert len(PROFILES) >= 40
    assert len({p.label for p in PROFILES}) == len(PROFILES)
    assert all(p.should or p.should_not for p in PROFILES)
    for profile in PROFILES:
        assert not set(profile.should) & set(profile.should_not), profile.label


def test_profiles_get_what_they_should_and_nothing_they_should_not(centre):
    total, misses = score(centre)
    assert total.false_positives == 0, misses
    # The one known miss: 미소금융 reads "자영업" in its text as 소상공인, so a would-be
    # founder who is not one is not offered it (docs/suggestions.md).
    assert misses == ["예비창업자 29세 (소상공인 아님): 미소금융 창업·운영자금 빠짐"]
    assert total.recall >= 0.99


def test_the_database_and_python_rules_agree_on_every_profile(centre):
    """With every domain asked for (so relevance keeps all), the database offers exactly the
    services none of whose conditions fails in Python."""
    services = db.session.scalars(sa.select(Service).where(Service.for_people)).all()
    for profile in PROFILES:
        facts = Criteria(customer_types=frozenset(profile.types), age=profile.age,
                         sex=profile.sex, household_size=profile.household,
                         home=profile.home or None, types_known=profile.registered,
                         ).facts(centre)
        offered = {s.service.id for s in suggest_services(
            centre, customer_types=profile.types, domains=set(Domain), age=profile.age,
            sex=profile.sex, household_size=profile.household, home=profile.home or None,
            types_known=profile.registered, limit=1000)}
        passing = {service.id for service in services
                   if not any(c.outcome is Outcome.FAILED for c in checks(service, facts))}
        assert offered & {s.id for s in services} == passing, profile.label


def test_every_suggestion_says_what_is_met_and_what_to_check(centre):
    by_label = {p.label: p for p in PROFILES}
    found = {s.service.name: s for s in suggested(centre, by_label["구직자 30세 남성 (장애 없음)"])}
    assert found["국민취업지원제도"].met == ["만 15~69세", "구직자·실업자"]
    assert found["국민취업지원제도"].to_check == ["기준 중위소득 100% 이하"]
    assert "장애인 일자리 지원" not in found
    found = {s.service.name: s for s in suggested(centre, by_label["임산부 31세 주소 미기록"])}
    assert found["임산부 교통비 지원"].met == ["임산부"]
    assert found["임산부 교통비 지원"].to_check == ["남양주시 거주"]
    found = {s.service.name: s for s in suggested(centre, by_label["청년 구직자 26세, 1인가구"])}
    assert found["청년월세 특별지원"].met == ["만 19~34세", "1인가구"]
    assert found["청년월세 특별지원"].to_check == ["무주택세대"]
