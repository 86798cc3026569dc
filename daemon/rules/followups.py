"""Daily agenda timing (seed 004: each agent gets the day's open tickets and follow-ups).
In: `now`, the local date of the last agenda sent, the configured send time and zone.
Out: whether today's agenda is due, and the date to record once it is queued.
Pure: the sweep passes `now`; the clock is never read here.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def agenda_day(now: datetime, tz: ZoneInfo | str) -> date:
    """The local date an agenda sent at `now` belongs to (store it as `last_agenda_sent_on`)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now.isoformat()}: pass an aware datetime")
    return now.astimezone(_zone(tz)).date()


def agenda_due(now: datetime, last_agenda_sent_on: date | None, send_at: time,
               tz: ZoneInfo | str, workdays: frozenset[int] | None = None) -> bool:
    """True once per local day, from `send_at` on, until the agenda is recorded as sent.
    A sweep that first runs late in the day still sends that day's agenda; a missed day
    is not sent afterwards (yesterday's agenda is stale). With `workdays` (0 = Monday)
    no agenda is due on other days."""
    local = now.astimezone(_zone(tz))
    if workdays is not None and local.weekday() not in workdays:
        return False
    if last_agenda_sent_on is not None and last_agenda_sent_on >= local.date():
        return False
    return local.time().replace(tzinfo=None) >= send_at


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
