"""Number formatting for en-GB, in one place only.

Every figure a document prints goes through a function here, chosen by name
(``FORMATS``), so the paper, the factsheets and the charts print the same value
the same way. Rounding is half away from zero (as a reader expects: 59.45 → 59.5),
not Python's banker's rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

NOT_AVAILABLE = "not available"

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _round(value: float, dp: int) -> Decimal:
    quantum = Decimal(1).scaleb(-dp)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def _grouped(value: float, dp: int = 0) -> str:
    d = _round(value, dp)
    if d == 0:
        d = abs(d)  # no "-0"
    return f"{d:,.{dp}f}".replace("-", "−")  # a true minus sign, as in £ amounts


def number(value: float, dp: int = 0) -> str:
    """Return a count with thousands separators.

    >>> number(17410742), number(-1234)
    ('17,410,742', '−1,234')
    """
    return _grouped(value, dp)


def pct(value: float, dp: int = 1) -> str:
    """Return a percentage (value already 0–100).

    >>> pct(59.384)
    '59.4%'
    >>> pct(59.384, 0)
    '59%'
    """
    return f"{_grouped(value, dp)}%"


def pct0(value: float) -> str:
    """Return a whole-number percentage, as the 2018 paper printed them.

    >>> pct0(59.38)
    '59%'
    """
    return pct(value, 0)


def points(value: float, dp: int = 1) -> str:
    """Return a difference in percentage points, signed.

    >>> points(7.49)
    '+7.5 points'
    """
    sign = "+" if _round(value, dp) > 0 else ("−" if _round(value, dp) < 0 else "")
    return f"{sign}{_grouped(abs(value), dp)} points"


def points_abs(value: float, dp: int = 1) -> str:
    """Return the size of a difference in percentage points, unsigned.

    >>> points_abs(-7.49)
    '7.5 points'
    """
    return f"{_grouped(abs(value), dp)} points"


def gbp(value: float, dp: int = 0) -> str:
    """Return pounds with separators.

    >>> gbp(58324.4)
    '£58,324'
    >>> gbp(-12.5, 2)
    '−£12.50'
    """
    sign = "−" if _round(value, dp) < 0 else ""
    return f"{sign}£{_grouped(abs(value), dp)}"


def gbp_bn(value: float, dp: int = 1) -> str:
    """Return pounds in billions (value in pounds).

    >>> gbp_bn(116_640_000_000)
    '£116.6bn'
    """
    sign = "−" if _round(value / 1e9, dp) < 0 else ""
    return f"{sign}£{_grouped(abs(value) / 1e9, dp)}bn"


def gbp_bn0(value: float) -> str:
    """Return whole billions of pounds.

    >>> gbp_bn0(216_480_000_000)
    '£216bn'
    """
    return gbp_bn(value, 0)


def gbp_m(value: float, dp: int = 0) -> str:
    """Return pounds in millions (value in pounds).

    >>> gbp_m(5_432_100_000)
    '£5,432m'
    """
    sign = "−" if _round(value / 1e6, dp) < 0 else ""
    return f"{sign}£{_grouped(abs(value) / 1e6, dp)}m"


def gbp_k(value: float) -> str:
    """Return pounds in thousands, for chart axes.

    >>> gbp_k(58324)
    '£58k'
    """
    return f"£{_grouped(value / 1e3, 0)}k"


def people(value: float) -> str:
    """Return a population in words a reader scans: millions to one decimal, else a count.

    >>> people(1_234_567)
    '1.2 million'
    >>> people(139_446)
    '139,446'
    """
    if abs(value) >= 1e6:
        return f"{_grouped(value / 1e6, 1)} million"
    return number(value)


def ratio(value: float, dp: int = 1) -> str:
    """Return a plain ratio.

    >>> ratio(7.456)
    '7.5'
    """
    return _grouped(value, dp)


def words(value: float) -> str:
    """Return a whole number from 0 to 999 in words (others as digits).

    >>> words(20), words(21), words(105)
    ('twenty', 'twenty-one', 'one hundred and five')
    """
    n = int(_round(value, 0))
    if n < 0 or n > 999:
        return number(n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    head = f"{_ONES[hundreds]} hundred"
    return head + (f" and {words(rest)}" if rest else "")


def ordinal(value: float) -> str:
    """Return an ordinal with its suffix.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']
    """
    n = int(_round(value, 0))
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def year(value: float) -> str:
    """Return a year without separators.

    >>> year(2016)
    '2016'
    """
    return str(int(_round(value, 0)))


FORMATS: dict[str, Callable[[float], str]] = {
    "number": number,
    "pct": pct,
    "pct0": pct0,
    "points": points,
    "points_abs": points_abs,
    "gbp": gbp,
    "gbp_bn": gbp_bn,
    "gbp_bn0": gbp_bn0,
    "gbp_m": gbp_m,
    "gbp_k": gbp_k,
    "people": people,
    "ratio": ratio,
    "words": words,
    "ordinal": ordinal,
    "year": year,
}

#: the format a fact of each unit gets when a template does not name one
DEFAULT_FOR_UNIT = {
    "percent": "pct",
    "GBP": "gbp",
    "count": "number",
    "people": "people",
    "ratio": "ratio",
    "rank": "ordinal",
    "year": "year",
    "points": "points",
}


def format_value(value: float | None, style: str) -> str:
    """Return ``value`` formatted by the named style; None prints as 'not available'.

    >>> format_value(None, "pct")
    'not available'
    >>> format_value(20, "words")
    'twenty'
    """
    if value is None:
        return NOT_AVAILABLE
    try:
        formatter = FORMATS[style]
    except KeyError:
        raise ValueError(f"unknown number format '{style}' (known: {', '.join(sorted(FORMATS))})") from None
    return formatter(value)
