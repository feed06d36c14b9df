"""What the demo's caseworkers write: case summaries, notes, assessments, goals, closures.

Plain data for :mod:`cases.demo`, by agency kind; the wording of a centre's case records.
"""

from cases.models import ClosureReason, NeedDomain
from centers.models import AgencyKind

K = AgencyKind
R = ClosureReason
N = NeedDomain

NEED_OF_AGENCY = {K.EMPLOYMENT: N.EMPLOYMENT, K.WELFARE: N.INCOME, K.SELF_SUPPORT: N.EMPLOYMENT,
                  K.WOMEN: N.EMPLOYMENT, K.FINANCE: N.DEBT, K.CULTURE: N.CULTURE}

SUMMARIES = {
    K.EMPLOYMENT: [
        "실직 후 구직급여 수급 중. 재취업 희망 직종 상담 및 국민취업지원제도 참여 검토.",
        "고졸 후 단기 아르바이트 경력만 있음. 직업훈련 후 사무직 취업 희망.",
        "제조업 생산직 20년 경력, 공장 이전으로 퇴사. 인근 지역 동종 업종 재취업 희망.",
        "대학 졸업 후 2년째 구직 중. 면접 경험 부족, 취업 의욕 높음.",
        "건강 문제로 중단했던 구직 활동 재개. 시간제 일자리 우선 희망.",
        "계약 만료로 퇴사. 물류·운전 분야 경력, 화물운송 자격 보유.",
    ],
    K.WELFARE: [
        "주 소득자 실직으로 생계 곤란. 긴급복지 생계지원 및 기초생활보장 신청 상담.",
        "월세 체납 3개월, 퇴거 위기. 주거급여와 긴급 주거지원 검토.",
        "홀로 사는 어르신, 건강 악화로 돌봄 필요. 기초연금 외 지원 연계 필요.",
        "한부모 가구, 자녀 둘 양육 중. 양육비 미지급으로 생활비 부족.",
        "질병으로 근로 어려움. 의료비 부담 커 의료급여 및 긴급 의료지원 상담.",
        "공과금 체납 통보 다수(위기가구 발굴). 가구 전반의 욕구 조사 필요.",
    ],
    K.SELF_SUPPORT: [
        "조건부 수급자. 자활근로 참여 조건 이행 상담.",
        "근로 의욕은 있으나 장기 미취업. 자활근로 통해 근로 습관 회복 목표.",
        "자활근로 참여 중 희망저축계좌 가입 희망. 자립 계획 수립.",
    ],
    K.WOMEN: [
        "출산·육아로 8년 경력단절. 회계 사무 경력 살려 재취업 희망.",
        "자녀 초등학교 입학 후 시간제 일자리 희망. 직업교육훈련 안내.",
        "간호조무사 자격 보유, 경력단절 5년. 의료기관 재취업 희망.",
    ],
    K.FINANCE: [
        "카드 대금 연체로 독촉 받는 중. 채무조정(신용회복) 상담.",
        "폐업 후 사업자 대출 상환 부담. 채무 현황 정리와 조정 가능성 검토.",
        "저신용으로 제도권 대출 어려움. 햇살론15 등 정책 서민금융 상담.",
    ],
    K.CULTURE: [
        "수급 가구, 문화누리카드 발급 및 이용처 안내.",
        "자녀와 함께할 지역 문화 프로그램 안내 요청.",
    ],
}

OPENING_NOTES = {
    K.EMPLOYMENT: "초기 상담. 경력과 희망 직종, 구직 활동 현황 확인. 구직 등록과 이력서 작성 안내.",
    K.WELFARE: "초기 상담. 가구 구성과 소득·재산, 위기 상황 확인. 필요 서류 안내.",
    K.SELF_SUPPORT: "초기 상담. 근로 능력과 참여 가능 시간 확인. 자활사업 종류 안내.",
    K.WOMEN: "초기 상담. 경력과 자격, 희망 근무 형태 확인. 직업교육훈련 과정 안내.",
    K.FINANCE: "초기 상담. 채무 현황(금융기관, 금액, 연체 기간) 확인. 채무조정 절차 안내.",
    K.CULTURE: "초기 상담. 문화누리카드 대상 여부 확인, 발급 절차 안내.",
}

