"""Business-time arithmetic across nights, weekends, holidays, lunch breaks and the
Europe/Madrid DST changes (2026-03-29 and 2026-10-25)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from daemon.rules.calendar import (
    BusinessCalendar, add_business_time, business_time_between, default_calendar, next_opening,
)
from daemon.rules.followups import agenda_day, agenda_due

MADRID = ZoneInfo("Europe/Madrid")
OFFICE = default_calendar()                                 # mon-fri 09:00-18:00
HOLIDAYS = BusinessCalendar(MADRID, frozenset(range(5)), ((time(9), time(18)),),
                            frozenset({date(2026, 12, 8)}))
LUNCH = BusinessCalendar(MADRID, frozenset(range(5)), ((time(9), time(14)), (time(15), time(18))))
ALWAYS = BusinessCalendar(MADRID, frozenset(range(7)), ((time(0), time(0)),))  # 00:00-24:00


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


H = timedelta(hours=1)

ADD_CASES = [
    ("same day", OFFICE, "2026-11-23T10:00+01:00", H, "2026-11-23T11:00+01:00"),
    ("over the night", OFFICE, "2026-11-23T17:00+01:00", 2 * H, "2026-11-24T10:00+01:00"),
    ("ends exactly at closing", OFFICE, "2026-11-23T17:00+01:00", H, "2026-11-23T18:00+01:00"),
    ("over the weekend", OFFICE, "2026-11-27T17:00+01:00", 2 * H, "2026-11-30T10:00+01:00"),
    ("start on Saturday", OFFICE, "2026-11-28T12:00+01:00", H, "2026-11-30T10:00+01:00"),
    ("start before opening", OFFICE, "2026-11-23T07:00+01:00", H, "2026-11-23T10:00+01:00"),
    ("zero at night is next opening", OFFICE, "2026-11-23T18:00+01:00", timedelta(0),
     "2026-11-24T09:00+01:00"),
    ("zero while open is now", OFFICE, "2026-11-23T12:34+01:00", timedelta(0),
     "2026-11-23T12:34+01:00"),
    ("start given in UTC", OFFICE, "2026-11-23T08:00+00:00", H, "2026-11-23T10:00+01:00"),
    ("over a holiday", HOLIDAYS, "2026-12-07T17:00+01:00", 2 * H, "2026-12-09T10:00+01:00"),
    ("two weeks of days", OFFICE, "2026-11-23T09:00+01:00", 90 * H, "2026-12-04T18:00+01:00"),
    ("spring DST weekend", OFFICE, "2026-03-27T17:00+01:00", 2 * H, "2026-03-30T10:00+02:00"),
    ("autumn DST weekend", OFFICE, "2026-10-23T17:00+02:00", 2 * H, "2026-10-26T10:00+01:00"),
    ("over lunch", LUNCH, "2026-11-23T13:30+01:00", H, "2026-11-23T15:30+01:00"),
    ("start during lunch", LUNCH, "2026-11-23T14:20+01:00", H, "2026-11-23T16:00+01:00"),
    ("24/7 over spring DST", ALWAYS, "2026-03-28T12:00+01:00", 24 * H, "2026-03-29T13:00+02:00"),
    ("24/7 over autumn DST", ALWAYS, "2026-10-24T12:00+02:00", 24 * H, "2026-10-25T11:00+01:00"),
    ("24/7 over midnight", ALWAYS, "2026-11-23T23:30+01:00", H, "2026-11-24T00:30+01:00"),
]


@pytest.mark.parametrize("cal, start, delta, expected", [c[1:] for c in ADD_CASES],
                         ids=[c[0] for c in ADD_CASES])
def test_add_business_time(cal: BusinessCalendar, start: str, delta: timedelta, expected: str) -> None:
    result = add_business_time(cal, at(start), delta)
    assert result == at(expected)
    assert result.utcoffset() == at(expected).utcoffset()   # shown in the calendar's zone


BETWEEN_CASES = [
    ("weekend", OFFICE, "2026-11-27T17:00+01:00", "2026-11-30T10:00+01:00", 2 * H),
    ("longer than the open day", OFFICE, "2026-11-23T08:00+01:00", "2026-11-23T20:00+01:00", 9 * H),
    ("a whole week", OFFICE, "2026-11-23T00:00+01:00", "2026-11-30T00:00+01:00", 45 * H),
    ("both outside hours", OFFICE, "2026-11-28T10:00+01:00", "2026-11-29T10:00+01:00", timedelta(0)),
    ("holiday skipped", HOLIDAYS, "2026-12-07T00:00+01:00", "2026-12-10T00:00+01:00", 18 * H),
    ("lunch excluded", LUNCH, "2026-11-23T13:00+01:00", "2026-11-23T16:00+01:00", 2 * H),
    ("24/7 spring day is 23 h", ALWAYS, "2026-03-28T00:00+01:00", "2026-03-30T00:00+02:00", 47 * H),
    ("24/7 autumn day is 25 h", ALWAYS, "2026-10-24T00:00+02:00", "2026-10-26T00:00+01:00", 49 * H),
    ("reversed is negative", OFFICE, "2026-11-23T11:00+01:00", "2026-11-23T10:00+01:00", -H),
    ("mixed zones", OFFICE, "2026-11-23T08:00+00:00", "2026-11-23T12:00-02:00", 6 * H),
]


@pytest.mark.parametrize("cal, a, b, expected", [c[1:] for c in BETWEEN_CASES],
                         ids=[c[0] for c in BETWEEN_CASES])
def test_business_time_between(cal: BusinessCalendar, a: str, b: str, expected: timedelta) -> None:
    assert business_time_between(cal, at(a), at(b)) == expected


@pytest.mark.parametrize("cal", [OFFICE, HOLIDAYS, LUNCH, ALWAYS], ids=["office", "holidays", "lunch", "always"])
@pytest.mark.parametrize("delta", [timedelta(minutes=1), 5 * H, 30 * H, 200 * H])
def test_between_undoes_add_from_an_open_instant(cal: BusinessCalendar, delta: timedelta) -> None:
    start = next_opening(cal, at("2026-03-26T10:15+01:00"))
    assert business_time_between(cal, start, add_business_time(cal, start, delta)) == delta


def test_long_span_is_day_by_day() -> None:
    # 1,000 business days of 9 h: exactly four years of weekdays later, at closing.
    end = add_business_time(OFFICE, at("2026-01-05T09:00+01:00"), 9000 * H)
    assert end == at("2029-11-02T18:00+01:00")
    assert business_time_between(OFFICE, at("2026-01-05T09:00+01:00"), end) == 9000 * H


def test_day_length() -> None:
    assert (OFFICE.day_length, LUNCH.day_length, ALWAYS.day_length) == (9 * H, 8 * H, 24 * H)


@pytest.mark.parametrize("call", [
    lambda: add_business_time(OFFICE, datetime(2026, 11, 23, 10), H),
    lambda: business_time_between(OFFICE, datetime(2026, 11, 23, 10), at("2026-11-23T11:00+01:00")),
    lambda: add_business_time(OFFICE, at("2026-11-23T10:00+01:00"), -H),
    lambda: BusinessCalendar(MADRID, frozenset(), ((time(9), time(18)),)),
    lambda: BusinessCalendar(MADRID, frozenset({0}), ()),
], ids=["naive start", "naive between", "negative delta", "no days", "no ranges"])
def test_misuse_raises(call) -> None:
    with pytest.raises(ValueError):
        call()


# --- daily agenda timing (daemon/rules/followups.py) ------------------------------------

AGENDA = [
    # (id, now, last sent on, workdays, due)
    ("before the hour", "2026-11-23T07:59+01:00", None, None, False),
    ("at the hour", "2026-11-23T08:00+01:00", None, None, True),
    ("sent yesterday", "2026-11-23T09:00+01:00", date(2026, 11, 22), None, True),
    ("already sent today", "2026-11-23T09:00+01:00", date(2026, 11, 23), None, False),
    ("late sweep still sends", "2026-11-23T23:30+01:00", date(2026, 11, 20), None, True),
    ("UTC evening is Madrid's next night", "2026-11-23T23:30+00:00", date(2026, 11, 23), None, False),
    ("Madrid 08:30 is 07:30 UTC", "2026-11-24T07:30+00:00", date(2026, 11, 23), None, True),
    ("UTC before Madrid hour", "2026-11-23T06:30+00:00", None, None, False),
    ("not a workday", "2026-11-28T09:00+01:00", None, frozenset(range(5)), False),
    ("workday", "2026-11-27T09:00+01:00", None, frozenset(range(5)), True),
]


@pytest.mark.parametrize("now, last, workdays, due", [c[1:] for c in AGENDA],
                         ids=[c[0] for c in AGENDA])
def test_agenda_due(now: str, last: date | None, workdays: frozenset[int] | None, due: bool) -> None:
    assert agenda_due(at(now), last, time(8), "Europe/Madrid", workdays) is due


def test_agenda_day_is_local() -> None:
    assert agenda_day(at("2026-11-23T23:30+00:00"), MADRID) == date(2026, 11, 24)
