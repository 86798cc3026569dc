"""Builds one outgoing email (bytes) from rendered parts and an envelope. Pure. The
token goes into the subject here so no template can forget it; automatic mail carries
Auto-Submitted and X-Auto-Response-Suppress so other robots stay quiet; staff never
appear in any header: From and Reply-To are always the support address."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from daemon.outbound.templates import Rendered


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
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((envelope.from_name, envelope.from_addr))
    msg["Reply-To"] = envelope.from_addr
    msg["To"] = ", ".join(envelope.to)
    msg["Subject"] = body.subject
    msg["Date"] = format_datetime(envelope.date)
    msg["Message-ID"] = f"<{envelope.message_id}>"
    if envelope.in_reply_to:
        msg["In-Reply-To"] = f"<{envelope.in_reply_to}>"
    if envelope.references:
        msg["References"] = " ".join(f"<{r}>" for r in envelope.references)
    msg["X-Loop"] = envelope.loop_marker
    if envelope.automatic:
        msg["Auto-Submitted"] = envelope.automatic
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(body.text, charset="utf-8")
    msg.add_alternative(body.html, subtype="html", charset="utf-8")
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        msg.add_attachment(item.data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=item.filename)
    return msg.as_bytes()
