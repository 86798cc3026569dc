"""`soporte quarantine list | show | retry`: messages that could not be processed, why,
and running one through the pipeline again once the cause is fixed."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import select

from daemon.cli.common import print_json, runtime_from
from daemon.db.models import Quarantine
from daemon.quarantine import retry, summarize
from daemon.runtime import Runtime
from daemon.views import iso


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("quarantine", help="messages that could not be processed").add_subparsers(
        dest="quarantine_command", required=True)
    p = group.add_parser("list", help="quarantined messages, oldest first")
    p.add_argument("--status", choices=("held", "released"), help="only rows in this status")
    p.add_argument("--json", action="store_true", help="a JSON array")
    p.set_defaults(handler=cmd_list)
    p = group.add_parser("show", help="one message: reason, headers, size")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(handler=cmd_show)
    p = group.add_parser("retry", help="run the message through the pipeline again")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_retry)


def row_view(rt: Runtime, row: Quarantine, with_headers: bool = False) -> dict[str, Any]:
    raw = rt.store.get(row.raw_sha256) if rt.store.has(row.raw_sha256) else b""
    summary = summarize(raw)
    view = {"id": row.id, "status": row.status, "reason": row.reason, "size": row.size,
            "at": iso(row.at), "resolved_at": iso(row.resolved_at), "folder": row.folder,
            "uidvalidity": row.uidvalidity, "uid": row.uid, "sha256": row.raw_sha256,
            "from": summary.sender, "subject": summary.subject, "message_id": summary.message_id}
    if with_headers:
        view["headers"] = [[name, value] for name, value in summary.headers]
    return view


def cmd_list(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    with rt.sessions() as session:
        query = select(Quarantine).order_by(Quarantine.id)
        if args.status:
            query = query.where(Quarantine.status == args.status)
        views = [row_view(rt, r) for r in session.scalars(query)]
    rt.close()
    if args.json:
        print_json(views)
        return 0
    for v in views:
        print(f"{v['id']:>5}  {v['status']:<8} {v['at'][:19]}  {v['size']:>10}  {v['from'][:30]:<30} "
              f"{v['reason'][:70]}")
    print(f"{len(views)} message(s)", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    with rt.sessions() as session:
        row = session.get(Quarantine, args.id)
        view = row_view(rt, row, with_headers=True) if row is not None else None
    rt.close()
    if view is None:
        print(f"no quarantined message {args.id}", file=sys.stderr)
        return 1
    if args.json:
        print_json(view)
        return 0
    for key in ("id", "status", "reason", "size", "at", "resolved_at", "folder", "uid", "sha256"):
        print(f"{key:<12} {view[key] if view[key] is not None else '-'}")
    print("\nheaders:")
    for name, value in view["headers"]:
        print(f"  {name}: {value}")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    try:
        result = retry(rt, args.id)
    finally:
        rt.close()
    if not result.ok:
        print(f"quarantine {args.id}: {result.outcome}", file=sys.stderr)
        return 1
    print(f"quarantine {args.id} released: {result.outcome}")
    return 0
