"""Reads `[billing]` (SPEC §7): currency, tax and surcharge percentages, the finance
address, the hour concepts and the materials catalogue. In: the raw TOML table; out: a
frozen BillingConfig whose amounts are Decimals that never went through float arithmetic.
Every problem is reported with its path (`billing.concepts.SMANT.price: ...`); nothing raises.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping

from daemon.problems import Problems

_DECIMAL = re.compile(r"-?\d+(?:\.\d+)?")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")   # one word: it is typed after #horas
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_KEYS = frozenset({"currency", "tax_pct", "finance_address", "out_of_hours_surcharge_pct",
                   "urgent_surcharge_pct", "concepts", "materials"})
_ITEM_KEYS = frozenset({"description", "price", "unit"})


@dataclass(frozen=True)
class PriceItem:
    code: str
    description: str
    price: Decimal
    unit: str


DEFAULT_CONCEPTS = (
    PriceItem("SMANT", "Mantenimiento presencial", Decimal("60.00"), "hora"),
    PriceItem("SMANTND", "Mantenimiento sin desplazamiento", Decimal("40.00"), "hora"),
    PriceItem("SMANTNDHOR", "Hora complementaria sin desplazamiento", Decimal("35.00"), "hora"),
)


def _by_code(items: tuple[PriceItem, ...] | list[PriceItem]) -> Mapping[str, PriceItem]:
    return MappingProxyType({item.code: item for item in items})


@dataclass(frozen=True)
class BillingConfig:
    currency: str = "EUR"
    tax_pct: Decimal = Decimal("21")
    finance_address: str = ""            # "" = no billing notifications are sent
    out_of_hours_surcharge_pct: Decimal = Decimal("50")
    urgent_surcharge_pct: Decimal = Decimal("25")
    concepts: Mapping[str, PriceItem] = field(default_factory=lambda: _by_code(DEFAULT_CONCEPTS))
    materials: Mapping[str, PriceItem] = field(default_factory=lambda: _by_code(()))

    @property
    def notifications_enabled(self) -> bool:
        return bool(self.finance_address)

    def concept(self, code: str) -> PriceItem | None:
        """Case-insensitive: staff type `smant`, the config says `SMANT`."""
        return _find(self.concepts, code)

    def material(self, code: str) -> PriceItem | None:
        return _find(self.materials, code)


def _find(items: Mapping[str, PriceItem], code: str) -> PriceItem | None:
    return next((item for key, item in items.items() if key.casefold() == code.casefold()), None)


def load_billing(raw: object, problems: Problems) -> BillingConfig:
    """`[billing]` to a BillingConfig; a missing table means every default."""
    table = _table(raw, "billing", problems)
    for key in table.keys() - _KEYS:
        problems.add(f"billing.{key}", "unknown key")
    return BillingConfig(
        currency=_currency(table.get("currency", "EUR"), problems),
        tax_pct=_pct(table, "tax_pct", "21", problems, maximum=Decimal(100)),
        finance_address=_address(table.get("finance_address", ""), problems),
        out_of_hours_surcharge_pct=_pct(table, "out_of_hours_surcharge_pct", "50", problems),
        urgent_surcharge_pct=_pct(table, "urgent_surcharge_pct", "25", problems),
        concepts=_items(table, "concepts", DEFAULT_CONCEPTS, "hora", problems),
        materials=_items(table, "materials", (), "unidad", problems),
    )


def _table(raw: object, path: str, problems: Problems) -> Mapping[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.add(path, "must be a table")
        return {}
    return raw


def to_decimal(value: object, path: str, problems: Problems) -> Decimal | None:
    """A price or percentage as "60.00", 60 or 60.0. A TOML float is read through its
    shortest repr, which is exactly the number the admin wrote (60.1 -> "60.1")."""
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return Decimal(value.strip())
    problems.add(path, f"must be a decimal number such as \"60.00\", not {value!r}")
    return None


def _pct(table: Mapping[str, object], key: str, default: str, problems: Problems,
         maximum: Decimal | None = None) -> Decimal:
    value = to_decimal(table.get(key, default), f"billing.{key}", problems)
    if value is None:
        return Decimal(default)
    if value < 0 or (maximum is not None and value > maximum):
        limit = f"between 0 and {maximum}" if maximum is not None else ">= 0"
        problems.add(f"billing.{key}", f"must be {limit}")
        return Decimal(default)
    return value


def _currency(value: object, problems: Problems) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value.strip().upper()):
        return value.strip().upper()
    problems.add("billing.currency", "must be a three-letter currency code such as \"EUR\"")
    return "EUR"


def _address(value: object, problems: Problems) -> str:
    if isinstance(value, str) and (not value.strip() or _EMAIL.fullmatch(value.strip())):
        return value.strip().lower()
    problems.add("billing.finance_address", "must be an email address, or \"\" to send no billing mail")
    return ""


def _items(table: Mapping[str, object], key: str, defaults: tuple[PriceItem, ...], unit: str,
           problems: Problems) -> Mapping[str, PriceItem]:
    """A configured table replaces the defaults whole, so an admin can also drop one."""
    raw, path = table.get(key), f"billing.{key}"
    if raw is None:
        return _by_code(defaults)
    if not isinstance(raw, Mapping):
        problems.add(path, "must be a table of CODE = { description, price }")
        return _by_code(defaults)
    items: list[PriceItem] = []
    for code, entry in raw.items():
        item = _item(str(code), entry, f"{path}.{code}", unit, problems)
        if item is not None and _find(_by_code(items), item.code) is not None:
            problems.add(f"{path}.{code}", "duplicate code (codes are compared without case)")
        elif item is not None:
            items.append(item)
    return _by_code(items)


def _item(code: str, entry: object, path: str, unit: str, problems: Problems) -> PriceItem | None:
    if not _CODE.fullmatch(code):
        problems.add(path, "a code is one word of letters, digits, '.', '_' or '-'")
        return None
    if not isinstance(entry, Mapping):
        problems.add(path, "must be a table with description and price")
        return None
    for key in entry.keys() - _ITEM_KEYS:
        problems.add(f"{path}.{key}", "unknown key")
    if "price" not in entry:
        problems.add(f"{path}.price", "missing")
        return None
    price = to_decimal(entry["price"], f"{path}.price", problems)
    if price is not None and price < 0:
        problems.add(f"{path}.price", "must be >= 0")
        return None
    description, unit = _text(entry, "description", code, path, problems), _text(entry, "unit", unit, path, problems)
    return PriceItem(code, description, price, unit) if price is not None else None


def _text(entry: Mapping[str, object], key: str, default: str, path: str, problems: Problems) -> str:
    value = entry.get(key, default)
    if isinstance(value, str) and value.strip():
        return value.strip()
    problems.add(f"{path}.{key}", "must be a non-empty string")
    return default
