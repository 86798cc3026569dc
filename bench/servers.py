"""The servers a benchmark talks to: one throw-away Dovecot and one SMTP sink on loopback
(the test harness's own), plus fast mailbox filling and soporte sites.

In: a work directory. Out: fresh mailboxes, a sink that timestamps what it accepts, and
`Site`s (config + environment) pointing at them. Never listens beyond 127.0.0.1.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Iterable

from imapclient import IMAPClient

from tests.support.dovecot import DovecotServer, Mailbox
from tests.support.site import Site
from tests.support.smtp_sink import SmtpSink

APPEND_CHUNK = 50


class TimedSink(SmtpSink):
    """An SmtpSink that also notes when (time.monotonic) each message was accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted_at: list[float] = []

    def _record(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        with self._changed:
            self.accepted_at.append(time.monotonic())
        super()._record(mail_from, rcpt_tos, raw)

    def reset(self) -> None:
        with self._changed:
            self.messages.clear()
            self.accepted_at.clear()

    def wait_count(self, count: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.messages) >= count, timeout)


class Rig:
    """Dovecot + sink for one benchmark run; everything lives under `workdir`."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir.resolve()
        self._stack = ExitStack()
        self.dovecot: DovecotServer | None = None
        self.sink = TimedSink()

    def __enter__(self) -> "Rig":
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        self.dovecot = self._stack.enter_context(DovecotServer(self.workdir / "dovecot"))
        self._stack.enter_context(self.sink)
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def mailbox(self, raws: Iterable[bytes] = ()) -> Mailbox:
        assert self.dovecot is not None
        mailbox = self.dovecot.new_mailbox("bench")
        fill(mailbox, raws)
        return mailbox

    def site(self, name: str, mailbox: Mailbox | None, extra_toml: str = "") -> Site:
        base = self.workdir / name
        base.mkdir(parents=True, exist_ok=True)
        site = Site(base, mailbox, self.sink, database_url="sqlite:///soporte.db")
        if extra_toml:
            site.write_config(extra_toml)
        return site


def connect(mailbox: Mailbox) -> IMAPClient:
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=False, timeout=60)
    client.login(mailbox.username, mailbox.password)
    return client


def fill(mailbox: Mailbox, raws: Iterable[bytes], folder: str = "INBOX") -> int:
    """APPEND every message over one connection, in MULTIAPPEND chunks, keeping order."""
    client, count, chunk = connect(mailbox), 0, []
    try:
        for raw in raws:
            chunk.append(raw)
            if len(chunk) >= APPEND_CHUNK:
                client.multiappend(folder, chunk)
                count, chunk = count + len(chunk), []
        if chunk:
            client.multiappend(folder, chunk)
            count += len(chunk)
    finally:
        client.logout()
    return count


def site_env(site: Site) -> dict[str, str]:
    """The site's environment with the repository importable (for `python -m bench.*`)."""
    env = dict(site.env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo_root()), env.get("PYTHONPATH", "")]))
    return env


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def vm_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes (empty once it has gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    found = re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.MULTILINE)
    return {key: int(value) * 1024 for key, value in found}


def machine_busy_seconds() -> float:
    """CPU time every core has spent busy since boot (all processes, the kernel
    included): the difference over a run says what Dovecot and the SMTP sink cost
    beside the measured process."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(value) for value in fields[:8]]
    idle = ticks[3] + ticks[4]                      # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every process started by `pid`, its children's children included."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for tasks in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(c) for c in tasks.read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found
