"""Validates the [[rules]] array of soporte.toml into frozen Rule objects. In: the raw
value from tomllib, the Vocabulary, the staff addresses and a Problems collector.
Out: the rules that are fully valid. Every problem is reported with its path
(`rules[2].when.subject: invalid regular expression ...`), all of them in one run;
every regex is compiled here, never when a message arrives. Never raises on bad input.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Callable, TypeVar

from daemon.problems import Problems
from daemon.rules.actions import ACTIONS, SYMBOLIC_RECIPIENTS, TICKET_FIELDS, Action, Notify
from daemon.rules.conditions import CONDITIONS, Condition
from daemon.rules.engine import MATCH_MODES, TRIGGERS, Rule
from daemon.vocabulary import Vocabulary

RULE_KEYS = ("name", "on", "match", "when", "then")
NOTIFY_KEYS = ("to", "template")
_TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
T = TypeVar("T")


# --- shared checks (also used by the [warranty], [calendar] and [sla] loaders) ---------

_TOML_TYPES = (
    (bool, "boolean"), (int, "integer"), (float, "float"), (str, "string"), (list, "array"),
    (dict, "table"), (datetime, "datetime"), (date, "date"), (time, "time"),
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def type_name(value: object) -> str:
    """The TOML name of a value's type, as an admin would write it."""
    return next((name for kind, name in _TOML_TYPES if isinstance(value, kind)), type(value).__name__)


def expect(raw: object, kind: type[T], wanted: str, path: str, problems: Problems) -> T | None:
    # bool is an int in Python, but `deadline_hours = true` is a mistake, not 1.
    if isinstance(raw, kind) and not (isinstance(raw, bool) and kind is not bool):
        return raw
    problems.add(path, f"expected {wanted}, got {type_name(raw)}")
    return None


def string(raw: object, path: str, problems: Problems) -> str | None:
    return expect(raw, str, "a string", path, problems)


def number(raw: object, path: str, problems: Problems) -> float | None:
    """A positive integer or float."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw > 0:
            return float(raw)
        problems.add(path, f"must be greater than zero, got {raw}")
        return None
    problems.add(path, f"expected a number, got {type_name(raw)}")
    return None


def one_of(raw: object, allowed: tuple[str, ...], path: str, problems: Problems) -> str | None:
    value = string(raw, path, problems)
    if value is not None and value not in allowed:
        problems.add(path, f"{value!r} is not one of {', '.join(allowed)}")
        return None
    return value


def regex(raw: object, path: str, problems: Problems) -> re.Pattern[str] | None:
    text = string(raw, path, problems)
    if text is None:
        return None
    if not text:
        problems.add(path, "must not be empty (an empty pattern matches everything)")
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        problems.add(path, f"invalid regular expression: {exc}")
        return None


def is_email(text: str) -> bool:
    return _EMAIL.fullmatch(text.strip()) is not None


def unknown_keys(table: dict, known: tuple[str, ...], path: str, problems: Problems) -> None:
    for key in table:
        if key not in known:
            problems.add(f"{path}.{key}", f"unknown key (known: {', '.join(known)})")


def load_rules(raw: object, vocab: Vocabulary, staff_emails: frozenset[str],
               problems: Problems, path: str = "rules") -> tuple[Rule, ...]:
    """The valid rules in file order; a rule with any problem is left out (the caller
    raises once at the end, so nothing runs with a half-understood rule)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(path, f"expected an array of tables ([[{path}]]), got {type_name(raw)}")
        return ()
    staff = frozenset(email.lower() for email in staff_emails)
    rules: list[Rule] = []
    first_seen: dict[str, str] = {}
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        rule = _load_rule(item, vocab, staff, problems, where)
        if rule is None:
            continue
        if rule.name in first_seen:
            problems.add(f"{where}.name", f"duplicate rule name {rule.name!r} (also {first_seen[rule.name]})")
            continue
        first_seen[rule.name] = where
        rules.append(rule)
    return tuple(rules)


