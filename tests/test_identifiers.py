"""统一社会信用代码 validation through python-stdnum."""
import pytest

from core.identifiers import credit_code_problem, make_credit_code, normalize_credit_code

VALID = make_credit_code("239902", 12345678)


def test_generated_code_is_valid():
    assert credit_code_problem(VALID) is None


def test_wrong_check_digit():
    wrong = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    assert "校验位" in credit_code_problem(wrong)


@pytest.mark.parametrize("text", [VALID[:-1], VALID + "1"])
def test_wrong_length(text):
    assert "18 位" in credit_code_problem(text)


def test_lower_case_and_full_width_are_normalised():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in VALID.lower())
    assert normalize_credit_code(full_width) == VALID
    assert credit_code_problem(full_width) is None
    assert credit_code_problem(f" {VALID[:6]}-{VALID[6:]} ") is None


def test_invalid_characters():
    assert credit_code_problem("91239902ABCDEFGHIO") is not None
