"""Builds the report: runs the queries over one read-only connection, summarises the
times, and returns one plain dict, the public `report --json` shape (SPEC §8): counts
as ints, durations in minutes or hours (floats, None without data), money as strings
"123.45". In: an Engine, the Config, the Window and `now`. Never writes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from daemon.billing.albaran import money
from daemon.reports import queries
from daemon.reports.billing import billing_totals
from daemon.reports.queries import Window
from daemon.reports.stats import average, histogram, percent, quantile, scaled
from daemon.reports.vector import TimeColumns, summarise_columns

TOP_CATEGORIES = 5
SATISFACTION_SCORES = (1, 2, 3, 4, 5)


def build_report(engine: Engine, config: Any, window: Window, now: datetime) -> dict[str, Any]:
    with engine.connect() as conn:
        report: dict[str, Any] = {"since": _iso(window.since), "until": _iso(window.until),
                                  "generated_at": now.isoformat()}
        totals = queries.totals(conn, window, _counted_in_totals(config))
        report["tickets_total"] = totals["tickets"]
        for field in queries.BREAKDOWNS:
            counted = totals.get(f"by_{field}")
            report[f"by_{field}"] = queries.breakdown(conn, window, field) if counted is None else counted
        report["top_categories"] = [{"category": name, "tickets": count} for name, count
                                    in list(report["by_category"].items())[:TOP_CATEGORIES]]
        report.update(_times(conn, config, window, now))
        report.update(_changes(conn, window, totals))
        report.update(_satisfaction(conn, window, totals))
        report.update(_billing(conn, config, window))
    return report


def _counted_in_totals(config: Any) -> dict[str, tuple[Any, ...]]:
    """The fields without an index of their own, with their expected values (status,
    category and assignee are indexed: their GROUP BYs read only the index)."""
    vocab = config.vocab
    return {"kind": vocab.kinds, "queue": vocab.queues, "priority": vocab.priorities,
            "satisfaction": SATISFACTION_SCORES}


def _times(conn: Connection, config: Any, window: Window, now: datetime) -> dict[str, Any]:
    policy = config.policy
    priorities = tuple(policy.sla)
    rows = queries.time_rows(conn, window, priorities)
    columns = TimeColumns.from_fetched(rows, priorities, policy.calendar, policy.sla)
    del rows        # a million tuples: free them before the arrays are worked on
    timing = summarise_columns(columns, policy.calendar, now)
    first, resolution = timing.first_response, timing.resolution
    return {
        "first_response_count": len(first),
        "first_response_median_minutes": scaled(quantile(first, 0.5, True), 60, 1),
        "first_response_p90_minutes": scaled(quantile(first, 0.9, True), 60, 1),
        "resolution_count": len(resolution),
        "resolution_median_hours": scaled(quantile(resolution, 0.5, True), 3600, 2),
        "resolution_p90_hours": scaled(quantile(resolution, 0.9, True), 3600, 2),
        "resolution_histogram": _resolution_histogram(resolution, policy.calendar.day_length.total_seconds()),
        "sla_met": timing.sla_met,
        "sla_breached": timing.sla_breached,
        "sla_pending": timing.sla_pending,
        "sla_breached_first_response": timing.breached_first_response,
        "sla_breached_resolution": timing.breached_resolution,
        "sla_met_pct": percent(timing.sla_met, timing.sla_met + timing.sla_breached),
        "sla_breach_events": queries.sla_breach_events(conn, window),
        "per_day": timing.per_day,
    }


def _resolution_histogram(ordered: list[float], day: float) -> list[dict[str, Any]]:
    """Resolution times in bands a manager reads at a glance; a day is one business day."""
    edges = sorted([3600.0, 4 * 3600.0, day, 2 * day, 5 * day])
    labels = ["< 1 h", "1-4 h", "4 h - 1 día", "1-2 días", "2-5 días", "> 5 días"]
    return [{"band": label, "tickets": count} for label, count in zip(labels, histogram(ordered, edges))]


def _changes(conn: Connection, window: Window, totals: dict[str, Any]) -> dict[str, Any]:
    tickets, changes = queries.recategorised(conn, window)
    return {"reopened": totals["reopened"], "reopened_tickets": totals["reopened_tickets"],
            "recategorised": tickets, "recategorisations": changes}


def _satisfaction(conn: Connection, window: Window, totals: dict[str, Any]) -> dict[str, Any]:
    count = totals["satisfaction_count"]
    return {"satisfaction_avg": average(totals["satisfaction_sum"], count),
            "satisfaction_count": count,
            "satisfaction_scores": totals["by_satisfaction"]}


def _billing(conn: Connection, config: Any, window: Window) -> dict[str, Any]:
    result = billing_totals(conn, window)
    return {"currency": config.policy.billing.currency, "billed_total": money(result.billed),
            "billed_tickets": result.billed_tickets, "paid_total": money(result.paid),
            "outstanding_total": money(result.outstanding)}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
