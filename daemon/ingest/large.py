"""Large base64 attachments, read where they lie. In: the raw message bytes. Out: a
small stand-in for the parser, each big base64 leaf body replaced by a placeholder (its
part headers kept), and a `BodyRef` (sha256, size, span) per body; later, the decoded
bytes in windows for the blob store. Never decodes or copies a whole body at once, and
leaves alone every part it does not fully understand (the parser then reads it as before).
"""
from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import TYPE_CHECKING, Iterator

from daemon.ingest.message import Attachment, BodyRef
from daemon.ingest.mime_parts import is_body, is_tnef_part, transfer_encoding

if TYPE_CHECKING:
    from daemon.store import BlobStore

# Measured: the parser reads base64 line by line, and from about 8 KB on, leaving a body
# in place (scan, decode and hash it in C) costs less than letting the parser read it.
LARGE_MESSAGE = 32 * 1024           # smaller messages are read whole by the parser
LARGE_PART = 16 * 1024              # encoded bytes of a body worth leaving in place
WINDOW = 1024 * 1024                # encoded bytes decoded at a time
MAX_DEPTH = 20
MAX_HEADER = 64 * 1024
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_TAIL = re.compile(rb"[=\r\n]*")
_DELIMITER_TAIL = re.compile(rb"(--)?[ \t]*\r?$", re.MULTILINE)   # after "--boundary"
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Only line breaks are ignored: the stdlib decoder joins lines and then refuses
# anything else outside the alphabet, so a body with spaces is left to it.
_BREAKS = b"\r\n"


@dataclass(frozen=True)
class Slim:
    raw: bytes                      # what the parser reads
    refs: dict[str, BodyRef]        # placeholder -> the body it stands for


def slim(raw: bytes, digest: str) -> Slim | None:
    """The stand-in, or None when the message is small or has nothing to leave out.
    A placeholder embeds the raw digest, so no sender can forge one."""
    if len(raw) <= LARGE_MESSAGE:
        return None
    refs: dict[str, BodyRef] = {}
    for index, (start, end) in enumerate(_entity(raw, start=0, end=len(raw))):
        measured = measure(raw, start, end)
        if measured is not None:
            refs[f"{digest}{index:04d}"] = BodyRef(measured[0], measured[1], start, end)
    if not refs:
        return None
    pieces, position = [], 0
    for key, ref in refs.items():
        pieces += [raw[position:ref.start], key.encode("ascii")]
        position = ref.end
    pieces.append(raw[position:])
    return Slim(b"".join(pieces), refs)


def measure(raw: bytes, start: int, end: int) -> tuple[str, int] | None:
    """(sha256, size) of a body's decoded bytes; None when it is not clean base64."""
    hasher, size = hashlib.sha256(), 0
    try:
        for chunk in decoded_chunks(raw, start, end):
            hasher.update(chunk)
            size += len(chunk)
    except ValueError:
        return None
    return hasher.hexdigest(), size


def decoded_chunks(raw: bytes, start: int, end: int) -> Iterator[bytes]:
    """The base64 text raw[start:end] decoded one window at a time; ValueError unless it
    is only alphabet and line breaks, with at most two "=" at the very end."""
    stop, padding = _padding(raw, start, end)
    carry = b""
    for at in range(start, stop, WINDOW):
        text = carry + raw[at:min(at + WINDOW, stop)].translate(None, _BREAKS)
        if text.translate(None, _ALPHABET):
            raise ValueError("not plain base64")
        whole = len(text) // 4 * 4
        carry = text[whole:]
        yield _decode(text[:whole])
    yield _decode(carry + padding)      # the last, padded group ("" when none is left)


def _padding(raw: bytes, start: int, end: int) -> tuple[int, bytes]:
    """Where the alphabet stops, and the padding after it."""
    first = raw.find(b"=", start, end)
    if first == -1:
        return end, b""
    tail = _TAIL.match(raw, first, end)
    count = raw.count(b"=", first, end) if tail is not None and tail.end() == end else 3
    if count > 2:
        raise ValueError("base64 padding in the middle")
    return first, b"=" * count


