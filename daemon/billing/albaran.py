"""Writes a priced work order (albarán) as text for finance (SPEC §7). In: the ticket token
and a WorkOrder; out: CSV text (UTF-8 when encoded, comma-separated, `.` decimals, one
header row). `money` is the one place money becomes text, for CSV and JSON alike.
Never recomputes anything: the numbers come from pricing as they are.
"""
from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # pricing imports money from here; only the type goes the other way
    from daemon.billing.pricing import WorkOrder

HEADER = ("ticket", "concepto", "descripcion", "cantidad", "precio_unitario",
          "descuento_pct", "recargo_pct", "total", "moneda")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def money(amount: Decimal) -> str:
    """Two decimals, `.` separator, no thousands separator: "1234.50"."""
    text = format(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    return "0.00" if text == "-0.00" else text


def plain(number: Decimal) -> str:
    """A quantity or percentage without trailing zeros or exponent: 1.50 -> "1.5", 100 -> "100"."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def albaran_csv(token: str, work_order: WorkOrder) -> str:
    """One row per line, then Subtotal, IVA and Total rows with the amount in `total`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    currency = work_order.currency
    for line in work_order.lines:
        writer.writerow((token, _cell(line.concept), _cell(line.description), plain(line.quantity),
                         _unit_price(line.unit_price), plain(line.discount_pct), plain(line.surcharge_pct),
                         money(line.total), currency))
    for label, amount in (("Subtotal", work_order.subtotal),
                          (f"IVA {plain(work_order.tax_pct)} %", work_order.tax),
                          ("Total", work_order.total)):
        writer.writerow((token, label, "", "", "", "", "", money(amount), currency))
    return buffer.getvalue()


def _unit_price(price: Decimal) -> str:
    # a catalogue price of 0.125 is shown as it is, not rounded away from the line's total
    return money(price) if price == price.quantize(Decimal("0.01")) else plain(price)


def _cell(text: str) -> str:
    # a description typed by staff must not run as a formula in finance's spreadsheet
    return "'" + text if text.startswith(_FORMULA_START) else text
