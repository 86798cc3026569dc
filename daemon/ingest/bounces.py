"""What a bounce says: which recipients failed, for good or for now, and which of the
messages we sent it returns (so the outbox row and the ticket can be found).

In: a `ParsedMessage` already judged to be a bounce. Out: a frozen `BounceInfo`.
DSNs (RFC 3464) are read field by field; other bounces are scraped as a best effort.
Pure: reads only the parsed message (its DSN parts arrive as attachments).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, message_from_string
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses

from daemon.ingest.decode import decode_header_value, unfold
from daemon.ingest.message import Attachment, ParsedMessage
from daemon.ingest.ses import ses_notification

_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")
_ORIGINAL_TYPES = ("message/rfc822", "message/global", "text/rfc822-headers",
                   "message/global-headers", "text/rfc822")
_SUCCESS_ACTIONS = ("delivered", "relayed", "expanded")
# RFC 3464's "failed", and the "expired" some senders (SendGrid) write when they give up
_GAVE_UP_ACTIONS = ("failed", "expired", "fail")      # "fail": not RFC 3464's, but written
_STATUS_FIELD = re.compile(r"^final-recipient:", re.IGNORECASE | re.MULTILINE)
_ACTION_FIELD = re.compile(r"^action:", re.IGNORECASE | re.MULTILINE)
_TO_LINE = re.compile(r"^[ \t>]*to:[ \t]*(.+)$", re.IGNORECASE | re.MULTILINE)
# An MTA's own verdict outranks a remote server's wording ("451 Temporary lookup failure"
# in a bounce Exim gave up on)
_PERMANENT = re.compile(r"permanent (?:error|failure)|permanently|fatal error|"
                        r"retry (?:timeout|time not reached for any host) exceeded|giving up",
                        re.IGNORECASE)
# RFC 6531 allows letters and emoji beyond ASCII in the local part ("josé@x", "🐈@x" fail
# where SMTPUTF8 is not offered); never spaces or punctuation such as "«" or a no-break space
_ADDRESS = re.compile(r"(?:[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]|[^\W\d_\x00-\x7f]|[\u2600-\u27bf\U0001F000-\U0001FAFF])+"
                      r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# X.400 gateways (old Exchange) write the address typed: "dda:SMTP=user@example.org"
_ADDRESS_TYPE = re.compile(r"^(?:smtp|rfc822)=", re.IGNORECASE)
_MSGID_LINE = re.compile(r"^\s*>?\s*message-id:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)
_SUBJECT_LINE = re.compile(r"^\s*>?\s*subject:[ \t]*(.*)$", re.IGNORECASE | re.MULTILINE)
# Exim's delay warning returns no copy, only "The subject of the message is: ..."
_SUBJECT_NAMED = re.compile(r"^[ \t]*the subject of the message is:[ \t]*(.{1,998})$", re.IGNORECASE | re.MULTILINE)
_SMTP_CODE = re.compile(r"\b([45])[0-9][0-9][ -]|#([45])\.\d+\.\d+|\b([45])\.\d{1,3}\.\d{1,3}\b")
_TEMPORARY = re.compile(
    r"delayed|postponed|will (?:keep|continue|be) (?:trying|retried|to try)|will retry|"
    r"still trying|attempts will continue|temporar|not yet been delivered|warning:|"
    r"delivery warning|advisory|no se ha entregado todav|se(?:guir[aá]|volver[aá]) a intentar",
    re.IGNORECASE)
# Where scraped bounces start quoting the message they return: addresses below this
# line are the original's (often ours), not the failed recipients.
_COPY_MARKERS = re.compile(
    r"^.*(?:copy of the (?:original )?message|is a copy of your message|"
    r"(?:original|unsent) message follows?|message headers follow|original message headers|"
    r"below this line|"
    r"returned message (?:follows|below)|-+ *returned message|mensaje original).*$|"
    r"^[ \t>]*(?:received|return-path):", re.IGNORECASE | re.MULTILINE)
# Where a report names the sender or the message, not a failed recipient: the SMTP
# dialogue's MAIL FROM, the lines of an echoed header summary ("Your message / To: /
# From:"), "not accepting mail from x@y" (AOL), "message-id of <x@y>" (abuse reports),
# the helpdesk a Japanese ISP names ("<support@isp>へご連絡ください")
_SENDER_LINES = re.compile(r"mail from:[^\n]*|^[ \t>]*(?:from|sender|reply-to|to|cc|message-id|in-reply-to|"
                           r"references|original-envelope-id):[^\n]*|"
                           # who to ask for help, a list's footer: "please contact <support@isp>" (to
                           # the end of the line: "<ana@x>: 554 denied, please contact us" keeps ana@x)
                           r"(?:please contact|further assistance|to unsubscribe|additional commands)[^\n]*|"
                           # an address to write to instead: "Contact helpdesk@isp for delisting",
                           # "email us at", "send an e-mail from another address to", "should now be sent to"
                           r"\b(?:contact|write to)\s+(?=<?[^\s<>@]+@)[^\n]*|\b(?:e-?mail|write to|reach) us at\b[^\n]*|"
                           r"\bfrom another (?:address|account) to\b[^\n]*|\bshould now be sent to\b[^\n]*|"
                           r"<?[^\s<>@]+@[^\s<>]+>?\s*(?:へ|まで)ご?(?:連絡|問い?合わ?せ)|"
                           r"(?:accepting|accept|refuses?|blocking|blocked) (?:mail|messages?|e-?mail) from\s+\S+|"
                           r"message-id\s+(?:of\s+)?<[^<>\s]+>",
                           re.IGNORECASE | re.MULTILINE)

# Who a report says to contact ("please contact <postmaster@x>", "System Contact:
# postmaster@x"): the mail system's own roles, never the customer we wrote to
_SYSTEM_ROLE = re.compile(r"(?:postmaster|mailer-daemon|hostmaster|abuse)@", re.IGNORECASE)


@dataclass(frozen=True)
class BounceInfo:
    original_message_ids: tuple[str, ...]   # without <>, of the messages returned
    failed_recipients: tuple[str, ...]      # lower-case addresses
    permanent: bool                         # the server gave up; False while it keeps trying
    diagnostic: str                         # the remote server's words, one line
    original_subject: str = ""              # of the returned message, "" if unknown


@dataclass(frozen=True)
class _Status:
    recipient: str
    action: str
    status: str
    diagnostic: str


def bounce_info(msg: ParsedMessage, ignore: tuple[str, ...] = ()) -> BounceInfo:
    """`ignore`: addresses never reported as failed (our own, when scraping)."""
    notice = ses_notification(msg.text)
    if notice is not None and notice.kind == "bounce":
        return BounceInfo(notice.message_ids, _unique(a for a in notice.recipients if a not in ignore),
                          notice.permanent, notice.diagnostic, notice.subject)
    statuses = _statuses(msg)
    originals = [_returned(m) for m in _originals(msg)]
    listed = [a for v in msg.header_all("x-failed-recipients") for a in _ADDRESS.findall(v)]
    if statuses:
        # one report may say that a recipient got it, another is still being tried
        # and a third failed: only the failures, or failing those the delays, count
        unsent = [s for s in statuses if not _succeeded(s)] or statuses
        failed = [s for s in unsent if _gave_up(s)]
        reported = failed or unsent
        recipients = [s.recipient for s in reported if s.recipient]
        permanent = _dsn_permanent(reported)
        diagnostic = next((s.diagnostic for s in reported if s.diagnostic), "")
    else:
        # the MTA's own list, when it gives one, is better than anything scraped
        recipients = [] if listed else _scraped_recipients(msg.text)
        report = msg.subject + "\n" + _before_copy_marker(msg.text)
        permanent = bool(_PERMANENT.search(report)) or not _TEMPORARY.search(report)
        diagnostic = _scraped_diagnostic(msg.text)
    if listed or recipients:
        recipients += listed
    else:   # a report naming nobody: the one addressee of the message it returns
        recipients = _sole_recipient(originals) if originals else _sole_inline_recipient(msg.text)
    addressees = tuple(a.lower() for a in msg.recipients)
    return BounceInfo(
        # a bounce that says In-Reply-To (Zoho) names the message it returns
        original_message_ids=_original_ids(originals, msg.text) or msg.in_reply_to,
        # a report goes back to whoever sent the message, never to who it failed for
        failed_recipients=_unique(a.lower().strip("'") for a in recipients
                                  if a.lower().strip("'") not in ignore + (msg.from_addr,) + addressees),
        permanent=permanent,
        diagnostic=diagnostic,
        original_subject=_original_subject(originals, msg.text),
    )


def _statuses(msg: ParsedMessage) -> list[_Status]:
    found: list[_Status] = []
    for att in msg.attachments:
        if att.content_type in _STATUS_TYPES:
            found.extend(_parse_status(att.payload))
    return found or _forwarded_statuses(msg) or _text_statuses(msg.text)


def _text_statuses(text: str) -> list[_Status]:
    """Delivery-status fields written in the text (an old sendmail's report, or a
    multipart whose boundary broke): the blocks naming a recipient and an action are
    per-recipient statuses all the same, so a delayed one is not taken for failed."""
    if not _STATUS_FIELD.search(text):
        return []
    blocks = [b for b in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
              if _STATUS_FIELD.search(b) and _ACTION_FIELD.search(b)]
    return _parse_status("\n\n".join(blocks).encode("utf-8", "surrogateescape")) if blocks else []


def _forwarded_statuses(msg: ParsedMessage) -> list[_Status]:
    """A DSN forwarded as an attachment (by a list or a person) still names the
    failed recipients in its own delivery-status part."""
    found: list[_Status] = []
    for original in _originals(msg):
        for part in original.walk():
            if part.get_content_type() in _STATUS_TYPES and part.is_multipart():
                found.extend(_parse_status(_blocks_bytes(part)))
    return found


def _blocks_bytes(part: Message) -> bytes:
    blocks = [b.as_string() for b in part.get_payload() if isinstance(b, Message)]
    return "\n".join(blocks).encode("utf-8", "surrogateescape")


def _parse_status(payload: bytes) -> list[_Status]:
    """Per-recipient blocks of a delivery-status body (the first block is per-message)."""
    text = payload.decode("utf-8", "replace").replace("\r\n", "\n")
    blocks = [b for b in re.split(r"\n[ \t]*\n", text) if b.strip()]
    statuses = []
    for block in blocks:
        fields = _fields(block)
        # The original recipient is the address we wrote to; the final one may be an
        # internal alias (user@localhost-daemon) or an X.400 name.
        recipient = (_typed_address(fields.get("original-recipient", ""))
                     or _typed_address(fields.get("final-recipient", "")))
        if recipient or "action" in fields:
            statuses.append(_Status(recipient, fields.get("action", "").lower(),
                                    fields.get("status", ""), _typed_value(fields.get("diagnostic-code", ""))))
    return statuses


def _fields(block: str) -> dict[str, str]:
    parsed = message_from_bytes(block.strip().encode("utf-8", "replace") + b"\n\n", policy=compat32)
    return {k.lower(): unfold(str(v)) for k, v in parsed.items()}


def _typed_value(value: str) -> str:
    """`rfc822; user@example` and `smtp; 550 ...` carry a type before the ';'."""
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def _typed_address(value: str) -> str:
    found = _ADDRESS.search(_typed_value(value))
    return found.group(0).lower() if found else ""


def returns_a_copy(msg: ParsedMessage) -> bool:
    """The report carries the message it returns: attached, or below a copy marker."""
    return bool(_originals(msg)) or _COPY_MARKERS.search(msg.text) is not None


def delivery_succeeded(msg: ParsedMessage) -> bool:
    """A delivery report that only says "delivered" or "relayed" (a return receipt
    asked for by a sender, status 2.x.x): not a failure of anything."""
    statuses = _statuses(msg)
    return bool(statuses) and all(map(_succeeded, statuses))


def _succeeded(status: _Status) -> bool:
    return status.action in _SUCCESS_ACTIONS or status.status.strip().startswith("2")


def _gave_up(status: _Status) -> bool:
    """The server will not try again: the mail did not arrive, whatever the cause
    (a 4.x.x "failed" is a mailbox full for days)."""
    return status.action in _GAVE_UP_ACTIONS or status.status.strip().startswith("5")


def _dsn_permanent(statuses: list[_Status]) -> bool:
    """A report that names recipients and no delay: they failed."""
    return not any(s.action or s.status.strip() for s in statuses) or any(map(_gave_up, statuses))


def _originals(msg: ParsedMessage) -> list[Message]:
    return [_headers_of(att) for att in msg.attachments if att.content_type in _ORIGINAL_TYPES]


def _sole_inline_recipient(text: str) -> list[str]:
    """A report that names nobody and quotes the returned message's headers in its text
    ("Original Message: / To: x@y"): the one address they went to, when they went to one."""
    found = list(dict.fromkeys(a.lower() for _, a in getaddresses(_TO_LINE.findall(text)) if "@" in a))
    return found if len(found) == 1 else []


def _sole_recipient(originals: list[Message]) -> list[str]:
    """A report that names nobody (Postfix returning only the headers): the one address
    the returned message went to, when it went to one."""
    for original in originals:
        found = [a for _, a in getaddresses([str(v) for v in original.get_all("To", [])]) if "@" in a]
        if found:
            return found if len(found) == 1 else []
    return []


def _returned(original: Message) -> Message:
    """The message a report returns: Exchange wraps its whole report in another message
    (x-ms-embedded-report), whose own Message-ID names no message of ours."""
    if original.get_content_type() != "multipart/report":
        return original
    for part in original.walk():
        if part is not original and part.get_content_type() in _ORIGINAL_TYPES:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                inner = inner[0] if inner[0].keys() else inner[0].get_payload()
            if isinstance(inner, str):   # a blank line before the returned headers
                inner = message_from_string(inner.lstrip("\r\n"), policy=compat32)
            return inner if isinstance(inner, Message) else original
    return original


def _headers_of(att: Attachment) -> Message:
    payload = att.payload
    if att.content_type == "text/rfc822" and payload[:1] in (b" ", b"\t"):
        # Zoho indents the returned headers; unindented, they are headers again
        payload = re.sub(rb"(?m)^[ \t]+", b"", payload)
    return message_from_bytes(payload.lstrip(b"\r\n"), policy=compat32)   # a blank line before them too


def _original_ids(originals: list[Message], text: str) -> tuple[str, ...]:
    ids = [_bare_id(m.get("Message-ID", "")) for m in originals]
    ids += _MSGID_LINE.findall(text)
    return _unique(i for i in ids if i)


def _bare_id(value: object) -> str:
    found = re.search(r"<\s*([^<>\s]+)\s*>", str(value))
    return found.group(1) if found else str(value).strip()


def _original_subject(originals: list[Message], text: str) -> str:
    for original in originals:
        if original.get("Subject") is not None:
            return decode_header_value(original.get("Subject"))
    found = _SUBJECT_LINE.search(_after_copy_marker(text)) or _SUBJECT_NAMED.search(text)
    return decode_header_value(found.group(1)) if found else ""


def _before_copy_marker(text: str) -> str:
    marker = _COPY_MARKERS.search(text)
    return text[: marker.start()] if marker else text


def _after_copy_marker(text: str) -> str:
    marker = _COPY_MARKERS.search(text)
    return text[marker.start():] if marker else ""


def _scraped_recipients(text: str) -> list[str]:
    report = _SENDER_LINES.sub("", _before_copy_marker(text))
    found = (_ADDRESS_TYPE.sub("", address) for address in _ADDRESS.findall(report))
    return [address for address in found if not _SYSTEM_ROLE.match(address)]


def _scraped_diagnostic(text: str) -> str:
    for line in _before_copy_marker(text).splitlines():
        if _SMTP_CODE.search(line):
            return line.strip()[:300]
    return ""


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
