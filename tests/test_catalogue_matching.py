"""The matching engine behind the intake's suggestions and the catalogue search."""

import pytest
import sqlalchemy as sa

from catalogue.matching import Criteria, search_services, suggest_services
from centers.models import Addon, AgencyKind, CentreAddon, Domain
from core.extensions import db
from factories import make_agency, make_centre, make_service


def names(suggestions) -> list[str]:
    return [s.service.name for s in suggestions]


def test_suggestions_come_from_the_centres_list_only():
    centre, other = make_centre(), make_centre()
    make_service(name="우리 센터 서비스", centre=centre)
    make_service(name="다른 센터 서비스", centre=other)
    make_service(name="목록에 없는 서비스")
    assert names(suggest_services(centre)) == ["우리 센터 서비스"]


def test_addon_services_are_offered_only_while_the_addon_is_on():
    centre = make_centre()
    make_service(name="문화누리카드", domain=Domain.CULTURE, centre=centre)
    make_service(name="창업보육", domain=Domain.CREATIVE_ECONOMY, centre=centre)
    culture_desk = make_agency(centre, AgencyKind.CULTURE)
    make_service(name="문화 창구 취업상담", domain=Domain.JOBS, centre=centre,
                 agency=culture_desk)
    make_service(name="실업급여", centre=centre)
    assert names(suggest_services(centre)) == ["실업급여"]
    centre.addon_rows.append(CentreAddon(addon=Addon.CULTURE))
    db.session.commit()
    assert set(names(suggest_services(centre))) == {"문화 창구 취업상담", "문화누리카드", "실업급여"}
    centre.addon_rows.append(CentreAddon(addon=Addon.CREATIVE_ECONOMY))
    db.session.commit()
    assert "창업보육" in names(suggest_services(centre))


def test_inactive_services_and_closed_agencies_are_not_offered():
    centre = make_centre()
    closed = make_agency(centre, is_active=False)
    make_service(name="끝난 서비스", centre=centre, is_active=False)
    make_service(name="닫힌 창구 서비스", centre=centre, agency=closed)
    make_service(name="운영 중 서비스", centre=centre)
    assert names(suggest_services(centre)) == ["운영 중 서비스"]


def test_services_whose_age_or_sex_condition_the_person_fails_are_left_out():
    centre = make_centre()
    make_service(name="청년월세", min_age=19, max_age=34, centre=centre)
    make_service(name="기초연금", min_age=65, centre=centre)
    make_service(name="청소년 상담", max_age=24, centre=centre)
    make_service(name="여성 취업", sex="F", centre=centre)
    make_service(name="누구나", centre=centre)
    assert names(suggest_services(centre, age=40, sex="M")) == ["누구나"]
    assert names(suggest_services(centre, age=34, sex="F")) == ["여성 취업", "청년월세", "누구나"]
    # What is not known excludes nothing: it is left for the desk to check.
    unknown = {s.service.name: s for s in suggest_services(centre)}
    assert len(unknown) == 5
    assert unknown["청년월세"].to_check == ["만 19~34세"] and unknown["청년월세"].met == []
    assert unknown["여성 취업"].to_check == ["여성"]
    by_name = {s.service.name: s for s in suggest_services(centre, age=20, sex="F")}
    assert by_name["청년월세"].met == ["만 19~34세"]
    assert by_name["청소년 상담"].met == ["만 24세 이하"]
    assert by_name["여성 취업"].met == ["여성"]
    assert by_name["누구나"].met == [] and by_name["누구나"].to_check == []
    assert all(s.reasons == [] and s.to_check == [] for s in by_name.values())
    assert by_name["청년월세"].score > by_name["누구나"].score