def _load_rule(raw: object, vocab: Vocabulary, staff: frozenset[str], problems: Problems,
               path: str) -> Rule | None:
    table = expect(raw, dict, "a table", path, problems)
    if table is None:
        return None
    before = len(problems.items)
    unknown_keys(table, RULE_KEYS, path, problems)
    name = _name(table.get("name"), f"{path}.name", problems)
    on = one_of(table.get("on", "create"), TRIGGERS, f"{path}.on", problems)
    match = one_of(table.get("match", "all"), MATCH_MODES, f"{path}.match", problems)
    conditions = _load_when(table.get("when"), vocab, f"{path}.when", problems)
    actions = _load_then(table.get("then"), vocab, staff, f"{path}.then", problems)
    if len(problems.items) > before or name is None or on is None or match is None:
        return None
    return Rule(name=name, on=on, match=match, conditions=conditions, actions=actions)


def _name(raw: object, path: str, problems: Problems) -> str | None:
    if raw is None:
        problems.add(path, "required (a human phrase shown in the ticket history)")
        return None
    name = string(raw, path, problems)
    if name is not None and not name.strip():
        problems.add(path, "must not be empty")
        return None
    return name.strip() if name else None


# --- when -------------------------------------------------------------------------------

def _load_when(raw: object, vocab: Vocabulary, path: str, problems: Problems
               ) -> tuple[Condition, ...]:
    """No `when` (or an empty one) means the rule matches every message: a default rule."""
    if raw is None:
        return ()
    table = expect(raw, dict, "a table", path, problems) or {}
    conditions: list[Condition] = []
    for key, value in table.items():
        if key not in CONDITIONS:
            problems.add(f"{path}.{key}", f"unknown condition (known: {', '.join(CONDITIONS)})")
            continue
        conditions += _condition(key, CONDITIONS[key].value, value, vocab, f"{path}.{key}", problems)
    return tuple(conditions)


def _condition(key: str, kind: str, raw: object, vocab: Vocabulary, path: str,
               problems: Problems) -> list[Condition]:
    if kind == "regex":
        pattern = regex(raw, path, problems)
        return [Condition(key, pattern, f"{key} ~ /{pattern.pattern}/")] if pattern else []
    if kind == "bool":
        flag = expect(raw, bool, "true or false", path, problems)
        return [] if flag is None else [Condition(key, flag, f"{key} = {str(flag).lower()}")]
    if kind == "header_map":
        return _header_conditions(raw, path, problems)
    value = one_of(raw, vocab.field_values(kind), path, problems)
    return [] if value is None else [Condition(key, value, f"{key} = {value}")]


def _header_conditions(raw: object, path: str, problems: Problems) -> list[Condition]:
    """One condition per header; names compare case-insensitively."""
    table = expect(raw, dict, "a table of header name -> regex", path, problems)
    if table is not None and not table:
        problems.add(path, "must name at least one header")
    conditions = []
    for name, value in (table or {}).items():
        pattern = regex(value, f"{path}.{name}", problems)
        if not name.strip():
            problems.add(path, "a header name must not be empty")
        elif pattern is not None:
            label = f"header {name} ~ /{pattern.pattern}/"
            conditions.append(Condition("header", (name.strip().lower(), pattern), label))
    return conditions


# --- then -------------------------------------------------------------------------------

def _load_then(raw: object, vocab: Vocabulary, staff: frozenset[str], path: str,
               problems: Problems) -> tuple[Action, ...]:
    if raw is None:
        problems.add(path, "required (a rule without actions does nothing)")
        return ()
    table = expect(raw, dict, "a table", path, problems)
    if table is not None and not table:
        problems.add(path, f"must contain at least one action (known: {', '.join(ACTIONS)})")
    actions: list[Action] = []
    for key, value in (table or {}).items():
        if key not in ACTIONS:
            problems.add(f"{path}.{key}", f"unknown action (known: {', '.join(ACTIONS)})")
            continue
        parse = _ACTION_VALUES.get(ACTIONS[key].value, _field_action)
        action = parse(key, value, vocab, staff, f"{path}.{key}", problems)
        if action is not None:
            actions.append(action)
    return tuple(actions)


