"""Maintenance contracts (SPEC §7, seed 000): `[[contracts]]` entries matching a customer
by address or by `@domain`, valid between two dates. In: the raw TOML array, then an email
and a day; out: the contract in force, if any. The day is a parameter: never reads a clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Mapping, Sequence

from daemon.problems import Problems

DEFAULT_PLAN = "mantenimiento"
_KEYS = frozenset({"match", "plan", "from", "until"})
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_DOMAIN = re.compile(r"@[^@\s<>]+\.[^@\s<>]+")


@dataclass(frozen=True)
class Contract:
    match: str                  # lower-case "ana@acme.test" or "@acme.test"
    plan: str
    valid_from: date | None     # None: open at that end; both ends are inclusive
    valid_until: date | None

    @property
    def is_domain(self) -> bool:
        return self.match.startswith("@")

    def covers(self, on: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= on)
                and (self.valid_until is None or on <= self.valid_until))


def active_contract(contracts: Sequence[Contract], email: str, on: date) -> Contract | None:
    """The contract for `email` on day `on`: an exact address beats its domain (no
    subdomains: `@acme.test` does not cover `x@eu.acme.test`); earlier entries win ties."""
    address = email.strip().lower()
    domain = "@" + address.rpartition("@")[2]
    current = [c for c in contracts if c.covers(on)]
    exact = [c for c in current if c.match == address]
    by_domain = [c for c in current if c.match == domain]
    return (exact or by_domain or [None])[0]


def load_contracts(raw: object, problems: Problems) -> tuple[Contract, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("contracts", "must be an array of tables ([[contracts]])")
        return ()
    loaded = (_contract(entry, f"contracts[{i}]", problems) for i, entry in enumerate(raw))
    return tuple(c for c in loaded if c is not None)


def _contract(entry: object, path: str, problems: Problems) -> Contract | None:
    if not isinstance(entry, Mapping):
        problems.add(path, "must be a table")
        return None
    for key in entry.keys() - _KEYS:
        problems.add(f"{path}.{key}", "unknown key")
    before = len(problems.items)
    match = _match(entry.get("match"), f"{path}.match", problems)
    plan = _plan(entry.get("plan", DEFAULT_PLAN), f"{path}.plan", problems)
    start = _day(entry.get("from"), f"{path}.from", problems)
    end = _day(entry.get("until"), f"{path}.until", problems)
    if start and end and start > end:
        problems.add(f"{path}.until", f"{end.isoformat()} is before from = {start.isoformat()}")
    if len(problems.items) > before:
        return None
    return Contract(match, plan, start, end)


def _match(value: object, path: str, problems: Problems) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    if not (_ADDRESS.fullmatch(text) or _DOMAIN.fullmatch(text)):
        problems.add(path, "must be an email address or \"@domain\"")
    return text


def _plan(value: object, path: str, problems: Problems) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    problems.add(path, "must be a non-empty string")
    return DEFAULT_PLAN


def _day(value: object, path: str, problems: Problems) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):     # a TOML date-time: the time would be ignored silently
        problems.add(path, "must be a date (2026-01-01), not a date and time")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(path, f"must be a date such as 2026-01-01, not {value!r}")
    return None
