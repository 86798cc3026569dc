"""Billed, paid and outstanding totals for the report. In: the work lines of closed,
billable tickets (ordered by ticket, as queries.billing_lines yields them) and the
payments per ticket; out: Decimal totals. Each ticket is priced exactly as its billing
notification was (billing/pricing, contract checked on the creation date), so the
report and finance agree to the cent. Pure: no database, no clock."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any, Iterable, Mapping

from daemon.billing.config import BillingConfig
from daemon.billing.contracts import Contract, active_contract
from daemon.billing.pricing import LineInput, price_work_order
from daemon.rules.calendar import BusinessCalendar

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BillingTotals:
    billed: Decimal = ZERO          # work-order totals (tax included) of closed tickets
    paid: Decimal = ZERO            # payments recorded on the tickets of the window
    outstanding: Decimal = ZERO     # billed minus paid, ticket by ticket, never below zero
    billed_tickets: int = 0


def billing_totals(lines: Iterable[tuple[Any, ...]], payments: Mapping[int, Decimal],
                   cfg: BillingConfig, contracts: tuple[Contract, ...],
                   cal: BusinessCalendar) -> BillingTotals:
    billed = outstanding = ZERO
    count = 0
    for ticket_id, rows in groupby(lines, key=lambda row: row[0]):
        total = ticket_total(list(rows), cfg, contracts, cal)
        if total <= 0:
            continue
        count += 1
        billed += total
        outstanding += max(total - payments.get(ticket_id, ZERO), ZERO)
    paid = sum(payments.values(), ZERO)
    return BillingTotals(billed, paid, outstanding, count)


def ticket_total(rows: list[tuple[Any, ...]], cfg: BillingConfig,
                 contracts: tuple[Contract, ...], cal: BusinessCalendar) -> Decimal:
    _, kind, priority, created_at, email = rows[0][:5]
    inputs = [LineInput(line_kind, code, "", Decimal(str(qty)), Decimal(str(price)), bool(ooh))
              for *_, line_kind, code, qty, price, ooh in rows]
    day = created_at.astimezone(cal.tz).date()
    contract = active_contract(contracts, email, day) is not None
    order = price_work_order(inputs, ticket_kind=kind, priority=priority,
                             contract_active=contract, cfg=cfg)
    return order.total
