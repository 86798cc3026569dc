"""Collects every configuration problem with its path, so one run of `soporte check`
reports them all (`rules[3].when.subject: invalid regular expression ...`).

Validators append to a Problems and carry on; only the top level raises ConfigError.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.items.append(Problem(path, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self):
        return iter(self.items)

    def raise_if_any(self, source: str = "") -> None:
        if self.items:
            raise ConfigError(self.items, source)


class ConfigError(Exception):
    """Raised once, with every problem found, never a traceback for the admin."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(str(p) for p in self.problems))

    def report(self) -> str:
        title = f"invalid configuration in {self.source}" if self.source else "invalid configuration"
        return "\n".join([title + ":"] + [f"  - {p}" for p in self.problems])
