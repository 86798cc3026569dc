"""Rule actions: one small named function per `then` key, each turning the outcome so
far into a new one (frozen in, frozen out) plus a human-readable effect. Adding an
action is adding a row to ACTIONS. Pure: actions only describe changes; the pipeline
applies them and queues any notification.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

TICKET_FIELDS = ("category", "kind", "priority", "queue", "status")
SYMBOLIC_RECIPIENTS = ("assignee", "customer")


@dataclass(frozen=True)
class Notify:
    to: str           # an address (has "@"), a staff role name, "assignee" or "customer"
    template: str     # template name; its existence is checked with the templates
    rule: str = ""    # the rule that asked for it


@dataclass(frozen=True)
class Action:
    key: str          # the `then` key
    value: object     # str, bool, tuple[str, ...] (watchers) or Notify
    label: str        # human form, e.g. "priority = alta"


@dataclass(frozen=True)
class Outcome:
    """Everything decided so far in one evaluation; later rules override earlier ones."""
    changes: tuple[tuple[str, str], ...] = ()
    assign: str | None = None
    watchers: tuple[str, ...] = ()
    notifications: tuple[Notify, ...] = ()
    stop: bool = False

    def field(self, name: str, default: str) -> str:
        return dict(self.changes).get(name, default)


def _set_field(name: str) -> Callable[[object, Outcome, str], Outcome]:
    def set_field(value: object, outcome: Outcome, rule: str) -> Outcome:
        kept = tuple(pair for pair in outcome.changes if pair[0] != name)
        return replace(outcome, changes=kept + ((name, str(value)),))
    set_field.__name__ = f"set_{name}"
    return set_field


def assign(value: object, outcome: Outcome, rule: str) -> Outcome:
    return replace(outcome, assign=str(value))


def watchers(value: object, outcome: Outcome, rule: str) -> Outcome:
    added = tuple(w for w in value if w not in outcome.watchers)  # type: ignore[attr-defined]
    return replace(outcome, watchers=outcome.watchers + added)


def notify(value: object, outcome: Outcome, rule: str) -> Outcome:
    assert isinstance(value, Notify)
    return replace(outcome, notifications=outcome.notifications + (replace(value, rule=rule),))


def stop(value: object, outcome: Outcome, rule: str) -> Outcome:
    return replace(outcome, stop=outcome.stop or value is True)


@dataclass(frozen=True)
class ActionType:
    apply: Callable[[object, Outcome, str], Outcome]
    value: str        # what the loader validates: a ticket field, "staff", "emails", "notify", "bool"


# Order here is the order of `known:` in error messages and in which actions apply.
ACTIONS: dict[str, ActionType] = {
    **{name: ActionType(_set_field(name), name) for name in TICKET_FIELDS},
    "assign": ActionType(assign, "staff"),
    "watchers": ActionType(watchers, "emails"),
    "notify": ActionType(notify, "notify"),
    "stop": ActionType(stop, "bool"),
}


def perform(action: Action, outcome: Outcome, rule: str) -> Outcome:
    return ACTIONS[action.key].apply(action.value, outcome, rule)
