"""The rule engine over RuleFacts: all/any, stop, triggers, header names, regex search,
later rules seeing earlier changes, and the explanation staff read."""
from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest

from daemon.ingest.message import Attachment, ParsedMessage
from daemon.problems import Problems
from daemon.rules.actions import Notify
from daemon.rules.conditions import RuleFacts, facts_from_message
from daemon.rules.engine import Decision, Rule, RuleHit, evaluate, explain
from daemon.rules.loader import load_rules
from daemon.vocabulary import Vocabulary

STAFF = frozenset({"luis@empresa.test", "jefe@empresa.test"})

FACTS = RuleFacts(
    subject="Re: Garantía del calentador", body="El calentador no enciende. Es URGENTE.",
    from_addr="pepe@acme.test", to_addrs=("soporte@empresa.test", "ventas@empresa.test"),
    has_attachment=True, customer_has_contract=False,
    headers=(("x-priority", "1 (Highest)"), ("received", "a"), ("received", "b")),
    kind="normal", category="consulta",
)


def rules_from(text: str) -> tuple[Rule, ...]:
    problems = Problems()
    rules = load_rules(tomllib.loads(text)["rules"], Vocabulary(), STAFF, problems)
    assert not problems, [str(p) for p in problems]
    return rules


def one_rule(when: str, match: str = "all") -> tuple[Rule, ...]:
    return rules_from(f'[[rules]]\nname = "r"\nmatch = "{match}"\n{when}\nthen.priority = "alta"\n')


CONDITION_CASES = [
    # (id, when lines, match, expected hit)
    ("subject search anywhere", 'when.subject = "garant[ií]a"', "all", False),
    ("subject search case-insensitive flag", 'when.subject = "(?i)garant[ií]a"', "all", True),
    ("body search", 'when.body = "(?i)no enciende"', "all", True),
    ("from domain", 'when.from = "@acme\\\\.test$"', "all", True),
    ("from other domain", 'when.from = "@otra\\\\.test$"', "all", False),
    ("to any recipient", 'when.to = "^ventas@"', "all", True),
    ("to no recipient", 'when.to = "^compras@"', "all", False),
    ("has attachment", "when.has_attachment = true", "all", True),
    ("has no attachment", "when.has_attachment = false", "all", False),
    ("contract", "when.customer_has_contract = true", "all", False),
    ("no contract", "when.customer_has_contract = false", "all", True),
    ("header name case-insensitive", 'when.header = { "X-PRIORITY" = "^1" }', "all", True),
    ("header any occurrence", 'when.header = { "Received" = "^b$" }', "all", True),
    ("absent header never matches", 'when.header = { "X-Spam" = ".*" }', "all", False),
    ("header value mismatch", 'when.header = { "X-Priority" = "^5" }', "all", False),
    ("kind equality", 'when.kind = "normal"', "all", True),
    ("category equality", 'when.category = "averia"', "all", False),
    ("all: one fails", 'when.subject = "(?i)garant"\nwhen.kind = "mejora"', "all", False),
    ("any: one holds", 'when.subject = "(?i)garant"\nwhen.kind = "mejora"', "any", True),
    ("any: none holds", 'when.subject = "nada"\nwhen.kind = "mejora"', "any", False),
    ("any: two headers, one holds",
     'when.header = { "X-Priority" = "^5", "Received" = "a" }', "any", True),
    ("all: two headers, one fails",
     'when.header = { "X-Priority" = "^5", "Received" = "a" }', "all", False),
    ("no when matches everything", "", "all", True),
    ("no when matches everything with any", "", "any", True),
]


@pytest.mark.parametrize("when, match, hit", [c[1:] for c in CONDITION_CASES],
                         ids=[c[0] for c in CONDITION_CASES])
def test_conditions(when: str, match: str, hit: bool) -> None:
    decision = evaluate(one_rule(when, match), FACTS, "create")
    assert [h.rule_name for h in decision.hits] == (["r"] if hit else [])
    assert decision.misses == (() if hit else ("r",))
    assert dict(decision.changes) == ({"priority": "alta"} if hit else {})


