"""Hand-made visitor profiles and the sample services each should and should not be offered.

The services are the bundled open-data sample (``catalogue/demo_data``, 40 services, the same
as ``/work/shared/data``), all on the list of one centre in 경기도 남양주시 with every add-on
on. Each profile is what the front desk would have recorded: age, sex, the customer types
ticked, household size, the 시·군·구 of the address, and today's visit purposes. ``should``
and ``should_not`` were written by reading each service's 지원대상 and support conditions as a
caseworker would — not by running the engine. A service in neither list is not judged.

Used by ``tests/test_catalogue_profiles.py`` (the rules hold) and
``scripts/bench_suggestions.py`` (precision and recall, printed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from catalogue import importer, open_data
from catalogue.matching import suggest_services
from catalogue.models import CentreService, Service
from centers.models import Addon, Centre, CentreAddon
from core.extensions import db

SAMPLE = Path(__file__).resolve().parent.parent / "catalogue" / "demo_data"
EVERYTHING = 1000  # a limit above the sample's size: the rules alone decide


@dataclass(frozen=True)
class Profile:
    label: str
    age: int | None = None
    sex: str | None = None
    types: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    household: int | None = None
    home: str = ""
    registered: bool = True  # a registered person: the desk's record of customer types
    should: tuple[str, ...] = ()
    should_not: tuple[str, ...] = ()


# Short names of the sample's services, as they are in 서비스명.
국취 = "국민취업지원제도"
실업급여 = "구직급여(실업급여)"
내일배움 = "국민내일배움카드"
긴급생계 = "긴급복지 생계지원"
생계급여 = "기초생활보장 생계급여"
주거급여 = "주거급여"
자활근로 = "자활근로사업"
희망저축 = "희망저축계좌Ⅰ"
미소금융 = "미소금융 창업·운영자금"
햇살론 = "햇살론15"
채무조정 = "개인채무조정(신용회복)"
문화누리 = "문화누리카드"
여성새일 = "여성새로일하기센터 취업지원"
양육비 = "한부모가족 아동양육비"
임산부교통비 = "임산부 교통비 지원"
첫만남 = "첫만남이용권"
부모급여 = "부모급여"
농어민소득 = "경기도 농어민 기회소득"
농업인보험 = "농업인 안전재해보험"
청년농 = "청년농업인 영농정착지원"
장애인일자리 = "장애인 일자리 지원"
장애인연금 = "장애인연금"
기초연금 = "기초연금"
노인일자리 = "노인일자리 및 사회활동 지원"
탈북장려금 = "북한이탈주민 취업장려금"
다문화방문 = "다문화가족 방문교육"
제대군인 = "제대군인 전직지원금"
중장년 = "중장년 경력설계 카운슬링"
청년월세 = "청년월세 특별지원"
에너지 = "에너지바우처"
소상공인 = "소상공인 정책자금"
예비창업 = "예비창업패키지"
창업보육 = "경기창조경제혁신센터 창업보육"
평생학습 = "남양주시 평생학습 강좌"
다자녀 = "다자녀가정 전기요금 감면"
의료급여 = "의료급여"
긴급의료 = "긴급복지 의료지원"
고용장려금 = "고용촉진장려금"
마음건강 = "청년 마음건강 지원"
통합상담 = "남양주 고용복지+센터 통합상담"

HOME = "남양주시"

PROFILES: tuple[Profile, ...] = (
    # --- the two complaints ---------------------------------------------------------
    Profile("구직자 30세 남성 (장애 없음)", 30, "M", ("job_seeker",), ("jobs",), home=HOME,
            should=(국취, 실업급여, 내일배움),
            should_not=(장애인일자리, 장애인연금, 제대군인, 여성새일, 중장년, 노인일자리)),
    Profile("장애인 표시 없는 45세 여성, 복지 방문", 45, "F", (), ("welfare",), home=HOME,
            should=(긴급생계, 통합상담),
            should_not=(장애인연금, 장애인일자리, 양육비, 기초연금, 마음건강)),
    # --- employment ----------------------------------------------------------------------------
    Profile("장애인 구직자 35세", 35, "M", ("job_seeker", "disabled"), ("jobs",), home=HOME,
            should=(장애인일자리, 국취, 실업급여, 내일배움, 장애인연금),
            should_not=(제대군인, 노인일자리, 청년농)),
    Profile("제대군인 구직자 42세", 42, "M", ("job_seeker", "veteran"), ("jobs",), home=HOME,
            should=(제대군인, 국취, 실업급여, 내일배움, 중장년),
            should_not=(장애인일자리, 여성새일, 마음건강)),
    Profile("경력단절여성 38세 구직", 38, "F", ("career_break_women", "job_seeker"),
            ("jobs", "women"), home=HOME,
            should=(여성새일, 국취, 실업급여, 내일배움),
            should_not=(장애인일자리, 제대군인, 중장년, 청년월세)),
    Profile("구직 남성 38세, 여성새일 아님", 38, "M", ("job_seeker",), ("jobs", "women"),
            home=HOME, should=(국취, 실업급여), should_not=(여성새일, 장애인일자리)),
    Profile("청년 구직자 26세, 1인가구", 26, "M", ("youth", "job_seeker"), ("jobs",),
            household=1, home=HOME,
            should=(국취, 실업급여, 내일배움, 청년월세, 마음건강),
            should_not=(중장년, 노인일자리, 장애인일자리, 청년농)),
    Profile("청년 26세, 부모와 4인 가구", 26, "F", ("youth",), ("welfare",), household=4,
            home=HOME, should=(마음건강,), should_not=(청년월세, 기초연금, 양육비)),
    Profile("중장년 재직자 52세", 52, "M", ("middle_aged",), ("jobs",), home=HOME,
            should=(내일배움, 중장년),
            should_not=(실업급여, 국취, 노인일자리, 마음건강, 청년월세, 장애인일자리)),
    Profile("중장년 구직자 58세", 58, "F", ("middle_aged", "job_seeker"), ("jobs",), home=HOME,
            should=(중장년, 국취, 실업급여, 내일배움),
            should_not=(노인일자리, 기초연금, 청년월세, 마음건강)),
    Profile("70세 구직자", 70, "M", ("senior", "job_seeker"), ("jobs",), home=HOME,
            should=(노인일자리, 실업급여, 기초연금),
            should_not=(국취, 청년농, 마음건강, 장애인일자리)),
    Profile("17세 구직 청소년", 17, "M", ("job_seeker",), ("jobs",), home=HOME,
            should=(국취, 실업급여), should_not=(장애인일자리, 청년월세, 마음건강, 중장년)),
    Profile("북한이탈주민 재직 33세", 33, "M", ("north_korean_defector",), ("jobs",), home=HOME,
            should=(탈북장려금, 내일배움), should_not=(실업급여, 제대군인, 다문화방문)),
    Profile("북한이탈주민 표시 없는 33세", 33, "M", (), ("jobs",), home=HOME,
            should=(내일배움,), should_not=(탈북장려금, 실업급여, 국취)),
    # --- welfare and income ------------------------------------------------------------------
    Profile("기초생활수급 50세 구직", 50, "M", ("basic_livelihood", "job_seeker"),
            ("welfare", "self_support"), home=HOME,
            should=(생계급여, 주거급여, 자활근로, 의료급여, 에너지, 긴급생계, 국취),
            should_not=(장애인연금, 기초연금, 양육비)),
    Profile("기초생활수급 50세 재직", 50, "F", ("basic_livelihood",), ("welfare",), home=HOME,
            should=(생계급여, 주거급여, 의료급여, 에너지, 희망저축, 긴급생계),
            should_not=(자활근로, 장애인연금, 기초연금)),
    Profile("차상위 40세 구직", 40, "M", ("near_poverty", "job_seeker"), ("self_support",),
            home=HOME, should=(자활근로, 긴급생계, 국취, 문화누리),
            should_not=(장애인연금, 양육비)),
    Profile("저소득 1인가구 60세", 60, "M", ("low_income",), ("welfare",), household=1,
            home=HOME, should=(긴급생계, 긴급의료, 문화누리, 에너지),
            should_not=(기초연금, 양육비, 청년월세, 장애인연금)),
    Profile("소득 모름 45세 남성, 복지 방문", 45, "M", (), ("welfare",), home=HOME,
            should=(긴급생계, 생계급여, 주거급여, 의료급여, 통합상담),
            should_not=(장애인연금, 기초연금, 양육비, 다자녀, 청년월세)),
    Profile("한부모 저소득 여성 34세", 34, "F", ("single_parent", "low_income"), ("welfare",),
            household=3, home=HOME, should=(양육비, 긴급생계, 문화누리),
            should_not=(다자녀, 장애인연금, 청년월세, 다문화방문)),
    Profile("한부모 표시 없는 여성 34세", 34, "F", ("low_income",), ("welfare",),
            household=3, home=HOME, should=(긴급생계,), should_not=(양육비, 다자녀)),
    Profile("다자녀 가구 41세", 41, "M", ("multi_child",), ("welfare",), household=6,
            home=HOME, should=(다자녀, 긴급생계), should_not=(양육비, 청년월세, 장애인연금)),
    Profile("다자녀 아닌 4인 가구 41세", 41, "M", (), ("welfare",), household=4, home=HOME,
            should=(긴급생계,), should_not=(다자녀, 양육비)),
    Profile("다문화가족 29세 여성", 29, "F", ("multicultural",), ("welfare",), household=3,
            home=HOME, should=(다문화방문, 마음건강), should_not=(양육비, 탈북장려금, 다자녀)),
    Profile("장애인 55세 복지", 55, "M", ("disabled",), ("welfare",), home=HOME,
            should=(장애인연금, 긴급생계), should_not=(장애인일자리, 기초연금, 양육비)),
    Profile("장애인 16세 (연금 나이 전)", 16, "F", ("disabled",), ("welfare",), home=HOME,
            should=(긴급생계,), should_not=(장애인연금, 장애인일자리)),
    Profile("노인 68세 복지", 68, "F", ("senior",), ("welfare",), home=HOME,
            should=(기초연금, 노인일자리, 긴급생계),
            should_not=(마음건강, 청년월세, 장애인연금)),
    Profile("노인 64세 (기초연금 나이 전)", 64, "M", ("senior",), ("welfare",), home=HOME,
            should=(노인일자리,), should_not=(기초연금, 마음건강)),
    # --- pregnancy and children ----------------------------------------------------------------
    Profile("임산부 31세 남양주 거주", 31, "F", ("pregnant",), ("welfare",), home=HOME,
            should=(임산부교통비, 긴급생계), should_not=(첫만남, 부모급여, 양육비, 다자녀)),
    Profile("임산부 31세 구리시 거주", 31, "F", ("pregnant",), ("welfare",), home="구리시",
            should=(긴급생계,), should_not=(임산부교통비, 첫만남, 평생학습)),
    Profile("임산부 31세 주소 미기록", 31, "F", ("pregnant",), ("welfare",),
            should=(임산부교통비, 긴급생계), should_not=(첫만남, 부모급여)),
    Profile("영유아 부모 33세", 33, "M", ("infant_household",), ("welfare",), household=3,
            home=HOME, should=(첫만남, 부모급여), should_not=(임산부교통비, 양육비, 다자녀)),
    Profile("임산부 표시 없는 여성 31세", 31, "F", (), ("welfare",), home=HOME,
            should=(긴급생계,), should_not=(임산부교통비, 첫만남, 부모급여)),
    # --- farming, small business, start-ups ---------------------------------------------------
    Profile("농업인 30세 남양주", 30, "M", ("farmer_fisher", "youth"), ("other",), home=HOME,
            should=(농어민소득, 청년농, 마음건강), should_not=(장애인일자리, 소상공인)),
    Profile("농업인 62세 남양주", 62, "M", ("farmer_fisher",), ("other",), home=HOME,
            should=(농어민소득, 농업인보험), should_not=(청년농, 기초연금)),
    Profile("농업인 90세", 90, "M", ("farmer_fisher", "senior"), ("other",), home=HOME,
            should=(농어민소득, 기초연금), should_not=(농업인보험, 청년농)),
    Profile("농업인 표시 없는 30세", 30, "M", (), ("other",), home=HOME,
            should=(), should_not=(농어민소득, 농업인보험, 청년농)),
    Profile("소상공인 45세", 45, "M", ("small_business",), ("finance", "creative_economy"),
            home=HOME, should=(소상공인, 미소금융, 햇살론, 창업보육),
            should_not=(고용장려금, 장애인일자리)),
    Profile("예비창업자 29세 (소상공인 아님)", 29, "F", ("youth",), ("creative_economy",),
            home=HOME, should=(예비창업, 창업보육, 마음건강, 미소금융),
            should_not=(소상공인, 고용장려금)),
    Profile("채무 상담 39세", 39, "M", (), ("finance",), home=HOME,
            should=(채무조정, 햇살론), should_not=(미소금융, 소상공인, 고용장려금)),
    # --- culture, region, anonymous -----------------------------------------------------------
    Profile("문화 방문 남양주 40세", 40, "F", (), ("culture",), home=HOME,
            should=(평생학습, 문화누리), should_not=(장애인연금, 기초연금)),
    Profile("문화 방문 서울 강동구 40세", 40, "F", (), ("culture",), home="강동구",
            should=(문화누리,), should_not=(평생학습,)),
    Profile("익명 방문, 취업 목적", purposes=("jobs",), registered=False,
            should=(국취, 실업급여, 내일배움, 장애인일자리, 중장년, 노인일자리),
            should_not=()),
    Profile("익명 방문, 복지 목적", purposes=("welfare",), registered=False,
            should=(긴급생계, 생계급여, 장애인연금, 기초연금, 통합상담),
            should_not=()),
)


# --- running them ------------------------------------------------------------------------------

def setup_sample_centre() -> Centre:
    """Import the sample and put every service on one 남양주 centre's list, add-ons on."""
    files = open_data.read_files(
        (SAMPLE / "public-services-sample.csv").read_bytes(), "public-services-sample.csv",
        (SAMPLE / "public-services-conditions-sample.csv").read_bytes(),
        "public-services-conditions-sample.csv",
    )
    importer.import_services(files, full=False)
    centre = Centre(code="bench-namyangju", name="남양주 고용복지+센터 (측정)", sido="경기도",
                    sigungu=HOME)
    centre.addon_rows = [CentreAddon(addon=addon) for addon in Addon]
    db.session.add(centre)
    db.session.flush()
    for service_id in db.session.scalars(sa.select(Service.id)):
        db.session.add(CentreService(centre_id=centre.id, service_id=service_id))
    db.session.commit()
    return centre


def suggested(centre: Centre, profile: Profile, limit: int = EVERYTHING):
    """The suggestions the visit page would show for this profile (at most ``limit``)."""
    return suggest_services(
        centre, customer_types=profile.types, domains=profile.purposes, age=profile.age,
        sex=profile.sex, household_size=profile.household, home=profile.home or None,
        types_known=profile.registered, limit=limit,
    )


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        offered = self.true_positives + self.false_positives
        return self.true_positives / offered if offered else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def score(centre: Centre, limit: int = EVERYTHING) -> tuple[Score, list[str]]:
    """Precision and recall over the judged (profile, service) pairs, and each miss."""
    total, misses = Score(), []
    for profile in PROFILES:
        names = {s.service.name for s in suggested(centre, profile, limit)}
        for name in dict.fromkeys(profile.should):
            if name in names:
                total.true_positives += 1
            else:
                total.false_negatives += 1
                misses.append(f"{profile.label}: {name} 빠짐")
        for name in dict.fromkeys(profile.should_not):
            if name in names:
                total.false_positives += 1
                misses.append(f"{profile.label}: {name} 잘못 제안")
    return total, misses
