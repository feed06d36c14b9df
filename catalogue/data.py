"""How the national open data maps onto our vocabulary, kept as data so it can be read and tuned.

The national dataset "대한민국 공공서비스(혜택) 정보" describes each service in free text plus a
support-conditions table of ``JA`` flags. Nothing here is code: the import reads these tables
(``catalogue.open_data``, ``catalogue.importer``) and a test checks that every customer-type
code named here exists.
"""

from __future__ import annotations

# --- the support-conditions table (지원조건) ----------------------------------------------

#: What each flag column means, as the open-data portal documents it; shown on a service's page.
JA_LABELS: dict[str, str] = {
    "JA0101": "남성",
    "JA0102": "여성",
    "JA0103": "영유아(0~5세)",
    "JA0104": "아동(6~12세)",
    "JA0105": "청소년(13~18세)",
    "JA0106": "청년(19~29세)",
    "JA0107": "중년(30~49세)",
    "JA0108": "장년(50~64세)",
    "JA0109": "노년(65세~)",
    "JA0201": "기준 중위소득 50% 이하",
    "JA0202": "기준 중위소득 51~75%",
    "JA0203": "기준 중위소득 76~100%",
    "JA0204": "기준 중위소득 101~200%",
    "JA0205": "기준 중위소득 200% 초과",
    "JA0301": "예비부모·난임",
    "JA0302": "임산부",
    "JA0303": "출산·입양",
    "JA0313": "농업인",
    "JA0314": "어업인",
    "JA0315": "축산업인",
    "JA0316": "임업인",
    "JA0317": "초등학생",
    "JA0318": "중학생",
    "JA0319": "고등학생",
    "JA0320": "대학생·대학원생",
    "JA0326": "근로자·직장인",
    "JA0327": "구직자·실업자",
    "JA0328": "장애인",
    "JA0329": "국가보훈대상자",
    "JA0330": "질병·질환자",
    "JA0401": "다문화가족",
    "JA0402": "북한이탈주민",
    "JA0403": "한부모·조손가정",
    "JA0404": "1인가구",
    "JA0411": "다자녀가구",
    "JA0412": "무주택세대",
    "JA0413": "신규전입",
    "JA0414": "확대가족",
    "JA1101": "예비창업자",
    "JA1102": "영업 중",
    "JA1103": "생계곤란·폐업예정자",
}

#: Flags that answer one question together. A group whose flags are all ``Y``, or whose
#: "해당사항없음" flag (second item) is ``Y``, restricts nothing; otherwise its ``Y`` flags are
#: the service's conditions. Flags outside these groups are read but not used.
JA_GROUPS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "sex": (("JA0101", "JA0102"), None),
    "age_band": (("JA0103", "JA0104", "JA0105", "JA0106", "JA0107", "JA0108", "JA0109"), None),
    "income": (("JA0201", "JA0202", "JA0203", "JA0204", "JA0205"), None),
    "life": (("JA0301", "JA0302", "JA0303"), None),
    "status": (
        ("JA0313", "JA0314", "JA0315", "JA0316", "JA0317", "JA0318", "JA0319", "JA0320",
         "JA0326", "JA0327", "JA0328", "JA0329", "JA0330"),
        "JA0322",
    ),
    "household": (
        ("JA0401", "JA0402", "JA0403", "JA0404", "JA0411", "JA0412", "JA0413", "JA0414"),
        "JA0410",
    ),
    "business": (("JA1101", "JA1102", "JA1103"), None),
}

#: The numeric columns: target age from and to (만 나이).
JA_MIN_AGE = "JA0110"
JA_MAX_AGE = "JA0111"

#: The sex a restricting sex group means.
JA_SEX = {"JA0101": "M", "JA0102": "F"}

