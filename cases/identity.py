"""How people are identified: names, birth dates, phone numbers, resident numbers (RRN).

Pure functions, no database: the search box, the registration form and the duplicate
guard all read identifiers through these, so each format is understood in one place.
"""

from __future__ import annotations

import re
from datetime import date
from difflib import SequenceMatcher

import phonenumbers

from core.clock import local_today

_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


def initials(name: str) -> str:
    """홍길동 → ㅎㄱㄷ; other characters are kept as they are (lower-cased)."""
    out = []
    for char in name.replace(" ", ""):
        code = ord(char)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            out.append(_CHOSEONG[(code - _HANGUL_FIRST) // 588])
        else:
            out.append(char.lower())
    return "".join(out)


#: The lengths of the runs the name index keeps; the longest is the most a search reads by.
GRAM_LENGTHS = (2, 3, 4)


def _grams(text: str) -> set[str]:
    """Every run of two to four neighbouring characters: 김민준 → {김민, 민준, 김민준}."""
    return {text[i:i + n] for n in GRAM_LENGTHS for i in range(len(text) - n + 1)}


def search_grams(name: str) -> set[str]:
    """What the search index keeps of a name: the two- to four-character runs of the
    lower-cased name and of its initials. A name containing a searched text holds the text's
    first run (:func:`leading_gram`), so the search reads only the people holding it."""
    return _grams(name.lower()) | _grams(initials(name))


def leading_gram(text: str) -> str | None:
    """The run of a searched text (lower-cased name part, or initials) the index is read by:
    its first four characters (up to four, the entry is the match itself); None for one."""
    return text[:GRAM_LENGTHS[-1]] if len(text) >= GRAM_LENGTHS[0] else None


def is_initials_query(text: str) -> bool:
    """True for a search made only of initial consonants, such as ㅎㄱㄷ."""
    text = text.replace(" ", "")
    return bool(text) and all(char in _CHOSEONG for char in text)


def name_similarity(a: str, b: str) -> float:
    """0..1; spaces ignored, so 홍 길동 and 홍길동 are the same name."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    return SequenceMatcher(None, a, b).ratio()


# --- phone -------------------------------------------------------------------------------

def normalise_phone(text: str) -> str | None:
    """Any usual way of writing a Korean number → E.164; None when it is not a real number."""
    try:
        number = phonenumbers.parse(text, "KR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """+821012345678 → 010-1234-5678."""
    number = phonenumbers.parse(e164, "KR")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# --- birth date --------------------------------------------------------------------------

_DATE_SEPARATED = re.compile(r"^(\d{4})[-./ ](\d{1,2})[-./ ](\d{1,2})\.?$")
_DATE_DIGITS_8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_DIGITS_6 = re.compile(r"^(\d{2})(\d{2})(\d{2})$")


def parse_birth_date(text: str, today: date | None = None) -> date | None:
    """1985-03-02, 1985.3.2, 19850302 or 850302 → date; None when not a possible date.

    A six-digit date takes the century that does not put it in the future.
    """
    text = text.strip()
    today = today or local_today()
    for pattern in (_DATE_SEPARATED, _DATE_DIGITS_8):
        match = pattern.match(text)
        if match:
            return _make_date(*map(int, match.groups()))
    match = _DATE_DIGITS_6.match(text)
    if match:
        yy, month, day = map(int, match.groups())
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
        found = _make_date(year, month, day)
        if found and found > today:
            found = _make_date(year - 100, month, day)
        return found
    return None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- resident registration number --------------------------------------------------------

_RRN = re.compile(r"^(\d{6})-?(\d{7})$")
# Since October 2020 the last six digits are random, with no check digit.
_RANDOM_SERIAL_FROM = date(2020, 10, 1)


class RRNError(ValueError):
    pass


def looks_like_rrn(text: str) -> bool:
    return bool(_RRN.match(text.strip()))


def parse_rrn(text: str) -> tuple[str, date, str]:
    """Validate an RRN and return (13 digits, birth date, sex "M"/"F").

    :raise RRNError: malformed, impossible date, or a failing check digit.
    """
    match = _RRN.match(text.strip())
    if not match:
        raise RRNError("format")
    digits = match.group(1) + match.group(2)
    code = int(digits[6])
    century = {1: 1900, 2: 1900, 5: 1900, 6: 1900, 3: 2000, 4: 2000, 7: 2000, 8: 2000,
               9: 1800, 0: 1800}[code]
    birth = _make_date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    if birth is None:
        raise RRNError("date")
    if birth < _RANDOM_SERIAL_FROM and not _check_digit_ok(digits):
        raise RRNError("checksum")
    sex = "M" if code % 2 == 1 else "F"
    return digits, birth, sex


def _check_digit_ok(digits: str) -> bool:
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(digits[:12], weights, strict=True))
    return (11 - total % 11) % 10 == int(digits[12])


def mask_rrn(digits: str) -> str:
    """8503021234567 → 850302-1******."""
    return f"{digits[:6]}-{digits[6]}******"
