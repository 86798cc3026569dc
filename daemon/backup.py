"""`soporte backup DEST`: a consistent copy of one installation. In: the Config and a
destination folder; out: what was written. SQLite is copied with its online backup API
(a consistent snapshot while the daemon keeps running) into DEST/soporte.db; the storage
folder is copied incrementally (blobs are named by their hash, so one already present is
the same file); the config file goes alongside. PostgreSQL is pg_dump's job: the exact
command is returned, never run. Never deletes anything at the destination."""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from daemon.config import Config

DB_NAME = "soporte.db"
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


@dataclass
class BackupResult:
    written: list[str] = field(default_factory=list)
    database_command: str = ""       # set when the database must be dumped by hand

    @property
    def complete(self) -> bool:
        return not self.database_command


def backup(config: Config, dest: Path) -> BackupResult:
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)   # customer data and the signing secret
    result = BackupResult()
    db_file = sqlite_file(config.database_url)
    if db_file is not None:
        tickets = copy_sqlite(db_file, dest / DB_NAME)
        result.written.append(f"{dest / DB_NAME}: database snapshot, {tickets} tickets")
    else:
        result.database_command = pg_dump_command(config.database_url, dest)
    skip = {Path(f"{db_file}{suffix}").resolve() for suffix in SQLITE_SIDE_FILES} if db_file else set()
    copied, present = copy_tree(config.storage_dir, dest / "storage", skip)
    result.written.append(f"{dest / 'storage'}: {copied} file(s) copied, {present} already there")
    shutil.copy2(config.source, dest / config.source.name)
    result.written.append(f"{dest / config.source.name}: configuration")
    return result


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise ValueError("an in-memory database cannot be backed up")
    return Path(parsed.database)


def copy_sqlite(source: Path, target: Path) -> int:
    """Snapshot `source` into `target` atomically; returns the ticket count of the copy."""
    if not source.exists():
        raise FileNotFoundError(f"{source}: no database to back up")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".backup-", suffix=".db")
    os.close(fd)
    try:
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")     # one self-contained file
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            tickets = dst.execute("SELECT count(*) FROM tickets").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if check != "ok":
            raise RuntimeError(f"the copy of {source} failed its integrity check: {check}")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return int(tickets)


def copy_tree(source: Path, target: Path, skip: set[Path]) -> tuple[int, int]:
    """Files of `source` missing or different (size, mtime) at `target`; temporary files
    of the blob store (.tmp-*) and the live database are left out."""
    copied = present = 0
    if not source.is_dir():
        return 0, 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith(".tmp-") or path.resolve() in skip:
            continue
        out = target / path.relative_to(source)
        if _same(path, out):
            present += 1
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".tmp-{out.name}")
        shutil.copy2(path, tmp)
        os.replace(tmp, out)
        copied += 1
    return copied, present


def _same(a: Path, b: Path) -> bool:
    if not b.exists():
        return False
    sa, sb = a.stat(), b.stat()
    return sa.st_size == sb.st_size and int(sa.st_mtime) == int(sb.st_mtime)


def pg_dump_command(url: str, dest: Path) -> str:
    """The pg_dump line for this database, password left out (PGPASSWORD or ~/.pgpass)."""
    given = make_url(url)
    plain = URL.create("postgresql", username=given.username, host=given.host, port=given.port,
                       database=given.database, query=given.query)
    return f"pg_dump --format=custom --file={dest / 'soporte.pgdump'} '{plain.render_as_string(hide_password=False)}'"
