"""National identity numbers: found in inbound text, masked where they are not needed.

A fødselsnummer is 11 digits, DDMMYY + individual number + two mod-11 check
digits. A D-number adds 4 to the first digit of the day, an H-number 4 to the
first of the month; the synthetic test numbers of the national test register
add 8 to the month. All are personal data and treated alike.
"""

import re

_CANDIDATE = re.compile(r"(?<![\d])(\d{6})[ .-]?(\d{5})(?![\d])")
_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
MASK = "***********"


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    return None if check == 10 else check


def is_national_id(number: str) -> bool:
    """True for a valid fødselsnummer, D-number, H-number or synthetic test number."""
    if len(number) != 11 or not number.isdigit():
        return False
    day, month = int(number[0:2]), int(number[2:4])
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:
        month -= 40
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    return (
        _check_digit(number[:9], _W1) == int(number[9])
        and _check_digit(number[:10], _W2) == int(number[10])
    )


def find_national_ids(text: str) -> list[str]:
    found = []
    for match in _CANDIDATE.finditer(text or ""):
        number = match.group(1) + match.group(2)
        if is_national_id(number):
            found.append(number)
    return found


def mask_national_ids(text: str) -> str:
    """Replace every valid national identity number in `text` with a mask."""

    def _mask(match: re.Match[str]) -> str:
        number = match.group(1) + match.group(2)
        return MASK if is_national_id(number) else match.group(0)

    return _CANDIDATE.sub(_mask, text or "")
