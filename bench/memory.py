"""Memory: `soporte once` as a subprocess draining a backlog while its RSS is sampled
every 100 ms from /proc (VmRSS, and VmHWM, the kernel's own peak, which catches what
falls between samples). Also a single message with a 25 MB attachment, against the
same command on a tiny message: the peak RSS delta shows how often it is held in memory.
"""
from __future__ import annotations

import random
import subprocess
import threading
import time
from dataclasses import dataclass, field

from tests.support.mail import make_mail

from bench import corpus
from bench.servers import Rig, descendants, vm_status

SAMPLE_SECONDS = 0.1
BIG_ATTACHMENT = 25_000_000          # bytes; under limits.max_attachment_bytes (25 MiB)


@dataclass
class MemoryRun:
    messages: int
    seconds: float
    peak_rss: int                    # the kernel's high-water mark (VmHWM), bytes
    peak_sampled: int                # the largest VmRSS seen by sampling, bytes
    peak_family: int = 0             # the largest sampled VmRSS summed over it and its children
    samples: list[tuple[float, int]] = field(default_factory=list)
    returncode: int = 0


@dataclass
class AttachmentResult:
    attachment_bytes: int
    message_bytes: int
    baseline: MemoryRun
    big: MemoryRun

    @property
    def delta(self) -> int:
        return self.big.peak_rss - self.baseline.peak_rss

    @property
    def copies(self) -> float:
        return self.delta / self.attachment_bytes


def sample(process: subprocess.Popen, every: float = SAMPLE_SECONDS) -> tuple[int, int, int, list[tuple[float, int]]]:
    """Poll a running process until it exits: (VmHWM, max VmRSS, max VmRSS of it and its
    descendants together, [(t, VmRSS)]). The descendants are the read-ahead worker and
    its fork server, started for a backlog."""
    started, hwm, top, family, samples = time.monotonic(), 0, 0, 0, []
    while process.poll() is None:
        status = vm_status(process.pid)
        if status:
            hwm = max(hwm, status.get("VmHWM", 0))
            top = max(top, status.get("VmRSS", 0))
            family = max(family, status.get("VmRSS", 0) + sum(vm_status(child).get("VmRSS", 0)
                                                               for child in descendants(process.pid)))
            samples.append((round(time.monotonic() - started, 2), status.get("VmRSS", 0)))
        time.sleep(every)
    return hwm, top, family, samples


def soporte_once(rig: Rig, name: str, raws, timeout: float = 1800) -> MemoryRun:
    mailbox = rig.mailbox(raws)
    site = rig.site(name, mailbox)
    rig.sink.reset()
    waiting = mailbox.counts().get("INBOX", 0)
    started = time.monotonic()
    with open(site.base / "daemon.log", "wb") as log:
        process = subprocess.Popen(site.command("once"), cwd=site.base, env=site.env, stdout=log,
                                   stderr=subprocess.STDOUT)
        result: list = []
        watcher = threading.Thread(target=lambda: result.append(sample(process)), daemon=True)
        watcher.start()
        try:
            process.wait(timeout=timeout)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        watcher.join()
    hwm, top, family, samples = result[0]
    return MemoryRun(messages=waiting, seconds=time.monotonic() - started, peak_rss=hwm,
                     peak_sampled=top, peak_family=family, samples=samples, returncode=process.returncode)


def backlog(rig: Rig, count: int = 10_000, attachment_share: float = 0.02) -> MemoryRun:
    items = corpus.build(count, seed=7, attachment_share=attachment_share)
    return soporte_once(rig, "memory-backlog", (item.raw for item in items))


def big_attachment(rig: Rig, size: int = BIG_ATTACHMENT) -> AttachmentResult:
    baseline = soporte_once(rig, "memory-small", [_with_attachment(1_000, "small")])
    raw = _with_attachment(size, "big")
    big = soporte_once(rig, "memory-big", [raw])
    return AttachmentResult(attachment_bytes=size, message_bytes=len(raw), baseline=baseline, big=big)


def _with_attachment(size: int, label: str) -> bytes:
    payload = b"%PDF-1.4\n" + random.Random(size).randbytes(size - 16) + b"\n%%EOF\n"
    return make_mail(f"{label}@memory.example", f"Manual escaneado ({label})",
                     "Hola,\n\nAdjunto el manual escaneado de la instalación.\n\nUn saludo\n",
                     message_id=f"memory-{label}@memory.example",
                     attachments=(("manual.pdf", "application/pdf", payload),))