def _field_action(key: str, raw: object, vocab: Vocabulary, staff: frozenset[str],
                  path: str, problems: Problems) -> Action | None:
    assert key in TICKET_FIELDS
    value = one_of(raw, vocab.field_values(key), path, problems)
    return None if value is None else Action(key, value, f"{key} = {value}")


def _assign_action(key: str, raw: object, vocab: Vocabulary, staff: frozenset[str],
                   path: str, problems: Problems) -> Action | None:
    email = string(raw, path, problems)
    if email is None:
        return None
    if email.strip().lower() not in staff:
        problems.add(path, f"{email!r} is not a configured staff email")
        return None
    return Action(key, email.strip().lower(), f"assign {email.strip().lower()}")


def _watchers_action(key: str, raw: object, vocab: Vocabulary, staff: frozenset[str],
                     path: str, problems: Problems) -> Action | None:
    items = expect(raw, list, "an array of email addresses", path, problems)
    if items is not None and not items:
        problems.add(path, "must list at least one email address")
    emails = []
    for index, item in enumerate(items or []):
        text = string(item, f"{path}[{index}]", problems)
        if text is not None and not is_email(text):
            problems.add(f"{path}[{index}]", f"{text!r} is not an email address")
        elif text is not None and text.lower() not in emails:
            emails.append(text.strip().lower())
    return Action(key, tuple(emails), f"watch {', '.join(emails)}") if items else None


def _notify_action(key: str, raw: object, vocab: Vocabulary, staff: frozenset[str],
                   path: str, problems: Problems) -> Action | None:
    table = expect(raw, dict, "a table { to = ..., template = ... }", path, problems)
    if table is None:
        return None
    unknown_keys(table, NOTIFY_KEYS, path, problems)
    to = _recipient(table.get("to"), vocab, f"{path}.to", problems)
    template = _template(table.get("template"), f"{path}.template", problems)
    if to is None or template is None:
        return None
    return Action(key, Notify(to, template), f"notify {to} with {template}")


def _recipient(raw: object, vocab: Vocabulary, path: str, problems: Problems) -> str | None:
    if raw is None:
        problems.add(path, "required")
        return None
    text = string(raw, path, problems)
    if text is None:
        return None
    text = text.strip().lower()
    symbolic = vocab.roles + SYMBOLIC_RECIPIENTS
    if is_email(text) or text in symbolic:
        return text
    problems.add(path, f"{text!r} is neither an email address nor one of {', '.join(symbolic)}")
    return None


def _template(raw: object, path: str, problems: Problems) -> str | None:
    if raw is None:
        problems.add(path, "required")
        return None
    name = string(raw, path, problems)
    if name is not None and not _TEMPLATE_NAME.fullmatch(name):
        problems.add(path, f"{name!r} is not a template name (lower-case letters, digits, _ and -)")
        return None
    return name


def _stop_action(key: str, raw: object, vocab: Vocabulary, staff: frozenset[str],
                 path: str, problems: Problems) -> Action | None:
    flag = expect(raw, bool, "true or false", path, problems)
    return None if flag is None else Action(key, flag, "stop" if flag else "stop = false")


_ActionParser = Callable[[str, object, Vocabulary, frozenset[str], str, Problems], "Action | None"]
# ActionType.value -> how its TOML value is validated; ticket fields use _field_action.
_ACTION_VALUES: dict[str, _ActionParser] = {
    "staff": _assign_action,
    "emails": _watchers_action,
    "notify": _notify_action,
    "bool": _stop_action,
}
