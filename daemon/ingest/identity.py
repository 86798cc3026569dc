"""What makes two deliveries "the same message": the Message-ID scoped by a hash of
what the sender wrote (sender, subject, date and the body bytes), ignoring the Received
and other headers that differ between deliveries. Pure."""
from __future__ import annotations

import hashlib

from daemon.ingest.message import ParsedMessage


def body_bytes(raw: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(separator)
        if found:
            return body
    return b""


def content_key(raw: bytes, parsed: ParsedMessage) -> str:
    digest = hashlib.sha256()
    for part in (parsed.from_addr, parsed.subject, parsed.header("date") or ""):
        digest.update(part.encode("utf-8", "replace") + b"\0")
    digest.update(body_bytes(raw).replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()
