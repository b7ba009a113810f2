"""Standard 数字城管 indicators (GB/T 30428.4 style) and the composite score.

Inputs are counts per group (a DataFrame with the stored measures of the rollups plus the
live counts `overdue` and `overdue_unclosed`). Denominators:

- 应处置数 = 处置数 + 超期未处置数 (handled, plus open cases past their handling deadline)
- 应结案数 = 结案数 + 超期未结案数 (closed, plus open cases past their deadline)
- 结案率 = 结案数 / 应结案数;      按期结案率 = 按期结案数 / 应结案数
- 处置率 = 处置数 / 应处置数;      按期处置率 = 按期处置数 / 应处置数
- 返工率 = 返工数 / 应结案数

A zero denominator gives NaN (shown as "—"), never 0 % or 100 %.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

RATES = {
    "closing_rate": ("结案率", "Closing rate"),
    "on_time_closing_rate": ("按期结案率", "On-time closing rate"),
    "handling_rate": ("处置率", "Handling rate"),
    "on_time_handling_rate": ("按期处置率", "On-time handling rate"),
    "rework_rate": ("返工率", "Rework rate"),
}
# Weight of each rate in the composite score; rework counts as (1 - rework rate).
DEFAULT_WEIGHTS = {"closing_rate": 0.25, "on_time_closing_rate": 0.25, "handling_rate": 0.1,
                   "on_time_handling_rate": 0.25, "rework_rate": 0.15}
GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"))
_weights = dict(DEFAULT_WEIGHTS)


def use_weights(weights: dict[str, float]) -> None:
    """Set this process's score weights (create_app passes the SCORE_WEIGHTS setting)."""
    _weights.clear()
    _weights.update(weights)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    denominator = denominator.astype(float)
    return numerator.astype(float) / denominator.where(denominator > 0)


def add_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """The five rates (0..1, NaN without a denominator) next to the counts."""
    df = counts.copy()
    df["due_handling"] = df["handled"] + df["overdue"]
    df["due_closing"] = df["closed"] + df["overdue_unclosed"]
    df["closing_rate"] = _ratio(df["closed"], df["due_closing"])
    df["on_time_closing_rate"] = _ratio(df["closed_on_time"], df["due_closing"])
    df["handling_rate"] = _ratio(df["handled"], df["due_handling"])
    df["on_time_handling_rate"] = _ratio(df["handled_on_time"], df["due_handling"])
    df["rework_rate"] = _ratio(df["reworked"], df["due_closing"])
    return df


def parse_weights(text: str) -> dict[str, float]:
    """`closing_rate=0.3,rework_rate=0.1` → weights; raises ValueError naming the bad part."""
    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in RATES:
            raise ValueError(f"unknown rate {name!r}; known: {', '.join(RATES)}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"weight of {name} must be a number, got {value.strip()!r}") from None
        if weights[name] < 0:
            raise ValueError(f"weight of {name} must not be negative")
    if weights and sum(weights.values()) <= 0:
        raise ValueError("weights must not all be zero")
    return weights or dict(DEFAULT_WEIGHTS)


def grade(score: float) -> str | None:
    if score is None or np.isnan(score):
        return None
    return next((letter for floor, letter in GRADES if score >= floor), "E")


def add_score(rated: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """综合指标值 (0..100) as the weighted mean of the available rates, and its A–E grade."""
    weights = weights or _weights
    df = rated.copy()
    total = pd.Series(0.0, index=df.index)
    used = pd.Series(0.0, index=df.index)
    for name, weight in weights.items():
        value = 1 - df[name] if name == "rework_rate" else df[name]
        total += (value * weight).fillna(0)
        used += value.notna() * weight
    df["score"] = 100 * total / used.where(used > 0)
    df["grade"] = df["score"].map(grade)
    return df


def indicators(counts: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
    return add_score(add_rates(counts), weights)
