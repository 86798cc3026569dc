"""SLA deadlines in business time and breaches reported once."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from daemon.rules.calendar import BusinessCalendar, default_calendar
from daemon.rules.sla import (
    DEFAULT_SLA, BusinessDuration, SlaDeadlines, next_check_while_paused, parse_duration, sla_breaches,
    sla_deadlines,
)

OFFICE = default_calendar()
LUNCH = BusinessCalendar(ZoneInfo("Europe/Madrid"), frozenset(range(5)),
                         ((time(9), time(14)), (time(15), time(18))))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


DURATIONS = [
    ("30m", BusinessDuration(0, timedelta(minutes=30))),
    ("4h", BusinessDuration(0, timedelta(hours=4))),
    ("2d", BusinessDuration(2)),
    ("1d4h30m", BusinessDuration(1, timedelta(hours=4, minutes=30))),
    (" 90M ", BusinessDuration(0, timedelta(minutes=90))),
    ("", None), ("4", None), ("4 h", None), ("1h1d", None), ("-1h", None), ("1.5h", None),
]


@pytest.mark.parametrize("text, expected", DURATIONS)
def test_parse_duration(text: str, expected: BusinessDuration | None) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("duration, text", [
    (BusinessDuration(2), "2d"), (BusinessDuration(1, timedelta(hours=4, minutes=30)), "1d4h30m"),
    (BusinessDuration(), "0m"),
])
def test_duration_str_round_trips(duration: BusinessDuration, text: str) -> None:
    assert str(duration) == text


def test_a_day_is_the_calendars_working_day() -> None:
    assert BusinessDuration(2).resolve(OFFICE) == timedelta(hours=18)
    assert BusinessDuration(1, timedelta(hours=1)).resolve(LUNCH) == timedelta(hours=9)


DEADLINES = [
    ("urgente late on Monday", OFFICE, "urgente", "2026-11-23T17:30+01:00",
     "2026-11-24T09:30+01:00", "2026-11-24T16:30+01:00"),
    ("alta on Friday: 2d spans the weekend", OFFICE, "alta", "2026-11-27T10:00+01:00",
     "2026-11-27T14:00+01:00", "2026-12-01T10:00+01:00"),
    ("created on Sunday counts from Monday", OFFICE, "normal", "2026-11-29T20:00+01:00",
     "2026-11-30T17:00+01:00", "2026-12-04T18:00+01:00"),
    ("unknown priority uses normal", OFFICE, "???", "2026-11-29T20:00+01:00",
     "2026-11-30T17:00+01:00", "2026-12-04T18:00+01:00"),
    ("lunch-break day is 8 h", LUNCH, "alta", "2026-11-23T09:00+01:00",
     "2026-11-23T13:00+01:00", "2026-11-24T18:00+01:00"),
]


@pytest.mark.parametrize("cal, priority, created, first_due, resolution_due",
                         [c[1:] for c in DEADLINES], ids=[c[0] for c in DEADLINES])
def test_sla_deadlines(cal: BusinessCalendar, priority: str, created: str, first_due: str,
                       resolution_due: str) -> None:
    deadlines = sla_deadlines(cal, DEFAULT_SLA, priority, at(created))
    assert deadlines == SlaDeadlines(at(first_due), at(resolution_due))


DUE = SlaDeadlines(at("2026-11-23T10:00+01:00"), at("2026-11-24T10:00+01:00"))
BEFORE, BETWEEN, AFTER = (at("2026-11-23T09:59+01:00"), at("2026-11-23T12:00+01:00"),
                          at("2026-11-25T12:00+01:00"))
ON_TIME, LATE = at("2026-11-23T09:30+01:00"), at("2026-11-23T11:00+01:00")
BREACHES = [
    ("nothing due yet", BEFORE, None, None, frozenset(), ()),
    ("exactly at the due instant is not late", DUE.first_response_due, None, None, frozenset(), ()),
    ("unanswered past due", BETWEEN, None, None, frozenset(), ("first_response",)),
    ("already notified", BETWEEN, None, None, frozenset({"first_response"}), ()),
    ("answered on time", BETWEEN, ON_TIME, None, frozenset(), ()),
    ("answered exactly at due", BETWEEN, DUE.first_response_due, None, frozenset(), ()),
    ("answered late, never seen by a sweep", BETWEEN, LATE, None, frozenset(), ("first_response",)),
    ("both overdue", AFTER, None, None, frozenset(), ("first_response", "resolution")),
    ("resolution overdue only", AFTER, ON_TIME, None, frozenset(), ("resolution",)),
    ("resolved in time", AFTER, ON_TIME, at("2026-11-24T09:00+01:00"), frozenset(), ()),
    ("resolved late, first notified", AFTER, LATE, at("2026-11-24T11:00+01:00"),
     frozenset({"first_response"}), ("resolution",)),
]


@pytest.mark.parametrize("now, first_at, resolved_at, notified, expected",
                         [c[1:] for c in BREACHES], ids=[c[0] for c in BREACHES])
def test_sla_breaches(now: datetime, first_at: datetime | None, resolved_at: datetime | None,
                      notified: frozenset[str], expected: tuple[str, ...]) -> None:
    assert sla_breaches(DUE, now, first_at, resolved_at, notified) == expected


def test_time_the_resolution_clock_stood_still_moves_only_its_deadline() -> None:
    created = at("2026-11-23T10:00:00+01:00")                          # Monday; urgent: 1 h / 8 h
    paused = sla_deadlines(OFFICE, DEFAULT_SLA, "urgente", created, timedelta(hours=3))
    assert paused.first_response_due == at("2026-11-23T11:00:00+01:00")
    assert paused.resolution_due == at("2026-11-24T12:00:00+01:00")     # 8 h on Monday, 3 more on Tuesday


@pytest.mark.parametrize("due, since, now, expected", [
    # stopped at 12:00 with 6 business hours left: at 17:00 Friday they run out Monday 14:00
    ("2026-11-23T18:00", "2026-11-23T12:00", "2026-11-27T17:00", "2026-11-30T14:00"),
    # looked at on a Saturday: the hours left count from Monday's opening
    ("2026-11-23T18:00", "2026-11-23T12:00", "2026-11-28T11:00", "2026-11-30T15:00"),
    # stopped after the deadline had passed: a breach all the same
    ("2026-11-23T18:00", "2026-11-23T19:00", "2026-11-27T17:00", None),
    ("2026-11-23T18:00", "2026-11-23T18:00", "2026-11-27T17:00", None),
])
def test_a_stopped_clock_is_looked_at_again_when_it_could_pass(due: str, since: str, now: str,
                                                              expected: str | None) -> None:
    def madrid(text: str) -> datetime:
        return at(text + ":00+01:00")
    found = next_check_while_paused(OFFICE, madrid(due), madrid(since), madrid(now))
    assert found == (madrid(expected) if expected else None)
