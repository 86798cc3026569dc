"""The albarán as CSV, and money as text."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from daemon.billing.albaran import albaran_csv, money, plain
from daemon.billing.config import BillingConfig
from daemon.billing.pricing import LineInput, PricedLine, WorkOrder, price_work_order


@pytest.mark.parametrize(("amount", "text"), [
    (D("60"), "60.00"), (D("60.5"), "60.50"), (D("1234.567"), "1234.57"), (D("0.005"), "0.01"),
    (D("0.004"), "0.00"), (D("-0.001"), "0.00"), (D("-12.5"), "-12.50"), (D("1E+3"), "1000.00"),
    (D("0"), "0.00"),
])
def test_money(amount: D, text: str) -> None:
    assert money(amount) == text


@pytest.mark.parametrize(("number", "text"), [
    (D("1.50"), "1.5"), (D("2"), "2"), (D("100"), "100"), (D("1E+1"), "10"), (D("0.00"), "0"), (D("12.5"), "12.5"),
])
def test_plain(number: D, text: str) -> None:
    assert plain(number) == text


def test_csv_exact() -> None:
    lines = [
        LineInput("hours", "SMANT", "Mantenimiento presencial", D("1.50"), D("60.00"), True),
        LineInput("material", "KIT-01", "Kit de juntas, 3\" (rojo)", D("2"), D("25")),
        LineInput("material", "=CMD", "=1+1", D("1"), D("0.125")),
    ]
    order = price_work_order(lines, ticket_kind="normal", priority="normal", contract_active=True,
                             cfg=BillingConfig())
    assert albaran_csv("SOP-000123", order) == (
        "ticket,concepto,descripcion,cantidad,precio_unitario,descuento_pct,recargo_pct,total,moneda\r\n"
        "SOP-000123,SMANT,Mantenimiento presencial,1.5,60.00,100,50,0.00,EUR\r\n"
        "SOP-000123,KIT-01,\"Kit de juntas, 3\"\" (rojo)\",2,25.00,0,0,50.00,EUR\r\n"
        "SOP-000123,'=CMD,'=1+1,1,0.125,0,0,0.13,EUR\r\n"
        "SOP-000123,Subtotal,,,,,,50.13,EUR\r\n"
        "SOP-000123,IVA 21 %,,,,,,10.53,EUR\r\n"
        "SOP-000123,Total,,,,,,60.66,EUR\r\n"
    )


def test_csv_of_an_empty_work_order_has_the_header_and_totals() -> None:
    order = WorkOrder((), D("0.00"), D("0.00"), D("0.00"), "EUR", D("10"))
    assert albaran_csv("SOP-000001", order).splitlines() == [
        "ticket,concepto,descripcion,cantidad,precio_unitario,descuento_pct,recargo_pct,total,moneda",
        "SOP-000001,Subtotal,,,,,,0.00,EUR",
        "SOP-000001,IVA 10 %,,,,,,0.00,EUR",
        "SOP-000001,Total,,,,,,0.00,EUR",
    ]


def test_csv_keeps_accents_as_text() -> None:
    line = PricedLine("SMANTND", "Revisión técnica", D("1"), D("40.00"), D("0"), D("0"), D("40.00"))
    order = WorkOrder((line,), D("40.00"), D("8.40"), D("48.40"), "EUR")
    assert albaran_csv("SOP-000002", order).splitlines()[1] == (
        "SOP-000002,SMANTND,Revisión técnica,1,40.00,0,0,40.00,EUR")