FOLLOW_UP_NOTES = {
    K.EMPLOYMENT: [
        "구직 활동 점검. 지난 2주간 입사 지원 3건, 면접 1건.",
        "직업훈련 과정 출석 양호. 수료 후 연계 가능한 구인처 안내.",
        "이력서·자기소개서 첨삭. 다음 주 면접 준비 상담 예정.",
        "구인 정보 5건 안내, 그중 2건 지원 의사 있음.",
        "취업 의욕 다소 떨어짐. 건강 상태와 생활 리듬 확인, 주 1회 연락하기로 함.",
        "동행 면접 일정 조율. 교통비 지원 안내.",
    ],
    K.WELFARE: [
        "긴급복지 생계지원 결정 통보. 지원 기간과 이후 계획 안내.",
        "기초생활보장 신청 서류 보완 안내. 금융정보 제공 동의서 제출 받음.",
        "가정 방문 예정 일정 조율. 주거 환경 확인 필요.",
        "생활 상황 확인. 식료품 지원 연계, 다음 달 재점검.",
        "의료비 부담 상담. 의료급여 신청 진행 상황 확인.",
        "공과금 체납 일부 해소. 에너지바우처 신청 안내.",
    ],
    K.SELF_SUPPORT: [
        "자활근로 사업단 배치 완료. 출근 상황 양호.",
        "근무 적응 상담. 동료 관계 어려움 호소, 사업단 담당자와 조율.",
        "희망저축계좌 적립 현황 확인. 교육 이수 안내.",
        "자격증 취득 계획 상담. 내일배움카드 연계 검토.",
    ],
    K.WOMEN: [
        "직업교육훈련(전산회계) 참여 중. 출석 양호.",
        "구인처 동행 면접. 근무 시간 조정 협의 중.",
        "인턴 연계 검토. 아이 돌봄 공백 시간 확인.",
        "이력서 작성 지원. 경력 공백 기간 설명 방법 상담.",
    ],
    K.FINANCE: [
        "채무 내역 서류 확인. 신용회복위원회 상담 예약.",
        "채무조정 신청 접수. 변제 계획 설명.",
        "상환 계획 점검. 생활비 예산 세우기 함께 함.",
        "정책자금 신청 서류 안내. 보증 가능 여부 확인 중.",
    ],
    K.CULTURE: [
        "문화누리카드 발급 완료. 이용처 목록 안내.",
        "지역 공연 관람 프로그램 신청 도움.",
    ],
}

CONFIDENTIAL_NOTES = [
    "배우자의 폭언·폭력 정황을 이야기함. 본인 요청으로 비공개 기록. 상담소 연계 안내.",
    "정신건강의학과 치료 중이라고 밝힘. 복약 중, 본인 동의 없이 공유하지 않기로 함.",
    "자녀 문제(학교 폭력 피해)로 심리적 부담 큼. 세부 내용은 기관 안에서만 공유.",
    "채무 원인이 가족 사업 보증임을 밝힘. 가족에게 알리지 않기를 원함.",
]

ASSESSMENT_NOTES = {
    K.EMPLOYMENT: ["취업 의욕 높음. 직무 역량은 보통, 구직 기술(이력서·면접) 보완 필요.",
                   "경력은 충분하나 연령으로 재취업 어려움 호소. 정서적 지지 필요.",
                   "건강상 장시간 근무 어려움. 시간제 일자리 중심으로 계획."],
    K.WELFARE: ["소득 단절로 생계 위기. 주거비 부담 높음. 긴급 지원 후 공적 급여 연계.",
                "돌봄 부담과 건강 문제가 겹침. 다기관 협력 필요.",
                "위기 정도는 낮으나 사회적 고립 우려. 정기 안부 확인."],
    K.SELF_SUPPORT: ["근로 능력 있음. 근로 습관 형성이 우선 과제.",
                     "근로 의욕 보통. 자활근로 통한 단계적 자립 목표."],
    K.WOMEN: ["경력 공백이 길어 자신감 낮음. 직업훈련 후 취업 목표.",
              "자격 보유, 돌봄 시간 제약이 주된 걸림돌."],
    K.FINANCE: ["채무 규모가 소득 대비 과다. 채무조정이 우선.",
                "연체 초기 단계. 상환 계획 수립으로 해결 가능."],
    K.CULTURE: ["문화 활동 경험 거의 없음. 가족 단위 프로그램 선호."],
}

