"""Work order pricing (seeds 000/002), payments, and the [billing] table that feeds them."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from daemon.billing.config import BillingConfig, PriceItem, load_billing
from daemon.billing.contracts import Contract, active_contract
from daemon.billing.pricing import (
    LineInput, Overpayment, PaymentState, apply_payment, billable, hours_line, material_line,
    payment_state, price_work_order,
)
from daemon.problems import Problems

CFG = BillingConfig()


def hours(qty: str, code: str = "SMANT", price: str = "60.00", ooh: bool = False) -> LineInput:
    return LineInput("hours", code, code, D(qty), D(price), ooh)


def part(qty: str, price: str, code: str = "KIT-01") -> LineInput:
    return LineInput("material", code, code, D(qty), D(price))


# (lines, kind, priority, contract, [(discount, surcharge, total) per line], subtotal, tax, total)
CASES = [
    ([hours("2")], "normal", "normal", False, [("0", "0", "120.00")], "120.00", "25.20", "145.20"),
    ([hours("2"), part("1", "25.00")], "garantia", "urgente", False,
     [("100", "25", "0.00"), ("100", "0", "0.00")], "0.00", "0.00", "0.00"),
    ([hours("1"), part("2", "25.00")], "cortesia", "normal", True,
     [("100", "0", "0.00"), ("100", "0", "0.00")], "0.00", "0.00", "0.00"),
    ([hours("3"), part("2", "25.00")], "normal", "normal", True,
     [("100", "0", "0.00"), ("0", "0", "50.00")], "50.00", "10.50", "60.50"),
    ([hours("1", ooh=True)], "normal", "normal", False, [("0", "50", "90.00")], "90.00", "18.90", "108.90"),
    ([hours("1"), part("1", "10.00")], "normal", "urgente", False,
     [("0", "25", "75.00"), ("0", "0", "10.00")], "85.00", "17.85", "102.85"),
    ([hours("1", ooh=True)], "normal", "urgente", False, [("0", "50", "90.00")], "90.00", "18.90", "108.90"),
    ([hours("1", ooh=True)], "normal", "urgente", True, [("100", "50", "0.00")], "0.00", "0.00", "0.00"),
    # half-up at the line: 0.5 x 0.25 = 0.125 -> 0.13 (half-even would give 0.12)
    ([part("0.5", "0.25")], "normal", "normal", False, [("0", "0", "0.13")], "0.13", "0.03", "0.16"),
    ([part("2.5", "0.01")], "normal", "normal", False, [("0", "0", "0.03")], "0.03", "0.01", "0.04"),
    # 0.333 x 35 = 11.655 -> 11.66; 0.1 x 0.04 = 0.004 -> 0.00
    ([hours("0.333", "SMANTNDHOR", "35.00"), part("0.1", "0.04")], "normal", "normal", False,
     [("0", "0", "11.66"), ("0", "0", "0.00")], "11.66", "2.45", "14.11"),
    # the tax is rounded half-up once: 0.50 x 21 % = 0.105 -> 0.11
    ([part("1", "0.50")], "normal", "normal", False, [("0", "0", "0.50")], "0.50", "0.11", "0.61"),
    # rounded per line, then summed: 3 x 0.34 = 1.02, not round(3 x 0.335 = 1.005) = 1.01
    ([part("1", "0.335"), part("1", "0.335"), part("1", "0.335")], "normal", "normal", False,
     [("0", "0", "0.34")] * 3, "1.02", "0.21", "1.23"),
    ([], "normal", "normal", False, [], "0.00", "0.00", "0.00"),
]


@pytest.mark.parametrize(("lines", "kind", "priority", "contract", "priced", "subtotal", "tax", "total"), CASES)
def test_price_work_order(lines, kind, priority, contract, priced, subtotal, tax, total) -> None:
    order = price_work_order(lines, ticket_kind=kind, priority=priority, contract_active=contract, cfg=CFG)
    assert [(str(l.discount_pct), str(l.surcharge_pct), str(l.total)) for l in order.lines] == priced
    assert (str(order.subtotal), str(order.tax), str(order.total)) == (subtotal, tax, total)
    assert order.currency == "EUR"
    assert billable(order) is (order.total > 0)


def test_tax_rate_comes_from_config() -> None:
    cfg = BillingConfig(tax_pct=D("10"), currency="USD")
    order = price_work_order([hours("1")], ticket_kind="normal", priority="baja", contract_active=False, cfg=cfg)
    assert (order.tax, order.total, order.currency, order.tax_pct) == (D("6.00"), D("66.00"), "USD", D("10"))


@pytest.mark.parametrize(("on", "contract_expected"), [
    (date(2026, 1, 1), True), (date(2026, 12, 31), True), (date(2027, 1, 1), False), (date(2025, 12, 31), False),
])
def test_contract_dates_decide_the_hours_discount(on: date, contract_expected: bool) -> None:
    contracts = (Contract("@acme.test", "mantenimiento_anual", date(2026, 1, 1), date(2026, 12, 31)),)
    active = active_contract(contracts, "Pepe@ACME.test", on) is not None
    order = price_work_order([hours("1")], ticket_kind="normal", priority="normal",
                             contract_active=active, cfg=CFG)
    assert active is contract_expected
    assert order.total == (D("0.00") if contract_expected else D("72.60"))


def test_lines_from_commands_snapshot_the_configured_price() -> None:
    cfg = BillingConfig(materials={"KIT-01": PriceItem("KIT-01", "Kit de juntas", D("25.00"), "unidad")})
    assert hours_line("smantnd", D("1.5"), True, cfg) == LineInput(
        "hours", "SMANTND", "Mantenimiento sin desplazamiento", D("1.5"), D("40.00"), True)
    assert material_line("kit-01", D("2"), None, cfg) == LineInput("material", "KIT-01", "Kit de juntas", D("2"), D("25.00"))
    assert material_line("kit-01", D("2"), D("20"), cfg).unit_price == D("20")
    assert material_line("CABLE", D("3"), D("1.10"), cfg) == LineInput("material", "CABLE", "CABLE", D("3"), D("1.10"))
    with pytest.raises(KeyError):
        material_line("CABLE", D("3"), None, cfg)
    with pytest.raises(KeyError):
        hours_line("VIAJE", D("1"), False, cfg)


@pytest.mark.parametrize("bad", [
    dict(kind="labour", quantity=D("1"), unit_price=D("1")),
    dict(kind="hours", quantity=D("0"), unit_price=D("1")),
    dict(kind="material", quantity=D("1"), unit_price=D("-1")),
])
def test_line_input_refuses_nonsense(bad: dict) -> None:
    with pytest.raises(ValueError):
        LineInput(code="X", description="X", **bad)


@pytest.mark.parametrize(("total", "paid", "amount", "expected"), [
    ("121.00", "0", "50.00", "50.00"),
    ("121.00", "50.00", "71.00", "121.00"),
    ("121.00", "120.99", "0.01", "121.00"),
])
def test_apply_payment(total: str, paid: str, amount: str, expected: str) -> None:
    assert apply_payment(D(total), D(paid), D(amount)) == D(expected)


@pytest.mark.parametrize(("total", "paid", "amount", "message"), [
    ("121.00", "100.00", "21.01",
     "el pago de 21.01 supera lo pendiente: total 121.00, pagado 100.00, pendiente 21.00"),
    ("0.00", "0", "5", "el pago de 5.00 supera lo pendiente: total 0.00, pagado 0.00, pendiente 0.00"),
])
def test_overpayment(total: str, paid: str, amount: str, message: str) -> None:
    with pytest.raises(Overpayment) as raised:
        apply_payment(D(total), D(paid), D(amount))
    assert str(raised.value) == message


def test_payment_must_be_positive() -> None:
    with pytest.raises(ValueError):
        apply_payment(D("10"), D("0"), D("0"))


def test_payment_state_adds_partial_payments() -> None:
    assert payment_state(D("121.00"), "F-1", [D("50"), D("21.50")]) == PaymentState("F-1", D("71.50"), D("49.50"))
    assert payment_state(D("121.00"), None, []) == PaymentState(None, D("0.00"), D("121.00"))


# --- [billing] -------------------------------------------------------------------------------

def load(raw: object) -> tuple[BillingConfig, list[str]]:
    problems = Problems()
    cfg = load_billing(raw, problems)
    return cfg, [str(p) for p in problems]


def test_defaults() -> None:
    cfg, problems = load(None)
    assert problems == []
    assert cfg == BillingConfig()
    assert (cfg.currency, cfg.tax_pct, cfg.out_of_hours_surcharge_pct, cfg.urgent_surcharge_pct) == (
        "EUR", D("21"), D("50"), D("25"))
    assert {c: (i.price, i.description, i.unit) for c, i in cfg.concepts.items()} == {
        "SMANT": (D("60.00"), "Mantenimiento presencial", "hora"),
        "SMANTND": (D("40.00"), "Mantenimiento sin desplazamiento", "hora"),
        "SMANTNDHOR": (D("35.00"), "Hora complementaria sin desplazamiento", "hora"),
    }
    assert not cfg.notifications_enabled and dict(cfg.materials) == {}


def test_full_table() -> None:
    cfg, problems = load({
        "currency": "eur", "tax_pct": 10, "finance_address": "Finanzas@Empresa.test",
        "out_of_hours_surcharge_pct": 60.5, "urgent_surcharge_pct": "30",
        "concepts": {"VISITA": {"description": "Visita", "price": 80.10, "unit": "visita"}},
        "materials": {"KIT-01": {"description": "Kit de juntas", "price": "25.00"}},
    })
    assert problems == []
    assert (cfg.currency, cfg.tax_pct, cfg.finance_address) == ("EUR", D("10"), "finanzas@empresa.test")
    assert (cfg.out_of_hours_surcharge_pct, cfg.urgent_surcharge_pct) == (D("60.5"), D("30"))
    assert list(cfg.concepts) == ["VISITA"] and cfg.concept("visita").price == D("80.1")
    assert cfg.material("kit-01") == PriceItem("KIT-01", "Kit de juntas", D("25.00"), "unidad")
    assert cfg.notifications_enabled


@pytest.mark.parametrize(("raw", "expected"), [
    ({"concepts": {"SMANT": {"price": "-1"}}}, ["billing.concepts.SMANT.price: must be >= 0"]),
    ({"concepts": {"SMANT": {"price": "60,00"}}},
     ["billing.concepts.SMANT.price: must be a decimal number such as \"60.00\", not '60,00'"]),
    ({"concepts": {"SMANT": {"price": True}}},
     ["billing.concepts.SMANT.price: must be a decimal number such as \"60.00\", not True"]),
    ({"concepts": {"SMANT": {"description": "x"}}}, ["billing.concepts.SMANT.price: missing"]),
    ({"concepts": {"SMANT": {"price": "1", "precio": "2"}}}, ["billing.concepts.SMANT.precio: unknown key"]),
    ({"concepts": {"SM ANT": {"price": "1"}}},
     ["billing.concepts.SM ANT: a code is one word of letters, digits, '.', '_' or '-'"]),
    ({"materials": {"KIT": {"price": "1"}, "kit": {"price": "2"}}},
     ["billing.materials.kit: duplicate code (codes are compared without case)"]),
    ({"materials": {"KIT": "25"}}, ["billing.materials.KIT: must be a table with description and price"]),
    ({"tax_pct": "121"}, ["billing.tax_pct: must be between 0 and 100"]),
    ({"urgent_surcharge_pct": "-5"}, ["billing.urgent_surcharge_pct: must be >= 0"]),
    ({"out_of_hours_surcharge_pct": float("nan")},
     ["billing.out_of_hours_surcharge_pct: must be a decimal number such as \"60.00\", not nan"]),
    ({"currency": "euro"}, ["billing.currency: must be a three-letter currency code such as \"EUR\""]),
    ({"finance_address": "finanzas"},
     ["billing.finance_address: must be an email address, or \"\" to send no billing mail"]),
    ({"iva": "21"}, ["billing.iva: unknown key"]),
    ("21", ["billing: must be a table"]),
])
def test_config_errors(raw: object, expected: list[str]) -> None:
    assert load(raw)[1] == expected
