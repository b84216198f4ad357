"""Bounds on every number a user types: none reaches the database outside its integer range.

SQLite stores integers up to 2**63-1 and PostgreSQL integer columns up to 2**31-1; a larger number in a
query is an OverflowError (or a DataError) and a 500. Ids in URLs, numeric query filters and form fields
are checked against these bounds first.
"""
from werkzeug.routing import IntegerConverter
from wtforms.validators import NumberRange

MAX_ID = 2_147_483_647  # PostgreSQL `integer` (SERIAL) columns, the narrower of the two databases
YEAR_MIN, YEAR_MAX = 2000, 2100  # any year a filter or a form may ask about


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: 1..MAX_ID; anything else does not match, so the answer is 404."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def int_in(text, low=1, high=MAX_ID):
    """The whole number `text` spells in ASCII digits if it lies in low..high, else None."""
    text = str(text if text is not None else "").strip()
    if not text or len(text) > 12 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def year_in(text):
    """A year between YEAR_MIN and YEAR_MAX from a query argument or form value, else None."""
    return int_in(text, YEAR_MIN, YEAR_MAX)


def id_range(message="所选对象不存在"):
    """The validator of an IntegerField that carries an id."""
    return NumberRange(1, MAX_ID, message)
