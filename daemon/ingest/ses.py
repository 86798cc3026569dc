"""Amazon SES notifications, mailed through SNS as JSON: a bounce, complaint or
delivery report about mail a sender's system sent through SES. They come from a
no-reply address, look like nothing else, and must neither open a ticket nor be
acknowledged; a bounce among them names its failed recipients in the JSON. Pure.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

_OPENS_OBJECT = re.compile(r"\s*\{")
# sendmail breaks a line longer than 990 characters with "!", a line end and a space;
# SNS writes the whole notification on one line, so the JSON reads only without them
_SENDMAIL_BREAK = re.compile(r"!\r?\n ")
# SES feedback notifications (notificationType) and event publishing (eventType)
_KINDS = {"bounce", "complaint", "delivery", "deliverydelay", "reject", "send", "open",
          "click", "renderingfailure", "subscription"}


@dataclass(frozen=True)
class SesNotification:
    kind: str                          # lower-case: "bounce", "complaint", "delivery" ...
    recipients: tuple[str, ...]        # bounced (or complaining) addresses
    permanent: bool                    # bounceType "Permanent"
    diagnostic: str
    message_ids: tuple[str, ...]       # Message-ID of the mail the notice is about, without <>
    subject: str


def ses_notification(text: str) -> SesNotification | None:
    data = _payload(text)
    if data is None:
        return None
    kind = str(data.get("notificationType") or data.get("eventType") or "").lower()
    if kind not in _KINDS:
        return None
    detail = data.get(kind) if isinstance(data.get(kind), dict) else {}
    people = detail.get("bouncedRecipients") or detail.get("complainedRecipients") or []
    recipients = tuple(str(p.get("emailAddress", "")).lower() for p in people
                       if isinstance(p, dict) and p.get("emailAddress"))
    diagnostic = next((str(p["diagnosticCode"]) for p in people
                       if isinstance(p, dict) and p.get("diagnosticCode")), "")
    mail = data.get("mail") if isinstance(data.get("mail"), dict) else {}
    common = mail.get("commonHeaders") if isinstance(mail.get("commonHeaders"), dict) else {}
    ids = [str(common.get("messageId", ""))]
    ids += [str(h.get("value", "")) for h in mail.get("headers") or ()
            if isinstance(h, dict) and str(h.get("name", "")).lower() == "message-id"]
    return SesNotification(
        kind=kind, recipients=recipients,
        permanent=str(detail.get("bounceType", "")).lower() == "permanent",
        diagnostic=" ".join(diagnostic.split())[:300],
        message_ids=tuple(dict.fromkeys(i.strip().strip("<>") for i in ids if i.strip())),
        subject=str(common.get("subject", "")))


def _payload(text: str) -> dict | None:
    """The notification's JSON object: the whole body (SNS 'email-json', possibly with
    the SES message as a string inside) or an object opening the body (SNS 'email',
    followed by the unsubscribe footer). A customer quoting one writes something first."""
    opening = _OPENS_OBJECT.match(text)
    if not opening or ("notificationType" not in text and "eventType" not in text):
        return None
    data = _object_at(text, opening.end() - 1)
    if data is None and _SENDMAIL_BREAK.search(text):
        data = _object_at(_SENDMAIL_BREAK.sub("", text), opening.end() - 1)
    if isinstance(data, dict) and isinstance(data.get("Message"), str):
        try:
            data = json.loads(data["Message"])
        except ValueError:
            return None
    return data if isinstance(data, dict) else None


def _object_at(text: str, start: int) -> object:
    try:
        return json.JSONDecoder().raw_decode(text, start)[0]
    except ValueError:
        return None
