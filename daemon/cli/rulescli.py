"""`soporte rules test FILE.eml`: a dry run of the routing rules on one message: each
rule hit or miss and the fields a new ticket would get. Touches no database or mailbox."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from daemon.billing.contracts import active_contract
from daemon.cli.common import config_from
from daemon.ingest.guards import OwnIdentity, classify
from daemon.ingest.parse import UnparseableMessage
from daemon.ingest.reading import read_message
from daemon.rules.conditions import facts_from_message
from daemon.rules.engine import evaluate, explain


def register(sub: argparse._SubParsersAction) -> None:
    rules = sub.add_parser("rules", help="routing rules").add_subparsers(dest="rules_command", required=True)
    p = rules.add_parser("test", help="dry run: what the rules would do with this message")
    p.add_argument("file", type=Path, help="an .eml file")
    p.add_argument("--on", choices=("create", "message"), default="create",
                   help="evaluate the rules of a new ticket (default) or of a follow-up message")
    p.set_defaults(handler=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    config = config_from(args)
    try:
        reading = read_message(args.file.read_bytes())    # as the pipeline reads it
    except (OSError, UnparseableMessage) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    parsed = reading.parsed
    own = OwnIdentity(config.support.address, config.support.message_id_domain, b"", config.support.address)
    verdict = classify(parsed, own)
    if verdict.kind != "accept":
        print(f"this message would be ignored ({verdict.kind}: {verdict.reason}); no rule runs")
        return 0
    vocab = config.vocab
    today = datetime.now(timezone.utc).astimezone(config.policy.calendar.tz).date()
    facts = facts_from_message(parsed, body=reading.reply.visible, kind=vocab.default_kind,
                               category=vocab.default_category,
                               customer_has_contract=active_contract(config.policy.contracts, parsed.from_addr,
                                                                     today) is not None)
    decision = evaluate(config.policy.rules, facts, args.on)
    print(f"message: {parsed.subject!r} from {parsed.from_addr}")
    print(f"contract: {'yes' if facts.customer_has_contract else 'no'}")
    for line in explain(decision):
        print(f"  {line}")
    fields = {"status": vocab.new_status, "kind": vocab.default_kind, "category": vocab.default_category,
              "priority": vocab.default_priority, "queue": vocab.default_queue}
    fields.update(decision.changes)
    print("resulting ticket: " + ", ".join(f"{k}={v}" for k, v in fields.items())
          + (f", assignee={decision.assign}" if decision.assign else ""))
    warranty = config.policy.warranty
    if warranty.enabled and fields["category"] == warranty.category:
        print(f"warranty rule: without an acceptable document the ticket goes to '{warranty.status}'")
    return 0
