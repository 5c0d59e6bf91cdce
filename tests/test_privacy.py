import pytest

from desk.privacy import MASK, find_national_ids, is_national_id, mask_national_ids


@pytest.mark.parametrize("number, valid", [
    ("15028045686", True),   # fødselsnummer
    ("41019010110", True),   # D-number (day + 40)
    ("15028045687", False),  # wrong second check digit
    ("15028045676", False),  # wrong first check digit
    ("32028045686", False),  # no 32nd day
    ("1502804568", False),   # too short
    ("abcdefghijk", False),
])
def test_national_id_check_digits(number: str, valid: bool) -> None:
    assert is_national_id(number) is valid


def test_found_with_space_or_dot_between_date_and_number() -> None:
    text = "Mitt nr: 150280 45686, min sønns 150280.45686 og tlf 12345678."
    assert find_national_ids(text) == ["15028045686", "15028045686"]


def test_masking_keeps_other_numbers() -> None:
    text = "Fnr 15028045686, saksnr 2026-004711, konto 12345678901."
    assert mask_national_ids(text) == f"Fnr {MASK}, saksnr 2026-004711, konto 12345678901."


def test_longer_digit_runs_are_not_national_ids() -> None:
    assert find_national_ids("1502804568612") == []