#: (need domain, goal, catalogue service name or "", unmet: no service here for it)
GOALS = {
    K.EMPLOYMENT: [(N.EMPLOYMENT, "국민취업지원제도 참여, 취업 활동 계획 수립", "국민취업지원제도", False),
                   (N.EDUCATION, "직업훈련 과정 수강(내일배움카드)", "국민내일배움카드", False),
                   (N.EMPLOYMENT, "3개월 안에 상용직 취업", "", False),
                   (N.INCOME, "구직급여 수급 유지, 실업인정 일정 관리", "구직급여(실업급여)", False),
                   (N.CARE, "구직 활동 중 야간 자녀 돌봄 — 지역에 제공 기관 없음", "", True)],
    K.WELFARE: [(N.INCOME, "긴급복지 생계지원 결정", "긴급복지 생계지원", False),
                (N.INCOME, "기초생활보장 생계급여 신청과 결정", "기초생활보장 생계급여", False),
                (N.HOUSING, "주거급여 신청, 월세 체납 해소", "주거급여", False),
                (N.HEALTH, "의료급여 연계, 정기 진료 유지", "의료급여", False),
                (N.CARE, "방문 돌봄 연계", "", False),
                (N.HOUSING, "장애인 편의시설 갖춘 임대주택 — 대기 물량 없음", "", True)],
    K.SELF_SUPPORT: [(N.EMPLOYMENT, "자활근로 사업단 참여, 6개월 근속", "자활근로사업", False),
                     (N.INCOME, "희망저축계좌 가입과 꾸준한 적립", "희망저축계좌Ⅰ", False),
                     (N.EDUCATION, "자격증 취득(요양보호사)", "", False)],
    K.WOMEN: [(N.EDUCATION, "직업교육훈련 과정 수료", "여성새로일하기센터 취업지원", False),
              (N.EMPLOYMENT, "시간제 일자리 취업", "", False),
              (N.CARE, "방과후 돌봄 확보 — 대기자 많아 배정 어려움", "", True)],
    K.FINANCE: [(N.DEBT, "채무조정 신청과 변제 계획 확정", "개인채무조정(신용회복)", False),
                (N.DEBT, "고금리 대출 정책 서민금융으로 전환", "햇살론15", False),
                (N.INCOME, "생활비 예산 세우기와 지출 점검", "", False)],
    K.CULTURE: [(N.CULTURE, "문화누리카드 발급과 이용", "문화누리카드", False),
                (N.CULTURE, "지역 평생학습 강좌 참여", "남양주시 평생학습 강좌", False)],
}

HOLD_NOTES = ["본인 입원으로 당분간 상담 어려움. 퇴원 후 재개하기로 함.",
              "가족 간병으로 연락 어려움. 한 달 뒤 다시 연락하기로 함.",
              "단기 일자리 취업으로 상담 일시 중단. 계약 종료 후 재개 예정.",
              "타 지역 가족 집에 머무는 중. 복귀하면 연락 주기로 함."]

#: Closure reasons, the likeliest first, by agency kind (each agency uses them in order).
CLOSURE_ORDER = {
    K.EMPLOYMENT: [R.EMPLOYED, R.GOALS_MET, R.LOST_CONTACT, R.REFERRED, R.DECLINED, R.MOVED, R.OTHER],
    K.WELFARE: [R.GOALS_MET, R.REFERRED, R.MOVED, R.LOST_CONTACT, R.DECLINED, R.EMPLOYED, R.OTHER],
    K.SELF_SUPPORT: [R.EMPLOYED, R.GOALS_MET, R.DECLINED, R.LOST_CONTACT, R.REFERRED, R.OTHER,
                     R.MOVED],
    K.WOMEN: [R.EMPLOYED, R.GOALS_MET, R.DECLINED, R.REFERRED, R.LOST_CONTACT, R.MOVED, R.OTHER],
    K.FINANCE: [R.GOALS_MET, R.REFERRED, R.LOST_CONTACT, R.DECLINED, R.OTHER, R.MOVED, R.EMPLOYED],
    K.CULTURE: [R.GOALS_MET, R.OTHER, R.MOVED, R.LOST_CONTACT, R.DECLINED, R.REFERRED, R.EMPLOYED],
}

CLOSURE_NOTES = {
    R.EMPLOYED: ["상용직 취업 확인(근로계약서 사본 받음).", "시간제 일자리 취업, 본인 만족."],
    R.REFERRED: ["타 기관 연계 완료, 그 기관에서 지원 계속.", "복지지원팀 사례관리로 이관."],
    R.GOALS_MET: ["계획한 목표 모두 달성.", "급여 결정으로 생계 안정, 사례관리 종결."],
    R.MOVED: ["타 시·군으로 전출. 전입지 센터 안내함."],
    R.LOST_CONTACT: ["3회 이상 연락 시도했으나 닿지 않음.", "전화 번호 결번, 방문해도 만나지 못함."],
    R.DECLINED: ["본인이 더 이상 상담을 원하지 않음.", "지원 조건 부담으로 참여 포기 의사."],
    R.OTHER: ["대상 요건 변경으로 종결.", "다른 제도로 지원 받게 되어 종결."],
}

CONFERENCE_AGENDA = ("소득 단절과 주거 불안이 겹친 가구. 복지·자활·고용 지원 순서와 "
                     "역할 분담 논의.")
CONFERENCE_DECISIONS = ("복지지원팀이 긴급 생계지원 후 기초생활보장 신청을 돕고, 자활센터가 "
                        "자활근로 배치, 고용센터는 3개월 뒤 취업 연계. 주관 기관은 복지지원팀.")
CONFERENCE_ACTIONS = ["기초생활보장 신청 서류 보완", "자활근로 사업단 배치 일정 확정",
                      "직업훈련 과정 안내"]
CONFERENCE_NOTE = "통합사례회의 참석. 기관별 역할 분담 확인."

WITHDRAWAL_NOTES = {True: "본인이 센터 이용을 그만두겠다며 개인정보 수집·이용 동의 철회 요청.",
                    False: "다른 기관에 정보가 넘어가는 것을 원하지 않아 제3자 제공 동의 철회."}