def test_services_matching_more_customer_types_and_domains_come_first_with_reasons():
    centre = make_centre()
    make_service(name="임산부 구직 지원", customer_types=["pregnant", "job_seeker"],
                 domain=Domain.JOBS, centre=centre)
    make_service(name="임산부 교통비", customer_types=["pregnant"], domain=Domain.WELFARE,
                 centre=centre)
    make_service(name="내일배움카드", domain=Domain.JOBS, centre=centre)
    make_service(name="농업인 보험", customer_types=["farmer_fisher"],
                 domain=Domain.OTHER, centre=centre)
    suggestions = suggest_services(centre, customer_types={"pregnant", "job_seeker"},
                                   domains={"jobs"})
    assert names(suggestions) == ["임산부 구직 지원", "임산부 교통비", "내일배움카드"]
    assert suggestions[0].reasons == ["임산부 대상", "구직자 대상", "취업 분야"]
    assert suggestions[1].reasons == ["임산부 대상"]
    assert suggestions[2].reasons == ["취업 분야"]
    assert suggestions[0].score > suggestions[1].score > suggestions[2].score


def test_a_person_is_not_offered_services_only_for_organisations():
    centre = make_centre()
    make_service(name="고용촉진장려금", for_people=False, centre=centre)
    make_service(name="실업급여", centre=centre)
    assert names(suggest_services(centre, age=30)) == ["실업급여"]
    assert names(suggest_services(centre, customer_types={"small_business"})) == []
    assert "고용촉진장려금" in names(suggest_services(centre, domains={"jobs"},
                                                customer_types={"small_business"}))
    assert len(suggest_services(centre)) == 2  # browsing without a person shows both


def test_text_must_appear_and_a_match_in_the_name_is_a_reason():
    centre = make_centre()
    make_service(name="청년월세 특별지원", target="무주택 청년", centre=centre)
    make_service(name="주거급여", support="임차가구 월세 지원", centre=centre)
    make_service(name="실업급여", centre=centre)
    suggestions = suggest_services(centre, text="월세")
    assert names(suggestions) == ["청년월세 특별지원", "주거급여"]
    assert suggestions[0].reasons == ["검색어 '월세'"]
    assert suggestions[1].reasons == []
    assert names(suggest_services(centre, text="50%_")) == []  # LIKE wildcards are literal


def test_the_offer_says_which_agency_and_desk():
    centre = make_centre()
    agency = make_agency(centre, desk_location="1층 1~6번 창구")
    make_service(name="실업급여", centre=centre, agency=agency)
    make_service(name="국민취업지원제도", centre=centre, agency=agency, desk="2층 상담실")
    offers = {s.service.name: s.offer for s in suggest_services(centre)}
    assert offers["실업급여"].desk_location == "1층 1~6번 창구"
    assert offers["국민취업지원제도"].desk_location == "2층 상담실"
    assert offers["실업급여"].agency == agency


def test_limit_and_national_paging():
    centre = make_centre()
    for n in range(5):
        make_service(name=f"서비스 {n}", centre=centre)
    make_service(name="목록 밖 서비스")
    assert len(suggest_services(centre, limit=3)) == 3
    page = search_services(None, Criteria(), page=2, per_page=4)
    assert (page.total, page.pages, len(page.items)) == (6, 2, 2)
    assert page.has_prev and not page.has_next
    assert all(item.offer is None for item in page.items)


@pytest.fixture
def count_queries():
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", listener)


def test_suggestions_take_the_same_few_queries_for_few_or_many_results(count_queries):
    def queries_for(centre) -> int:
        db.session.expire_all()
        count_queries.clear()
        suggestions = suggest_services(centre, customer_types={"youth", "job_seeker"}, age=25)
        for s in suggestions:  # everything a page shows is already loaded
            s.reasons, s.offer and s.offer.desk_location, list(s.service.customer_types)
        return len(count_queries)

    small, large = make_centre(), make_centre()
    make_service(customer_types=["youth"], centre=small, agency=make_agency(small))
    agency = make_agency(large)
    for _n in range(12):
        make_service(customer_types=["youth", "job_seeker"], centre=large, agency=agency)
    assert queries_for(small) == queries_for(large)
