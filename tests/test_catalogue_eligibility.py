"""Each support-condition code, answered from what the centre knows (catalogue/data.py)."""

import pytest
import sqlalchemy as sa

from catalogue import data
from catalogue.eligibility import Facts, Outcome, checks
from catalogue.matching import suggest_services
from catalogue.models import CustomerType, Service
from core.extensions import db
from factories import make_centre, make_service

MET, CHECK, FAILED = Outcome.MET, Outcome.TO_CHECK, Outcome.FAILED

# A registered visitor with no customer type ticked, 40 years old, in a household of three.
NOBODY = {"types_known": True, "age": 40, "sex": "M", "household_size": 3}

#: code → (what a person who has it looks like, the outcome for them, the outcome for NOBODY).
#: With nothing known at all every code is "to check".
PER_CODE = {
    "JA0103": ({"age": 3}, MET, FAILED),
    "JA0104": ({"age": 6}, MET, FAILED),
    "JA0105": ({"age": 18}, MET, FAILED),
    "JA0106": ({"age": 19}, MET, FAILED),
    "JA0107": ({"age": 49}, MET, MET),
    "JA0108": ({"age": 50}, MET, FAILED),
    "JA0109": ({"age": 65}, MET, FAILED),
    # Income: the desk does not measure it, so an untagged person is never a no.
    "JA0201": ({"customer_types": ["basic_livelihood"]}, MET, CHECK),
    "JA0202": ({"customer_types": ["low_income"]}, CHECK, CHECK),  # 저소득 may be ≤50%
    "JA0203": ({"customer_types": ["basic_livelihood"]}, FAILED, CHECK),
    "JA0204": ({"customer_types": ["near_poverty"]}, FAILED, CHECK),
    "JA0205": ({"customer_types": ["low_income"]}, FAILED, CHECK),
    "JA0301": ({"customer_types": ["pregnant"]}, CHECK, CHECK),  # 예비부모·난임: not recorded
    "JA0302": ({"customer_types": ["pregnant"]}, MET, FAILED),
    "JA0303": ({"customer_types": ["infant_household"]}, MET, FAILED),
    # 농어업인 does not say which of the four.
    "JA0313": ({"customer_types": ["farmer_fisher"]}, CHECK, FAILED),
    "JA0314": ({"customer_types": ["farmer_fisher"]}, CHECK, FAILED),
    "JA0315": ({"customer_types": ["farmer_fisher"]}, CHECK, FAILED),
    "JA0316": ({"customer_types": ["farmer_fisher"]}, CHECK, FAILED),
    "JA0317": ({"age": 8}, CHECK, CHECK),  # students: not recorded
    "JA0318": ({"age": 14}, CHECK, CHECK),
    "JA0319": ({"age": 17}, CHECK, CHECK),
    "JA0320": ({"age": 21}, CHECK, CHECK),
    "JA0326": ({"customer_types": ["job_seeker"]}, CHECK, CHECK),  # 근로자: not recorded
    "JA0327": ({"customer_types": ["job_seeker"]}, MET, FAILED),
    "JA0328": ({"customer_types": ["disabled"]}, MET, FAILED),
    "JA0329": ({"customer_types": ["veteran"]}, MET, FAILED),
    "JA0330": ({}, CHECK, CHECK),  # 질병·질환: not recorded
    "JA0401": ({"customer_types": ["multicultural"]}, MET, FAILED),
    "JA0402": ({"customer_types": ["north_korean_defector"]}, MET, FAILED),
    "JA0403": ({"customer_types": ["single_parent"]}, MET, FAILED),
    "JA0404": ({"household_size": 1}, MET, FAILED),
    "JA0411": ({"customer_types": ["multi_child"]}, MET, FAILED),
    "JA0412": ({}, CHECK, CHECK),  # 무주택: not recorded
    "JA0413": ({}, CHECK, CHECK),  # 신규전입: not recorded
    "JA0414": ({}, CHECK, CHECK),  # 확대가족: not recorded
    "JA1101": ({"customer_types": ["small_business"]}, CHECK, CHECK),
    "JA1102": ({"customer_types": ["small_business"]}, CHECK, FAILED),  # 영업 중 or 폐업예정
    "JA1103": ({"customer_types": ["small_business"]}, CHECK, FAILED),
}