#: Policy-customer types a restricting flag tags the service with.
JA_CUSTOMER_TYPES: dict[str, tuple[str, ...]] = {
    "JA0103": ("infant_household",),
    "JA0106": ("youth",),
    "JA0108": ("middle_aged",),
    "JA0109": ("senior",),
    # Below half the median income is where 기초생활보장 and 차상위 live.
    "JA0201": ("basic_livelihood", "near_poverty", "low_income"),
    "JA0202": ("low_income",),
    "JA0301": ("pregnant",),
    "JA0302": ("pregnant",),
    "JA0303": ("infant_household",),
    "JA0313": ("farmer_fisher",),
    "JA0314": ("farmer_fisher",),
    "JA0315": ("farmer_fisher",),
    "JA0316": ("farmer_fisher",),
    "JA0327": ("job_seeker",),
    "JA0328": ("disabled",),
    "JA0329": ("veteran",),
    "JA0401": ("multicultural",),
    "JA0402": ("north_korean_defector",),
    "JA0403": ("single_parent",),
    "JA0411": ("multi_child",),
    "JA1101": ("small_business",),
    "JA1102": ("small_business",),
    "JA1103": ("small_business",),
}

#: Customer types a target age range implies: (type, lowest "from" age, highest "from" age,
#: highest "to" age or None when the range may stay open). 만 19~34세 is for youth; 만 65세
#: 이상 for seniors; 만 15~69세 implies nothing.
AGE_RANGE_TYPES: tuple[tuple[str, int, int, int | None], ...] = (
    ("youth", 13, 34, 39),
    ("middle_aged", 40, 59, None),
    ("senior", 60, 200, None),
)

# --- the service list (서비스 목록) -------------------------------------------------------

#: Words in 서비스명, 지원대상 or 선정기준 that tag a service with a customer type.
TEXT_CUSTOMER_TYPES: dict[str, tuple[str, ...]] = {
    "youth": ("청년",),
    "middle_aged": ("중장년", "신중년"),
    "senior": ("노인", "어르신", "고령자", "65세 이상"),
    "career_break_women": ("경력단절",),
    "pregnant": ("임산부", "임신부", "난임"),
    "infant_household": ("영유아", "출생", "출산", "신생아", "개월 아동", "육아"),
    "single_parent": ("한부모", "조손"),
    "multi_child": ("다자녀", "3자녀", "세 자녀"),
    "disabled": ("장애인", "장애아동"),
    "basic_livelihood": ("기초생활수급", "생계급여", "생계·의료", "의료급여 수급"),
    "near_poverty": ("차상위",),
    "low_income": ("저소득", "소득하위", "중위소득"),
    "farmer_fisher": ("농업인", "어업인", "농어민", "농어업", "축산", "임업인", "청년농"),
    "multicultural": ("다문화", "결혼이민"),
    "north_korean_defector": ("북한이탈",),
    "veteran": ("제대군인", "보훈대상", "국가유공자", "전역"),
    "job_seeker": ("구직자", "실업자", "미취업", "이직한"),
    "small_business": ("소상공인", "자영업"),
}

#: 사용자구분 values and the customer types they imply.
AUDIENCE_CUSTOMER_TYPES: dict[str, tuple[str, ...]] = {
    "소상공인": ("small_business",),
}

#: 사용자구분 values that mean "not a person": a service only for these is not suggested
#: to a visitor unless they run a small business.
ORGANISATION_AUDIENCES = frozenset({"법인/시설/단체"})

#: 서비스분야 values and the customer types they imply.
CATEGORY_CUSTOMER_TYPES: dict[str, tuple[str, ...]] = {
    "농림축산어업": ("farmer_fisher",),
    "임신·출산": ("pregnant", "infant_household"),
}

#: Words in 서비스명, 소관기관명 or 부서명 that decide the domain, checked in this order;
#: the first that matches wins, before the 서비스분야 fallback below.
DOMAIN_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("자활", "self_support"),
    ("자립지원과", "self_support"),
    ("서민금융", "finance"),
    ("미소금융", "finance"),
    ("신용회복", "finance"),
    ("햇살론", "finance"),
    ("채무조정", "finance"),
    ("여성새로일하기", "women"),
    ("경력단절", "women"),
    ("창조경제", "creative_economy"),
    ("창업", "creative_economy"),
    ("문화누리", "culture"),
    ("문화체육관광부", "culture"),
)

#: 서비스분야 → domain when no keyword decided it; anything else is "other".
CATEGORY_DOMAINS: dict[str, str] = {
    "고용·창업": "jobs",
    "일자리": "jobs",
    "생활안정": "welfare",
    "주거·자립": "welfare",
    "보육·교육": "welfare",
    "임신·출산": "welfare",
    "보건·의료": "welfare",
    "보호·돌봄": "welfare",
    "문화·환경": "culture",
    "농림축산어업": "other",
    "행정·안전": "other",
}

