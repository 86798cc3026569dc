"""First-response and resolution times in business time, and SLA compliance, over whole
numpy columns (one row per ticket, no Python loop over tickets). In: TimeColumns (epoch
seconds, NaN where a ticket has no such instant; SLA targets in business seconds), the
calendar and `now`; out: a TimingSummary equal to timing.summarise's, the plain-Python
reference the unit tests compare it with. Pure: never reads the clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from daemon.reports.daytable import DayTable
from daemon.reports.timing import TOLERANCE_SECONDS, Row, TimingSummary, targets_in_seconds
from daemon.rules.calendar import BusinessCalendar
from daemon.rules.sla import SlaTarget


@dataclass(frozen=True)
class TimeColumns:
    created: np.ndarray              # epoch seconds
    first_response: np.ndarray       # epoch seconds, NaN: not answered yet
    resolution: np.ndarray           # epoch seconds, NaN: not resolved yet
    first_target: np.ndarray         # business seconds allowed for the first response
    resolution_target: np.ndarray    # business seconds allowed for the resolution, pauses over included
    paused_since: np.ndarray         # epoch seconds the resolution clock stands still since, NaN: running

    @classmethod
    def from_codes(cls, instants: np.ndarray, codes: np.ndarray, paused: np.ndarray, priorities: tuple[str, ...],
                   cal: BusinessCalendar, targets: dict[str, SlaTarget]) -> "TimeColumns":
        """`instants`: (n, 4) created, first response, resolution, paused since; `codes`:
        each ticket's priority as its index in `priorities`, -1 for any other (which gets
        the fallback target, as rules/sla does); `paused`: business seconds of the
        resolution clock's pauses already over."""
        seconds, fallback = targets_in_seconds(targets, cal)
        table = np.array([seconds.get(p, fallback) for p in priorities] + [fallback]).reshape(-1, 2)
        per_ticket = table[codes.astype(np.intp)]      # -1 picks the fallback, the last row
        return cls(instants[:, 0], instants[:, 1], instants[:, 2], per_ticket[:, 0],
                   per_ticket[:, 1] + np.nan_to_num(paused), instants[:, 3])

    @classmethod
    def from_fetched(cls, rows: list[tuple[Any, ...]], priorities: tuple[str, ...], cal: BusinessCalendar,
                     targets: dict[str, SlaTarget]) -> "TimeColumns":
        """queries.time_rows' tuples, converted by numpy in one call (None becomes NaN)."""
        table = np.array(rows, dtype=np.float64).reshape(-1, 6)
        return cls.from_codes(table[:, [0, 1, 2, 5]], table[:, 3], table[:, 4], priorities, cal, targets)

    @classmethod
    def from_rows(cls, rows: list[Row], cal: BusinessCalendar, targets: dict[str, SlaTarget]) -> "TimeColumns":
        """The reference rows' shape (small inputs: tests, not the report)."""
        priorities = tuple(sorted({row[3] for row in rows}))
        instants = np.array([(*row[:3], row[5]) for row in rows], dtype=np.float64).reshape(-1, 4)
        codes = np.array([priorities.index(row[3]) for row in rows], dtype=np.intp)
        paused = np.array([row[4] for row in rows], dtype=np.float64)
        return cls.from_codes(instants, codes, paused, priorities, cal, targets)

    def __len__(self) -> int:
        return len(self.created)


def summarise_columns(cols: TimeColumns, cal: BusinessCalendar, now: datetime) -> TimingSummary:
    if len(cols) == 0:
        return TimingSummary()
    now_s = now.timestamp()
    instants = np.concatenate([cols.created, cols.first_response, cols.resolution, cols.paused_since, [now_s]])
    longest = float(max(cols.first_target.max(), cols.resolution_target.max()))
    table = DayTable.covering(cal, float(np.nanmin(instants)), float(np.nanmax(instants)), longest)

    out = TimingSummary()
    opened = table.elapsed(cols.created)
    out.first_response = _durations(table, opened, cols.first_response)
    out.resolution = _durations(table, opened, cols.resolution)
    late_first, open_first = _late(table.due(cols.created, cols.first_target, opened), cols.first_response, now_s)
    late_res, open_res = _late(_resolution_due(table, cols, opened, now_s), cols.resolution, now_s)
    breached = late_first | late_res
    out.sla_breached = int(breached.sum())
    out.sla_pending = int((~breached & (open_first | open_res)).sum())
    out.sla_met = len(cols) - out.sla_breached - out.sla_pending
    out.breached_first_response, out.breached_resolution = int(late_first.sum()), int(late_res.sum())
    out.per_day = table.per_day(cols.created)
    return out


def _resolution_due(table: DayTable, cols: TimeColumns, opened: np.ndarray, now: float) -> np.ndarray:
    """Each resolution deadline; one whose clock stands still now, and had not passed
    when it stopped, moves by the business time it has stood still so far."""
    due = table.due(cols.created, cols.resolution_target, opened)
    standing = np.isnan(cols.resolution) & ~np.isnan(cols.paused_since)
    standing[standing] = due[standing] > cols.paused_since[standing]
    if standing.any():
        since = cols.paused_since[standing]
        stood = np.maximum(table.between(since, np.full_like(since, now)), 0.0)
        due[standing] = table.due(cols.created[standing], cols.resolution_target[standing] + stood,
                                  opened[standing])
    return due


def _durations(table: DayTable, opened: np.ndarray, ended: np.ndarray) -> list[float]:
    """Business seconds from opening to each present end, sorted (quantiles read them)."""
    present = ~np.isnan(ended)
    return np.sort(np.maximum(table.elapsed(ended[present]) - opened[present], 0.0)).tolist()


def _late(due: np.ndarray, met: np.ndarray, now: float) -> tuple[np.ndarray, np.ndarray]:
    """(breached, still open and not yet due) per ticket. A target met at its due instant
    is met; one still unmet is breached once `now` is past its due instant."""
    missing = np.isnan(met)
    met_late = ~missing & (np.where(missing, 0.0, met) > due + TOLERANCE_SECONDS)
    overdue = missing & (now > due)
    return met_late | overdue, missing & ~(now > due)
