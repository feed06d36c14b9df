"""What each figure of the monthly report means, written once.

Every figure the report prints is defined here, in the words a clerk checking the report
would use; the page and the PDF print the list as footnotes ("용어 정의") and the XLSX as a
sheet of its own. A module that adds figures (referrals, say) adds their definitions with
:func:`define` at import time. Labels are the figures' labels as the report prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Definition:
    label: object  # lazy string: the figure's label in the report
    text: object  # lazy string: what is counted, from when to when


DEFINITIONS: list[Definition] = []


def define(label, text) -> None:
    """Add a figure's definition (once: a label already defined keeps its first text)."""
    if all(str(existing.label) != str(label) for existing in DEFINITIONS):
        DEFINITIONS.append(Definition(label, text))


def definitions() -> list[tuple[str, str]]:
    """(label, definition) of every figure, in the order they were defined."""
    return [(str(d.label), str(d.text)) for d in DEFINITIONS]


for _label, _text in (
    (_l("기준 시점"), _l("모든 수치는 그달 1일 0시부터 말일 24시(서울)까지의 일을 셉니다. "
                     "'월말' 수치는 말일 자정의 상태이며, 다음 달에 한 처리(응답, 재개, 계획 "
                     "변경)는 그달의 수치를 바꾸지 않습니다.")),
    (_l("방문 건수"), _l("그달 방문일(서울)의 방문 수. 익명 방문도 셉니다.")),
    (_l("방문 인원"), _l("그달 방문한 서로 다른 사람 수. 이름 없이 받은 익명 방문은 사람을 알 수 "
                     "없어 세지 않습니다(익명 방문 수는 따로 적습니다).")),
    (_l("익명 방문"), _l("사람을 등록하지 않고 받은 방문 수. 방문 건수에는 들어가고 방문 인원에는 "
                     "들어가지 않습니다.")),
    (_l("처음 방문한 사람"), _l("그달 이전에 이 센터를 방문한 적이 없는 사람 수.")),
    (_l("신규 등록"), _l("그달 이 센터에 새로 등록한 사람 수(방문 여부와 관계없이 등록일 기준).")),
    (_l("평균 대기 시간"), _l("창구마다 번호를 받은 때부터 호출(또는 상담 시작)까지의 평균. "
                         "호출 전에 돌아간 사람은 들어가지 않습니다.")),
    (_l("상담 전 돌아간 사람의 대기 시간"),
     _l("번호를 받고 호출되기 전에 돌아간 창구 대기의 평균 시간(번호를 받은 때부터 돌아간 "
        "처리까지).")),
    (_l("두 기관 이상 이용 비율"), _l("두 기관 이상에서 상담한 방문 ÷ 방문 건수 × 100.")),
    (_l("줄어든 기관 방문"), _l("한 번의 방문에서 첫 기관 다음으로 상담한 기관 수의 합.")),
    (_l("신규 사례"), _l("그달 개설한 사례 수.")),
    (_l("종결 사례"), _l("그달 종결 처리한 사례 수. 다음 달에 다시 열어도 그달의 종결로 남습니다.")),
    (_l("취업 종결"), _l("종결 사례 가운데 종결 사유가 취업인 사례 수.")),
    (_l("월말 진행 사례"), _l("말일 자정(서울)에 열려 있던 사례 수. 진행 중인 달은 지금 기준입니다.")),
    (_l("기한 지난 사례"), _l("말일 자정(서울)에 열려 있고 욕구조사·계획 기한이나 목표 달성 "
                         "예정일이 지난 사례 수. 진행 중인 달은 지금 기준입니다.")),
    (_l("서비스 없음 욕구"), _l("그달 '서비스 없음'으로 기록한 계획 목표 수(처음 그렇게 기록한 때 "
                          "기준).")),
    (_l("보낸 의뢰"), _l("그달 보낸 기관 간 의뢰 수.")),
    (_l("의뢰 수락률"), _l("그달 보낸 의뢰 가운데 말일 자정까지 응답한 의뢰에서 수락의 비율. "
                       "다음 달에 온 응답은 그달에는 응답 없음으로 셉니다.")),
    (_l("기한 안 응답 비율"), _l("말일 자정까지 응답한 의뢰 가운데 응답 기한 안에 응답한 비율.")),
    (_l("월말 기한 지난 의뢰"), _l("말일 자정에 응답이 없고 응답 기한이 지난 의뢰 수(보낸 달과 "
                            "관계없이).")),
    (_l("원스톱 방문 비율(두 기관 이상·의뢰)"),
     _l("두 기관 이상에서 상담했거나 같은 날 의뢰로 이어진 방문 ÷ 방문 건수 × 100.")),
    (_l("성별·연령대"), _l("그달 방문한 사람(익명 제외)의 성별과 말일 기준 만 나이.")),
    (_l("올해 누계"), _l("그해 1월 1일부터 그달 말일까지의 합계.")),
    (_l("최근 12개월 추이"), _l("그달까지 12개월의 월별 수치(마감한 달은 마감한 판의 수치).")),
):
    define(_label, _text)
