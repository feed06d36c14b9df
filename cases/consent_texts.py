"""Starting texts for a centre's consent documents; the manager edits them as new versions."""

from cases.models import ConsentKind

DEFAULT_TEXTS = {
    ConsentKind.COLLECTION: {
        "title": "개인정보 수집·이용 동의서",
        "purpose": "고용·복지 통합 상담, 서비스 안내 및 연계, 사례관리, 방문 기록 관리",
        "items": "성명, 생년월일, 성별, 연락처, 주소, 가구원 수, 정책고객 유형, 상담 내용",
        "retention": "마지막 서비스 종료 후 5년",
        "refusal_notice": "동의를 거부할 권리가 있습니다. 거부하면 개인정보 없이 익명으로만 "
                          "상담을 받을 수 있고, 사례관리와 기관 연계는 받을 수 없습니다.",
    },
    ConsentKind.THIRD_PARTY: {
        "title": "개인정보 제3자 제공 동의서",
        "purpose": "센터 안 기관 사이의 서비스 연계",
        "items": "성명, 생년월일, 연락처, 상담 요약, 의뢰 사유",
        "retention": "연계 서비스 종료 후 5년",
        "refusal_notice": "동의를 거부할 권리가 있습니다. 거부하면 기관 사이 연계(의뢰)를 받을 "
                          "수 없으며, 각 기관 창구를 직접 방문해 다시 상담해야 합니다.",
    },
}

RECIPIENT_DEFAULT = {
    "purpose": "의뢰받은 서비스의 자격 확인과 제공",
    "items": "성명, 생년월일, 연락처, 상담 요약, 의뢰 사유",
    "retention": "서비스 종료 후 5년",
}
