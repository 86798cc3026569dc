"""The report window from the command line. In: --since / --until text and the calendar's
time zone; out: a Window of aware instants. A date means that whole local day: --since
2026-11-01 starts at its midnight, --until 2026-11-30 includes the 30th. A full ISO
date-time is taken as given (without an offset, in the calendar's zone)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from daemon.reports.queries import Window


def parse_bound(text: str | None, tz: ZoneInfo, end: bool) -> datetime | None:
    if text is None:
        return None
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=tz)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date: {text!r} (e.g. 2026-11-01 or 2026-11-01T09:00+01:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def window(since: str | None, until: str | None, tz: ZoneInfo) -> Window:
    result = Window(parse_bound(since, tz, end=False), parse_bound(until, tz, end=True))
    if result.since and result.until and result.until <= result.since:
        raise ValueError("--until must be after --since")
    return result
