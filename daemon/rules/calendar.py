"""Business-time arithmetic over a working calendar (time zone, working days, opening
ranges with optional lunch breaks, holidays). Aware datetimes in, aware datetimes out.
Works day by day (O(days), never minute by minute) and measures every interval in UTC,
so DST changes count real elapsed time. Pure: never reads the clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from daemon.problems import Problems
from daemon.rules.loader import expect, one_of, string, unknown_keys

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time(0)  # as the END of a range, 00:00 means midnight at the end of the day ("24:00")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo                               # a key string is converted on creation
    days: frozenset[int]                       # 0 = Monday ... 6 = Sunday
    ranges: tuple[tuple[time, time], ...]      # ascending, non-overlapping opening hours
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if isinstance(self.tz, str):  # accept "Europe/Madrid" for convenience
            object.__setattr__(self, "tz", ZoneInfo(self.tz))
        # An empty week would make every search for "the next opening" run forever.
        if not self.days or not self.ranges:
            raise ValueError("a business calendar needs at least one working day and one range")

    @property
    def day_length(self) -> timedelta:
        """Nominal length of one working day (the sum of its ranges), ignoring DST."""
        return sum((_nominal(start, end) for start, end in self.ranges), timedelta())

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays


def default_calendar() -> BusinessCalendar:
    """Europe/Madrid, Monday to Friday, 09:00-18:00, no holidays."""
    return BusinessCalendar(ZoneInfo("Europe/Madrid"), frozenset(range(5)), ((time(9), time(18)),))


def add_business_time(cal: BusinessCalendar, start: datetime, delta: timedelta) -> datetime:
    """The instant `delta` of business time after `start`. A start outside opening hours
    counts from the next opening; a zero delta therefore returns the next opening (or
    `start` itself when open)."""
    _require_aware(start)
    if delta < timedelta(0):
        raise ValueError("delta must not be negative")
    cursor = start.astimezone(timezone.utc)
    remaining = delta
    for opens, closes in _intervals(cal, start.astimezone(cal.tz).date()):
        begin = max(cursor, opens)
        if begin >= closes:
            continue
        if remaining <= closes - begin:
            return (begin + remaining).astimezone(cal.tz)
        remaining -= closes - begin
    raise AssertionError("unreachable: a calendar with working days always opens again")


def business_time_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Business time from `a` to `b`; negative when `b` is before `a`."""
    _require_aware(a)
    _require_aware(b)
    if b < a:
        return -business_time_between(cal, b, a)
    lo, hi = a.astimezone(timezone.utc), b.astimezone(timezone.utc)
    total = timedelta()
    last_day = b.astimezone(cal.tz).date()
    for opens, closes in _intervals(cal, a.astimezone(cal.tz).date(), last_day):
        overlap = min(hi, closes) - max(lo, opens)
        if overlap > timedelta(0):
            total += overlap
    return total


def next_opening(cal: BusinessCalendar, at: datetime) -> datetime:
    """`at` itself when the calendar is open then, else the next opening instant."""
    return add_business_time(cal, at, timedelta(0))


def _intervals(cal: BusinessCalendar, first: date, last: date | None = None
               ) -> Iterator[tuple[datetime, datetime]]:
    """Opening intervals (UTC) of each working day from `first`, through `last` if given."""
    day = first
    while last is None or day <= last:
        if cal.is_working_day(day):
            for start, end in cal.ranges:
                yield _instant(cal.tz, day, start), _closing(cal.tz, day, end)
        day += _ONE_DAY


def _instant(tz: ZoneInfo, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc)


def _closing(tz: ZoneInfo, day: date, end: time) -> datetime:
    return _instant(tz, day + _ONE_DAY, end) if end == END_OF_DAY else _instant(tz, day, end)


def _nominal(start: time, end: time) -> timedelta:
    base = date(2000, 1, 3)
    end_day = base + _ONE_DAY if end == END_OF_DAY else base
    return datetime.combine(end_day, end) - datetime.combine(base, start)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: pass an aware datetime")


# --- [calendar] section -----------------------------------------------------------------

