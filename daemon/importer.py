"""`soporte import PATH`: an mbox file or a Maildir folder through the same pipeline as
the mailbox, one message per transaction. The checkpoint is the inbound log under the
folder name "import:<absolute path>" with the message's position as UID, so a second run
(or a run after a crash) skips what is done. Without `notify`, the mail the pipeline
queues is stored with status "skipped" in the same transaction: nothing is ever sent.
Messages are taken as arriving now (a backlog to work on), not at their Date header."""
from __future__ import annotations

import hashlib
import logging
import mailbox
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from daemon.db.models import InboundLog
from daemon.drain import DrainResult, quarantine
from daemon.pipeline import Source, process
from daemon.runtime import Runtime

log = logging.getLogger("soporte.ingest")
FOLDER_COLUMN_WIDTH = 200
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    total: int = 0
    already_done: int = 0
    drain: DrainResult = field(default_factory=DrainResult)


def folder_name(path: Path) -> str:
    """The checkpoint folder of an import; very long paths are named by their hash."""
    name = f"import:{path.resolve()}"
    if len(name) <= FOLDER_COLUMN_WIDTH:
        return name
    return "import:sha256:" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()


def open_source(path: Path) -> tuple[mailbox.Mailbox, list[str]]:
    """The mailbox and its keys in a stable order: file order for mbox, file names for
    Maildir (they start with the delivery time, so new mail sorts last)."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise ValueError(f"{path} is a folder but not a Maildir (no cur/ or new/ inside)")
        box: mailbox.Mailbox = mailbox.Maildir(path, factory=None, create=False)
        return box, sorted(box.keys())
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file or folder")
    box = mailbox.mbox(path, factory=None, create=False)
    return box, list(box.keys())


def handled_uids(rt: Runtime, folder: str) -> set[int]:
    with rt.sessions() as session:
        return set(session.scalars(select(InboundLog.uid).where(
            InboundLog.folder == folder, InboundLog.uidvalidity == 0)))


def import_messages(rt: Runtime, path: Path, notify: bool = False,
                    progress: Progress = lambda done, total: None) -> ImportResult:
    box, keys = open_source(path)
    folder = folder_name(path)
    done = handled_uids(rt, folder)
    result = ImportResult(total=len(keys))
    with rt.mailer.held("not sent: imported without --notify") if not notify else nullcontext():
        for position, key in enumerate(keys, start=1):
            if position in done:
                result.already_done += 1
            else:
                _one(rt, Source(folder, 0, position), box.get_bytes(key), result.drain)
            progress(position, len(keys))
    box.close()
    return result


def _one(rt: Runtime, source: Source, raw: bytes, result: DrainResult) -> None:
    """Like the mailbox's drain: a message that fails is quarantined and the rest go on.
    The per-sender cap is for live mail; an admin's import is deliberate."""
    try:
        outcome = process(rt, source, raw, bypass_limits=True)
    except Exception as exc:   # noqa: BLE001 - one bad message must never stop the others
        log.exception("message %d of %s cannot be processed; quarantined", source.uid, source.folder)
        quarantine(rt, source, raw, f"{type(exc).__name__}: {exc}")
        result.quarantined += 1
        return
    result.count(outcome)
