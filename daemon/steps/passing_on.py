"""What a mail caused by the message being processed carries of it: the files its sender
attached (not their signature logo, an image of the quoted history or a digital
signature), within [limits] max_attachment_bytes together, as the receiving mail server
takes no more. A staff member told of a customer's message gets its files with it: the
photo of the fault or the receipt, without opening the ticket elsewhere."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from daemon.ingest.message import Attachment
from daemon.outbound.compose import FileAttachment
from daemon.outbound.context import human_size
from daemon.outbound.outbox import Mail

if TYPE_CHECKING:
    from daemon.pipeline import Work


@dataclass(frozen=True)
class PassedOn:
    files: tuple[FileAttachment, ...]       # go with the mail
    left_out: tuple[Attachment, ...]        # over the limit together: stay on the ticket only


def files_to_pass_on(work: "Work") -> PassedOn:
    """The message's own files in the order they came, each while the total fits; read
    once, however many mails carry them."""
    if work.passed_on is None:
        work.passed_on = _choose(work)
    return work.passed_on


def _choose(work: "Work") -> PassedOn:
    limit = work.rt.config.limits.max_attachment_bytes
    files: list[FileAttachment] = []
    left_out: list[Attachment] = []
    total = 0
    for item in work.parsed.attachments:
        if item.incidental:
            continue
        if total + item.size > limit:
            left_out.append(item)
            continue
        data = item.payload if item.body_ref is None else work.rt.store.get(item.body_ref.sha256)
        files.append(FileAttachment(item.filename, item.content_type, data))
        total += item.size
    return PassedOn(tuple(files), tuple(left_out))


def file_list(passed: PassedOn) -> list[dict[str, Any]]:
    """Template values: every file, and whether it goes with the mail."""
    return ([{"filename": f.filename, "size": human_size(len(f.data)), "attached": True} for f in passed.files]
            + [{"filename": a.filename, "size": human_size(a.size), "attached": False} for a in passed.left_out])


def message_notice(work: "Work", template: str, to: tuple[str, ...], **extra: Any) -> Mail:
    """A notice about this message, its text as `message`; to staff, its files attached
    (a customer told by a rule gets no copy of what they sent)."""
    passed = files_to_pass_on(work)
    message = {"from": work.parsed.from_addr, "body_text": work.reply.visible if work.reply else "",
               "files": file_list(passed)}
    mail = Mail(template, to, extra={"message": message, **extra})
    return mail if mail.audience == "customer" else replace(mail, attachments=passed.files)