ORDERED = """
[[rules]]
name = "garantía"
when.subject = "(?i)garant"
then.category = "informes_sobre_proceso"
then.priority = "alta"
then.watchers = ["jefe@empresa.test"]

[[rules]]
name = "ve el cambio de categoría"
when.category = "informes_sobre_proceso"
then.kind = "garantia"
then.assign = "luis@empresa.test"
then.notify = { to = "supervisor", template = "aviso_garantia" }

[[rules]]
name = "solo en mensajes"
on = "message"
when.body = "(?i)urgente"
then.priority = "urgente"

[[rules]]
name = "para aquí"
when.kind = "garantia"
then.priority = "normal"
then.watchers = ["jefe@empresa.test", "otro@empresa.test"]
then.stop = true

[[rules]]
name = "nunca llega"
then.queue = "finanzas"

[[rules]]
name = "no casa"
on = "message"
when.subject = "factura"
then.queue = "finanzas"
"""


def test_order_override_stop_and_visible_changes_on_create() -> None:
    decision = evaluate(rules_from(ORDERED), FACTS, "create")
    assert [h.rule_name for h in decision.hits] == [
        "garantía", "ve el cambio de categoría", "para aquí"]
    assert decision.misses == ()
    assert dict(decision.changes) == {
        "category": "informes_sobre_proceso", "priority": "normal", "kind": "garantia"}
    assert decision.assign == "luis@empresa.test"
    assert decision.watchers == ("jefe@empresa.test", "otro@empresa.test")
    assert decision.notifications == (
        Notify("supervisor", "aviso_garantia", rule="ve el cambio de categoría"),)
    assert decision.stopped_by == "para aquí"


def test_message_trigger_runs_only_message_rules() -> None:
    decision = evaluate(rules_from(ORDERED), FACTS, "message")
    assert [h.rule_name for h in decision.hits] == ["solo en mensajes"]
    assert decision.misses == ("no casa",)
    assert dict(decision.changes) == {"priority": "urgente"}
    assert decision.stopped_by is None


def test_hit_records_matched_conditions_and_effects() -> None:
    rules = rules_from("""
[[rules]]
name = "acme urgente"
match = "any"
when.from = "@acme"
when.subject = "nada"
then.priority = "urgente"
then.stop = true
""")
    decision = evaluate(rules, FACTS, "create")
    assert decision.hits == (RuleHit("acme urgente", ("from ~ /@acme/",),
                                     ("priority = urgente", "stop")),)


def test_explain_lists_every_rule_in_order_then_the_result() -> None:
    decision = evaluate(rules_from(ORDERED), replace(FACTS, subject="Hola"), "create")
    assert explain(decision) == [
        "miss  garantía: not subject ~ /(?i)garant/",
        "miss  ve el cambio de categoría: not category = informes_sobre_proceso",
        "skip  solo en mensajes: runs on message",
        "miss  para aquí: not kind = garantia",
        "hit   nunca llega: always -> queue = finanzas",
        "skip  no casa: runs on message",
        "set   queue = finanzas",
    ]


def test_explain_after_stop_and_without_changes() -> None:
    stopped = evaluate(rules_from(ORDERED), FACTS, "create")
    assert "skip  nunca llega: after stop by para aquí" in explain(stopped)
    nothing = evaluate((), FACTS, "create")
    assert explain(nothing) == ["no changes"]


def test_decision_changes_are_read_only() -> None:
    decision: Decision = evaluate(one_rule(""), FACTS, "create")
    with pytest.raises(TypeError):
        decision.changes["priority"] = "baja"  # type: ignore[index]


def test_unknown_trigger_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown trigger"):
        evaluate((), FACTS, "close")


def test_facts_from_message() -> None:
    msg = ParsedMessage(
        message_id="m1", has_message_id=True, raw_sha256="0" * 64, subject="Hola",
        from_addr="Pepe@Acme.test", from_name="Pepe", to=("soporte@empresa.test",),
        cc=("Jefe@Acme.test",), headers=(("X-Priority", "1"),),
        attachments=(Attachment("f.pdf", "application/pdf", b"%PDF"),),
    )
    facts = facts_from_message(msg, body="texto", kind="normal", category="consulta",
                               customer_has_contract=True)
    assert facts == RuleFacts(
        subject="Hola", body="texto", from_addr="pepe@acme.test",
        to_addrs=("soporte@empresa.test", "jefe@acme.test"), has_attachment=True,
        customer_has_contract=True, headers=(("x-priority", "1"),),
        kind="normal", category="consulta")
