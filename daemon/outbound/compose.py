"""Builds one outgoing email (bytes) from rendered parts and an envelope. Pure. The
token goes into the subject here so no template can forget it; automatic mail carries
Auto-Submitted and X-Auto-Response-Suppress so other robots stay quiet; staff never
appear in any header: From and Reply-To are always the support address.

Written out directly rather than through email.mime: every acknowledgement is composed
inside the ingest transaction, and the stdlib generator (policy objects, header folding
in Python) cost more than everything else about queuing it. The shapes it produces are
few and fixed: multipart/alternative (text + HTML, quoted-printable, readable in the
raw), inside multipart/mixed when there are attachments (base64). Lines end in CRLF and
stay within 78 characters where the standards ask it (998 at most anywhere)."""
from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.utils import encode_rfc2231, format_datetime, formataddr

from daemon.outbound.templates import Rendered

CRLF = "\r\n"
LINE = 78                      # RFC 5322's recommended line length
WORD_BYTES = 39                # UTF-8 bytes per encoded word: "Subject: " + 64 characters
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


@dataclass(frozen=True)
class FileAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Envelope:
    from_name: str
    from_addr: str
    to: tuple[str, ...]
    message_id: str                     # without <>
    date: datetime
    loop_marker: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    automatic: str | None = "auto-replied"   # Auto-Submitted value, None for human replies


def compose(envelope: Envelope, body: Rendered, attachments: tuple[FileAttachment, ...] = ()) -> bytes:
    content_type, content = _multipart("alternative", [_text_part(body.text, "plain"),
                                                       _text_part(body.html, "html")])
    if attachments:
        inner = f"Content-Type: {content_type}{CRLF}{CRLF}".encode() + content
        content_type, content = _multipart("mixed", [inner, *map(_attachment, attachments)])
    headers = _headers(envelope, body.subject) + [("MIME-Version", "1.0"), ("Content-Type", content_type)]
    head = "".join(f"{name}: {value}{CRLF}" for name, value in headers)
    return head.encode("utf-8") + CRLF.encode() + content


def _headers(envelope: Envelope, subject: str) -> list[tuple[str, str]]:
    headers = [
        ("From", _address(envelope.from_name, envelope.from_addr)),
        ("Reply-To", _one_line(envelope.from_addr)),
        ("To", _fold_list("To", [_one_line(a) for a in envelope.to], ",")),
        ("Subject", _unstructured("Subject", subject)),
        ("Date", format_datetime(envelope.date)),
        ("Message-ID", f"<{_one_line(envelope.message_id)}>"),
    ]
    if envelope.in_reply_to:
        headers.append(("In-Reply-To", f"<{_one_line(envelope.in_reply_to)}>"))
    if envelope.references:
        headers.append(("References", _fold_list("References", [f"<{_one_line(r)}>" for r in envelope.references])))
    headers.append(("X-Loop", _one_line(envelope.loop_marker)))
    if envelope.automatic:
        headers += [("Auto-Submitted", _one_line(envelope.automatic)), ("X-Auto-Response-Suppress", "All")]
    return headers


def _one_line(value: str) -> str:
    """No header value may smuggle in a line break (and with it, a header of its own)."""
    return " ".join(value.split()) if ("\r" in value or "\n" in value) else value


def _address(name: str, addr: str) -> str:
    name, addr = _one_line(name), _one_line(addr)
    if not name:
        return addr
    if name.isascii():
        return formataddr((name, addr))          # quotes the name where it needs it
    return f"{_encoded_words(name)} <{addr}>"


def _unstructured(name: str, value: str) -> str:
    """Plain text as a header: folded at spaces; RFC 2047 encoded words when not ASCII."""
    value = " ".join(value.split())
    if not value.isascii():
        return _encoded_words(value)
    return _fold_list(name, value.split(" "))


def _fold_list(name: str, items: list[str], separator: str = "") -> str:
    """Items joined by `separator` and a space, a new continuation line before any item
    that would carry its line past LINE (a single overlong item keeps a line to itself)."""
    lines, used = [""], len(name) + 2
    for index, item in enumerate(items):
        piece = item + (separator if index < len(items) - 1 else "")
        if lines[-1] and used + 1 + len(piece) > LINE:
            lines.append("")
            used = 1
        if lines[-1]:
            lines[-1] += " "
            used += 1
        lines[-1] += piece
        used += len(piece)
    return (CRLF + " ").join(lines)


def _encoded_words(text: str) -> str:
    """RFC 2047 "B" words of at most WORD_BYTES of UTF-8 each, never splitting a
    character, one per line: each line stays within LINE after a short header name."""
    words, chunk = [], b""
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return (CRLF + " ").join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def _text_part(text: str, subtype: str) -> bytes:
    """Quoted-printable: plain Spanish stays readable in the raw; lines of at most 76."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(lines, quotetabs=False, istext=True, header=False).replace(b"\n", b"\r\n")
    head = f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}Content-Transfer-Encoding: quoted-printable{CRLF}'
    return head.encode() + CRLF.encode() + encoded


def _attachment(item: FileAttachment) -> bytes:
    content_type = item.content_type.strip().lower()
    maintype, _, subtype = content_type.partition("/")
    if not (_TOKEN.match(maintype) and _TOKEN.match(subtype)):
        content_type = "application/octet-stream"
    filename = _one_line(item.filename) or "adjunto"
    if filename.isascii():
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        name_param = f'filename="{quoted}"'
    else:
        name_param = f"filename*={encode_rfc2231(filename, 'utf-8')}"
    head = (f"Content-Type: {content_type}{CRLF}Content-Transfer-Encoding: base64{CRLF}"
            f"Content-Disposition: attachment;{CRLF} {name_param}{CRLF}{CRLF}")
    return head.encode() + base64.encodebytes(item.data).replace(b"\n", b"\r\n")


def _multipart(subtype: str, parts: list[bytes]) -> tuple[str, bytes]:
    """The boundary begins with "=_", which neither quoted-printable nor base64 can
    produce, so no part can contain it. The CRLF before each delimiter belongs to the
    delimiter, not to the part: a text's own last line break survives."""
    boundary = f"=_soporte_{secrets.token_hex(12)}"
    delimiter = f"--{boundary}{CRLF}".encode()
    body = b"".join(delimiter + part + CRLF.encode() for part in parts)
    return f'multipart/{subtype};{CRLF} boundary="{boundary}"', body + f"--{boundary}--{CRLF}".encode()
