"""Pure summary statistics for the report: quantiles (median, p90), percentages and
averages, with the rounding the public JSON uses. Numbers in, numbers (or None for
"no data") out; never touches the database."""
from __future__ import annotations

import math
from bisect import bisect_left
from typing import Sequence


def quantile(values: Sequence[float], q: float, presorted: bool = False) -> float | None:
    """Linear interpolation between closest ranks (the common "type 7" definition: the
    median of an even count is the mean of the two middle values). None when empty."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be between 0 and 1, not {q}")
    if not values:
        return None
    ordered = values if presorted else sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float], presorted: bool = False) -> float | None:
    return quantile(values, 0.5, presorted)


def scaled(value: float | None, divisor: float, digits: int) -> float | None:
    """Seconds -> minutes or hours, rounded for display; None stays None."""
    return None if value is None else round(value / divisor, digits)


def percent(part: int, whole: int, digits: int = 1) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, digits)


def average(total: float | None, count: int, digits: int = 2) -> float | None:
    return None if not count or total is None else round(total / count, digits)


def histogram(ordered: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Counts of sorted values in [-inf, e0), [e0, e1), ..., [e_last, inf)."""
    cuts = [0, *(bisect_left(ordered, edge) for edge in edges), len(ordered)]
    return [high - low for low, high in zip(cuts, cuts[1:])]
