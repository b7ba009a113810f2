"""Standard indicators against hand-computed fixtures."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from data_access.indicators import DEFAULT_WEIGHTS, add_rates, grade, indicators, parse_weights

ZERO = dict(handled=0, handled_on_time=0, overdue=0, closed=0, closed_on_time=0, overdue_unclosed=0, reworked=0)


def table(*rows):
    return pd.DataFrame([{**ZERO, **row} for row in rows])


def test_rates_use_the_standard_denominators():
    df = add_rates(table(dict(handled=8, handled_on_time=6, overdue=2, closed=7, closed_on_time=5,
                              overdue_unclosed=3, reworked=1)))
    row = df.iloc[0]
    assert (row.due_handling, row.due_closing) == (10, 10)
    assert row.handling_rate == pytest.approx(0.8)
    assert row.on_time_handling_rate == pytest.approx(0.6)
    assert row.closing_rate == pytest.approx(0.7)
    assert row.on_time_closing_rate == pytest.approx(0.5)
    assert row.rework_rate == pytest.approx(0.1)


def test_composite_score_and_grade_by_hand():
    row = indicators(table(dict(handled=8, handled_on_time=6, overdue=2, closed=7, closed_on_time=5,
                                overdue_unclosed=3, reworked=1))).iloc[0]
    # 0.25*0.7 + 0.25*0.5 + 0.1*0.8 + 0.25*0.6 + 0.15*(1-0.1) = 0.665
    assert row.score == pytest.approx(66.5)
    assert row.grade == "C"


def test_zero_denominators_give_no_rate_and_no_grade():
    row = indicators(table({})).iloc[0]
    for rate in ("closing_rate", "on_time_closing_rate", "handling_rate", "on_time_handling_rate", "rework_rate"):
        assert math.isnan(row[rate])
    assert math.isnan(row.score) and row.grade is None


def test_score_uses_only_the_rates_it_has():
    # Handled cases but nothing due for closing yet: the score is the handling rates alone.
    row = indicators(table(dict(handled=4, handled_on_time=4))).iloc[0]
    assert math.isnan(row.closing_rate)
    assert row.score == pytest.approx(100.0) and row.grade == "A"


@pytest.mark.parametrize("score, letter", [(100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (74.9, "C"),
                                           (60, "C"), (59.9, "D"), (40, "D"), (39.9, "E"), (0, "E")])
def test_grade_boundaries(score, letter):
    assert grade(score) == letter


def test_custom_weights():
    counts = table(dict(handled=10, handled_on_time=5, closed=10, closed_on_time=10, reworked=0))
    row = indicators(counts, {"on_time_handling_rate": 1.0}).iloc[0]
    assert row.score == pytest.approx(50.0) and row.grade == "D"


def test_parse_weights():
    assert parse_weights("") == DEFAULT_WEIGHTS
    assert parse_weights("closing_rate=0.5, rework_rate=0.5") == {"closing_rate": 0.5, "rework_rate": 0.5}
    for bad, message in [("speed=1", "unknown rate"), ("closing_rate=x", "must be a number"),
                         ("closing_rate=-1", "negative"), ("closing_rate=0", "all be zero")]:
        with pytest.raises(ValueError, match=message):
            parse_weights(bad)
