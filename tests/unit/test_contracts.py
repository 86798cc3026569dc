"""Maintenance contracts: loading [[contracts]] and finding the one in force."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from daemon.billing.contracts import Contract, active_contract, load_contracts
from daemon.problems import Problems

CONTRACTS = (
    Contract("@acme.test", "dominio", date(2026, 1, 1), date(2026, 12, 31)),
    Contract("jefe@acme.test", "personal", date(2026, 6, 1), date(2026, 6, 30)),
    Contract("ana@otra.test", "abierto", None, None),
    Contract("@viejo.test", "caducado", None, date(2025, 12, 31)),
    Contract("@acme.test", "segundo", date(2026, 1, 1), date(2026, 12, 31)),
)


@pytest.mark.parametrize(("email", "on", "plan"), [
    ("pepe@acme.test", date(2026, 1, 1), "dominio"),          # first day, inclusive
    ("pepe@acme.test", date(2026, 12, 31), "dominio"),        # last day, inclusive
    ("pepe@acme.test", date(2027, 1, 1), None),
    ("pepe@acme.test", date(2025, 12, 31), None),
    ("PEPE@Acme.Test", date(2026, 3, 1), "dominio"),           # case-insensitive
    (" jefe@acme.test ", date(2026, 6, 15), "personal"),       # the address beats the domain
    ("jefe@acme.test", date(2026, 7, 1), "dominio"),           # ... only while it is in force
    ("pepe@eu.acme.test", date(2026, 3, 1), None),             # no subdomains
    ("pepe@notacme.test", date(2026, 3, 1), None),
    ("ana@otra.test", date(1999, 1, 1), "abierto"),            # open at both ends
    ("luis@otra.test", date(2026, 3, 1), None),
    ("x@viejo.test", date(2025, 1, 1), "caducado"),
    ("x@viejo.test", date(2026, 1, 1), None),
    ("", date(2026, 3, 1), None),
])
def test_active_contract(email: str, on: date, plan: str | None) -> None:
    found = active_contract(CONTRACTS, email, on)
    assert (found.plan if found else None) == plan


def load(raw: object) -> tuple[tuple[Contract, ...], list[str]]:
    problems = Problems()
    contracts = load_contracts(raw, problems)
    return contracts, [str(p) for p in problems]


def test_load() -> None:
    contracts, problems = load([
        {"match": "@ACME.test", "plan": "mantenimiento_anual", "from": date(2026, 1, 1), "until": "2026-12-31"},
        {"match": "ana@otra.test"},
    ])
    assert problems == []
    assert contracts == (
        Contract("@acme.test", "mantenimiento_anual", date(2026, 1, 1), date(2026, 12, 31)),
        Contract("ana@otra.test", "mantenimiento", None, None),
    )
    assert contracts[0].is_domain and not contracts[1].is_domain


@pytest.mark.parametrize(("raw", "expected"), [
    (None, []),
    ({"match": "@a.test"}, ["contracts: must be an array of tables ([[contracts]])"]),
    (["@a.test"], ["contracts[0]: must be a table"]),
    ([{"plan": "x"}], ["contracts[0].match: must be an email address or \"@domain\""]),
    ([{"match": "acme.test"}], ["contracts[0].match: must be an email address or \"@domain\""]),
    ([{"match": "@a.test", "hasta": "2026-01-01"}], ["contracts[0].hasta: unknown key"]),
    ([{"match": "@a.test", "plan": ""}], ["contracts[0].plan: must be a non-empty string"]),
    ([{"match": "@a.test", "from": "01/01/2026"}],
     ["contracts[0].from: must be a date such as 2026-01-01, not '01/01/2026'"]),
    ([{"match": "@a.test", "until": datetime(2026, 1, 1, 10, 0)}],
     ["contracts[0].until: must be a date (2026-01-01), not a date and time"]),
    ([{"match": "@a.test", "from": date(2026, 2, 1), "until": date(2026, 1, 31)}],
     ["contracts[0].until: 2026-01-31 is before from = 2026-02-01"]),
    ([{"match": "@a.test"}, {"match": "bad"}], ["contracts[1].match: must be an email address or \"@domain\""]),
])
def test_load_errors(raw: object, expected: list[str]) -> None:
    contracts, problems = load(raw)
    assert problems == expected
    assert all(c.match for c in contracts)
