"""`soporte outbox list | retry`: what is waiting to be sent, what failed and why, and
putting failed mail back in the queue. Sending itself is the daemon's (or `once`'s) job."""
from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from daemon.cli.common import parse_instant, print_json, runtime_from
from daemon.db.models import Outbox
from daemon.outbound.delivery import requeue
from daemon.views import iso

STATUSES = ("pending", "sent", "failed")


def register(sub: argparse._SubParsersAction) -> None:
    outbox = sub.add_parser("outbox", help="inspect and retry outgoing mail").add_subparsers(
        dest="outbox_command", required=True)
    p = outbox.add_parser("list", help="outgoing mail, newest last")
    p.add_argument("--status", choices=STATUSES, help="only mail in this status")
    p.add_argument("--json", action="store_true", help="a JSON array")
    p.set_defaults(handler=cmd_list)
    p = outbox.add_parser("retry", help="queue failed mail again, due at once")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help="outbox id (see outbox list)")
    which.add_argument("--all-failed", action="store_true", help="every failed mail")
    p.add_argument("--now", type=parse_instant, help="due from this instant (ISO 8601; default: now)")
    p.set_defaults(handler=cmd_retry)


def row_view(row: Outbox) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, "attempts": row.attempts,
            "next_attempt_at": iso(row.next_attempt_at) if row.status == "pending" else None,
            "to": list(row.recipients or ()), "subject": row.subject, "event": row.event,
            "automatic": row.automatic, "created_at": iso(row.created_at), "sent_at": iso(row.sent_at),
            "give_up_at": iso(row.give_up_at), "last_error": row.last_error}


def cmd_list(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    with rt.sessions() as session:
        query = select(Outbox).order_by(Outbox.id)
        if args.status:
            query = query.where(Outbox.status == args.status)
        views = [row_view(r) for r in session.scalars(query)]
    rt.close()
    if args.json:
        print_json(views)
        return 0
    for v in views:
        due = v["next_attempt_at"] or "-"
        print(f"{v['id']:>6}  {v['status']:<8} {v['attempts']:>3}  {due:<25} "
              f"{', '.join(v['to'])[:40]:<40} {v['subject'][:50]}")
        if v["last_error"]:
            print(f"        last error: {v['last_error'][:200]}")
    print(f"{len(views)} message(s)", file=sys.stderr)
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    now, retry_for = rt.clock(), timedelta(hours=rt.config.smtp.retry_for_hours)
    with rt.sessions.begin() as session:
        if args.all_failed:
            rows = list(session.scalars(select(Outbox).where(Outbox.status == "failed")))
        else:
            row = session.get(Outbox, args.id)
            if row is None or row.status == "sent":
                rt.close()
                print(f"no failed or pending outbox message {args.id}"
                      + (" (already sent)" if row is not None else ""), file=sys.stderr)
                return 1
            rows = [row]
        for row in rows:
            requeue(row, now, retry_for)
        ids = [row.id for row in rows]
    rt.close()
    print(f"queued again: {', '.join(map(str, ids)) or 'nothing'}")
    return 0
