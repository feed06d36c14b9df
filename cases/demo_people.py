"""Who the demo's visitors are: names, addresses and personas (age, sex, customer types, the
agencies they come to).

Plain data shared by the demo (:mod:`cases.demo`) and the synthetic centre-scale data
(:mod:`perf.synthetic`), so both look like the same town.
"""

from __future__ import annotations

from dataclasses import dataclass

from centers.models import AgencyKind, Sex

K = AgencyKind

SURNAMES = ("김" * 21 + "이" * 15 + "박" * 8 + "최" * 5 + "정" * 4 + "강조윤장임" * 2
            + "한오서신권황안송류전홍고문양손배백허남노심하곽성차주우구민진나")
#: Given names by sex and generation (space-separated), common in each.
GIVEN_NAMES = {
    (Sex.MALE, "young"): "민준 서준 도윤 예준 시우 하준 지호 준서 현우 지훈 건우 우진 민재 현준 선우 "
                         "승현 준혁 태윤 진우 동현",
    (Sex.MALE, "middle"): "성민 정훈 재현 동욱 상훈 준호 영진 성호 민수 현철 종민 대현 승호 병철 기현 "
                          "재웅 형준 태호 석진 광민",
    (Sex.MALE, "old"): "영수 영호 상철 정수 광수 영철 종수 성수 만수 병수 용호 재철 춘식 기춘 한석",
    (Sex.FEMALE, "young"): "서연 서윤 지우 서현 민서 하은 하윤 윤서 지유 지민 수빈 예은 채원 다은 "
                           "지원 소연 유진 가은 예린 수아",
    (Sex.FEMALE, "middle"): "미경 은정 수진 지영 혜진 은영 현주 미영 선영 정은 지현 민정 은주 소영 "
                            "경미 혜영 수정 미진 윤희 나영",
    (Sex.FEMALE, "old"): "영희 정숙 순자 영숙 명숙 경숙 정희 순옥 영자 옥순 말순 춘자 정자 미자 숙자",
}
# Married in from abroad: the name as registered in Hangul.
FOREIGN_BORN_NAMES = ["응우옌티란", "팜티흐엉", "레티마이", "쩐티투", "마리셀 산토스", "왕리핑"]
DISTRICTS = {
    "namyangju": ("남양주시", ["다산동", "별내동", "호평동", "평내동", "화도읍", "진접읍", "오남읍",
                           "와부읍", "퇴계원읍", "금곡동"]),
    "suwon": ("수원시 권선구", ["호매실동", "금곡동", "권선동", "세류동", "구운동", "평동"]),
}
STREETS = ["중앙로", "경춘로", "도곡로", "순화궁로", "다산순환로", "금강로", "진건로", "호매실로", "덕영대로"]


@dataclass(frozen=True)
class Persona:
    """A kind of visitor: age, sex, customer types, and the agencies they come to."""

    weight: int
    ages: tuple[int, int]
    types: tuple[str, ...]
    extra_types: tuple[str, ...]
    needs: tuple[AgencyKind, ...]
    sex: Sex | None = None


PERSONAS = [
    Persona(22, (19, 34), ("youth", "job_seeker"), ("low_income",), (K.EMPLOYMENT, K.CULTURE)),
    Persona(20, (40, 64), ("middle_aged", "job_seeker"), ("low_income",),
            (K.EMPLOYMENT, K.WELFARE, K.FINANCE)),
    Persona(12, (30, 52), ("career_break_women", "job_seeker"), ("infant_household", "multi_child"),
            (K.WOMEN, K.EMPLOYMENT), Sex.FEMALE),
    Persona(9, (28, 50), ("single_parent", "low_income"), ("infant_household",),
            (K.WELFARE, K.SELF_SUPPORT, K.WOMEN, K.EMPLOYMENT)),
    Persona(12, (35, 64), ("basic_livelihood",), ("job_seeker", "disabled"),
            (K.WELFARE, K.SELF_SUPPORT, K.CULTURE, K.FINANCE)),
    Persona(10, (65, 84), ("senior", "low_income"), ("basic_livelihood", "near_poverty"),
            (K.WELFARE, K.EMPLOYMENT, K.CULTURE)),
    Persona(5, (25, 60), ("disabled", "job_seeker"), ("low_income",), (K.EMPLOYMENT, K.WELFARE)),
    Persona(8, (30, 62), ("near_poverty",), ("low_income", "small_business"),
            (K.FINANCE, K.WELFARE, K.EMPLOYMENT)),
    Persona(4, (24, 42), ("multicultural", "infant_household"), ("low_income",),
            (K.WELFARE, K.WOMEN, K.CULTURE), Sex.FEMALE),
    Persona(5, (40, 62), ("small_business", "middle_aged"), ("job_seeker",),
            (K.FINANCE, K.EMPLOYMENT)),
]
