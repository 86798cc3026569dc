"""What the report's time figures mean, written out one ticket at a time with
rules/calendar: the plain-Python reference that vector.summarise_columns (the report's
fast path) must equal; tests compare them. In: (created, first response, resolution,
priority, paused seconds, paused since) rows in epoch seconds, the calendar, the SLA
targets and `now`; out: a TimingSummary. A ticket meets its SLA when both targets were
met by their due instants (as rules/sla computes them: the resolution's moved by the
business time its clock stood still, and a clock standing still now has not passed its
deadline unless it passed before it stopped); it breaches when either was met late or is
still unmet after its due instant; otherwise it is pending and left out of the
percentage. Resolution times are the customer's whole wait, pauses included. Pure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

from daemon.rules.calendar import BusinessCalendar, add_business_time, business_time_between
from daemon.rules.sla import DEFAULT_SLA, SlaTarget, standing_still

# instants come from the database as epoch floats exact to about a millisecond (SQLite's
# julianday); a reply at its due instant is on time, so allow that much rounding
TOLERANCE_SECONDS = 0.002

Row = tuple[float, "float | None", "float | None", str, float, "float | None"]


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
              now: datetime) -> TimingSummary:
    out = TimingSummary()
    seconds, fallback = targets_in_seconds(targets, cal)
    for created_s, first_s, resolved_s, priority, paused_s, since_s in rows:
        created, first, resolved = _instant(created_s), _instant(first_s), _instant(resolved_s)
        day = created.astimezone(cal.tz).date().isoformat()
        out.per_day[day] = out.per_day.get(day, 0) + 1
        for ended, durations in ((first, out.first_response), (resolved, out.resolution)):
            if ended is not None:
                durations.append(max(business_time_between(cal, created, ended).total_seconds(), 0.0))
        first_target, resolution_target = seconds.get(priority, fallback)
        late_first = _late(add_business_time(cal, created, timedelta(seconds=first_target)), first, now)
        allowed = timedelta(seconds=resolution_target + paused_s)
        due = add_business_time(cal, created, allowed)
        since = _instant(since_s)
        if resolved is None and standing_still(due, since):    # moved by the time it has stood still
            due = add_business_time(cal, created, allowed + max(business_time_between(cal, since, now), timedelta()))
        late_resolution = _late(due, resolved, now)
        _count(out, late_first, late_resolution)
    out.first_response.sort()
    out.resolution.sort()
    out.per_day = dict(sorted(out.per_day.items()))
    return out


def targets_in_seconds(targets: dict[str, SlaTarget], cal: BusinessCalendar
                       ) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    """(first response, resolution) seconds per priority, and the fallback for unknown
    priorities: the "normal" target, as rules/sla.sla_deadlines does."""
    def pair(t: SlaTarget) -> tuple[float, float]:
        return t.first_response.resolve(cal).total_seconds(), t.resolution.resolve(cal).total_seconds()
    seconds = {priority: pair(target) for priority, target in targets.items()}
    return seconds, seconds.get("normal") or pair(DEFAULT_SLA["normal"])


def _instant(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)


def _late(due: datetime, met_at: datetime | None, now: datetime) -> bool | None:
    """True: breached; False: met in time; None: not met yet and not yet due."""
    if met_at is not None:
        return (met_at - due).total_seconds() > TOLERANCE_SECONDS
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
