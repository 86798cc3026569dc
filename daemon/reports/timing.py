"""First-response and resolution times in business time, and SLA compliance, for many
tickets in one pass. In: (created, first response, resolution, priority) rows in epoch
seconds, the calendar, the SLA targets and `now`; out: TimingSummary. A ticket meets
its SLA when both targets were met by their due instants (as rules/sla computes them);
it breaches when either was met late or is still unmet after its due instant; otherwise
its outcome is pending and it is left out of the percentage. Pure: never reads the clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from daemon.reports.business import BusinessTimeline
from daemon.rules.calendar import BusinessCalendar
from daemon.rules.sla import DEFAULT_SLA, SlaTarget

# instants come from the database as epoch floats exact to about a millisecond (SQLite's
# julianday); a reply at its due instant is on time, so allow that much rounding
TOLERANCE_SECONDS = 0.002

QUARTER = 900
Row = tuple[float, "float | None", "float | None", str]


@dataclass
class TimingSummary:
    first_response: list[float] = field(default_factory=list)   # business seconds, sorted
    resolution: list[float] = field(default_factory=list)       # business seconds, sorted
    sla_met: int = 0
    sla_breached: int = 0
    sla_pending: int = 0
    breached_first_response: int = 0
    breached_resolution: int = 0
    per_day: dict[str, int] = field(default_factory=dict)       # local date -> tickets created


def summarise(rows: Iterable[Row], cal: BusinessCalendar, targets: dict[str, SlaTarget],
              now: datetime, start: float) -> TimingSummary:
    """`start`: the earliest creation instant among the rows (epoch seconds)."""
    out = TimingSummary()
    seconds, fallback = targets_in_seconds(targets, cal)
    now_s = now.timestamp()
    timeline = BusinessTimeline(cal, start)
    elapsed, instant_at = timeline.elapsed, timeline.instant_at    # hot loop: local names
    days = _DayBucket(cal)
    add_day, firsts, resolutions = days.add, out.first_response, out.resolution
    for created, first, resolved, priority in rows:
        add_day(created)
        opened = elapsed(created)
        first_target, resolution_target = seconds.get(priority, fallback)
        if first is not None:
            firsts.append(max(elapsed(first) - opened, 0.0))
        if resolved is not None:
            resolutions.append(max(elapsed(resolved) - opened, 0.0))
        late_first = _late(instant_at(opened + first_target), first, now_s)
        late_resolution = _late(instant_at(opened + resolution_target), resolved, now_s)
        _count(out, late_first, late_resolution)
    out.first_response.sort()
    out.resolution.sort()
    out.per_day = days.counts()
    return out


def targets_in_seconds(targets: dict[str, SlaTarget], cal: BusinessCalendar
                       ) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    """(first response, resolution) seconds per priority, and the fallback for unknown
    priorities: the "normal" target, as rules/sla.sla_deadlines does."""
    def pair(t: SlaTarget) -> tuple[float, float]:
        return t.first_response.resolve(cal).total_seconds(), t.resolution.resolve(cal).total_seconds()
    seconds = {priority: pair(target) for priority, target in targets.items()}
    return seconds, seconds.get("normal") or pair(DEFAULT_SLA["normal"])


def day_counts(cal: BusinessCalendar, quarters: Iterable[tuple[int, int]]) -> dict[str, int]:
    """(UTC quarter-hour number, tickets) -> tickets per local date. Every time-zone
    offset in use is a whole number of quarter hours, so a quarter never straddles a
    local midnight; each quarter is converted once, not each ticket."""
    days: dict[str, int] = {}
    for quarter, count in sorted(quarters):
        local = datetime.fromtimestamp(quarter * QUARTER, timezone.utc).astimezone(cal.tz)
        key = local.date().isoformat()
        days[key] = days.get(key, 0) + count
    return days


def _late(due: float, met_at: float | None, now: float) -> bool | None:
    """True: breached; False: met in time; None: not met yet and not yet due."""
    if met_at is not None:
        return met_at > due + TOLERANCE_SECONDS
    return True if now > due else None


def _count(out: TimingSummary, late_first: bool | None, late_resolution: bool | None) -> None:
    out.breached_first_response += late_first is True
    out.breached_resolution += late_resolution is True
    if late_first or late_resolution:
        out.sla_breached += 1
    elif late_first is False and late_resolution is False:
        out.sla_met += 1
    else:
        out.sla_pending += 1


class _DayBucket:
    """Counts instants per UTC quarter hour, for day_counts."""

    def __init__(self, cal: BusinessCalendar) -> None:
        self.cal = cal
        self.by_quarter: dict[int, int] = {}

    def add(self, at: float) -> None:
        quarter = int(at // QUARTER)
        self.by_quarter[quarter] = self.by_quarter.get(quarter, 0) + 1

    def counts(self) -> dict[str, int]:
        return day_counts(self.cal, self.by_quarter.items())
