"""The admin's policy sections of soporte.toml (rules, warranty, calendar, SLA, billing,
contracts, permissions), each loaded by its own module into frozen objects."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from daemon.problems import Problems


@dataclass(frozen=True)
class Policy:
    rules: tuple = ()


def load_policy(raw: dict[str, Any], config: Any, problems: Problems) -> Policy:
    rules = raw.get("rules", [])
    if not isinstance(rules, list):
        problems.add("rules", "must be an array of tables ([[rules]])")
    return Policy()
