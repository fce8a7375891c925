"""Numbers the way the provincial report writes them, in Vietnamese or English.

The report cuts percentages instead of rounding them (152,954 of 158,699 is
96.38 %, written 96.3 %) and writes numbers in the Vietnamese style, with a
dot between thousands and a comma before decimals ("152.954", "96,3%");
English text uses "152,954" and "96.3%".

Examples
--------
>>> format_percent(percent(152954, 158699), digits=1)
'96,3%'
>>> format_percent(percent(152954, 158699), digits=1, lang="en")
'96.3%'
>>> format_count(152954), format_count(152954, lang="en")
('152.954', '152,954')
>>> format_km(20.8), format_km(146.0, lang="en")
('20,8', '146')
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from numbers import Integral, Real
from typing import Literal

Lang = Literal["vi", "en"]

#: Languages of the text output.
LANGS: tuple[str, ...] = ("vi", "en")

#: Text shown for a missing value.
MISSING = "–"

# Digits kept before cutting, so that float noise such as 28.999999999999996
# (for 29) is not cut down to 28.
_NOISE_DIGITS = 9
_CONTEXT = decimal.Context(prec=60)


def is_missing(value: object) -> bool:
    """Whether ``value`` is ``None``, NaN, ``pandas.NA`` or ``NaT``."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):  # pandas.NA refuses bool()
        return True


def percent(part: float, whole: float) -> float:
    """Return ``100 * part / whole``, or NaN when ``whole`` is zero or missing.

    Parameters
    ----------
    part
        The part (stations switched off, km tidied, ...).
    whole
        The whole it is a share of.

    Examples
    --------
    >>> percent(161, 788)
    20.431472081218274
    >>> percent(3, 0)
    nan
    """
    if is_missing(part) or is_missing(whole) or whole == 0:
        return math.nan
    return 100.0 * float(part) / float(whole)


def percents(parts: Iterable[float], wholes: Iterable[float]) -> list[float]:
    """Return :func:`percent` of each pair: a column of shares.

    Examples
    --------
    >>> percents([1, 2, 3], [4, 0, None])
    [25.0, nan, nan]
    """
    return [percent(a, b) for a, b in zip(parts, wholes, strict=True)]


def _decimal(value: float) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Integral):
        return Decimal(int(value))
    return Decimal(repr(float(value)))


def cut(value: float, digits: int = 0) -> float:
    """Cut ``value`` to ``digits`` decimals (towards zero), the way the report does.

    Float noise is removed first (values are taken to 9 decimals), so that
    ``0.29 * 100`` (28.999999999999996) cuts to 29, not 28.

    Parameters
    ----------
    value
        The number.
    digits
        Decimals kept.

    Examples
    --------
    >>> cut(96.379, 1), cut(20.43), cut(-3.7)
    (96.3, 20.0, -3.0)
    """
    return float(_cut_decimal(value, digits))


def _cut_decimal(value: float, digits: int) -> Decimal:
    exact = _decimal(value).quantize(Decimal(1).scaleb(-_NOISE_DIGITS), ROUND_HALF_EVEN, _CONTEXT)
    result = exact.quantize(Decimal(1).scaleb(-digits), ROUND_DOWN, _CONTEXT)
    return result if result != 0 else abs(result)


def _round_decimal(value: float, digits: int) -> Decimal:
    result = _decimal(value).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP, _CONTEXT)
    return result if result != 0 else abs(result)


def _localise(text: str, lang: str) -> str:
    """Swap the separators of ``1,234.5`` to ``1.234,5`` for Vietnamese."""
    _check_lang(lang)
    if lang == "vi":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")


