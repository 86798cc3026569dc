"""Business time for many tickets at once. In: a BusinessCalendar and instants as epoch
seconds (floats, UTC); out: business seconds between instants and SLA due instants.
The calendar's opening intervals are laid out once as a sorted table with cumulative
business seconds, so each lookup is one binary search instead of a day-by-day walk; the
results equal daemon.rules.calendar's (tests compare them). Pure: never reads the clock.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta, timezone

from daemon.rules.calendar import END_OF_DAY, BusinessCalendar

_ONE_DAY = timedelta(days=1)
_GROW_DAYS = 366          # how far the table grows when a lookup runs past its end


class BusinessTimeline:
    """Opening intervals from the day of `start` on, grown on demand as lookups need."""

    def __init__(self, cal: BusinessCalendar, start: float) -> None:
        self.cal = cal
        self.opens: list[float] = []
        self.lengths: list[float] = []
        self.before: list[float] = []      # business seconds before each opening
        self.after: list[float] = []       # business seconds up to each closing
        first = datetime.fromtimestamp(start, timezone.utc).astimezone(cal.tz).date() - _ONE_DAY
        self._next_day = first
        self.end = 0.0                     # the table covers every instant before this
        self._grow()

    # -- lookups ------------------------------------------------------------------------
    def elapsed(self, at: float) -> float:
        """Business seconds from the start of the table to `at`."""
        while at >= self.end:
            self._grow()
        k = bisect_right(self.opens, at) - 1
        if k < 0:
            return 0.0
        return self.before[k] + min(at - self.opens[k], self.lengths[k])

    def between(self, a: float, b: float) -> float:
        """Business seconds from `a` to `b` (negative when `b` is earlier)."""
        return self.elapsed(b) - self.elapsed(a)

    def due(self, start: float, seconds: float) -> float:
        """The first instant at which `seconds` (> 0) of business time have passed since
        `start`: daemon.rules.calendar.add_business_time, as epoch seconds."""
        return self.instant_at(self.elapsed(start) + seconds)

    def instant_at(self, target: float) -> float:
        """The first instant whose elapsed business time reaches `target` (> 0)."""
        while not self.after or self.after[-1] < target:
            self._grow()
        k = bisect_left(self.after, target)
        return self.opens[k] + (target - self.before[k])

    # -- the table ------------------------------------------------------------------------
    def _grow(self) -> None:
        total = self.after[-1] if self.after else 0.0
        for _ in range(_GROW_DAYS):
            for opens, closes in day_intervals(self.cal, self._next_day):
                self.opens.append(opens)
                self.lengths.append(closes - opens)
                self.before.append(total)
                total += closes - opens
                self.after.append(total)
            self._next_day += _ONE_DAY
        self.end = datetime.combine(self._next_day, time(0), tzinfo=self.cal.tz).timestamp()


def day_intervals(cal: BusinessCalendar, day: date) -> list[tuple[float, float]]:
    """The opening intervals of one day as epoch seconds; none on closed days. Measured
    in UTC, so a DST change counts the real elapsed time, as the calendar module does."""
    if not cal.is_working_day(day):
        return []
    out = []
    for start, end in cal.ranges:
        opens = datetime.combine(day, start, tzinfo=cal.tz).timestamp()
        close_day = day + _ONE_DAY if end == END_OF_DAY else day
        out.append((opens, datetime.combine(close_day, end, tzinfo=cal.tz).timestamp()))
    return out
