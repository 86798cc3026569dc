"""Declarative option tables: every key of a config section declared once, with its
type, default and help text (the Roundup way). `read_section` turns a raw TOML table
into a plain dict of checked values, adding every problem to a Problems collector and
never raising; unknown keys are refused so a typo never silently does nothing."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from daemon.problems import Problems

Check = Callable[[Any], str | None]   # returns an error message, or None when fine


@dataclass(frozen=True)
class Option:
    name: str
    kind: type | tuple[type, ...]
    default: Any
    help: str
    check: Check | None = None
    choices: tuple[str, ...] = ()


def read_section(raw: Any, path: str, options: tuple[Option, ...], problems: Problems) -> dict[str, Any]:
    """Checked values for every declared option (defaults where absent or invalid)."""
    values = {opt.name: opt.default for opt in options}
    if raw is None:
        return values
    if not isinstance(raw, dict):
        problems.add(path, f"must be a table, not {type(raw).__name__}")
        return values
    known = {opt.name: opt for opt in options}
    for key, value in raw.items():
        opt = known.get(key)
        if opt is None:
            problems.add(f"{path}.{key}", f"unknown key (known: {', '.join(sorted(known))})")
            continue
        error = _check_value(opt, value)
        if error:
            problems.add(f"{path}.{key}", error)
        else:
            values[key] = value
    return values


def _check_value(opt: Option, value: Any) -> str | None:
    kinds = opt.kind if isinstance(opt.kind, tuple) else (opt.kind,)
    # TOML booleans are ints in Python; never accept true where a number is meant
    if isinstance(value, bool) and bool not in kinds:
        return f"must be {_kind_names(kinds)}, not a boolean"
    if not isinstance(value, kinds):
        return f"must be {_kind_names(kinds)}, not {type(value).__name__}"
    if opt.choices and value not in opt.choices:
        return f"{value!r} is not one of {', '.join(opt.choices)}"
    return opt.check(value) if opt.check else None


def _kind_names(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "a boolean", float: "a number",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than 0"


def port_number(value: Any) -> str | None:
    return None if 0 < value < 65536 else "must be a TCP port (1-65535)"


def email_address(value: Any) -> str | None:
    if value == "":
        return None
    local, at, domain = str(value).rpartition("@")
    if not at or not local or "." not in domain or " " in value:
        return f"{value!r} is not an email address"
    return None


def env_name(value: Any) -> str | None:
    if value and not value.replace("_", "").isalnum():
        return f"{value!r} is not an environment variable name (the secret itself never goes in the file)"
    return None
