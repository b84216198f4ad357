"""统一社会信用代码 (GB 32100-2015): normalising what people type, and validating with python-stdnum."""
import unicodedata

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError


def normalize_credit_code(text):
    """Full-width characters become half-width, spaces and dashes go, letters become upper case."""
    return uscc.compact(unicodedata.normalize("NFKC", text or ""))


def credit_code_problem(text):
    """The Chinese reason a credit code is invalid, or None."""
    code = normalize_credit_code(text)
    try:
        uscc.validate(code)
    except InvalidLength:
        return f"统一社会信用代码应为 18 位（当前 {len(code)} 位）"
    except InvalidFormat:
        return "统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）"
    except InvalidChecksum:
        return "统一社会信用代码校验位不正确，请核对"
    except ValidationError:
        return "统一社会信用代码无效"
    return None


def organisation_code_check(code8):
    """The GB 11714 check character of an 8-character organisation code (for generating test data)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(ch) * w for ch, w in zip(code8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(division_code, serial, authority="9", org_type="1"):
    """A valid credit code for a (fictional) organisation: used by the demo city, tests and benchmarks."""
    org8 = f"{serial:08d}"[-8:]
    body = f"{authority}{org_type}{division_code}{org8}{organisation_code_check(org8)}"
    return body + uscc.calc_check_digit(body)
