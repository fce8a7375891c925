import math

import numpy as np
import pandas as pd
import pytest

from ict_gis.numbers import (
    cut,
    format_count,
    format_km,
    format_number,
    format_percent,
    format_ratio,
    percent,
)


def test_percent_is_exact_and_nan_for_nothing():
    assert percent(161, 788) == 161 * 100 / 788
    assert math.isnan(percent(5, 0))
    assert math.isnan(percent(None, 10))
    assert math.isnan(percent(pd.NA, 10))


def test_cut_is_not_round():
    # 152,954 / 158,699 = 96.3799...%: the report writes 96.3, rounding gives 96.4
    value = 152954 * 100 / 158699
    assert 96.37 < value < 96.38
    assert cut(value, 1) == 96.3
    assert format_number(value, digits=1) == "96,4"
    assert format_percent(value, digits=1) == "96,3%"
    assert format_percent(62.99) == "62%"
    assert format_percent(20.43) == "20%"
    assert cut(-3.7) == -3.0
    assert str(cut(-0.4)) == "0.0"


def test_cut_ignores_float_noise():
    noisy = 0.29 * 100
    assert noisy < 29  # 28.999999999999996 in binary floating point
    assert cut(noisy) == 29
    assert format_percent(noisy) == "29%"


def test_vietnamese_and_english_separators():
    assert format_count(152954) == "152.954"
    assert format_count(152954, lang="en") == "152,954"
    assert format_count(1674885) == "1.674.885"
    assert format_number(1234.56, digits=2) == "1.234,56"
    assert format_number(1234.56, digits=2, lang="en") == "1,234.56"
    assert format_percent(96.38, digits=1, lang="en") == "96.3%"
    assert format_ratio(152954, 158699) == "152.954/158.699"
    assert format_ratio(152954, 158699, lang="en") == "152,954/158,699"


def test_numpy_and_pandas_numbers():
    assert format_count(np.int64(5745)) == "5.745"
    assert format_number(np.float64(2.25), digits=1) == "2,3"  # half up, not half even
    assert format_count(pd.NA) == "–"
    assert format_percent(float("nan")) == "–"


def test_km_rounded_and_trailing_zero_dropped():
    assert format_km(20.8) == "20,8"
    assert format_km(20.84, lang="en") == "20.8"
    assert format_km(145.97) == "146"
    assert format_km(146.0, strip_zeros=False) == "146,0"
    assert format_ratio(20.8, 130, km=True) == "20,8/130"
    assert format_ratio(91.0, 146.0, lang="en", km=True) == "91/146"


def test_administrative_padding():
    assert format_count(2, pad=True) == "02"
    assert format_count(0, pad=True) == "0"
    assert format_count(12, pad=True) == "12"
    assert format_count(2) == "2"


def test_unknown_language_and_type():
    with pytest.raises(ValueError, match="vi, en"):
        format_count(3, lang="fr")
    with pytest.raises(TypeError):
        format_number("12")