def _decode(text: bytes) -> bytes:
    if len(text) % 4:
        raise ValueError("base64 text of the wrong length")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None


def store_attachment(store: "BlobStore", raw: bytes, item: Attachment) -> str:
    """Digest of the attachment in the store; a body left in the raw message is decoded
    from it window by window, straight into a file."""
    ref = item.body_ref
    if ref is None:
        return store.put(item.payload)
    if store.has(ref.sha256):
        return ref.sha256
    digest, size = store.put_stream(decoded_chunks(raw, ref.start, ref.end))
    if (digest, size) != (ref.sha256, ref.size):
        # not the bytes that were parsed: fail this message rather than record a lie
        raise ValueError(f"attachment {item.filename}: stored {digest}, parsed {ref.sha256}")
    return digest


def _entity(raw: bytes, start: int, end: int, depth: int = 0, default: str = "text/plain",
            outer: tuple[bytes, ...] = ()) -> Iterator[tuple[int, int]]:
    """Body spans of the large base64 leaves in raw[start:end], in order."""
    head = _headers(raw, start, end)
    if head is None:
        return
    headers, body = head
    headers.set_default_type(default)
    if headers.get_content_maintype() == "multipart":
        if depth < MAX_DEPTH:
            yield from _children(raw, headers, body, end, depth, outer)
    elif _candidate(headers, body, end):
        yield body, _strip_break(raw, body, end)


def _headers(raw: bytes, start: int, end: int) -> tuple[Message, int] | None:
    """The part's headers and where its body starts; None for anything unusual."""
    if raw.startswith((b"\n", b"\r\n"), start):
        return None                     # no headers at all: plain text by default
    found = _HEAD_END.search(raw, start, min(end, start + MAX_HEADER))
    if found is None:
        return None
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw[start:found.start()])
    return (headers, found.end()) if not headers.defects else None


def _children(raw: bytes, headers: Message, body: int, end: int, depth: int,
              outer: tuple[bytes, ...]) -> Iterator[tuple[int, int]]:
    boundary = _boundary(headers)
    if boundary is None or boundary in outer:
        return                          # a reused boundary is read differently by parsers
    default = "message/rfc822" if headers.get_content_subtype() == "digest" else "text/plain"
    part = None
    for start, stop, closing in _delimiters(raw, boundary, body, end):
        if part is not None:
            yield from _entity(raw, part, start, depth + 1, default, outer + (boundary,))
        if closing:
            return                      # close delimiter: what follows is epilogue
        part = stop + 1 if raw.startswith(b"\n", stop) else stop
    if part is not None:                # no close delimiter: the last part runs to the end
        yield from _entity(raw, part, end, depth + 1, default, outer + (boundary,))


def _delimiters(raw: bytes, boundary: bytes, start: int,
                end: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is closing) of each delimiter line in raw[start:end]: a line that is
    "--boundary", maybe "--" after it, then only blanks. Found with bytes.find, which skips
    through a large body much faster than a line-anchored regex tried at every byte."""
    marker = b"--" + boundary
    at = start
    while (found := raw.find(marker, at, end)) >= 0:
        at = found + len(marker)
        if found and raw[found - 1] != 0x0A:
            continue                    # not at the start of a line
        tail = _DELIMITER_TAIL.match(raw, at, end)
        if tail is not None:
            yield found, tail.end(), tail.group(1) is not None


def _boundary(headers: Message) -> bytes | None:
    try:
        boundary = headers.get_boundary()
        return boundary.encode("ascii") if boundary else None
    except (UnicodeError, ValueError, TypeError):
        return None


def _candidate(headers: Message, body: int, end: int) -> bool:
    if end - body < LARGE_PART:
        return False
    if transfer_encoding(headers) != "base64":
        return False
    ctype = headers.get_content_type()
    # winmail.dat is opened, not stored: its files are what the ticket keeps
    return not ctype.startswith("message/") and not is_body(headers, ctype) and not is_tnef_part(headers)


def _strip_break(raw: bytes, body: int, end: int) -> int:
    """The line break before a delimiter belongs to the delimiter."""
    for brk in (b"\r\n", b"\n"):
        if raw.endswith(brk, body, end):
            return end - len(brk)
    return end
