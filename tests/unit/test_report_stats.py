"""The report's pure parts: quantiles, the table-driven business timeline (checked against
daemon.rules.calendar on many random instants, DST and holidays included), the SLA
classification and the per-day volume."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from daemon.reports.business import BusinessTimeline
from daemon.reports.stats import average, median, percent, quantile, scaled
from daemon.reports.timing import summarise
from daemon.rules.calendar import BusinessCalendar, add_business_time, business_time_between
from daemon.rules.sla import DEFAULT_SLA, sla_deadlines

MADRID = ZoneInfo("Europe/Madrid")
SPLIT_DAY = BusinessCalendar(MADRID, frozenset(range(5)), ((time(9), time(14)), (time(15), time(18))),
                             frozenset({date(2026, 12, 8), date(2026, 12, 25)}))
PLAIN = BusinessCalendar(MADRID, frozenset(range(5)), ((time(9), time(18)),))
NIGHT_SHIFT = BusinessCalendar(ZoneInfo("America/New_York"), frozenset({0, 2, 4, 5}),
                               ((time(20), time(0)),))


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


@pytest.mark.parametrize("cal", [SPLIT_DAY, PLAIN, NIGHT_SHIFT], ids=["split", "plain", "night"])
def test_timeline_matches_calendar_module(cal):
    rng = random.Random(20261123)
    instants = _random_instants(rng, 400)
    timeline = BusinessTimeline(cal, min(instants).timestamp())
    for a, b in zip(instants[::2], instants[1::2]):
        expected = business_time_between(cal, a, b).total_seconds()
        assert timeline.between(a.timestamp(), b.timestamp()) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("cal", [SPLIT_DAY, PLAIN, NIGHT_SHIFT], ids=["split", "plain", "night"])
def test_due_matches_add_business_time(cal):
    rng = random.Random(7)
    instants = _random_instants(rng, 200)
    timeline = BusinessTimeline(cal, min(instants).timestamp())
    for start in instants:
        delta = timedelta(minutes=rng.choice([1, 60, 300, 540, 541, 2700, 5400]))
        expected = add_business_time(cal, start, delta).timestamp()
        assert timeline.due(start.timestamp(), delta.total_seconds()) == pytest.approx(expected, abs=1e-3)


def test_due_at_a_closing_is_the_closing_not_the_next_opening():
    monday_nine = datetime(2026, 11, 23, 9, 0, tzinfo=MADRID)
    timeline = BusinessTimeline(PLAIN, monday_nine.timestamp())
    assert timeline.due(monday_nine.timestamp(), 9 * 3600) == datetime(2026, 11, 23, 18, 0, tzinfo=MADRID).timestamp()


def _row(created: datetime, first: datetime | None, resolved: datetime | None, priority: str):
    stamp = lambda d: None if d is None else d.timestamp()   # noqa: E731
    return created.timestamp(), stamp(first), stamp(resolved), priority


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
    out = summarise(rows, PLAIN, DEFAULT_SLA, now, min(r[0] for r in rows))
    assert (out.sla_met, out.sla_breached, out.sla_pending) == (1, 2, 2)
    assert out.breached_first_response == 2 and out.breached_resolution == 1
    assert out.first_response == [3600.0, 3600.0, 3601.0]
    assert out.resolution == [8 * 3600.0, 8 * 3600.0]


def test_volume_per_day_uses_the_calendar_time_zone():
    late_utc = datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)   # already the 24th in Madrid
    rows = [_row(late_utc, None, None, "normal"), _row(late_utc - timedelta(hours=2), None, None, "normal")]
    out = summarise(rows, PLAIN, DEFAULT_SLA, late_utc, rows[1][0])
    assert out.per_day == {"2026-11-23": 1, "2026-11-24": 1}


def test_vectorised_summary_equals_the_pure_one():
    vector = pytest.importorskip("daemon.reports.vector")
    rng = random.Random(3)
    created = _random_instants(rng, 600)
    maybe = lambda start, hours: None if rng.random() < 0.3 else start + timedelta(minutes=rng.randrange(1, hours * 60))  # noqa: E731
    rows = [_row(c, maybe(c, 40), maybe(c, 300), rng.choice(["baja", "normal", "alta", "urgente", "otra"]))
            for c in created]
    now = max(created) - timedelta(days=20)
    start = min(r[0] for r in rows)
    pure = summarise(rows, SPLIT_DAY, DEFAULT_SLA, now, start)
    fast = vector.summarise_vectorised(rows, SPLIT_DAY, DEFAULT_SLA, now, start)
    assert (fast.sla_met, fast.sla_breached, fast.sla_pending) == (pure.sla_met, pure.sla_breached, pure.sla_pending)
    assert (fast.breached_first_response, fast.breached_resolution) == (pure.breached_first_response,
                                                                        pure.breached_resolution)
    assert fast.first_response == pytest.approx(pure.first_response)
    assert fast.resolution == pytest.approx(pure.resolution)
    assert fast.per_day == pure.per_day
    assert pure.sla_met and pure.sla_breached and pure.sla_pending    # the data exercises every case
