"""The report's pure parts: quantiles, the vectorised business-time table (checked against
daemon.rules.calendar on many random instants, DST, holidays and split days included),
the SLA classification and the per-day volume, and the vectorised summary against the
plain-Python reference."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from daemon.reports.daytable import DayTable
from daemon.reports.stats import average, median, percent, quantile, scaled
from daemon.reports.timing import summarise
from daemon.reports.vector import TimeColumns, summarise_columns
from daemon.rules.calendar import BusinessCalendar, add_business_time, business_time_between
from daemon.rules.sla import DEFAULT_SLA, sla_deadlines

MADRID = ZoneInfo("Europe/Madrid")
SPLIT_DAY = BusinessCalendar(MADRID, frozenset(range(5)), ((time(9), time(14)), (time(15), time(18))),
                             frozenset({date(2026, 12, 8), date(2026, 12, 25)}))
PLAIN = BusinessCalendar(MADRID, frozenset(range(5)), ((time(9), time(18)),))
NIGHT_SHIFT = BusinessCalendar(ZoneInfo("America/New_York"), frozenset({0, 2, 4, 5}),
                               ((time(20), time(0)),))
# open through the small hours every day, so both DST changes fall inside opening hours
SMALL_HOURS = BusinessCalendar(MADRID, frozenset(range(7)), ((time(0, 30), time(3, 30)), (time(22), time(0))),
                               frozenset({date(2026, 10, 26)}))
CALENDARS = [SPLIT_DAY, PLAIN, NIGHT_SHIFT, SMALL_HOURS]
CALENDAR_IDS = ["split", "plain", "night", "small-hours"]


@pytest.mark.parametrize("values, q, expected", [
    ([], 0.5, None),
    ([7.0], 0.9, 7.0),
    ([3.0, 1.0, 2.0], 0.5, 2.0),
    ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
    ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9, 9.1),
    ([10.0, 20.0], 0.0, 10.0),
    ([10.0, 20.0], 1.0, 20.0),
])
def test_quantile(values, q, expected):
    result = quantile(values, q)
    assert result == expected if expected is None else result == pytest.approx(expected)


def test_quantile_rejects_out_of_range():
    with pytest.raises(ValueError):
        quantile([1.0], 1.5)


def test_small_helpers():
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert scaled(5400.0, 3600, 2) == 1.5 and scaled(None, 60, 1) is None
    assert percent(2, 3) == 66.7 and percent(0, 0) is None
    assert average(9, 2) == 4.5 and average(None, 0) is None


def _random_instants(rng: random.Random, count: int) -> list[datetime]:
    base = datetime(2026, 3, 20, tzinfo=timezone.utc)   # spans both 2026 DST changes
    return [base + timedelta(seconds=rng.randrange(0, 300 * 86400)) for _ in range(count)]


def _table(cal: BusinessCalendar, instants: list[datetime], business: float = 0.0) -> DayTable:
    stamps = [moment.timestamp() for moment in instants]
    return DayTable.covering(cal, min(stamps), max(stamps), business)


def _stamps(instants: list[datetime]) -> np.ndarray:
    return np.array([moment.timestamp() for moment in instants])


@pytest.mark.parametrize("cal", CALENDARS, ids=CALENDAR_IDS)
def test_business_time_matches_calendar_module(cal):
    rng = random.Random(20261123)
    instants = _random_instants(rng, 600)
    starts, ends = instants[::2], instants[1::2]
    got = _table(cal, instants).between(_stamps(starts), _stamps(ends))
    expected = [business_time_between(cal, a, b).total_seconds() for a, b in zip(starts, ends)]
    assert got.tolist() == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("cal", CALENDARS, ids=CALENDAR_IDS)
def test_business_time_around_the_dst_changes(cal):
    instants = [datetime(2026, 3, 29, 0, 0, tzinfo=MADRID) + timedelta(minutes=20 * i) for i in range(20)]
    instants += [datetime(2026, 10, 25, 0, 0, tzinfo=MADRID) + timedelta(minutes=20 * i) for i in range(20)]
    pairs = [(a, b) for a in instants[::3] for b in instants[1::4]]
    got = _table(cal, instants).between(_stamps([a for a, _ in pairs]), _stamps([b for _, b in pairs]))
    expected = [business_time_between(cal, a, b).total_seconds() for a, b in pairs]
    assert got.tolist() == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("cal", CALENDARS, ids=CALENDAR_IDS)
def test_due_matches_add_business_time(cal):
    rng = random.Random(7)
    instants = _random_instants(rng, 300)
    deltas = [timedelta(minutes=rng.choice([0, 1, 60, 300, 540, 541, 2700, 5400])) for _ in instants]
    table = _table(cal, instants, max(deltas).total_seconds())
    got = table.due(_stamps(instants), np.array([delta.total_seconds() for delta in deltas]))
    expected = [add_business_time(cal, start, delta).timestamp() for start, delta in zip(instants, deltas)]
    assert got.tolist() == pytest.approx(expected, abs=1e-3)


def test_due_at_a_closing_is_the_closing_not_the_next_opening():
    monday_nine = datetime(2026, 11, 23, 9, 0, tzinfo=MADRID)
    table = _table(PLAIN, [monday_nine], 9 * 3600)
    due = table.due(_stamps([monday_nine]), np.array([9 * 3600.0]))
    assert due.tolist() == [datetime(2026, 11, 23, 18, 0, tzinfo=MADRID).timestamp()]


def test_a_zero_target_is_due_at_the_next_opening():
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=MADRID)
    table = _table(PLAIN, [saturday])
    assert table.due(_stamps([saturday]), np.array([0.0])).tolist() == [
        datetime(2026, 11, 30, 9, 0, tzinfo=MADRID).timestamp()]


def test_the_table_grows_to_hold_long_targets():
    start = datetime(2026, 11, 23, 9, 0, tzinfo=MADRID)
    table = _table(PLAIN, [start], 400 * 9 * 3600.0)       # about a year and a half of business days
    due = table.due(_stamps([start]), np.array([400 * 9 * 3600.0]))
    assert due.tolist() == [add_business_time(PLAIN, start, timedelta(hours=3600)).timestamp()]


def _row(created: datetime, first: datetime | None, resolved: datetime | None, priority: str,
         paused: float = 0.0, paused_since: datetime | None = None):
    stamp = lambda d: None if d is None else d.timestamp()   # noqa: E731
    return created.timestamp(), stamp(first), stamp(resolved), priority, paused, stamp(paused_since)


def test_summarise_classifies_sla_like_sla_deadlines():
    created = datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)          # Monday
    due = sla_deadlines(PLAIN, DEFAULT_SLA, "urgente", created)      # 1 h / 8 h
    rows = [
        _row(created, due.first_response_due, due.resolution_due, "urgente"),              # met exactly
        _row(created, due.first_response_due + timedelta(seconds=1), due.resolution_due, "urgente"),
        _row(created, due.first_response_due, None, "urgente"),                            # pending
        _row(created, None, None, "desconocida"),                                          # "normal" target, pending
        _row(created - timedelta(days=30), None, None, "baja"),                            # overdue: breached
    ]
    now = datetime(2026, 11, 23, 12, 0, tzinfo=MADRID)
    for out in (summarise(rows, PLAIN, DEFAULT_SLA, now), _fast(rows, PLAIN, now)):
        assert (out.sla_met, out.sla_breached, out.sla_pending) == (1, 2, 2)
        assert out.breached_first_response == 2 and out.breached_resolution == 1
        assert out.first_response == pytest.approx([3600.0, 3600.0, 3601.0])
        assert out.resolution == pytest.approx([8 * 3600.0, 8 * 3600.0])


def test_a_reply_after_closing_past_the_due_instant_is_late():
    """No business time passes between 18:00 and 20:00, but the reply still came after the
    due instant (when the sweep notified the breach)."""
    created = datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)          # urgent: resolution due 18:00
    rows = [_row(created, created + timedelta(minutes=30), created + timedelta(hours=10), "urgente")]
    now = datetime(2026, 11, 24, 12, 0, tzinfo=MADRID)
    for out in (summarise(rows, PLAIN, DEFAULT_SLA, now), _fast(rows, PLAIN, now)):
        assert (out.sla_met, out.sla_breached, out.breached_resolution) == (0, 1, 1)
        assert out.resolution == pytest.approx([8 * 3600.0])


def test_the_resolution_clock_standing_still_moves_its_deadline():
    created = datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)          # Monday; urgent resolution due 18:00
    evening = datetime(2026, 11, 23, 20, 0, tzinfo=MADRID)
    rows = [
        # waited on the customer 3 business hours: due 12:00 Tuesday, not 18:00 Monday
        _row(created, created, datetime(2026, 11, 24, 11, 59, tzinfo=MADRID), "urgente", paused=3 * 3600),
        # standing still since 12:00 Monday with 6 h left: not breached, whatever the hour
        _row(created, created, None, "urgente", paused_since=datetime(2026, 11, 23, 12, 0, tzinfo=MADRID)),
        # stopped at 19:00, after its 18:00 deadline had passed: breached all the same
        _row(created, created, None, "urgente", paused_since=datetime(2026, 11, 23, 19, 0, tzinfo=MADRID)),
    ]
    now = datetime(2026, 11, 30, 12, 0, tzinfo=MADRID)
    for out in (summarise(rows, PLAIN, DEFAULT_SLA, now), _fast(rows, PLAIN, now)):
        assert (out.sla_met, out.sla_breached, out.sla_pending) == (1, 1, 1)
        assert out.resolution == pytest.approx([11 * 3600.0 - 60])    # the customer's whole wait
    unpaused = [row[:4] + (0.0, None) for row in rows]
    for out in (summarise(unpaused, PLAIN, DEFAULT_SLA, evening), _fast(unpaused, PLAIN, evening)):
        assert out.sla_breached == 3


def _fast(rows, cal, now):
    return summarise_columns(TimeColumns.from_rows(rows, cal, DEFAULT_SLA), cal, now)


def test_volume_per_day_uses_the_calendar_time_zone():
    late_utc = datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)   # already the 24th in Madrid
    rows = [_row(late_utc, None, None, "normal"), _row(late_utc - timedelta(hours=2), None, None, "normal")]
    assert summarise(rows, PLAIN, DEFAULT_SLA, late_utc).per_day == {"2026-11-23": 1, "2026-11-24": 1}
    assert _fast(rows, PLAIN, late_utc).per_day == {"2026-11-23": 1, "2026-11-24": 1}


@pytest.mark.parametrize("cal", CALENDARS, ids=CALENDAR_IDS)
def test_vectorised_summary_equals_the_reference(cal):
    rng = random.Random(3)
    created = _random_instants(rng, 600)
    maybe = lambda start, hours: None if rng.random() < 0.3 else start + timedelta(minutes=rng.randrange(1, hours * 60))  # noqa: E731
    rows = [_row(c, maybe(c, 40), resolved, rng.choice(["baja", "normal", "alta", "urgente", "otra"]),
                 paused=rng.choice([0.0, 0.0, rng.randrange(1, 40 * 3600)]),
                 paused_since=None if resolved or rng.random() < 0.6 else c + timedelta(minutes=rng.randrange(1, 6000)))
            for c in created for resolved in [maybe(c, 300)]]
    now = max(created) - timedelta(days=20)
    pure = summarise(rows, cal, DEFAULT_SLA, now)
    fast = _fast(rows, cal, now)
    assert (fast.sla_met, fast.sla_breached, fast.sla_pending) == (pure.sla_met, pure.sla_breached, pure.sla_pending)
    assert (fast.breached_first_response, fast.breached_resolution) == (pure.breached_first_response,
                                                                        pure.breached_resolution)
    assert fast.first_response == pytest.approx(pure.first_response, abs=1e-3)
    assert fast.resolution == pytest.approx(pure.resolution, abs=1e-3)
    assert fast.per_day == pure.per_day
    assert pure.sla_met and pure.sla_breached and pure.sla_pending    # the data exercises every case


def test_no_tickets_no_figures():
    out = summarise_columns(TimeColumns.from_rows([], PLAIN, DEFAULT_SLA), PLAIN, datetime(2026, 11, 23, tzinfo=MADRID))
    assert (out.sla_met, out.first_response, out.per_day) == (0, [], {})
