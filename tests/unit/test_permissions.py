"""Which role may run which command: the defaults, the [permissions] table and its errors."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from daemon.commands.parse import parse_commands
from daemon.commands.permissions import Permissions, default_permissions, load_permissions
from daemon.problems import Problems
from daemon.vocabulary import DEFAULT_ROLES, Vocabulary


def load(raw: object, roles: tuple[str, ...] = DEFAULT_ROLES) -> tuple[Permissions, list[str]]:
    problems = Problems()
    permissions = load_permissions(raw, roles, problems)
    return permissions, [str(p) for p in problems]


@pytest.mark.parametrize(("command", "role", "allowed"), [
    ("estado", "agente", True),
    ("horas", "tecnico", True),
    ("categoria", "agente", False),
    ("categoria", "supervisor", True),
    ("category", "admin", True),
    ("categoría", "tecnico", False),
    ("facturado", "agente", False),
    ("facturado", "finanzas", True),
    ("pagado", "supervisor", False),
    ("paid", "finanzas", True),
    ("pagado", "admin", True),
    ("estado", "becario", False),       # not a configured role
    ("desconocida", "admin", False),    # not a command
])
def test_defaults(command: str, role: str, allowed: bool) -> None:
    permissions, problems = load(None)
    assert problems == []
    assert permissions.allowed(command, role) is allowed


@pytest.mark.parametrize(("raw", "command", "role", "allowed"), [
    ({"categoria": ["agente"]}, "categoria", "agente", True),
    ({"categoria": ["agente"]}, "categoria", "supervisor", False),
    ({"category": ["agente", "agente"]}, "categoria", "agente", True),
    ({"estado": ["supervisor"]}, "status", "agente", False),
    ({"pagado": []}, "pagado", "admin", False),
    ({"asignar": ["supervisor"]}, "pagado", "finanzas", True),   # other defaults stay
])
def test_configured(raw: dict, command: str, role: str, allowed: bool) -> None:
    permissions, problems = load(raw)
    assert problems == []
    assert permissions.allowed(command, role) is allowed


@pytest.mark.parametrize(("raw", "expected"), [
    ({"pagadoo": ["finanzas"]}, ["permissions.pagadoo: unknown command (did you mean pagado?)"]),
    ({"zzz": ["admin"]}, ["permissions.zzz: unknown command"]),
    ({"pagado": ["finanza", "admin"]},
     ["permissions.pagado[0]: unknown role 'finanza' (roles: agente, supervisor, tecnico, finanzas, admin)"]),
    ({"pagado": "finanzas"}, ["permissions.pagado: must be a list of roles"]),
    ({"pagado": ["finanzas"], "paid": ["admin"]}, ["permissions.paid: the same command as permissions.pagado"]),
    (["pagado"], ["permissions: must be a table of command = [roles]"]),
])
def test_config_errors(raw: object, expected: list[str]) -> None:
    assert load(raw)[1] == expected


def test_renamed_roles_must_say_who_may_run_the_restricted_commands() -> None:
    roles = ("operador", "jefe")
    _, problems = load({"categoria": ["jefe"]}, roles)
    assert problems == [
        "permissions.facturado: none of the default roles (finanzas, admin) is configured; "
        "list the roles that may run it",
        "permissions.pagado: none of the default roles (finanzas, admin) is configured; "
        "list the roles that may run it",
    ]


def test_defaults_follow_the_configured_roles() -> None:
    permissions = default_permissions(("agente", "admin"))
    assert permissions.allowed_roles("categoria") == ("admin",)
    assert permissions.allowed_roles("estado") == ("agente", "admin")


def _commands(body: str):
    return parse_commands(body, vocab=Vocabulary(), concepts=frozenset({"SMANT"}), materials=frozenset(),
                          staff={}, tz=ZoneInfo("Europe/Madrid")).commands


@pytest.mark.parametrize(("raw", "role", "body", "messages"), [
    (None, "finanzas", "#facturado F-1\n#pagado 10", []),
    (None, "agente", "#estado cerrado\n#pagado 10\n#categoria averia", [
        (2, "tu rol 'agente' no puede usar #pagado (permitido a: finanzas, admin)"),
        (3, "tu rol 'agente' no puede usar #categoria (permitido a: supervisor, admin)"),
    ]),
    ({"pagado": []}, "admin", "#paid 10", [
        (1, "tu rol 'admin' no puede usar #pagado (no está permitido a ningún rol)"),
    ]),
])
def test_check(raw: object, role: str, body: str, messages: list[tuple[int, str]]) -> None:
    permissions, problems = load(raw)
    assert problems == []
    errors = permissions.check(_commands(body), role)
    assert [(e.line_no, e.message) for e in errors] == messages
