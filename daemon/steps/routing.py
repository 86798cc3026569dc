"""Pipeline stage: the admin's [[rules]] (SPEC §4). Facts in, a Decision out of the pure
engine; this stage only writes the decision down: field changes, assignee, watchers,
notifications, and one audit event per rule hit so staff can see why."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from daemon.billing.ledger import contract_active
from daemon.rules.conditions import facts_from_message
from daemon.rules.engine import Decision, evaluate
from daemon.sla_timers import schedule_sla
from daemon.steps.passing_on import message_notice
from daemon.audit import add_event
from daemon.ticket_status import change_status

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.rules")
RULES_ACTOR = "reglas"


def route(work: "Work") -> str | None:
    rules = work.rt.config.policy.rules
    if not rules or work.rating is not None:
        return None
    if work.sender_role is not None and not work.on_behalf:
        return None                  # staff say what they want with #commands
    trigger = "create" if work.created else "message"
    ticket = work.ticket
    facts = facts_from_message(work.parsed, body=work.reply.visible if work.reply else work.parsed.text,
                               kind=ticket.kind, category=ticket.category,
                               customer_has_contract=contract_active(work.rt.config, ticket))
    decision = evaluate(rules, facts, trigger)
    apply_decision(work, decision)
    return None


def apply_decision(work: "Work", decision: Decision) -> None:
    ticket, session, now = work.ticket, work.session, work.now
    for hit in decision.hits:
        add_event(session, ticket, now, RULES_ACTOR, "rule", None,
                  f"{hit.rule_name}: {', '.join(hit.effects)}"[:2000])
        log.info("%s: rule %r hit (%s)", ticket.token, hit.rule_name, ", ".join(hit.matched_conditions))
    for field, value in decision.changes.items():
        if field == "status":
            change_status(session, work.rt.config, ticket, value, RULES_ACTOR, now)
        elif getattr(ticket, field) != value:
            add_event(session, ticket, now, RULES_ACTOR, field, getattr(ticket, field), value)
            setattr(ticket, field, value)
    if "priority" in decision.changes:
        schedule_sla(session, work.rt.config, ticket)
    if decision.assign and decision.assign != ticket.assignee:
        add_event(session, ticket, now, RULES_ACTOR, "assigned", ticket.assignee, decision.assign)
        ticket.assignee = decision.assign
        assigning = next((h.rule_name for h in reversed(decision.hits)
                          if any("assign" in e for e in h.effects)), RULES_ACTOR)
        work.mails.append(message_notice(work, "staff_assigned", (decision.assign,),
                                         assigned_by=f"la regla «{assigning}»"))
    watchers = [w for w in decision.watchers if w not in (ticket.watchers or [])]
    if watchers:
        ticket.watchers = list(ticket.watchers or []) + watchers
    for note in decision.notifications:
        # a role is told in one mail: its files are queued once, not once per member
        addresses = notify_addresses(work, note.to)
        if addresses:
            work.mails.append(message_notice(work, note.template, addresses, rule=note.rule))


def notify_addresses(work: "Work", target: str) -> tuple[str, ...]:
    """A rule's notify.to: an address, a staff role, "assignee" or "customer"."""
    config, ticket = work.rt.config, work.ticket
    if target == "customer":
        return (ticket.customer.email,)
    if target == "assignee":
        return (ticket.assignee,) if ticket.assignee else ()
    if target in config.vocab.roles:
        return tuple(s.email for s in config.staff_with_role(target))
    return (target,)