def test_every_code_of_a_question_is_answered_and_labelled():
    grouped = [code for codes in data.CONDITION_GROUPS.values() for code in codes]
    assert len(grouped) == len(set(grouped))
    assert set(grouped) == set(PER_CODE)
    assert set(grouped) <= set(data.JA_LABELS)
    # Every restricting flag the importer keeps (all but sex, stored as a column) is asked.
    kept = {code for members, _none in data.JA_GROUPS.values() for code in members}
    assert kept - set(data.JA_SEX) == set(grouped)
    for codes in data.TYPE_CONDITION_CODES.values():
        assert len({group for group, members in data.CONDITION_GROUPS.items()
                    if set(codes) & set(members)}) == 1


def test_the_types_named_exist():
    named = set(data.TYPE_CONDITION_CODES) | set(data.TYPE_AGES) | set(data.ASKED_TYPES)
    named |= set(data.TYPE_RULES_OUT)
    assert named <= set(db.session.scalars(sa.select(CustomerType.code)))
    assert set(data.TYPE_CONDITION_CODES) >= data.ASKED_TYPES


def _service(codes, **kw) -> Service:
    service = Service(name="시험", condition_codes=list(codes), region=kw.pop("region", ""), **kw)
    service.customer_types = []
    return service


def _outcome(codes, **facts) -> Outcome:
    (check,) = checks(_service(codes), Facts.of(**facts))
    return check.outcome


@pytest.mark.parametrize("code", sorted(PER_CODE))
def test_each_code_is_met_failed_or_to_check(code):
    having, when_had, for_nobody = PER_CODE[code]
    assert _outcome([code], **having) is when_had
    assert _outcome([code], **NOBODY) is for_nobody
    assert _outcome([code]) is CHECK
    (check,) = checks(_service([code]), Facts.of())
    assert check.label == data.JA_LABELS[code] or code.startswith("JA02")


def test_codes_of_one_question_are_alternatives_and_questions_all_count():
    work = ["JA0326", "JA0327"]  # 국민내일배움카드: 근로자 or 구직자
    assert _outcome(work, customer_types=["job_seeker"], types_known=True) is MET
    disabled_job = checks(_service(["JA0327", "JA0328"]),
                          Facts.of(customer_types=["job_seeker"], types_known=True))
    assert [c.outcome for c in disabled_job] == [MET, FAILED]
    assert [c.label for c in disabled_job] == ["구직자·실업자", "장애인"]


def test_income_bands_read_as_a_ceiling():
    (check,) = checks(_service(["JA0201", "JA0202", "JA0203"]), Facts.of())
    assert check.label == "기준 중위소득 100% 이하"
    (check,) = checks(_service(["JA0202", "JA0203"]), Facts.of())
    assert check.label == "기준 중위소득 51~75% 또는 기준 중위소득 76~100%"
    assert _outcome(["JA0201", "JA0202"], customer_types=["low_income"]) is MET


