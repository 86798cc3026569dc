"""What makes two deliveries "the same message": the Message-ID scoped by a hash of
what the sender wrote (sender, subject, date and the body bytes, line endings and
trailing whitespace normalised), ignoring the Received and other headers that differ
between deliveries. Pure; hashes in windows so a 35 MB message is never copied whole."""
from __future__ import annotations

import hashlib
from typing import Iterator

from daemon.ingest.message import ParsedMessage

WINDOW = 1 << 20


def body_start(raw: bytes) -> int:
    """Where the body begins (after the first blank line), or len(raw) if there is none.
    A bare-LF blank line is only looked for before the first CRLF one: in a CRLF message
    there is none, and looking for it read the whole message a second time."""
    crlf = raw.find(b"\r\n\r\n")
    lf = raw.find(b"\n\n", 0, crlf + 2 if crlf >= 0 else len(raw))
    if lf >= 0:
        return lf + 2
    return crlf + 4 if crlf >= 0 else len(raw)


def body_bytes(raw: bytes) -> bytes:
    return raw[body_start(raw):]


def normalised_body(raw: bytes, window: int = WINDOW) -> Iterator[bytes]:
    """The body with CRLF as LF and without trailing whitespace, window by window. A
    trailing run of whitespace (and so a CR that may pair with the next window's LF) is
    held back until more text follows; at the very end it is dropped."""
    body = memoryview(raw)[body_start(raw):]
    pending = b""
    for start in range(0, len(body), window):
        chunk = (pending + bytes(body[start:start + window])).replace(b"\r\n", b"\n")
        kept = chunk.rstrip()
        pending = chunk[len(kept):]
        if kept:
            yield kept


def content_key(raw: bytes, parsed: ParsedMessage) -> str:
    digest = hashlib.sha256()
    for part in (parsed.from_addr, parsed.subject, parsed.header("date") or ""):
        digest.update(part.encode("utf-8", "replace") + b"\0")
    for chunk in normalised_body(raw):
        digest.update(chunk)
    return digest.hexdigest()
