"""`soporte doctor | backup DEST | import PATH`: looking after an installation: is it
healthy, a copy of it, and loading a backlog of mail into it."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from daemon.backup import backup
from daemon.cli.common import config_from, runtime_from
from daemon.config import config_path
from daemon.doctor import run_checks

BAR_WIDTH = 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check config, database, templates, storage, IMAP and SMTP")
    p.set_defaults(handler=cmd_doctor)
    p = sub.add_parser("backup", help="consistent copy of the database, stored files and config")
    p.add_argument("dest", type=Path, metavar="DEST", help="destination folder")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("import", help="import an mbox file or Maildir folder (resumable)")
    p.add_argument("path", type=Path, metavar="PATH", help="mbox file or Maildir folder")
    p.add_argument("--notify", action="store_true",
                   help="send the acknowledgements and notices (default: record them as skipped)")
    p.set_defaults(handler=cmd_import)


def cmd_doctor(args: argparse.Namespace) -> int:
    checks = run_checks(config_path(args.config))
    width = max(len(c.name) for c in checks)
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        line = f"{mark}  {check.name:<{width}}  {check.detail}"
        print(line if check.ok else f"{line}\n      {'':<{width}}  fix: {check.fix}")
    failed = [c.name for c in checks if not c.ok]
    print(f"{len(failed)} problem(s): {', '.join(failed)}" if failed else "everything looks right")
    return 1 if failed else 0


def cmd_backup(args: argparse.Namespace) -> int:
    result = backup(config_from(args), args.dest)
    for line in result.written:
        print(line)
    if not result.complete:
        print("the database is PostgreSQL: back it up with pg_dump (password from PGPASSWORD or ~/.pgpass):\n"
              f"  {result.database_command}", file=sys.stderr)
        return 1
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    rt = runtime_from(args)
    bar = ProgressBar(sys.stderr)
    try:
        from daemon.importer import import_messages   # loads the whole pipeline
        result = import_messages(rt, args.path, notify=args.notify, progress=bar.update)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        rt.close()
    bar.finish()
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(result.drain.outcomes.items())) or "nothing new"
    print(f"{args.path}: {result.total} message(s); {outcomes}; already imported: {result.already_done}; "
          f"quarantined: {result.drain.quarantined}; mail {'queued' if args.notify else 'not sent (no --notify)'}")
    return 1 if result.drain.quarantined else 0


class ProgressBar:
    """A one-line bar redrawn in place, only when the shown percentage changes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = -1

    def update(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent == self.shown:
            return
        self.shown = percent
        filled = BAR_WIDTH * percent // 100
        self.stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {done}/{total}")
        self.stream.flush()

    def finish(self) -> None:
        if self.shown >= 0:
            self.stream.write("\n")
            self.stream.flush()
