"""`soporte serial SN`: the service history of one unit: every ticket that recorded that
serial number, oldest first, with its diagnosis, solution and work-order total."""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from daemon.billing.ledger import work_order
from daemon.billing.albaran import money
from daemon.cli.common import print_json, runtime_from
from daemon.db.models import Ticket
from daemon.views import iso


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serial", help="service history of one unit (serial number)")
    p.add_argument("serial_number")
    p.add_argument("--json", action="store_true", help="a JSON array")
    p.set_defaults(handler=cmd_serial)


def cmd_serial(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    with rt.sessions() as session:
        tickets = session.scalars(select(Ticket).where(Ticket.serial_number == args.serial_number.strip())
                                  .order_by(Ticket.created_at, Ticket.id)).all()
        history = [{"token": t.token, "created_at": iso(t.created_at), "closed_at": iso(t.closed_at),
                    "customer": t.customer.email, "kind": t.kind, "status": t.status, "subject": t.subject,
                    "diagnosis": t.diagnosis, "solution": t.solution,
                    "total": money(work_order(session, rt.config, t).total)} for t in tickets]
    rt.close()
    if args.json:
        print_json(history)
        return 0
    if not history:
        print(f"no ticket records serial number {args.serial_number}", file=sys.stderr)
        return 1
    print(f"service history of {args.serial_number}: {len(history)} ticket(s)")
    for h in history:
        print(f"\n{h['token']}  {h['created_at'][:10]}  {h['kind']:<9} {h['status']:<18} {h['total']:>10}  {h['subject']}")
        for key in ("diagnosis", "solution"):
            if h[key]:
                print(f"  {key}: {h[key]}")
    return 0
