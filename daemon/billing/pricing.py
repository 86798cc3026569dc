"""Prices a work order (albarán) by the rules of seeds 000 and 002 (SPEC §7). In: the
recorded lines, the ticket's kind and priority, whether a maintenance contract is active,
and the BillingConfig; out: a frozen WorkOrder. Also the payment arithmetic for finance.
Decimal only; cents are rounded half-up once per line and once for the tax, nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal, Sequence

from daemon.billing.albaran import money
from daemon.billing.config import BillingConfig
from daemon.vocabulary import NON_BILLABLE_KINDS

URGENT_PRIORITY = "urgente"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
LineKind = Literal["hours", "material"]


@dataclass(frozen=True)
class LineInput:
    kind: LineKind
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal          # copied when the line is recorded: later price changes
    out_of_hours: bool = False   # in soporte.toml do not rewrite old albaranes

    def __post_init__(self) -> None:
        if self.kind not in ("hours", "material"):
            raise ValueError(f"line kind must be hours or material, not {self.kind!r}")
        if self.quantity <= 0 or self.unit_price < 0:
            raise ValueError(f"line {self.code}: quantity must be > 0 and unit price >= 0")


@dataclass(frozen=True)
class PricedLine:
    concept: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    surcharge_pct: Decimal
    total: Decimal
    kind: LineKind = "hours"


@dataclass(frozen=True)
class WorkOrder:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    currency: str
    tax_pct: Decimal = Decimal("21")


def price_work_order(lines: Sequence[LineInput], *, ticket_kind: str, priority: str,
                     contract_active: bool, cfg: BillingConfig) -> WorkOrder:
    priced = tuple(_price(line, ticket_kind, priority, contract_active, cfg) for line in lines)
    subtotal = sum((line.total for line in priced), Decimal("0.00"))
    tax = _cents(subtotal * cfg.tax_pct / HUNDRED)
    return WorkOrder(priced, subtotal, tax, subtotal + tax, cfg.currency, cfg.tax_pct)


def _price(line: LineInput, ticket_kind: str, priority: str, contract_active: bool,
           cfg: BillingConfig) -> PricedLine:
    discount = discount_pct(line, ticket_kind, contract_active)
    surcharge = surcharge_pct(line, priority, cfg)
    with localcontext() as ctx:
        ctx.prec = 50   # exact for any realistic line, so the only rounding is _cents
        gross = line.quantity * line.unit_price * (HUNDRED + surcharge) * (HUNDRED - discount)
        total = _cents(gross / (HUNDRED * HUNDRED))
    return PricedLine(line.code, line.description, line.quantity, line.unit_price,
                      discount, surcharge, total, line.kind)


def discount_pct(line: LineInput, ticket_kind: str, contract_active: bool) -> Decimal:
    """Warranty and courtesy cases are recorded but free; a maintenance contract makes
    the hours free and still bills the materials (seed 000)."""
    if ticket_kind in NON_BILLABLE_KINDS:
        return HUNDRED
    if contract_active and line.kind == "hours":
        return HUNDRED
    return Decimal(0)


def surcharge_pct(line: LineInput, priority: str, cfg: BillingConfig) -> Decimal:
    """Surcharges are on work, not on parts. Urgent work done out of hours takes the
    larger of the two surcharges, not both compounded: one inconvenience, charged once."""
    if line.kind != "hours":
        return Decimal(0)
    applicable = [Decimal(0)]
    if line.out_of_hours:
        applicable.append(cfg.out_of_hours_surcharge_pct)
    if priority == URGENT_PRIORITY:
        applicable.append(cfg.urgent_surcharge_pct)
    return max(applicable)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def billable(work_order: WorkOrder) -> bool:
    """Whether closing the ticket sends finance a billing notification."""
    return work_order.total > 0


def hours_line(code: str, quantity: Decimal, out_of_hours: bool, cfg: BillingConfig) -> LineInput:
    """The line a `#horas` command records, at today's configured price."""
    concept = cfg.concept(code)
    if concept is None:
        raise KeyError(f"unknown concept {code!r}")
    return LineInput("hours", concept.code, concept.description, quantity, concept.price, out_of_hours)


def material_line(code: str, quantity: Decimal, unit_price: Decimal | None,
                  cfg: BillingConfig) -> LineInput:
    """The line a `#material` command records; a price given in the command wins."""
    item = cfg.material(code)
    if item is not None:
        price = item.price if unit_price is None else unit_price
        return LineInput("material", item.code, item.description, quantity, price)
    if unit_price is None:
        raise KeyError(f"material {code!r} is not in the catalogue and has no price")
    return LineInput("material", code, code, quantity, unit_price)


# --- payments (#facturado, #pagado) ---------------------------------------------------

@dataclass(frozen=True)
class PaymentState:
    invoiced: str | None         # the invoice number, once finance sent it
    paid: Decimal
    outstanding: Decimal


class Overpayment(ValueError):
    """A payment that would take the paid amount above the total; the message is Spanish
    because it goes back to the finance person who sent it."""

    def __init__(self, total: Decimal, paid_so_far: Decimal, amount: Decimal) -> None:
        self.total, self.paid_so_far, self.amount = total, paid_so_far, amount
        super().__init__(
            f"el pago de {money(amount)} supera lo pendiente: total {money(total)}, "
            f"pagado {money(paid_so_far)}, pendiente {money(total - paid_so_far)}")


def apply_payment(total: Decimal, paid_so_far: Decimal, amount: Decimal) -> Decimal:
    """The paid amount after this payment; partial payments add up (seed 002)."""
    if amount <= 0:
        raise ValueError("a payment must be greater than 0")
    if paid_so_far + amount > total:
        raise Overpayment(total, paid_so_far, amount)
    return paid_so_far + amount


def payment_state(total: Decimal, invoiced: str | None, payments: Sequence[Decimal]) -> PaymentState:
    paid = sum(payments, Decimal("0.00"))
    return PaymentState(invoiced, paid, max(total - paid, Decimal("0.00")))
