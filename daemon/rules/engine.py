"""The rule engine: ordered, validated rules + the facts of one message -> a Decision
(hits with their reasons, misses, field changes, assignee, watchers, notifications).
Rules run in file order; a later hit overrides an earlier one's field; a hit with
`stop` ends the evaluation. kind/category conditions see the changes made by earlier
hits in the same evaluation. Never does I/O: the pipeline applies the Decision.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Mapping

from daemon.rules.actions import Action, Notify, Outcome, perform
from daemon.rules.conditions import Condition, RuleFacts, holds

TRIGGERS = ("create", "message")
MATCH_MODES = ("all", "any")


@dataclass(frozen=True)
class Rule:
    name: str
    on: str = "create"                        # "create" or "message"
    match: str = "all"                        # "all" or "any"
    conditions: tuple[Condition, ...] = ()    # none: the rule matches every message
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class RuleHit:
    rule_name: str
    matched_conditions: tuple[str, ...]       # labels, e.g. "subject ~ /(?i)garant/"
    effects: tuple[str, ...]                  # labels, e.g. "priority = alta"


@dataclass(frozen=True)
class RuleMiss:
    rule_name: str
    failed_conditions: tuple[str, ...]


@dataclass(frozen=True)
class RuleSkip:
    rule_name: str
    reason: str                               # "runs on message", "after stop by X"


@dataclass(frozen=True)
class Decision:
    hits: tuple[RuleHit, ...]
    misses: tuple[str, ...]                   # names of rules evaluated that did not match
    changes: Mapping[str, str]                # read-only: field -> final value
    assign: str | None
    watchers: tuple[str, ...]
    notifications: tuple[Notify, ...]
    trace: tuple[RuleHit | RuleMiss | RuleSkip, ...] = ()   # one entry per rule, in order
    stopped_by: str | None = None


def evaluate(rules: tuple[Rule, ...], facts: RuleFacts, trigger: str) -> Decision:
    """Run every rule whose `on` equals `trigger` ("create" or "message")."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r} (known: {', '.join(TRIGGERS)})")
    outcome = Outcome()
    trace: list[RuleHit | RuleMiss | RuleSkip] = []
    stopped_by: str | None = None
    for rule in rules:
        if rule.on != trigger or stopped_by is not None:
            why = f"after stop by {stopped_by}" if stopped_by else f"runs on {rule.on}"
            trace.append(RuleSkip(rule.name, why))
            continue
        matched, failed = _check(rule, facts)
        if not _matches(rule, matched, failed):
            trace.append(RuleMiss(rule.name, failed))
            continue
        outcome = _apply(rule, outcome)
        trace.append(RuleHit(rule.name, matched, tuple(a.label for a in rule.actions)))
        facts = replace(facts, kind=outcome.field("kind", facts.kind),
                        category=outcome.field("category", facts.category))
        stopped_by = rule.name if outcome.stop else None
    return Decision(
        hits=tuple(t for t in trace if isinstance(t, RuleHit)),
        misses=tuple(t.rule_name for t in trace if isinstance(t, RuleMiss)),
        changes=MappingProxyType(dict(outcome.changes)), assign=outcome.assign,
        watchers=outcome.watchers, notifications=outcome.notifications,
        trace=tuple(trace), stopped_by=stopped_by,
    )


def _check(rule: Rule, facts: RuleFacts) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Labels of the conditions that held and of those that did not. Every condition
    is checked (no short cut) so the explanation is complete."""
    results = [(c.label, holds(c, facts)) for c in rule.conditions]
    return (tuple(label for label, ok in results if ok),
            tuple(label for label, ok in results if not ok))


def _matches(rule: Rule, matched: tuple[str, ...], failed: tuple[str, ...]) -> bool:
    if not rule.conditions:
        return True
    return not failed if rule.match == "all" else bool(matched)


def _apply(rule: Rule, outcome: Outcome) -> Outcome:
    for action in rule.actions:
        outcome = perform(action, outcome, rule.name)
    return outcome


def explain(decision: Decision) -> list[str]:
    """Lines for `soporte rules test` and the ticket history: each hit with why and what,
    each miss with the conditions that failed, then the combined result."""
    return [_trace_line(entry) for entry in decision.trace] + _result_lines(decision)


def _trace_line(entry: RuleHit | RuleMiss | RuleSkip) -> str:
    if isinstance(entry, RuleHit):
        why = ", ".join(entry.matched_conditions) or "always"
        return f"hit   {entry.rule_name}: {why} -> {', '.join(entry.effects)}"
    if isinstance(entry, RuleMiss):
        return f"miss  {entry.rule_name}: not {'; not '.join(entry.failed_conditions)}"
    return f"skip  {entry.rule_name}: {entry.reason}"


def _result_lines(decision: Decision) -> list[str]:
    result = [f"set   {field} = {value}" for field, value in decision.changes.items()]
    if decision.assign:
        result.append(f"assign {decision.assign}")
    result += [f"watch {w}" for w in decision.watchers]
    result += [f"notify {n.to} with {n.template} (rule {n.rule})" for n in decision.notifications]
    return result or ["no changes"]