def format_number(
    value: float,
    *,
    digits: int = 0,
    lang: Lang = "vi",
    mode: Literal["round", "cut"] = "round",
    strip_zeros: bool = False,
) -> str:
    """Format a number with thousands separators, Vietnamese or English style.

    Parameters
    ----------
    value
        The number; a missing value gives ``"–"``.
    digits
        Decimals shown.
    lang
        ``"vi"`` (``1.234,5``) or ``"en"`` (``1,234.5``).
    mode
        ``"round"`` (half up) or ``"cut"`` (towards zero, as the report does
        for percentages).
    strip_zeros
        Drop trailing zero decimals (``146,0`` is written ``146``).

    Examples
    --------
    >>> format_number(1234.56, digits=1), format_number(1234.56, digits=1, lang="en")
    ('1.234,6', '1,234.6')
    >>> format_number(1234.56, digits=1, mode="cut")
    '1.234,5'
    """
    _check_lang(lang)
    if is_missing(value):
        return MISSING
    if not isinstance(value, Real | Decimal):
        raise TypeError(f"format_number expects a number, not {type(value).__name__}.")
    if isinstance(value, float) and math.isinf(value):
        return ("-" if value < 0 else "") + "∞"
    number = _cut_decimal(value, digits) if mode == "cut" else _round_decimal(value, digits)
    text = f"{number:,.{digits}f}"
    if strip_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return _localise(text, lang)


def format_count(value: float, *, lang: Lang = "vi", pad: bool = False) -> str:
    """Format a whole number: ``152.954`` (vi) or ``152,954`` (en).

    Parameters
    ----------
    value
        The count.
    lang
        ``"vi"`` or ``"en"``.
    pad
        Write counts from 1 to 9 with two digits, as Vietnamese
        administrative texts do ("VNPT có 02 trạm").

    Examples
    --------
    >>> format_count(2, pad=True), format_count(35, pad=True)
    ('02', '35')
    """
    text = format_number(value, digits=0, lang=lang)
    if pad and not is_missing(value) and 0 < value < 10:
        text = text.zfill(2)
    return text


def format_percent(value: float, *, digits: int = 0, lang: Lang = "vi", sign: bool = True) -> str:
    """Format a percentage (0–100) cut to ``digits`` decimals, as the report does.

    Parameters
    ----------
    value
        The percentage, e.g. 96.38; a missing value gives ``"–"``.
    digits
        Decimals kept: 1 for subscribers, 0 for stations and kilometres.
    lang
        ``"vi"`` (``96,3%``) or ``"en"`` (``96.3%``).
    sign
        Append ``%``.

    Examples
    --------
    >>> format_percent(20.43), format_percent(62.99), format_percent(96.38, digits=1, lang="en")
    ('20%', '62%', '96.3%')
    """
    text = format_number(value, digits=digits, lang=lang, mode="cut")
    return text + "%" if sign and text != MISSING else text


def format_km(value: float, *, digits: int = 1, lang: Lang = "vi", strip_zeros: bool = True) -> str:
    """Format a length in km, rounded to ``digits`` decimals (``20,8``, ``146``).

    Lengths are measurements, so they are rounded (not cut); trailing zero
    decimals are dropped unless ``strip_zeros`` is false.

    Examples
    --------
    >>> format_km(90.97), format_km(20.84, lang="en"), format_km(5, strip_zeros=False)
    ('91', '20.8', '5,0')
    """
    return format_number(value, digits=digits, lang=lang, strip_zeros=strip_zeros)


def format_ratio(part: float, whole: float, *, lang: Lang = "vi", km: bool = False) -> str:
    """Format ``part/whole`` as the report does: ``152.954/158.699`` or ``91/146``.

    Parameters
    ----------
    part, whole
        Counts, or lengths in km when ``km`` is true.
    lang
        ``"vi"`` or ``"en"``.
    km
        Format both as kilometres (see :func:`format_km`).

    Examples
    --------
    >>> format_ratio(152954, 158699, lang="en"), format_ratio(20.8, 130, km=True)
    ('152,954/158,699', '20,8/130')
    """
    fmt = format_km if km else format_count
    return f"{fmt(part, lang=lang)}/{fmt(whole, lang=lang)}"
