"""`soporte tickets list | show`: what staff and scripts read (JSON shapes in views.py)."""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from daemon.billing.ledger import ticket_work_order_view
from daemon.cli.common import print_json, runtime_from
from daemon.db.models import Ticket
from daemon.outbound.context import human_size
from daemon.views import find_ticket, ticket_detail, ticket_summary


def register(sub: argparse._SubParsersAction) -> None:
    tickets = sub.add_parser("tickets", help="list and show tickets").add_subparsers(dest="tickets_command", required=True)
    p = tickets.add_parser("list", help="list tickets")
    p.add_argument("--status", help="only tickets in this status")
    p.add_argument("--json", action="store_true", help="a JSON array")
    p.set_defaults(handler=cmd_list)
    p = tickets.add_parser("show", help="one ticket: fields, messages, events, work order")
    p.add_argument("token")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(handler=cmd_show)


def cmd_list(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    with rt.sessions() as session:
        query = select(Ticket).order_by(Ticket.id)
        if args.status:
            query = query.where(Ticket.status == args.status)
        views = [ticket_summary(t, ticket_work_order_view(session, rt.config, t)) for t in session.scalars(query)]
    rt.close()
    if args.json:
        print_json(views)
        return 0
    for v in views:
        print(f"{v['token']}  {v['status']:<18} {v['priority']:<8} {v['customer']['email']:<32} {v['subject'][:60]}")
    print(f"{len(views)} ticket(s)", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    with rt.sessions() as session:
        ticket = find_ticket(session, args.token)
        if ticket is None:
            print(f"no ticket {args.token}", file=sys.stderr)
            return 1
        view = ticket_detail(session, ticket, ticket_work_order_view(session, rt.config, ticket), rt.config.policy)
    rt.close()
    if args.json:
        print_json(view)
    else:
        print_ticket(view)
    return 0


def print_ticket(v: dict) -> None:
    print(f"{v['token']}  {v['subject']}")
    for key in ("status", "kind", "category", "queue", "priority", "assignee", "created_at", "closed_at",
                "serial_number", "satisfaction"):
        print(f"  {key:<14} {v[key] if v[key] is not None else '-'}")
    print(f"  {'customer':<14} {v['customer']['name']} <{v['customer']['email']}>")
    sla = v.get("sla")
    if sla:
        print(f"  {'answer due':<14} {sla['first_response_due']}")
        resolution = sla["resolution_due"] or f"clock stopped since {sla['resolution_paused_since']}"
        print(f"  {'resolve due':<14} {resolution}")
    print("\nmessages:")
    for m in v["messages"]:
        tag = "internal" if m["internal"] else ("->" if m["direction"] == "out" else "<-")
        print(f"  [{m['created_at']}] {tag} {m['from']}: {m['subject']}")
        for line in m["body_text"].strip().splitlines()[:12]:
            print(f"      {line}")
        for a in m["attachments"]:
            came_with = "  (came with the mail: a signature logo, a quoted image or a signature)" \
                if a["incidental"] else ""
            print(f"      attached: {a['filename']} ({a['content_type']}, {human_size(a['size'])}){came_with}")
    print("\nevents:")
    for e in v["events"]:
        print(f"  [{e['at']}] {e['actor']}: {e['action']} {e['old'] or ''} -> {e['new'] or ''}")
