"""Builds one outgoing email (bytes) from rendered parts and an envelope. Pure. The
token goes into the subject here so no template can forget it; automatic mail carries
Auto-Submitted and X-Auto-Response-Suppress so other robots stay quiet; staff never
appear in any header: From and Reply-To are always the support address."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr

from daemon.outbound.templates import Rendered

SMTP_COMPAT = compat32.clone(linesep="\r\n")


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
    # the compat32 MIME classes: several times faster than EmailMessage's header objects,
    # which matters when every acknowledgement is composed inside the ingest transaction
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(body.text, "plain", "utf-8"))
    alternative.attach(MIMEText(body.html, "html", "utf-8"))
    msg = alternative
    if attachments:
        msg = MIMEMultipart("mixed")
        msg.attach(alternative)
        for item in attachments:
            msg.attach(_attachment(item))
    for name, value in _headers(envelope, body.subject):
        msg[name] = value
    return msg.as_bytes(policy=SMTP_COMPAT)


def _headers(envelope: Envelope, subject: str) -> list[tuple[str, str | Header]]:
    headers: list[tuple[str, str | Header]] = [
        ("From", formataddr((envelope.from_name, envelope.from_addr), charset="utf-8")),
        ("Reply-To", envelope.from_addr),
        ("To", ", ".join(envelope.to)),
        ("Subject", Header(subject, "utf-8") if not subject.isascii() else subject),
        ("Date", format_datetime(envelope.date)),
        ("Message-ID", f"<{envelope.message_id}>"),
    ]
    if envelope.in_reply_to:
        headers.append(("In-Reply-To", f"<{envelope.in_reply_to}>"))
    if envelope.references:
        headers.append(("References", " ".join(f"<{r}>" for r in envelope.references)))
    headers.append(("X-Loop", envelope.loop_marker))
    if envelope.automatic:
        headers += [("Auto-Submitted", envelope.automatic), ("X-Auto-Response-Suppress", "All")]
    return headers


def _attachment(item: FileAttachment) -> MIMEBase:
    maintype, _, subtype = item.content_type.partition("/")
    part = MIMEBase(maintype, subtype or "octet-stream")
    part.set_payload(item.data)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=item.filename)
    return part
