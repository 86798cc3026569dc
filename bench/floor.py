"""The floor: the least any IMAP-to-database ingester must do, measured on the same
mailbox and machine as soporte. Fetches BODY.PEEK[] in batches, parses with the stdlib
`email` package (its default, compat32: what mail-parser also runs underneath), and
inserts one row per message into a tiny SQLite table (WAL, one commit per message).
Leaves the mailbox as it found it (PEEK, read-only select).
"""
from __future__ import annotations

import email
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.dovecot import Mailbox

from bench.servers import connect, machine_busy_seconds

FETCH_BATCH = 50          # soporte's default mailbox.fetch_batch
SCHEMA = ("CREATE TABLE IF NOT EXISTS inbound (id INTEGER PRIMARY KEY, uid INTEGER UNIQUE, "
          "message_id TEXT, sender TEXT, subject TEXT, parts INTEGER, size INTEGER)")


@dataclass(frozen=True)
class FloorResult:
    messages: int
    seconds: float
    cpu_seconds: float        # this process's CPU time over the same span (Dovecot's is not counted)
    machine_cpu_seconds: float = 0.0    # every process on the machine over the same span, Dovecot included

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def others_cpu_seconds(self) -> float:
        """What the rest of the machine (Dovecot, the kernel) spent meanwhile."""
        return max(0.0, self.machine_cpu_seconds - self.cpu_seconds)

    @property
    def cpu_rate(self) -> float:
        return self.messages / self.cpu_seconds if self.cpu_seconds else 0.0


def run(mailbox: Mailbox, database: Path) -> FloorResult:
    database.unlink(missing_ok=True)
    db = sqlite3.connect(database)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(SCHEMA)
    db.commit()
    started, cpu, machine = time.perf_counter(), time.process_time(), machine_busy_seconds()
    client = connect(mailbox)
    try:
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search(["ALL"]))
        count = 0
        for start in range(0, len(uids), FETCH_BATCH):
            chunk = uids[start:start + FETCH_BATCH]
            for uid, data in sorted(client.fetch(chunk, ["BODY.PEEK[]"]).items()):
                store(db, uid, data[b"BODY[]"])
                count += 1
    finally:
        client.logout()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    machine = machine_busy_seconds() - machine
    db.close()
    return FloorResult(count, elapsed, cpu, machine)


def store(db: sqlite3.Connection, uid: int, raw: bytes) -> None:
    message = email.message_from_bytes(raw)
    parts = sum(1 for _ in message.walk())
    db.execute("INSERT INTO inbound (uid, message_id, sender, subject, parts, size) VALUES (?, ?, ?, ?, ?, ?)",
               (uid, str(message["message-id"] or ""), str(message["from"] or ""),
                str(message["subject"] or ""), parts, len(raw)))
    db.commit()
