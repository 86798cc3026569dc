"""SLA targets per priority and their deadlines in business time. In: a calendar, the
targets, a ticket's priority and timestamps, and `now`. Out: the due instants and which
breaches are new at `now`, so the sweep notifies each breach exactly once.
Durations: "30m", "4h", "2d", "1d4h"; a day ("d") is one business day, i.e. the
calendar's daily opening time (9 h for 09:00-18:00), so "2d" = 2 x 9 h of business time.
The resolution clock stops while a ticket waits on the customer (`[sla] pause_in`, by
default the vocabulary's waiting status): the time it stood still moves its deadline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from daemon.problems import Problems
from daemon.rules.calendar import BusinessCalendar, add_business_time, business_time_between
from daemon.rules.loader import expect, one_of, string, unknown_keys
from daemon.vocabulary import Vocabulary

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


@dataclass(frozen=True)
class BusinessDuration:
    days: int = 0                 # whole business days, resolved against the calendar
    time: timedelta = timedelta()

    def resolve(self, cal: BusinessCalendar) -> timedelta:
        return cal.day_length * self.days + self.time

    def __str__(self) -> str:
        minutes = int(self.time.total_seconds()) // 60
        parts = [(self.days, "d"), (minutes // 60, "h"), (minutes % 60, "m")]
        return "".join(f"{n}{unit}" for n, unit in parts if n) or "0m"


@dataclass(frozen=True)
class SlaTarget:
    first_response: BusinessDuration
    resolution: BusinessDuration


@dataclass(frozen=True)
class SlaDeadlines:
    first_response_due: datetime
    resolution_due: datetime


def parse_duration(text: str) -> BusinessDuration | None:
    """"2d", "4h", "30m", "1h30m" -> BusinessDuration; None when not of that form."""
    found = _DURATION.fullmatch(text.strip().lower())
    if not found or not any(found.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in found.groups())
    return BusinessDuration(days, timedelta(hours=hours, minutes=minutes))


def _target(first: str, resolution: str) -> SlaTarget:
    parsed = parse_duration(first), parse_duration(resolution)
    assert parsed[0] is not None and parsed[1] is not None
    return SlaTarget(parsed[0], parsed[1])


DEFAULT_SLA: dict[str, SlaTarget] = {
    "urgente": _target("1h", "8h"),
    "alta": _target("4h", "2d"),
    "normal": _target("8h", "5d"),
    "baja": _target("2d", "10d"),
}


def sla_deadlines(cal: BusinessCalendar, targets: dict[str, SlaTarget], priority: str,
                  created_at: datetime, paused: timedelta = timedelta()) -> SlaDeadlines:
    """Due instants for a ticket created at `created_at` whose resolution clock has stood
    still for `paused` business time so far. An unknown priority uses the "normal"
    target (the loader gives every configured priority one anyway)."""
    target = targets.get(priority) or targets.get("normal") or DEFAULT_SLA["normal"]
    return SlaDeadlines(
        first_response_due=add_business_time(cal, created_at, target.first_response.resolve(cal)),
        resolution_due=add_business_time(cal, created_at, target.resolution.resolve(cal) + paused),
    )


def standing_still(due: datetime, paused_since: datetime | None) -> bool:
    """Whether a resolution clock stopped at `paused_since` holds its deadline `due`
    (counting the earlier pauses): only one stopped before the deadline passed does; a
    deadline passed before the clock stopped is a breach all the same."""
    return paused_since is not None and due > paused_since


def next_check_while_paused(cal: BusinessCalendar, due: datetime, paused_since: datetime,
                            now: datetime) -> datetime | None:
    """The earliest instant a resolution deadline of `due` can pass for a clock stopped
    since `paused_since`: the business time it had left, counted from `now` as if the
    clock started again now. None: the clock is not standing still (see standing_still)."""
    if not standing_still(due, paused_since):
        return None
    return add_business_time(cal, now, business_time_between(cal, paused_since, due))


def sla_breaches(deadlines: SlaDeadlines, now: datetime, first_response_at: datetime | None,
                 resolved_at: datetime | None, already_notified: frozenset[str]
                 ) -> tuple[str, ...]:
    """Names ("first_response", "resolution") breached at `now` and not yet notified.
    A target is breached when it was met after its due instant, or is still unmet and
    `now` is past it; a late answer the sweep never saw open still counts, so reports
    record it. Meeting a target exactly at its due instant is on time."""
    checks = (
        (FIRST_RESPONSE, deadlines.first_response_due, first_response_at),
        (RESOLUTION, deadlines.resolution_due, resolved_at),
    )
    return tuple(
        name for name, due, met_at in checks
        if name not in already_notified and (met_at if met_at is not None else now) > due
    )


# --- [sla.<priority>] sections ------------------------------------------------------------

SLA_KEYS = (FIRST_RESPONSE, RESOLUTION)
PAUSE_IN = "pause_in"       # [sla] pause_in = ["pendiente_cliente"]: not a priority's table


def load_sla(raw: object, vocab: Vocabulary, problems: Problems, path: str = "sla"
             ) -> dict[str, SlaTarget]:
    """[sla.<priority>] tables -> a target for EVERY priority of the vocabulary. A missing
    table or key takes the built-in default of that priority; a priority without a
    built-in default (a renamed vocabulary) takes the "normal" one."""
    table = {} if raw is None else expect(raw, dict, "a table of [sla.<priority>]", path, problems) or {}
    for key in table:
        if key not in vocab.priorities and key != PAUSE_IN:
            problems.add(f"{path}.{key}", f"unknown priority (known: {', '.join(vocab.priorities)})")
    return {priority: _load_target(table.get(priority), DEFAULT_SLA.get(priority, DEFAULT_SLA["normal"]),
                                   f"{path}.{priority}", problems)
            for priority in vocab.priorities}


def load_sla_pause(raw: object, vocab: Vocabulary, problems: Problems, path: str = "sla") -> frozenset[str]:
    """[sla] pause_in: the statuses in which the resolution clock stands still; by
    default the vocabulary's waiting status (the customer owes us an answer). An empty
    list keeps the clock running in every status. The resolved and closed statuses end
    the clock instead, so they cannot pause it."""
    table = raw if isinstance(raw, dict) else {}
    if PAUSE_IN not in table:
        return frozenset({vocab.waiting_status})
    given = expect(table[PAUSE_IN], list, "a list of statuses", f"{path}.{PAUSE_IN}", problems) or []
    ending = (vocab.resolved_status, vocab.closed_status)
    statuses = set()
    for index, item in enumerate(given):
        where = f"{path}.{PAUSE_IN}[{index}]"
        status = one_of(item, vocab.statuses, where, problems)
        if status in ending:
            problems.add(where, f"{status!r} ends the resolution clock; it cannot pause it")
        elif status is not None:
            statuses.add(status)
    return frozenset(statuses)


def _load_target(raw: object, default: SlaTarget, path: str, problems: Problems) -> SlaTarget:
    table = {} if raw is None else expect(raw, dict, "a table", path, problems) or {}
    unknown_keys(table, SLA_KEYS, path, problems)
    first = _duration(table.get(FIRST_RESPONSE), f"{path}.{FIRST_RESPONSE}", problems)
    resolution = _duration(table.get(RESOLUTION), f"{path}.{RESOLUTION}", problems)
    return SlaTarget(first or default.first_response, resolution or default.resolution)


def _duration(raw: object, path: str, problems: Problems) -> BusinessDuration | None:
    text = None if raw is None else string(raw, path, problems)
    if text is None:
        return None
    parsed = parse_duration(text)
    if parsed is None:
        problems.add(path, f'{text!r} is not a duration like "30m", "4h", "2d" or "1d4h"')
    elif parsed == BusinessDuration():
        problems.add(path, "must be longer than zero")
        return None
    return parsed
