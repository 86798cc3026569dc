"""Rule conditions: the facts a rule can look at and one small named check per `when`
key. In: a validated Condition and frozen RuleFacts; out: True/False. Adding a
condition is adding a row to CONDITIONS (check function + the kind of value the loader
must validate). Pure: regexes are compiled by the loader, never here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from daemon.ingest.message import ParsedMessage


@dataclass(frozen=True)
class RuleFacts:
    subject: str
    body: str                                   # visible body (quotes stripped)
    from_addr: str
    to_addrs: tuple[str, ...]                   # every recipient (To and Cc)
    has_attachment: bool                        # a file the customer sent, not a signature logo
    customer_has_contract: bool
    headers: tuple[tuple[str, str], ...]        # (lower-case name, value)
    kind: str                                   # current ticket fields
    category: str


@dataclass(frozen=True)
class Condition:
    key: str          # the `when` key, e.g. "subject" or "header"
    value: object     # re.Pattern, bool, str, or (header name, re.Pattern) for "header"
    label: str        # human form shown in hits and in `soporte rules test`


def facts_from_message(msg: ParsedMessage, *, body: str, kind: str, category: str,
                       customer_has_contract: bool) -> RuleFacts:
    return RuleFacts(
        subject=msg.subject,
        body=body,
        from_addr=msg.from_addr.lower(),
        to_addrs=tuple(addr.lower() for addr in msg.recipients),
        has_attachment=any(not a.incidental for a in msg.attachments),
        customer_has_contract=customer_has_contract,
        headers=tuple((name.lower(), value) for name, value in msg.headers),
        kind=kind,
        category=category,
    )


def _search(pattern: object, text: str) -> bool:
    assert isinstance(pattern, re.Pattern)
    return pattern.search(text) is not None


def subject(value: object, facts: RuleFacts) -> bool:
    return _search(value, facts.subject)


def body(value: object, facts: RuleFacts) -> bool:
    return _search(value, facts.body)


def from_addr(value: object, facts: RuleFacts) -> bool:
    return _search(value, facts.from_addr)


def to_addrs(value: object, facts: RuleFacts) -> bool:
    return any(_search(value, addr) for addr in facts.to_addrs)


def has_attachment(value: object, facts: RuleFacts) -> bool:
    return facts.has_attachment is value


def customer_has_contract(value: object, facts: RuleFacts) -> bool:
    return facts.customer_has_contract is value


def header(value: object, facts: RuleFacts) -> bool:
    """Any occurrence of the header matches; an absent header never matches."""
    name, pattern = value  # type: ignore[misc]
    return any(_search(pattern, text) for key, text in facts.headers if key == name)


def kind(value: object, facts: RuleFacts) -> bool:
    return facts.kind == value


def category(value: object, facts: RuleFacts) -> bool:
    return facts.category == value


@dataclass(frozen=True)
class ConditionType:
    check: Callable[[object, RuleFacts], bool]
    value: str        # what the loader validates: "regex", "bool", "header_map" or a ticket field


# Order here is the order of `known:` in error messages and of labels in a hit.
CONDITIONS: dict[str, ConditionType] = {
    "subject": ConditionType(subject, "regex"),
    "body": ConditionType(body, "regex"),
    "from": ConditionType(from_addr, "regex"),
    "to": ConditionType(to_addrs, "regex"),
    "has_attachment": ConditionType(has_attachment, "bool"),
    "customer_has_contract": ConditionType(customer_has_contract, "bool"),
    "header": ConditionType(header, "header_map"),
    "kind": ConditionType(kind, "kind"),
    "category": ConditionType(category, "category"),
}


def holds(condition: Condition, facts: RuleFacts) -> bool:
    return CONDITIONS[condition.key].check(condition.value, facts)