# --- eligibility: what a suggestion checks (catalogue.eligibility) --------------------------

#: The questions a service's support-condition codes ask. A service is suggested only when the
#: person passes every question it asks; within one question any of its codes will do.
#: 국민내일배움카드 (근로자 *or* 구직자) asks one question; 장애인 일자리 지원 (구직자 *and*
#: 장애인) asks two, so a job seeker who is not disabled does not get it.
CONDITION_GROUPS: dict[str, tuple[str, ...]] = {
    "age_band": ("JA0103", "JA0104", "JA0105", "JA0106", "JA0107", "JA0108", "JA0109"),
    "income": ("JA0201", "JA0202", "JA0203", "JA0204", "JA0205"),
    "life": ("JA0301", "JA0302", "JA0303"),
    "occupation": ("JA0313", "JA0314", "JA0315", "JA0316", "JA0317", "JA0318", "JA0319",
                   "JA0320", "JA0326", "JA0327"),
    "disability": ("JA0328",),
    "veteran": ("JA0329",),
    "illness": ("JA0330",),
    "family": ("JA0401", "JA0402", "JA0403", "JA0404", "JA0411", "JA0414"),
    "housing": ("JA0412",),
    "moved_in": ("JA0413",),
    "business": ("JA1101", "JA1102", "JA1103"),
}

#: What a policy-customer type on a *person's* record says: they have at least one of these
#: codes. On a *service* the type asks the same question when its codes do not (a hand-entered
#: service tagged 장애인, or an imported one whose text names 장애인).
TYPE_CONDITION_CODES: dict[str, tuple[str, ...]] = {
    "pregnant": ("JA0302",),
    "infant_household": ("JA0303",),
    "farmer_fisher": ("JA0313", "JA0314", "JA0315", "JA0316"),
    "job_seeker": ("JA0327",),
    "disabled": ("JA0328",),
    "veteran": ("JA0329",),
    "multicultural": ("JA0401",),
    "north_korean_defector": ("JA0402",),
    "single_parent": ("JA0403",),
    "multi_child": ("JA0411",),
    "small_business": ("JA1102", "JA1103"),
    "basic_livelihood": ("JA0201",),
    "near_poverty": ("JA0201",),
    "low_income": ("JA0201", "JA0202"),
}

#: Types the front desk asks every registered visitor about: a record without the type means
#: the person has none of its codes. The income types are not here — the desk does not measure
#: income, so an untagged person's income band is "확인 필요", never a no.
ASKED_TYPES: frozenset[str] = frozenset({
    "pregnant", "infant_household", "farmer_fisher", "job_seeker", "disabled", "veteran",
    "multicultural", "north_korean_defector", "single_parent", "multi_child", "small_business",
})

#: Income bands a type rules out: a person has one income band.
TYPE_RULES_OUT: dict[str, tuple[str, ...]] = {
    "basic_livelihood": ("JA0202", "JA0203", "JA0204", "JA0205"),
    "near_poverty": ("JA0202", "JA0203", "JA0204", "JA0205"),
    "low_income": ("JA0203", "JA0204", "JA0205"),
}

#: The age bands of the conditions table (만 나이, inclusive; None: no upper end).
AGE_BAND_AGES: dict[str, tuple[int, int | None]] = {
    "JA0103": (0, 5),
    "JA0104": (6, 12),
    "JA0105": (13, 18),
    "JA0106": (19, 29),
    "JA0107": (30, 49),
    "JA0108": (50, 64),
    "JA0109": (65, None),
}

#: Household sizes a code means: a recorded household size answers it either way.
HOUSEHOLD_SIZE_CODES: dict[str, int] = {"JA0404": 1}

#: The ages an age-like customer type on a service asks for, when the service states no age
#: range itself (청년기본법: 19~34; 중장년: 40~64; 노인: 65 이상).
TYPE_AGES: dict[str, tuple[int, int | None]] = {
    "youth": (19, 34),
    "middle_aged": (40, 64),
    "senior": (65, None),
}

#: 소관기관유형 values of a local government: its services are for residents of its area,
#: named by 소관기관명 (경기도, 남양주시).
LOCAL_PROVIDER_KINDS = frozenset({"지방자치단체", "광역자치단체", "기초자치단체"})
