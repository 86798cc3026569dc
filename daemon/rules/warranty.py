"""The warranty-document rule (seed 004) as pure functions. In: the [warranty] settings,
a ticket's category, attachments, creation time, reminders already sent and `now`.
Out: whether documents are needed, which reminder to send and whether to close.
Deadlines are NATURAL hours (real elapsed time, DST-proof), not business hours.
Never touches the database or the clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Callable, TypeVar

from daemon.problems import Problems
from daemon.rules.loader import expect, number, one_of, string, unknown_keys
from daemon.vocabulary import Vocabulary

T = TypeVar("T")


@dataclass(frozen=True)
class WarrantyConfig:
    enabled: bool = True
    category: str = "informes_sobre_proceso"
    status: str = "sin_documentacion"
    deadline_hours: float = 24
    reminder_hours: tuple[float, ...] = (6, 12, 18)
    accepted_types: frozenset[str] = frozenset(
        {"application/pdf", "image/jpeg", "image/png", "image/heic"})
    min_bytes: int = 1024
    received_status: str = "abierto"
    expired_status: str = "cerrado"


@dataclass(frozen=True)
class WarrantyDue:
    reminders_to_send: tuple[int, ...]   # 1-based reminder numbers to send now (0 or 1 of them)
    sent_count: int                      # what to store as "reminders sent" after sending them
    expire: bool                         # close the ticket now (expired_status + email)
    deadline: datetime


def is_acceptable_document(attachment_content_type: str, size: int, cfg: WarrantyConfig) -> bool:
    """A proof of purchase: an accepted type ("image/*" entries match any image) and at
    least `min_bytes`, so a tracking pixel or a signature logo does not count."""
    mime = attachment_content_type.split(";", 1)[0].strip().lower()
    major = mime.split("/", 1)[0]
    accepted = mime in cfg.accepted_types or f"{major}/*" in cfg.accepted_types
    return accepted and size >= cfg.min_bytes


def needs_documents(category: str, has_acceptable_document: bool, cfg: WarrantyConfig) -> bool:
    """True when the ticket must wait in `cfg.status` for the customer's document."""
    return cfg.enabled and category == cfg.category and not has_acceptable_document


def warranty_deadline(cfg: WarrantyConfig, created_at: datetime) -> datetime:
    return _after(created_at, cfg.deadline_hours)


def warranty_due(cfg: WarrantyConfig, created_at: datetime, now: datetime,
                 reminders_sent: int, expired: bool) -> WarrantyDue:
    """What the sweep must do for one ticket waiting for documents.

    - Already expired: nothing.
    - `now` at or past the deadline: expire only; reminders not yet sent are dropped,
      because a reminder followed at once by the closure only confuses the customer.
    - Otherwise send only the LATEST reminder that is due and unsent; earlier ones the
      sweep missed (e.g. the daemon was down) are skipped and counted as sent
      (`sent_count`), so a late sweep never sends a burst of reminders.
    """
    deadline = warranty_deadline(cfg, created_at)
    if expired:
        return WarrantyDue((), reminders_sent, False, deadline)
    if now >= deadline:
        return WarrantyDue((), reminders_sent, True, deadline)
    due = [number for number, hours in enumerate(cfg.reminder_hours, start=1)
           if _after(created_at, hours) <= now and number > reminders_sent]
    if not due:
        return WarrantyDue((), reminders_sent, False, deadline)
    return WarrantyDue((due[-1],), due[-1], False, deadline)


