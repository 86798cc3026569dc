"""Business time over whole numpy columns. In: a BusinessCalendar and instants as epoch
seconds (float64 arrays); out: business seconds elapsed up to each instant, and the due
instant of a business-time target. The calendar is laid out once per report as a table
of local days (start instant, opening ranges, business seconds before the day), so a
lookup is one searchsorted over the day starts plus that day's few ranges, with no
Python loop over tickets. Pure: never reads the clock; results equal rules/calendar's.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from daemon.rules.calendar import END_OF_DAY, BusinessCalendar

_ONE_DAY = timedelta(days=1)
_GROW = timedelta(days=366)     # extra days when the due instants run past the table


class DayTable:
    """Every local day from the one before `low` to the one after `high`."""

    def __init__(self, cal: BusinessCalendar, low: float, high: float) -> None:
        self.cal = cal
        first, last = _local_date(cal, low) - _ONE_DAY, _local_date(cal, high) + _ONE_DAY
        self.days = [first + _ONE_DAY * i for i in range((last - first).days + 1)]
        self.starts = np.array([_at(cal, day, time(0)) for day in [*self.days, last + _ONE_DAY]])
        self.opens, closes = _ranges(cal, self.days)
        self.lengths = closes - self.opens
        self.after = np.cumsum(self.lengths, axis=1)     # within the day, up to each closing
        self.prior = self.after - self.lengths            # within the day, up to each opening
        self.cum = np.concatenate([[0.0], np.cumsum(self.after[:, -1])])   # before each day

    @classmethod
    def covering(cls, cal: BusinessCalendar, low: float, high: float, business: float) -> "DayTable":
        """A table over [low, high] holding more than `business` seconds of business time
        after `high`, so the due instant of any target up to that long, counted from any
        instant in [low, high], can be looked up."""
        end = high
        while True:
            table = cls(cal, low, end)
            if table.total - table.elapsed(np.array([high]))[0] > business:
                return table
            end = (datetime.fromtimestamp(end, timezone.utc) + _GROW).timestamp()

    @property
    def total(self) -> float:
        return float(self.cum[-1])

    def day_of(self, at: np.ndarray) -> np.ndarray:
        """Index of each instant's local day (instants outside the table are clamped):
        searchsorted(starts, at, "right") - 1, computed as a guess from 24-hour days
        corrected by one step, because a local day is never more than a few hours off
        24 h and a binary search per instant costs several times more."""
        last = len(self.days) - 1
        guess = np.clip((at - self.starts[0]) // 86400.0, 0, last).astype(np.intp)
        guess -= self.starts[guess] > at
        guess += self.starts[guess + 1] <= at
        return np.clip(guess, 0, last)

    def elapsed(self, at: np.ndarray) -> np.ndarray:
        """Business seconds from the start of the table up to each instant (no NaNs)."""
        at = np.clip(at, self.starts[0], self.starts[-1])
        day = self.day_of(at)
        inside = np.clip(at[:, None] - self.opens[day], 0.0, self.lengths[day]).sum(axis=1)
        return self.cum[day] + inside

    def between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Business seconds from `a` to `b` (negative when `b` is earlier)."""
        return self.elapsed(b) - self.elapsed(a)

    def instant_at(self, target: np.ndarray, strict: bool = False) -> np.ndarray:
        """The first instant whose elapsed business time reaches `target`; with `strict`,
        the first instant from which business time runs beyond it (for a zero target:
        the next opening, as rules/calendar.add_business_time counts from it). Every
        target must be below `total`."""
        side = "right" if strict else "left"
        day = np.searchsorted(self.cum, target, side=side) - 1
        rest = target - self.cum[day]
        after = self.after[day]
        passed = (after <= rest[:, None]) if strict else (after < rest[:, None])
        slot = np.minimum(passed.sum(axis=1), after.shape[1] - 1)[:, None]
        opens = np.take_along_axis(self.opens[day], slot, axis=1)[:, 0]
        return opens + (rest - np.take_along_axis(self.prior[day], slot, axis=1)[:, 0])

    def due(self, start: np.ndarray, seconds: np.ndarray, elapsed: np.ndarray | None = None) -> np.ndarray:
        """rules/calendar.add_business_time(start, seconds) for whole columns; `elapsed`:
        self.elapsed(start) when the caller has it already."""
        target = (self.elapsed(start) if elapsed is None else elapsed) + seconds
        due = self.instant_at(target)
        zero = seconds <= 0
        if zero.any():
            due[zero] = np.maximum(self.instant_at(target[zero], strict=True), start[zero])
        return due

    def per_day(self, at: np.ndarray) -> dict[str, int]:
        """Instants counted per local date (ISO), dates without any left out."""
        counts = np.bincount(self.day_of(at), minlength=len(self.days))
        return {self.days[i].isoformat(): int(counts[i]) for i in np.flatnonzero(counts)}


def _local_date(cal: BusinessCalendar, at: float) -> date:
    return datetime.fromtimestamp(at, timezone.utc).astimezone(cal.tz).date()


def _at(cal: BusinessCalendar, day: date, moment: time) -> float:
    return datetime.combine(day, moment, tzinfo=cal.tz).timestamp()


def _ranges(cal: BusinessCalendar, days: list[date]) -> tuple[np.ndarray, np.ndarray]:
    """(opens, closes) per day and range as epoch seconds, measured in UTC so a DST
    change counts real elapsed time; a closed day's ranges are empty (length 0)."""
    opens = np.empty((len(days), len(cal.ranges)))
    closes = np.empty_like(opens)
    for i, day in enumerate(days):
        for j, (start, end) in enumerate(cal.ranges):
            opens[i, j] = _at(cal, day, start)
            closes[i, j] = _at(cal, day + _ONE_DAY, end) if end == END_OF_DAY else _at(cal, day, end)
        if not cal.is_working_day(day):
            closes[i] = opens[i]
    return opens, closes
