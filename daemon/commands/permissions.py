"""Which staff roles may run which command (SPEC §4, §5). In: the `[permissions]` table
(command name or alias -> list of roles) and the configured roles; out: a frozen
Permissions that answers `allowed` and turns forbidden commands into Spanish errors.
Problems in the table are reported with their path; nothing is raised here.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Sequence

from daemon.commands.catalog import CATALOG, command_key, command_words, find_command, suggest
from daemon.commands.parse import Command, CommandError
from daemon.problems import Problems

# without a [permissions] entry every role may run every command, except these
DEFAULT_RESTRICTED: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "categoria": ("supervisor", "admin"),
    "facturado": ("finanzas", "admin"),
    "pagado": ("finanzas", "admin"),
})


@dataclass(frozen=True)
class Permissions:
    roles: tuple[str, ...]
    by_command: Mapping[str, tuple[str, ...]]   # canonical name -> roles allowed

    def allowed_roles(self, command_name: str) -> tuple[str, ...]:
        spec = find_command(command_name)
        return self.by_command.get(spec.name, ()) if spec else ()

    def allowed(self, command_name: str, role: str) -> bool:
        return role in self.allowed_roles(command_name)

    def check(self, commands: Sequence[Command], role: str) -> tuple[CommandError, ...]:
        """One error per command the role may not run (none when all are allowed)."""
        return tuple(_denied(c, role, self.allowed_roles(c.name))
                     for c in commands if not self.allowed(c.name, role))


def _denied(command: Command, role: str, roles: tuple[str, ...]) -> CommandError:
    who = f"permitido a: {', '.join(roles)}" if roles else "no está permitido a ningún rol"
    return CommandError(command.line, command.line_no,
                        f"tu rol '{role}' no puede usar #{command.name} ({who})")


def default_permissions(roles: tuple[str, ...]) -> Permissions:
    table = {spec.name: _default_roles(spec.name, roles) for spec in CATALOG}
    return Permissions(roles, MappingProxyType(table))


def _default_roles(name: str, roles: tuple[str, ...]) -> tuple[str, ...]:
    restricted = DEFAULT_RESTRICTED.get(name)
    return roles if restricted is None else tuple(r for r in restricted if r in roles)


def load_permissions(raw: object, roles: tuple[str, ...], problems: Problems) -> Permissions:
    """Read `[permissions]`; an entry replaces the default for that command. An empty
    list disables the command for everyone."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.add("permissions", "must be a table of command = [roles]")
        raw = {}
    table = dict(default_permissions(roles).by_command)
    seen: dict[str, str] = {}
    for key, value in raw.items():
        name = _command_name(str(key), seen, problems)
        allowed = _roles(f"permissions.{key}", value, roles, problems)
        if name is not None and allowed is not None:
            table[name] = allowed
    _check_defaults(table, seen, problems)
    return Permissions(roles, MappingProxyType(table))


def _command_name(key: str, seen: dict[str, str], problems: Problems) -> str | None:
    spec = find_command(key)
    if spec is None:
        hint = find_command(suggest(command_key(key), command_words()) or "")
        tip = f" (did you mean {hint.name}?)" if hint else ""
        problems.add(f"permissions.{key}", f"unknown command{tip}")
        return None
    if spec.name in seen:
        problems.add(f"permissions.{key}", f"the same command as permissions.{seen[spec.name]}")
        return None
    seen[spec.name] = key
    return spec.name


def _roles(path: str, value: object, roles: tuple[str, ...], problems: Problems) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(path, "must be a list of roles")
        return None
    unknown = [(i, v) for i, v in enumerate(value) if v not in roles]
    for index, role in unknown:
        problems.add(f"{path}[{index}]", f"unknown role '{role}' (roles: {', '.join(roles)})")
    return None if unknown else tuple(dict.fromkeys(value))


def _check_defaults(table: Mapping[str, tuple[str, ...]], seen: Mapping[str, str],
                    problems: Problems) -> None:
    # roles renamed so that a restricted command would be open to nobody: make the admin say so
    for name in DEFAULT_RESTRICTED:
        if name not in seen and not table[name]:
            problems.add(f"permissions.{name}",
                         f"none of the default roles ({', '.join(DEFAULT_RESTRICTED[name])}) "
                         "is configured; list the roles that may run it")
