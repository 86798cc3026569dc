"""The warranty-document rule (seed 004): acceptable documents, when a ticket must wait
for them, and the 24-natural-hour timeline with reminders at 6, 12 and 18 h."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from daemon.rules.warranty import (
    WarrantyConfig, WarrantyDue, is_acceptable_document, needs_documents, warranty_due,
)

CFG = WarrantyConfig()
CREATED = datetime.fromisoformat("2026-11-23T10:00+01:00")
DEADLINE = datetime.fromisoformat("2026-11-24T10:00+01:00")


def hours(n: float) -> datetime:
    return CREATED + timedelta(hours=n)


DOCUMENTS = [
    ("pdf", "application/pdf", 2000, CFG, True),
    ("type with parameters and capitals", "Application/PDF; name=factura.pdf", 2000, CFG, True),
    ("jpeg", "image/jpeg", 50_000, CFG, True),
    ("heic from a phone", "image/heic", 50_000, CFG, True),
    ("exactly min_bytes", "image/png", 1024, CFG, True),
    ("tracking pixel", "image/png", 43, CFG, False),
    ("gif not accepted by default", "image/gif", 50_000, CFG, False),
    ("word document", "application/msword", 50_000, CFG, False),
    ("wildcard accepts any image", "image/gif", 50_000,
     WarrantyConfig(accepted_types=frozenset({"image/*"})), True),
    ("wildcard is per major type", "application/pdf", 50_000,
     WarrantyConfig(accepted_types=frozenset({"image/*"})), False),
]


@pytest.mark.parametrize("content_type, size, cfg, expected", [c[1:] for c in DOCUMENTS],
                         ids=[c[0] for c in DOCUMENTS])
def test_is_acceptable_document(content_type: str, size: int, cfg: WarrantyConfig, expected: bool) -> None:
    assert is_acceptable_document(content_type, size, cfg) is expected


@pytest.mark.parametrize("category, has_document, cfg, expected", [
    ("informes_sobre_proceso", False, CFG, True),
    ("informes_sobre_proceso", True, CFG, False),
    ("averia", False, CFG, False),
    ("informes_sobre_proceso", False, WarrantyConfig(enabled=False), False),
    ("garantias", False, WarrantyConfig(category="garantias"), True),
])
def test_needs_documents(category: str, has_document: bool, cfg: WarrantyConfig, expected: bool) -> None:
    assert needs_documents(category, has_document, cfg) is expected


TIMELINE = [
    # (id, hours since creation, reminders sent, expired, to send, sent_count, expire)
    ("at creation", 0, 0, False, (), 0, False),
    ("just before the first", 5.99, 0, False, (), 0, False),
    ("first reminder at 6 h", 6, 0, False, (1,), 1, False),
    ("+7 h, first already sent", 7, 1, False, (), 1, False),
    ("+7 h, first missed by the sweep", 7, 0, False, (1,), 1, False),
    ("+13 h, second due", 13, 1, False, (2,), 2, False),
    ("+13 h after a gap: only the latest", 13, 0, False, (2,), 2, False),
    ("+19 h, third due", 19, 2, False, (3,), 3, False),
    ("+19 h after a long gap: one reminder", 19, 0, False, (3,), 3, False),
    ("just before the deadline", 23.99, 3, False, (), 3, False),
    ("at the deadline: close", 24, 3, False, (), 3, True),
    ("+25 h with nothing sent: close, no burst", 25, 0, False, (), 0, True),
    ("already expired: nothing more", 30, 3, True, (), 3, False),
]


@pytest.mark.parametrize("elapsed, sent, expired, to_send, sent_count, expire",
                         [c[1:] for c in TIMELINE], ids=[c[0] for c in TIMELINE])
def test_warranty_timeline(elapsed: float, sent: int, expired: bool, to_send: tuple[int, ...],
                           sent_count: int, expire: bool) -> None:
    due = warranty_due(CFG, CREATED, hours(elapsed), sent, expired)
    assert due == WarrantyDue(to_send, sent_count, expire, DEADLINE)


def run_sweeps(at_hours: list[float]) -> list[tuple[float, str]]:
    """Simulate a sweep at each instant, storing what it reports as a database would."""
    sent, expired, log = 0, False, []
    for elapsed in at_hours:
        due = warranty_due(CFG, CREATED, hours(elapsed), sent, expired)
        log += [(elapsed, f"reminder {n}") for n in due.reminders_to_send]
        sent = due.sent_count
        if due.expire:
            expired = True
            log.append((elapsed, "close"))
    return log


@pytest.mark.parametrize("sweeps, expected", [
    ([h / 2 for h in range(0, 61)],
     [(6, "reminder 1"), (12, "reminder 2"), (18, "reminder 3"), (24, "close")]),
    ([0, 7, 25, 26], [(7, "reminder 1"), (25, "close")]),
    ([0, 13, 20, 23, 24.5], [(13, "reminder 2"), (20, "reminder 3"), (24.5, "close")]),
    ([30], [(30, "close")]),
], ids=["every half hour", "long outage", "late start", "first sweep after the deadline"])
def test_sweeps_never_burst_and_close_once(sweeps: list[float], expected: list) -> None:
    assert run_sweeps(sweeps) == expected


@pytest.mark.parametrize("created, wall_hour, offset_hours", [
    (datetime(2026, 10, 24, 12, tzinfo=ZoneInfo("Europe/Madrid")), 11, 1),   # 25 h wall day
    (datetime(2026, 3, 28, 12, tzinfo=ZoneInfo("Europe/Madrid")), 13, 2),    # 23 h wall day
], ids=["autumn", "spring"])
def test_deadline_is_24_real_hours_across_dst(created: datetime, wall_hour: int,
                                              offset_hours: int) -> None:
    deadline = warranty_due(CFG, created, created, 0, False).deadline
    assert deadline.astimezone(timezone.utc) - created.astimezone(timezone.utc) == timedelta(hours=24)
    assert (deadline.hour, deadline.utcoffset()) == (wall_hour, timedelta(hours=offset_hours))


def test_naive_creation_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        warranty_due(CFG, datetime(2026, 11, 23, 10), CREATED, 0, False)
