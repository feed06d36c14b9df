"""Front desk: find or register the person, the duplicate guard, consent, linked records."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cases.models import Client, ClientLink, Consent, ConsentDocument, ConsentKind
from core.audit import AuditEvent
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from factories import (
    audit_actions,
    make_centre,
    make_client,
    make_consent_documents,
    valid_rrn,
)


@pytest.fixture
def centre(centre):
    make_consent_documents(centre)
    return centre


def search(client, text):
    return client.post("/intake/", data={"q": text}).text


def registration(**overrides):
    data = {
        "name": "김하나", "birth_date": "1990-05-17", "sex": "F", "phone": "010-2345-6789",
        "address_sigungu": "남양주시", "address_detail": "다산동 1", "household_size": "3",
        "customer_types": ["youth", "job_seeker"], "collection_consent": "y",
        "consent_method": "written",
    }
    data.update(overrides)
    return data


# --- search --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    ["홍길동", "길동", "ㅎㄱㄷ", "1985-03-02", "850302", "1985.3.2", "010-1234-5678",
     "01012345678", "+82 10 1234 5678"],
)
def test_one_search_box_understands_names_dates_and_phones(client, login_as, centre, text):
    person = make_client(centre, name="홍길동", birth_date=date(1985, 3, 2), phone="+821012345678")
    login_as(Role.FRONT_DESK, centre=centre)
    page = search(client, text)
    assert "홍*동" in page and f'/intake/people/{person.id}"' in page
    assert "010-****-5678" in page
    assert "홍길동" not in page.split("<table")[1]  # masked in the list


def test_search_finds_any_part_of_a_name_and_only_people_holding_it(client, login_as, centre):
    """The name index narrows to the people holding the text's first run; the name itself
    decides (민서준 holds 민 and 준 but not 민준)."""
    min_jun = make_client(centre, name="김민준")
    make_client(centre, name="민서준")  # holds 민 and 준 but not 민준
    foreign = make_client(centre, name="마리셀 산토스")
    four = make_client(centre, name="남궁민수")
    login_as(Role.FRONT_DESK, centre=centre)
    found = search(client, "민준")
    assert f'/intake/people/{min_jun.id}"' in found and "민*준" not in found
    assert f'/intake/people/{foreign.id}"' in search(client, "셀 산")
    assert f'/intake/people/{foreign.id}"' in search(client, "ㅅㅌㅅ")
    assert f'/intake/people/{foreign.id}"' in search(client, "리셀 산토")  # past the index's runs
    assert f'/intake/people/{four.id}"' in search(client, "ㄴㄱㅁㅅ")
    assert f'/intake/people/{four.id}"' in search(client, "궁민수")
    assert f'/intake/people/{min_jun.id}"' in search(client, "준")  # one syllable: no run to read
    assert "찾은 사람이 없습니다" in search(client, "준민")


def test_a_new_name_is_found_and_the_old_one_no_longer(client, login_as, centre):
    person = make_client(centre, name="정수민", birth_date=date(1985, 3, 2))
    login_as(Role.FRONT_DESK, centre=centre)
    form = registration(name="정다은", birth_date="1985-03-02", sex="M",
                        version=str(person.version))
    assert client.post(f"/intake/people/{person.id}/edit", data=form).status_code == 302
    assert f'/intake/people/{person.id}"' in search(client, "다은")
    assert f'/intake/people/{person.id}"' in search(client, "ㅈㄷㅇ")
    assert "찾은 사람이 없습니다" in search(client, "수민")
    assert "찾은 사람이 없습니다" in search(client, "ㅈㅅㅁ")


def test_search_terms_never_travel_in_the_url(client, login_as, centre):
    make_client(centre, name="홍길동")
    login_as(Role.FRONT_DESK, centre=centre)
    page = client.get("/intake/", query_string={"q": "홍길동"}).text
    assert "홍*동" not in page
    assert 'method="post"' in page


def test_search_by_rrn_only_where_the_centre_processes_rrn(client, login_as, centre):
    rrn = valid_rrn()
    centre.rrn_enabled, centre.rrn_legal_basis = True, "「국민기초생활 보장법」 시행령 제41조"
    db.session.commit()
    person = make_client(centre, rrn=rrn)
    login_as(Role.FRONT_DESK, centre=centre)
    assert f'/intake/people/{person.id}"' in search(client, rrn)
    centre.rrn_enabled = False
    db.session.commit()
    assert "주민등록번호를 처리하지 않습니다" in search(client, rrn)


def test_search_is_scoped_to_the_desks_centre(client, login_as, centre):
    other = make_centre()
    stranger = make_client(other, name="홍길동")
    login_as(Role.FRONT_DESK, centre=centre)
    assert "찾은 사람이 없습니다" in search(client, "홍길동")
    assert client.get(f"/intake/people/{stranger.id}").status_code == 404


def test_administrator_sees_no_people(client, login_as, centre):
    person = make_client(centre)
    login_as(Role.ADMIN)
    assert client.get(f"/intake/people/{person.id}").status_code == 403
    assert client.post("/intake/", data={"q": "홍길동"}).status_code == 403


def test_every_view_of_a_person_is_audited(client, login_as, centre):
    person = make_client(centre)
    desk = login_as(Role.FRONT_DESK, centre=centre)
    assert client.get(f"/intake/people/{person.id}").status_code == 200
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "client.view"))
    assert (event.staff_id, event.client_id) == (desk.id, person.id)


# --- registration ----------------------------------------------------------------------------

def test_register_a_new_person_with_consent(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    welfare = centre.agencies[1]
    response = client.post("/intake/people/new", data=registration(third_party_agencies=[welfare.id]))
    assert response.status_code == 302
    person = db.session.scalar(sa.select(Client).where(Client.name == "김하나"))
    assert (person.birth_date, person.phone, person.household_size) == (
        date(1990, 5, 17), "+821023456789", 3)
    assert {t.code for t in person.customer_types} == {"youth", "job_seeker"}
    kinds = {c.document.kind: c for c in person.consents}
    assert set(kinds) == {ConsentKind.COLLECTION, ConsentKind.THIRD_PARTY}
    assert [a.id for a in kinds[ConsentKind.THIRD_PARTY].agencies] == [welfare.id]
    assert response.headers["Location"].endswith(f"/intake/people/{person.id}/visits/new")


def test_without_collection_consent_nothing_is_saved(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    response = client.post("/intake/people/new", data=registration(collection_consent=""))
    assert "익명 방문으로 접수하세요" in response.text
    assert 'value="김하나"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 0


def test_the_searched_name_starts_the_registration_without_entering_the_url(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    page = search(client, "홍길동")
    assert 'name="carry_value" value="홍길동"' in page
    form = client.post("/intake/people/new", data={"carry_kind": "name", "carry_value": "홍길동"})
    assert form.status_code == 200
    assert re.search(r'<input[^>]*name="name"[^>]*value="홍길동"', form.text)
    assert "error-summary" not in form.text  # a start, not a refused form
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 0


def test_a_refused_registration_lists_its_errors_at_the_top_with_links(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    page = client.post("/intake/people/new", data=registration(name="", sex="")).text
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#name"' in summary and 'href="#sex"' in summary
    assert page.index("error-summary") < page.index('id="name"')


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", "tomorrow", "오늘보다 뒤일 수 없습니다"),
        ("birth_date", "1985-02-30", "있을 수 없는 날짜입니다"),
        ("birth_date", "어제", "있을 수 없는 날짜입니다"),
        ("phone", "010-12", "있을 수 없는 전화번호입니다"),
        ("name", "   ", "이름을 입력하세요"),
        ("name", "홍" * 51, "50"),
        ("household_size", "0", "1에서 30 사이로"),
    ],
)
def test_registration_explains_each_wrong_field_and_keeps_the_input(
    client, login_as, centre, field, value, message
):
    login_as(Role.FRONT_DESK, centre=centre)
    if value == "tomorrow":  # Seoul's tomorrow, read when the test runs
        value = (local_today() + timedelta(days=1)).isoformat()
    response = client.post("/intake/people/new", data=registration(**{field: value}))
    assert response.status_code == 200
    assert message in response.text
    assert 'value="다산동 1"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 0


def test_rrn_field_only_where_the_centre_processes_rrn(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    assert 'name="rrn"' not in client.get("/intake/people/new").text
    centre.rrn_enabled, centre.rrn_legal_basis = True, "법령 근거"
    db.session.commit()
    assert 'name="rrn"' in client.get("/intake/people/new").text


@pytest.mark.parametrize(
    ("rrn", "message"),
    [("12345", "13자리"), ("900117-1234567", "올바르지 않습니다"), ("901317-1234567", "생년월일 부분")],
)
def test_malformed_or_failing_rrn_is_refused(client, login_as, centre, rrn, message):
    centre.rrn_enabled, centre.rrn_legal_basis = True, "법령 근거"
    db.session.commit()
    login_as(Role.FRONT_DESK, centre=centre)
    response = client.post("/intake/people/new", data=registration(rrn=rrn))
    assert message in response.text


def test_rrn_is_encrypted_shown_masked_and_revealing_it_is_audited(client, login_as, centre):
    centre.rrn_enabled, centre.rrn_legal_basis = True, "법령 근거"
    db.session.commit()
    login_as(Role.FRONT_DESK, centre=centre)
    rrn = valid_rrn("900517", "2")
    client.post("/intake/people/new", data=registration(rrn=rrn))
    person = db.session.scalar(sa.select(Client))
    assert rrn.replace("-", "") not in person.rrn_encrypted
    page = client.get(f"/intake/people/{person.id}").text
    assert "900517-2******" in page and rrn not in page
    revealed = client.post(f"/intake/people/{person.id}/reveal-rrn").text
    assert rrn in revealed
    assert "client.rrn_revealed" in audit_actions(client_id=person.id)


def test_exact_rrn_duplicate_is_refused(client, login_as, centre):
    centre.rrn_enabled, centre.rrn_legal_basis = True, "법령 근거"
    db.session.commit()
    rrn = valid_rrn("900517", "2")
    make_client(centre, name="김하나", birth_date=date(1990, 5, 17), rrn=rrn)
    login_as(Role.FRONT_DESK, centre=centre)
    first = client.post("/intake/people/new", data=registration(rrn=rrn, phone=""))
    assert "주민등록번호 같음" in first.text
    second = client.post("/intake/people/new", data=registration(rrn=rrn, phone="", confirmed_new="1"))
    assert "같은 주민등록번호로 등록된 사람이 이미 있습니다" in second.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1


def test_likely_duplicates_are_listed_with_reasons_and_the_desk_decides(client, login_as, centre):
    existing = make_client(centre, name="김하나", birth_date=date(1990, 5, 17))
    same_phone = make_client(centre, name="박다른", birth_date=date(1970, 1, 1), phone="+821023456789")
    login_as(Role.FRONT_DESK, centre=centre)
    first = client.post("/intake/people/new", data=registration(name="김 하나"))
    assert "이미 등록된 사람일 수 있습니다" in first.text
    assert "생년월일 같음, 이름 비슷함(100%)" in first.text
    assert "전화번호 같음" in first.text
    assert f"/intake/people/{existing.id}/visits/new" in first.text
    assert f"/intake/people/{same_phone.id}/visits/new" in first.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 2
    confirmed = client.post("/intake/people/new", data=registration(name="김 하나", confirmed_new="1"))
    assert confirmed.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 3


def test_two_records_of_one_person_are_linked_and_unlinked_never_merged(client, login_as, centre):
    first = make_client(centre, name="이영희")
    second = make_client(centre, name="이영히")
    login_as(Role.FRONT_DESK, centre=centre)
    client.post(f"/intake/people/{first.id}/links",
                data={"other_id": second.id, "reason": "이름 오타로 두 번 등록"})
    link = db.session.scalar(sa.select(ClientLink))
    assert link.is_active
    assert f"/intake/people/{first.id}" in client.get(f"/intake/people/{second.id}").text
    client.post(f"/intake/links/{link.id}/unlink")
    db.session.refresh(link)
    assert not link.is_active
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 2
    assert {"client.linked", "client.unlinked"} <= set(audit_actions(client_id=second.id))


# --- consent -------------------------------------------------------------------------------

def test_consent_withdrawal_keeps_the_history(client, login_as, centre):
    person = make_client(centre)
    login_as(Role.FRONT_DESK, centre=centre)
    consent = person.consents[0]
    client.post(f"/intake/consents/{consent.id}/withdraw", data={"note": "본인 요청"})
    db.session.refresh(consent)
    assert consent.withdrawn_at is not None and consent.withdrawal_note == "본인 요청"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Consent)) == 1
    page = client.get(f"/intake/people/{person.id}").text
    assert "철회" in page
    # Without collection consent in force, only an anonymous visit can be registered.
    blocked = client.get(f"/intake/people/{person.id}/visits/new")
    assert blocked.status_code == 302


def test_third_party_consent_names_each_recipient_and_is_recorded_later(client, login_as, centre):
    person = make_client(centre)
    login_as(Role.FRONT_DESK, centre=centre)
    jobs, welfare = centre.agencies
    form = client.get(f"/intake/people/{person.id}/consents/new").text
    assert "고용센터" in form and "복지지원팀" in form
    client.post(f"/intake/people/{person.id}/consents/new", data={
        "kind": "third_party", "agencies": [jobs.id], "method": "oral",
        "given_on": local_today().isoformat(),
    })
    consent = db.session.scalar(sa.select(Consent).order_by(Consent.id.desc()))
    assert [a.id for a in consent.agencies] == [jobs.id] and consent.method.value == "oral"
    receipt = client.get(f"/intake/consents/{consent.id}/receipt").text
    assert "고용센터" in receipt and "구두" in receipt and "철회할 수 있습니다" in receipt


def test_manager_publishes_a_new_version_and_old_consents_keep_theirs(client, login_as, centre):
    person = make_client(centre)
    old = person.consents[0].document
    login_as(Role.MANAGER, centre=centre)
    response = client.post("/intake/consent-documents/collection/new", data={
        "title": "개인정보 수집·이용 동의서(개정)", "purpose": "통합 상담", "items": "성명, 연락처",
        "retention": "3년", "refusal_notice": "거부할 수 있습니다.",
    })
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.consents[0].document_id == old.id
    listing = client.get("/intake/consent-documents").text
    assert "(개정)" in listing
    printed = client.get(f"/intake/consent-documents/{old.id}/print").text
    assert old.title in printed and "서명" in printed


def test_third_party_document_requires_a_named_recipient(client, login_as, centre):
    login_as(Role.MANAGER, centre=centre)
    response = client.post("/intake/consent-documents/third_party/new", data={
        "title": "제3자 제공", "purpose": "연계", "items": "성명", "retention": "3년",
        "refusal_notice": "거부할 수 있습니다.",
    }, follow_redirects=True)
    assert "받는 기관이 하나 이상" in response.text


def _recipient_rows(agencies, **texts):
    """The recipients table as posted: a row per agency, the first included with ``texts``."""
    data = {}
    for n, agency in enumerate(agencies):
        data[f"recipient_rows-{n}-agency_id"] = str(agency.id)
        for name in ("purpose", "items", "retention"):
            data[f"recipient_rows-{n}-{name}"] = texts.get(name, "") if n == 0 else ""
    data["recipient_rows-0-include"] = "y"
    return data


def test_a_recipient_without_its_texts_is_named_and_nothing_typed_is_lost(client, login_as, centre):
    login_as(Role.MANAGER, centre=centre)
    agencies = centre.visible_agencies()
    response = client.post("/intake/consent-documents/third_party/new", data={
        "title": "제3자 제공(개정)", "purpose": "연계", "items": "성명", "retention": "3년",
        "refusal_notice": "거부할 수 있습니다.",
        **_recipient_rows(agencies, purpose="취업 지원 자격 확인", items="성명, 연락처")})
    assert response.status_code == 200
    assert f"{agencies[0].name}: 제공 목적, 항목, 보유 기간을 모두 적으세요." in response.text
    assert "제3자 제공(개정)" in response.text and "취업 지원 자격 확인" in response.text
    assert 'aria-invalid="true"' in response.text
    response = client.post("/intake/consent-documents/third_party/new", data={
        "title": "제3자 제공(개정)", "purpose": "연계", "items": "성명", "retention": "3년",
        "refusal_notice": "거부할 수 있습니다.",
        **_recipient_rows(agencies, purpose="취업 지원 자격 확인", items="성명, 연락처",
                          retention="5년")})
    assert response.status_code == 302
    document = db.session.scalar(sa.select(ConsentDocument).where(
        ConsentDocument.centre_id == centre.id, ConsentDocument.kind == ConsentKind.THIRD_PARTY)
        .order_by(ConsentDocument.version.desc()))
    assert document.title == "제3자 제공(개정)"
    assert [(r.agency_id, r.purpose, r.retention) for r in document.recipients] == [
        (agencies[0].id, "취업 지원 자격 확인", "5년")]


def test_the_new_version_form_starts_from_the_previous_recipients(client, login_as, centre):
    login_as(Role.MANAGER, centre=centre)
    page = client.get("/intake/consent-documents/third_party/new").text
    previous = db.session.scalar(sa.select(ConsentDocument).where(
        ConsentDocument.centre_id == centre.id, ConsentDocument.kind == ConsentKind.THIRD_PARTY))
    for recipient in previous.recipients:
        assert recipient.purpose in page
    assert page.count('type="checkbox"') >= len(previous.recipients)


def test_front_desk_cannot_edit_consent_documents(client, login_as, centre):
    login_as(Role.FRONT_DESK, centre=centre)
    assert client.get("/intake/consent-documents").status_code == 403
    assert "동의서 양식" not in client.get("/").text


def test_editing_a_person_from_a_stale_version_keeps_the_typed_text(app, centre):
    from factories import login, make_staff

    person = make_client(centre, name="정수민", phone="+821011112222")
    one, two = app.test_client(), app.test_client()
    login(one, make_staff(Role.FRONT_DESK, centre=centre).username)
    login(two, make_staff(Role.FRONT_DESK, centre=centre).username)
    form = registration(name="정수민", birth_date="1985-03-02", sex="M", version=str(person.version))
    assert one.post(f"/intake/people/{person.id}/edit",
                    data={**form, "phone": "010-3333-4444"}).status_code == 302
    stale = two.post(f"/intake/people/{person.id}/edit", data={**form, "address_detail": "새 주소 9"})
    assert "다른 직원이 이 기록을 고쳤습니다" in stale.text
    assert 'value="새 주소 9"' in stale.text
    db.session.refresh(person)
    assert person.phone == "+821033334444" and person.address_detail != "새 주소 9"
