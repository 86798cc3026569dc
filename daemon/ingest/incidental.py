"""Which attachments came with a mail without the customer sending them: a signature
logo or an icon, an image carried along in the quoted history, a digital signature, a
public key. They stay on the ticket and in the raw message, but never count as the
proof of purchase the warranty rule waits for, nor as `has_attachment` in a rule: a
customer whose Outlook signature has a logo has not sent an invoice. Pure.

Only images the HTML shows by cid: are judged, by where they stand and how large they
are shown. An image attached as a file, or shown with no size, counts: a photo of a
receipt pasted into the mail is shown large, a logo is not."""
from __future__ import annotations

from dataclasses import replace

from daemon.ingest.html import CidImage, cid_images
from daemon.ingest.message import Attachment

# CSS pixels: a logo, a banner or an icon is shown narrower or lower than this; a pasted
# photo or scan of a receipt is shown larger on both sides
SMALL_IMAGE = 120
# signatures and keys, and PGP/MIME's "Version: 1" part: no content of their own
SIGNATURE_TYPES = frozenset({
    "application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature",
    "application/pgp-keys", "application/pgp-encrypted"})


def mark_incidental(attachments: tuple[Attachment, ...], html: str, *,
                    forwarded: bool = False) -> tuple[Attachment, ...]:
    """`forwarded`: the mail passes on another one, whose images are what is being sent
    (a shop's receipt forwarded), so an image in the history counts."""
    if not any(_may_be_incidental(a) for a in attachments):
        return attachments
    shown: dict[str, list[CidImage]] = {}
    if html and "cid:" in html.lower():
        for image in cid_images(html):
            shown.setdefault(image.content_id, []).append(image)
    return tuple(replace(a, incidental=True) if _incidental(a, shown, forwarded) else a
                 for a in attachments)


def _may_be_incidental(attachment: Attachment) -> bool:
    return not attachment.incidental and (
        attachment.content_type in SIGNATURE_TYPES or bool(attachment.content_id))


def _incidental(attachment: Attachment, shown: dict[str, list[CidImage]], forwarded: bool) -> bool:
    if attachment.incidental or attachment.content_type in SIGNATURE_TYPES:
        return True
    uses = shown.get(attachment.content_id.lower()) if attachment.content_id else None
    return bool(uses) and all(_decoration(use, forwarded) for use in uses)


def _decoration(image: CidImage, forwarded: bool) -> bool:
    small = any(side is not None and side < SMALL_IMAGE for side in (image.width, image.height))
    return small or image.in_signature or (image.in_history and not forwarded)
