"""The public-service open-data import: encodings, formats, refusals, bad rows, re-imports."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from catalogue import data as catalogue_data
from catalogue.models import CustomerType, Service, ServiceSource
from centers.models import Domain, Sex
from core.audit import AuditEvent
from core.extensions import db
from core.roles import Role
from factories import audit_actions, make_service

DATA = Path(__file__).parent / "data"
SERVICES = DATA / "services.csv"
CONDITIONS = DATA / "conditions.csv"
SAMPLE_SIZE = 12


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", fields=None) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields or list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run_import(runner, services: Path, conditions: Path | None = None, *options: str):
    args = ["import-services", str(services)]
    if conditions is not None:
        args += ["--conditions", str(conditions)]
    return runner.invoke(args=args + list(options))


def last_line(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def stored() -> dict[str, Service]:
    return {s.external_id: s for s in db.session.scalars(sa.select(Service))}


def type_codes(service: Service) -> set[str]:
    return {t.code for t in service.customer_types}


def test_import_maps_the_service_list_and_its_conditions(runner):
    result = run_import(runner, SERVICES, CONDITIONS)
    assert result.exit_code == 0, result.output
    assert last_line(result) == "added=12 updated=0 deactivated=0 skipped=0"
    services = stored()
    assert len(services) == SAMPLE_SIZE
    jobs = services["000000465790"]
    assert (jobs.name, jobs.provider, jobs.provider_department) == (
        "국민취업지원제도", "고용노동부", "고용서비스정책과"
    )
    assert jobs.target == "15~69세 저소득 구직자, 청년 구직자"
    assert jobs.apply_url == "https://www.gov.kr/portal/rcvfvrSvc/dtlEx/000000465790"
    assert jobs.source == ServiceSource.IMPORTED and jobs.is_active
    assert jobs.domain == Domain.JOBS
    assert (jobs.min_age, jobs.max_age, jobs.sex) == (15, 69, None)
    assert jobs.condition_codes == ["JA0201", "JA0202", "JA0203", "JA0327"]
    assert {"job_seeker", "low_income", "basic_livelihood", "youth"} <= type_codes(jobs)
    assert jobs.source_updated_at.isoformat() == "2026-03-12T00:15:30+00:00"  # 09:15:30 KST
    # Domains from the mapping tables: by keyword first, then by 서비스분야.
    assert services["000000465801"].domain == Domain.CULTURE
    assert services["000000465802"].domain == Domain.WOMEN
    assert services["000000465822"].domain == Domain.CREATIVE_ECONOMY
    assert services["000000465804"].domain == Domain.WELFARE
    # JA flags: one sex flag restricts; both, or a group marked 해당사항없음, do not.
    assert services["000000465802"].sex == Sex.FEMALE
    assert services["000000465791"].sex is None
    assert services["000000465829"].condition_codes == []
    assert "pregnant" in type_codes(services["000000465804"])
    farmers = services["000000465807"]
    assert farmers.condition_codes == ["JA0313", "JA0314", "JA0315", "JA0316"]
    assert "farmer_fisher" in type_codes(farmers)
    assert type_codes(services["000000465809"]) >= {"youth", "farmer_fisher"}
    assert services["000000465812"].min_age == 65
    assert "senior" in type_codes(services["000000465812"])
    # 사용자구분 법인/시설/단체 only: an employer subsidy, not for a visitor.
    assert services["000000465827"].for_people is False


def test_every_import_is_one_audit_event_with_its_summary(runner):
    run_import(runner, SERVICES, CONDITIONS)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "catalogue.imported"))
    assert event.detail["added"] == SAMPLE_SIZE and event.detail["skipped"] == 0
    assert event.detail["files"] == ["services.csv", "conditions.csv"]
    assert event.detail["full"] is True
    run_import(runner, SERVICES)
    assert audit_actions() == ["catalogue.imported", "catalogue.imported"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_import_reads_utf8_with_or_without_bom_and_cp949(runner, tmp_path, encoding):
    services = write_csv(tmp_path / "services.csv", read_rows(SERVICES), encoding)
    conditions = write_csv(tmp_path / "conditions.csv", read_rows(CONDITIONS), encoding)
    if encoding == "utf-8-sig":
        assert services.read_bytes().startswith(b"\xef\xbb\xbf")
    result = run_import(runner, services, conditions)
    assert result.exit_code == 0, result.output
    assert last_line(result) == "added=12 updated=0 deactivated=0 skipped=0"
    services = stored()
    assert services["000000465818"].name == "청년월세 특별지원"
    assert (services["000000465818"].min_age, services["000000465818"].max_age) == (19, 34)


@pytest.mark.parametrize("wrap", [False, True], ids=["list", "api-data"])
def test_import_reads_json_as_a_list_or_the_apis_data_wrapper(runner, tmp_path, wrap):
    def dump(rows, name):
        document = {"currentCount": len(rows), "data": rows} if wrap else rows
        path = tmp_path / name
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    conditions = read_rows(CONDITIONS)
    for row in conditions:  # the API gives ages as numbers and empty flags as null
        row["JA0110"] = int(row["JA0110"]) if row["JA0110"] else None
    result = run_import(runner, dump(read_rows(SERVICES), "services.json"),
                        dump(conditions, "conditions.json"))
    assert result.exit_code == 0, result.output
    assert last_line(result) == "added=12 updated=0 deactivated=0 skipped=0"
    assert stored()["000000465812"].min_age == 65


def test_a_file_with_unrecognised_columns_is_refused_whole(runner, tmp_path):
    rows = read_rows(SERVICES)
    for row in rows:
        del row["서비스명"]
    result = run_import(runner, write_csv(tmp_path / "bad.csv", rows), CONDITIONS)
    assert result.exit_code != 0
    assert "서비스 목록의 열을 알아볼 수 없어 가져오지 않았습니다" in result.output
    assert "빠진 열: 서비스명" in result.output
    assert stored() == {}
    assert audit_actions() == []


def test_conditions_given_as_the_service_list_is_refused_with_a_hint(runner):
    result = run_import(runner, CONDITIONS)
    assert result.exit_code != 0
    assert "지원조건 파일을 서비스 목록 자리에 올린 것 같습니다" in result.output
    assert stored() == {}


def test_an_unrecognised_conditions_file_stops_the_whole_import(runner, tmp_path):
    bad = write_csv(tmp_path / "conditions.csv", [{"서비스ID": "000000465790", "비고": "x"}])
    result = run_import(runner, SERVICES, bad)
    assert result.exit_code != 0
    assert "지원조건 파일의 열을 알아볼 수 없어" in result.output
    assert stored() == {}


def test_an_unreadable_encoding_is_refused(runner, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x82\x83")
    result = run_import(runner, path)
    assert result.exit_code != 0 and "UTF-8 또는 CP949" in result.output


def test_bad_rows_are_skipped_and_reported_with_row_and_reason(runner, tmp_path):
    rows = read_rows(SERVICES)
    rows[1]["서비스명"] = ""  # row 3 (the header is row 1)
    rows[2]["상세조회URL"] = "javascript:alert(1)"  # row 4
    rows[3]["수정일시"] = "어제"  # row 5
    rows[4]["서비스ID"] = ""  # row 6
    rows[5]["서비스ID"] = rows[0]["서비스ID"]  # row 7: a duplicate of row 2
    services = write_csv(tmp_path / "services.csv", rows)
    with services.open("a", encoding="utf-8") as f:
        f.write("000000999999,현금,칸이 모자란 행\n")  # row 14
    conditions = read_rows(CONDITIONS)
    conditions[0]["JA0110"] = "열다섯"  # row 2
    conditions.append(dict(conditions[1], 서비스ID="000000999998"))  # row 14: unknown service
    result = run_import(runner, services, write_csv(tmp_path / "conditions.csv", conditions))
    assert result.exit_code == 0, result.output
    output = result.stdout
    assert "서비스 목록 3행: 서비스명이 비어 있습니다." in output
    assert "서비스 목록 4행: 상세조회URL이 http(s) 주소가 아닙니다." in output
    assert "서비스 목록 5행: 수정일시을(를) 읽을 수 없습니다: 어제" in output
    assert "서비스 목록 6행: 서비스ID가 비어 있습니다." in output
    assert "서비스 목록 7행: 서비스ID 000000465790가 2행과 겹칩니다." in output
    assert "서비스 목록 14행: 칸 수가 머리글과 다릅니다 (머리글 20칸, 이 행 3칸)." in output
    assert "지원조건 2행: JA0110 연령이 숫자가 아닙니다: 열다섯" in output
    assert "지원조건 14행: 서비스 목록에도 카탈로그에도 없는 서비스ID입니다: 000000999998" in output
    # The rows whose 서비스ID was blanked or duplicated leave their conditions unmatched.
    assert "지원조건 6행: 서비스 목록에도 카탈로그에도 없는 서비스ID입니다: 000000465804" in output
    assert last_line(result) == "added=7 updated=0 deactivated=0 skipped=10"
    services = stored()
    assert len(services) == 7
    # The good row whose conditions row was bad is kept, without conditions.
    assert services["000000465790"].min_age is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "catalogue.imported"))
    assert event.detail["skipped"] == 10 and len(event.detail["problems"]) == 10
    assert event.detail["problems"][0] == "서비스 목록 3행: 서비스명이 비어 있습니다."


def test_reimport_updates_and_never_duplicates(runner, tmp_path):
    run_import(runner, SERVICES, CONDITIONS)
    first_ids = {sid: s.id for sid, s in stored().items()}
    rows = read_rows(SERVICES)
    rows[0]["지원내용"] = "구직촉진수당 월 60만원"
    rows[0]["수정일시"] = "20260401090000"
    result = run_import(runner, write_csv(tmp_path / "services.csv", rows), CONDITIONS)
    assert last_line(result) == "added=0 updated=1 deactivated=0 skipped=0"
    assert "변경 없음 11개" in result.stdout
    db.session.expire_all()
    services = stored()
    assert {sid: s.id for sid, s in services.items()} == first_ids
    assert services["000000465790"].support == "구직촉진수당 월 60만원"
    # Without a conditions file the stored conditions stay.
    result = run_import(runner, write_csv(tmp_path / "services.csv", rows))
    assert last_line(result) == "added=0 updated=0 deactivated=0 skipped=0"
    db.session.expire_all()
    assert stored()["000000465790"].max_age == 69


def test_full_reimport_deactivates_missing_services_and_partial_does_not(runner, tmp_path):
    manual = make_service(name="센터 자체 상담")
    run_import(runner, SERVICES, CONDITIONS)
    rows = read_rows(SERVICES)
    fewer = write_csv(tmp_path / "fewer.csv", rows[:10])
    result = run_import(runner, fewer, None, "--partial")
    assert last_line(result) == "added=0 updated=0 deactivated=0 skipped=0"
    result = run_import(runner, fewer)
    assert last_line(result) == "added=0 updated=0 deactivated=2 skipped=0"
    db.session.expire_all()
    services = stored()
    assert len(services) == SAMPLE_SIZE + 1  # marked, not deleted
    missing = {row["서비스ID"] for row in rows[10:]}
    assert {sid for sid, s in services.items() if sid and not s.is_active} == missing
    assert db.session.get(Service, manual.id).is_active  # the import owns imported rows only
    result = run_import(runner, SERVICES)
    assert last_line(result) == "added=0 updated=2 deactivated=0 skipped=0"
    db.session.expire_all()
    assert all(s.is_active for s in stored().values())


def test_conditions_alone_update_stored_services_on_a_partial_import(runner, tmp_path):
    run_import(runner, SERVICES)
    assert stored()["000000465812"].min_age is None
    one = write_csv(tmp_path / "one.csv", read_rows(SERVICES)[:1])
    result = run_import(runner, one, CONDITIONS, "--partial")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    services = stored()
    assert services["000000465812"].min_age == 65
    assert "senior" in type_codes(services["000000465812"])
    assert services["000000465802"].sex == Sex.FEMALE


def test_mapping_tables_name_existing_customer_types_and_domains():
    known = set(db.session.scalars(sa.select(CustomerType.code)))
    named = set(catalogue_data.TEXT_CUSTOMER_TYPES)
    for table in (catalogue_data.JA_CUSTOMER_TYPES, catalogue_data.AUDIENCE_CUSTOMER_TYPES,
                  catalogue_data.CATEGORY_CUSTOMER_TYPES):
        named.update(code for codes in table.values() for code in codes)
    named.update(code for code, *_bounds in catalogue_data.AGE_RANGE_TYPES)
    assert named <= known
    domains = {d for _word, d in catalogue_data.DOMAIN_KEYWORDS}
    domains.update(catalogue_data.CATEGORY_DOMAINS.values())
    assert domains <= {d.value for d in Domain}
    for members, no_restriction in catalogue_data.JA_GROUPS.values():
        assert set(members) <= set(catalogue_data.JA_LABELS)
        assert no_restriction not in members


# --- the administrator's upload ----------------------------------------------------------

def upload(client, services: bytes, name: str = "services.csv", conditions: bytes | None = None,
           **fields):
    data = {"services": (io.BytesIO(services), name), **fields}
    if conditions is not None:
        data["conditions"] = (io.BytesIO(conditions), "conditions.csv")
    return client.post("/services/import", data=data, content_type="multipart/form-data")


def test_admin_imports_through_the_upload_form(client, login_as):
    admin = login_as(Role.ADMIN)
    assert client.get("/services/import").status_code == 200
    cp949 = SERVICES.read_text(encoding="utf-8").encode("cp949")
    response = upload(client, cp949, conditions=CONDITIONS.read_bytes())
    assert response.status_code == 200
    assert "가져오기 결과" in response.text
    assert len(stored()) == SAMPLE_SIZE
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "catalogue.imported"))
    assert event.username == admin.username and event.detail["added"] == SAMPLE_SIZE


def test_upload_reports_skipped_rows(client, login_as, tmp_path):
    login_as(Role.ADMIN)
    rows = read_rows(SERVICES)
    rows[0]["서비스명"] = ""
    response = upload(client, write_csv(tmp_path / "s.csv", rows).read_bytes())
    assert "건너뛴 행" in response.text and "서비스명이 비어 있습니다." in response.text
    assert len(stored()) == SAMPLE_SIZE - 1


def test_refused_upload_keeps_the_choices_and_explains(client, login_as, tmp_path):
    login_as(Role.ADMIN)
    rows = read_rows(SERVICES)
    for row in rows:
        del row["지원대상"]
    response = upload(client, write_csv(tmp_path / "s.csv", rows).read_bytes(), name="old.csv",
                      partial="y")
    assert response.status_code == 200
    assert "빠진 열: 지원대상" in response.text
    assert "고른 파일: old.csv" in response.text
    assert re.search(r'<input[^>]*checked[^>]*name="partial"|<input[^>]*name="partial"[^>]*checked',
                     response.text)
    assert stored() == {}
    assert audit_actions(action="catalogue.imported") == []


def test_upload_accepts_only_csv_or_json(client, login_as):
    login_as(Role.ADMIN)
    response = upload(client, b"PK\x03\x04", name="services.xlsx")
    assert "CSV 또는 JSON 파일만 올릴 수 있습니다." in response.text
    assert stored() == {}


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FRONT_DESK, Role.CASEWORKER])
def test_only_the_administrator_imports(client, login_as, role):
    login_as(role)
    assert client.get("/services/import").status_code == 403
    assert upload(client, SERVICES.read_bytes()).status_code == 403
    assert "서비스 가져오기" not in client.get("/").text
    assert stored() == {}
