"""The admin's policy sections of soporte.toml (rules, warranty, calendar, SLA, billing,
contracts, permissions), each loaded and validated by its own module into frozen
objects; this module only gathers them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from daemon.billing.config import BillingConfig, load_billing
from daemon.billing.contracts import Contract, load_contracts
from daemon.commands.permissions import Permissions, load_permissions
from daemon.problems import Problems
from daemon.rules.calendar import BusinessCalendar, load_calendar
from daemon.rules.engine import Rule
from daemon.rules.loader import load_rules
from daemon.rules.sla import SlaTarget, load_sla, load_sla_pause
from daemon.rules.warranty import WarrantyConfig, load_warranty


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    warranty: WarrantyConfig
    calendar: BusinessCalendar
    sla: dict[str, SlaTarget]
    sla_pause: frozenset[str]          # statuses in which the resolution clock stands still
    billing: BillingConfig
    contracts: tuple[Contract, ...]
    permissions: Permissions


def load_policy(raw: dict[str, Any], config: Any, problems: Problems) -> Policy:
    vocab = config.vocab
    staff_emails = frozenset(s.email for s in config.staff)
    return Policy(
        rules=load_rules(raw.get("rules", []), vocab, staff_emails, problems),
        warranty=load_warranty(raw.get("warranty"), vocab, problems),
        calendar=load_calendar(raw.get("calendar"), problems),
        sla=load_sla(raw.get("sla"), vocab, problems),
        sla_pause=load_sla_pause(raw.get("sla"), vocab, problems),
        billing=load_billing(raw.get("billing"), problems),
        contracts=load_contracts(raw.get("contracts"), problems),
        permissions=load_permissions(raw.get("permissions"), vocab.roles, problems),
    )