def test_a_service_customer_type_asks_its_question_when_no_code_does():
    centre = make_centre()
    make_service(name="장애인 취업 상담", customer_types=["disabled", "job_seeker"], centre=centre)
    make_service(name="청년 상담", customer_types=["youth"], centre=centre)
    make_service(name="구직 상담", customer_types=["job_seeker"], centre=centre)

    def offered(**kw):
        return {s.service.name: s for s in suggest_services(centre, domains={"jobs"}, **kw)}

    seeker = offered(customer_types={"job_seeker"}, types_known=True, age=30)
    assert set(seeker) == {"구직 상담", "청년 상담"}
    assert seeker["청년 상담"].met == ["청년"]
    assert set(offered(customer_types={"job_seeker"}, types_known=True, age=50)) == {"구직 상담"}
    both = offered(customer_types={"job_seeker", "disabled"}, types_known=True)
    assert both["장애인 취업 상담"].met == ["구직자", "장애인"]
    assert both["청년 상담"].to_check == ["청년"]
    # A search that names 구직자 does not say the person is not disabled: to check.
    search = offered(customer_types={"job_seeker"})
    assert search["장애인 취업 상담"].met == ["구직자"]
    assert search["장애인 취업 상담"].to_check == ["장애인"]


def test_a_local_governments_service_is_for_its_residents():
    centre = make_centre(sido="경기도", sigungu="남양주시")
    make_service(name="남양주 시민 강좌", region="남양주시", centre=centre)
    make_service(name="경기도 지원", region="경기도", centre=centre)
    make_service(name="수원 시민 강좌", region="수원시", centre=centre)

    def offered(home):
        return {s.service.name: (s.met, s.to_check)
                for s in suggest_services(centre, domains={"jobs"}, home=home, age=40)}

    assert offered("남양주시") == {"남양주 시민 강좌": (["남양주시 거주"], []),
                                "경기도 지원": (["경기도 거주"], [])}
    assert offered("경기도 남양주시")["경기도 지원"] == (["경기도 거주"], [])
    assert offered("구리시") == {"경기도 지원": ([], ["경기도 거주"])}
    assert offered(None) == {"남양주 시민 강좌": ([], ["남양주시 거주"]),
                             "경기도 지원": ([], ["경기도 거주"])}


@pytest.mark.parametrize("person", [
    NOBODY,
    {"types_known": True, "age": 25, "sex": "F", "household_size": 1,
     "customer_types": ["job_seeker", "disabled", "low_income", "farmer_fisher"]},
    {"age": 70, "customer_types": ["senior", "basic_livelihood", "pregnant"]},
], ids=["nobody", "disabled-seeker", "search"])
def test_the_database_leaves_out_exactly_the_failed_codes(person):
    centre = make_centre()
    for code in PER_CODE:
        make_service(name=code, condition_codes=[code], centre=centre)
    make_service(name="senior-text", customer_types=["senior"], centre=centre)
    make_service(name="income-text", customer_types=["low_income"], centre=centre)
    services = db.session.scalars(sa.select(Service)).all()
    facts = Facts.of(**person)
    passing = {s.name for s in services
               if all(c.outcome is not FAILED for c in checks(s, facts))}
    offered = {s.service.name for s in suggest_services(
        centre, domains={"jobs"}, limit=1000, customer_types=person.get("customer_types", ()),
        **{k: v for k, v in person.items() if k not in ("customer_types", "household_size")},
        household_size=person.get("household_size"))}
    assert offered == passing
    assert offered != {s.name for s in services}  # something was left out


def test_the_import_reads_a_local_governments_region():
    from suggestion_profiles import SAMPLE

    from catalogue import importer, open_data

    files = open_data.read_files(
        (SAMPLE / "public-services-sample.csv").read_bytes(), "services.csv",
        (SAMPLE / "public-services-conditions-sample.csv").read_bytes(), "conditions.csv")
    importer.import_services(files)
    regions = dict(db.session.execute(sa.select(Service.name, Service.region)).all())
    assert regions["임산부 교통비 지원"] == "남양주시"
    assert regions["경기도 농어민 기회소득"] == "경기도"
    assert regions["국민취업지원제도"] == ""
    assert regions["경기창조경제혁신센터 창업보육"] == ""  # a foundation, not a government


def test_the_service_page_names_its_region(client, login_as):
    from core.roles import Role

    service = make_service(name="남양주 시민 강좌", region="남양주시")
    login_as(Role.FRONT_DESK)
    assert "남양주시 거주" in client.get(f"/services/{service.id}").text