def _after(start: datetime, hours: float) -> datetime:
    """`hours` of real time after `start`: added in UTC, because adding to a local wall
    clock makes a "24 h" deadline 23 or 25 real hours across a DST change."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"naive datetime {start.isoformat()}: pass an aware datetime")
    moved = start.astimezone(timezone.utc) + timedelta(hours=hours)
    return moved.astimezone(start.tzinfo)


# --- [warranty] section -----------------------------------------------------------------

WARRANTY_KEYS = ("enabled", "category", "status", "deadline_hours", "reminder_hours",
                 "accepted_types", "min_bytes", "received_status", "expired_status")
_MIME = re.compile(r"[a-z0-9][a-z0-9.+-]*/(\*|[a-z0-9][a-z0-9.+-]*)")


def load_warranty(raw: object, vocab: Vocabulary, problems: Problems, path: str = "warranty"
                  ) -> WarrantyConfig:
    """[warranty] -> WarrantyConfig. Absent keys take the defaults (SPEC §8); received and
    expired statuses default to the vocabulary's open and closed statuses. Category and
    statuses (given or default) are checked against the vocabulary unless disabled."""
    table = {} if raw is None else expect(raw, dict, "a table", path, problems) or {}
    unknown_keys(table, WARRANTY_KEYS, path, problems)
    base = WarrantyConfig(received_status=vocab.open_status, expired_status=vocab.closed_status)
    enabled = _get(table, "enabled", path, problems, _flag)
    min_bytes = _get(table, "min_bytes", path, problems, _size)
    cfg = replace(
        base,
        enabled=base.enabled if enabled is None else enabled,
        deadline_hours=_get(table, "deadline_hours", path, problems, number) or base.deadline_hours,
        min_bytes=base.min_bytes if min_bytes is None else min_bytes,
        accepted_types=_get(table, "accepted_types", path, problems, _types) or base.accepted_types,
        **_words(table, vocab, path, problems, base),
    )
    reminders = _get(table, "reminder_hours", path, problems, _hours)
    return replace(cfg, reminder_hours=_check_reminders(reminders, cfg, path, problems))


def _get(table: dict, key: str, path: str, problems: Problems,
         check: Callable[[object, str, Problems], T | None]) -> T | None:
    return None if key not in table else check(table[key], f"{path}.{key}", problems)


def _words(table: dict, vocab: Vocabulary, path: str, problems: Problems,
           base: WarrantyConfig) -> dict[str, str]:
    """category and the three statuses, each checked against the vocabulary."""
    wanted = {"category": vocab.categories, "status": vocab.statuses,
              "received_status": vocab.statuses, "expired_status": vocab.statuses}
    enabled = table.get("enabled", True) is not False
    words = {}
    for key, allowed in wanted.items():
        value = table.get(key, getattr(base, key))
        if key in table or enabled:
            value = one_of(value, allowed, f"{path}.{key}", problems) or getattr(base, key)
        words[key] = value
    return words


def _flag(raw: object, path: str, problems: Problems) -> bool | None:
    return expect(raw, bool, "true or false", path, problems)


def _size(raw: object, path: str, problems: Problems) -> int | None:
    value = expect(raw, int, "an integer number of bytes", path, problems)
    if value is not None and value < 0:
        problems.add(path, "must not be negative")
        return None
    return value


def _types(raw: object, path: str, problems: Problems) -> frozenset[str] | None:
    items = expect(raw, list, 'an array of MIME types like "application/pdf"', path, problems)
    if items == []:
        problems.add(path, "must list at least one type")
    types = set()
    for index, item in enumerate(items or []):
        text = string(item, f"{path}[{index}]", problems)
        if text is not None and not _MIME.fullmatch(text.strip().lower()):
            problems.add(f"{path}[{index}]", f"{text!r} is not a MIME type like \"application/pdf\"")
        elif text is not None:
            types.add(text.strip().lower())
    return frozenset(types) or None


def _hours(raw: object, path: str, problems: Problems) -> tuple[float, ...] | None:
    items = expect(raw, list, "an array of hours", path, problems)
    if items is None:
        return None
    hours = [number(item, f"{path}[{i}]", problems) for i, item in enumerate(items)]
    return None if None in hours else tuple(h for h in hours if h is not None)


def _check_reminders(hours: tuple[float, ...] | None, cfg: WarrantyConfig, path: str,
                     problems: Problems) -> tuple[float, ...]:
    """Reminders must come strictly in order and before the deadline."""
    if hours is None:
        hours = tuple(h for h in cfg.reminder_hours if h < cfg.deadline_hours)
    for index, (before, after) in enumerate(zip(hours, hours[1:]), start=1):
        if after <= before:
            problems.add(f"{path}.reminder_hours[{index}]", "must be later than the reminder before it")
    for index, value in enumerate(hours):
        if value >= cfg.deadline_hours:
            problems.add(f"{path}.reminder_hours[{index}]",
                         f"{value:g} h is not before the deadline ({cfg.deadline_hours:g} h)")
    return hours