CALENDAR_KEYS = ("timezone", "days", "hours", "holidays")
_RANGE = re.compile(r"(\d\d):(\d\d)\s*-\s*(\d\d):(\d\d)")


def load_calendar(raw: object, problems: Problems, path: str = "calendar") -> BusinessCalendar:
    """[calendar] -> BusinessCalendar; absent keys take the defaults (Europe/Madrid,
    mon-fri, 09:00-18:00, no holidays); a bad key is reported and its default used."""
    default = default_calendar()
    table = {} if raw is None else expect(raw, dict, "a table", path, problems) or {}
    unknown_keys(table, CALENDAR_KEYS, path, problems)
    tz = _timezone(table.get("timezone"), f"{path}.timezone", problems)
    days = _days(table.get("days"), f"{path}.days", problems)
    ranges = _ranges(table.get("hours"), f"{path}.hours", problems)
    holidays = _holidays(table.get("holidays"), f"{path}.holidays", problems)
    return BusinessCalendar(tz or default.tz, days or default.days, ranges or default.ranges,
                            holidays or frozenset())


def _timezone(raw: object, path: str, problems: Problems) -> ZoneInfo | None:
    name = None if raw is None else string(raw, path, problems)
    if name == "":
        problems.add(path, "must not be empty (e.g. Europe/Madrid)")
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(path, f"unknown time zone {name!r} (e.g. Europe/Madrid)")
        return None


def _days(raw: object, path: str, problems: Problems) -> frozenset[int] | None:
    items = None if raw is None else expect(raw, list, "an array of day names", path, problems)
    if items == []:
        problems.add(path, f"must list at least one working day ({', '.join(DAY_NAMES)})")
    days = [one_of(item, DAY_NAMES, f"{path}[{i}]", problems) for i, item in enumerate(items or [])]
    if None in days:
        return None
    if len(set(days)) != len(days):
        problems.add(path, "lists a day twice")
    return frozenset(DAY_NAMES.index(day) for day in days if day) or None


def _ranges(raw: object, path: str, problems: Problems) -> tuple[tuple[time, time], ...] | None:
    """"09:00-18:00" or ["09:00-14:00", "15:00-18:00"]; "24:00" may end a range."""
    if raw is None:
        return None
    items = [raw] if isinstance(raw, str) else expect(
        raw, list, 'a range "09:00-18:00" or an array of them', path, problems)
    if items == []:
        problems.add(path, "must list at least one range")
    where = [path] if isinstance(raw, str) else [f"{path}[{i}]" for i in range(len(items or []))]
    ranges = [_range(item, at, problems) for item, at in zip(items or [], where)]
    if not ranges or None in ranges:
        return None
    for i in range(1, len(ranges)):
        before_end = ranges[i - 1][1]
        if before_end == END_OF_DAY or ranges[i][0] < before_end:
            problems.add(where[i], "overlaps or precedes the range before it")
            return None
    return tuple(ranges)


def _range(raw: object, path: str, problems: Problems) -> tuple[time, time] | None:
    text = string(raw, path, problems)
    found = _RANGE.fullmatch(text.strip()) if text is not None else None
    numbers = [int(g) for g in found.groups()] if found else []
    valid = bool(found) and numbers[0] < 24 and numbers[1] < 60 and numbers[3] < 60 and (
        numbers[2] < 24 or numbers[2:] == [24, 0])
    if text is not None and not valid:
        problems.add(path, f'{text!r} is not a range like "09:00-18:00"')
    if not valid:
        return None
    start, end = time(numbers[0], numbers[1]), time(numbers[2] % 24, numbers[3])
    if end != END_OF_DAY and end <= start:
        problems.add(path, f"{text!r} must end after it starts")
        return None
    return start, end


def _holidays(raw: object, path: str, problems: Problems) -> frozenset[date] | None:
    items = None if raw is None else expect(raw, list, "an array of dates", path, problems)
    days = [_holiday(item, f"{path}[{i}]", problems) for i, item in enumerate(items or [])]
    return frozenset(day for day in days if day is not None)


def _holiday(raw: object, path: str, problems: Problems) -> date | None:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    problems.add(path, f"expected a date like 2026-12-25, got {raw!r}")
    return None
