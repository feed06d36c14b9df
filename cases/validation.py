"""The checks of what is typed about a person, shared by the web forms and the JSON API.

Each ``check_*`` takes the raw value, returns it parsed (a date, an E.164 number, the RRN's
digits) and raises :class:`InvalidField` with the Korean message for that field. The forms
turn it into a field error, the API into a per-field problem detail: one wording, one rule.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from cases import identity
from core.clock import local_today

NAME_MAX = 50
PHONE_MAX = 30
SIGUNGU_MAX = 30
ADDRESS_MAX = 200
RRN_MAX = 14
HOUSEHOLD_MIN, HOUSEHOLD_MAX = 1, 30
HOUSEHOLD_MESSAGE = _l("1에서 30 사이로 입력하세요.")
REQUIRED = _l("필수 항목입니다.")


class InvalidField(ValueError):
    """What is wrong with one field; ``message`` is a lazy Korean string."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def check_name(text: str | None) -> str:
    if not text or not text.strip():
        raise InvalidField(_l("이름을 입력하세요."))
    if any(char.isdigit() for char in text):
        raise InvalidField(_l("이름에 숫자를 쓸 수 없습니다."))
    return text.strip()


def check_birth_date(text: str | None, today: date | None = None) -> date:
    """1985-03-02, 850302, 1985.3.2 …; not in the future, not before 1900."""
    today = today or local_today()
    parsed = identity.parse_birth_date(text or "", today)
    if parsed is None:
        raise InvalidField(_l("있을 수 없는 날짜입니다. 예: 1985-03-02"))
    if parsed > today:
        raise InvalidField(_l("생년월일이 오늘보다 뒤일 수 없습니다."))
    if parsed.year < 1900:
        raise InvalidField(_l("1900년 이후의 날짜를 입력하세요."))
    return parsed


def check_phone(text: str | None) -> str | None:
    """Any usual way of writing a Korean number → E.164; blank → None."""
    if not text or not text.strip():
        return None
    normalised = identity.normalise_phone(text)
    if normalised is None:
        raise InvalidField(_l("있을 수 없는 전화번호입니다. 예: 010-1234-5678"))
    return normalised


RRN_MESSAGES = {
    "format": _l("주민등록번호는 13자리 숫자입니다. 예: 850302-1234567"),
    "date": _l("주민등록번호의 생년월일 부분이 올바르지 않습니다."),
    "checksum": _l("주민등록번호가 올바르지 않습니다. 다시 확인하세요."),
}


def check_rrn(text: str, *, birth_date: date | None, sex: str | None) -> str:
    """A valid RRN that agrees with the birth date and sex given beside it → its 13 digits."""
    try:
        digits, birth, rrn_sex = identity.parse_rrn(text)
    except identity.RRNError as error:
        raise InvalidField(RRN_MESSAGES[str(error)]) from error
    if birth_date and birth != birth_date:
        raise InvalidField(_l("주민등록번호와 생년월일이 서로 다릅니다."))
    if sex and rrn_sex != sex:
        raise InvalidField(_l("주민등록번호와 성별이 서로 다릅니다."))
    return digits


def check_collection_consent(given: bool) -> None:
    """No personal data is kept without consent to its collection (PIPA art. 15)."""
    if not given:
        raise InvalidField(_l(
            "개인정보 수집·이용 동의 없이는 개인정보를 등록할 수 없습니다. "
            "동의하지 않으면 익명 방문으로 접수하세요."
        ))


def check_consent_given_on(given_on: date | None, today: date | None = None) -> None:
    if given_on and given_on > (today or local_today()):
        raise InvalidField(_l("동의일이 오늘보다 뒤일 수 없습니다."))
