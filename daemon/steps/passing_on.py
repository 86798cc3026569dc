"""What a mail caused by the message being processed carries of it: the files its sender
attached (not their signature logo, an image of the quoted history or a digital
signature), within [limits] max_attachment_bytes together, as the receiving mail server
takes no more. A staff member told of a customer's message gets its files with it: the
photo of the fault or the receipt, without opening the ticket elsewhere."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from daemon.outbound.compose import FileAttachment
from daemon.outbound.context import human_size
from daemon.outbound.outbox import Mail

if TYPE_CHECKING:
    from daemon.db.models import Attachment as StoredAttachment
    from daemon.pipeline import Work


@dataclass(frozen=True)
class PassedOn:
    files: tuple[FileAttachment, ...]       # go with the mail
    left_out: tuple[Any, ...]               # over the limit together: stay on the ticket only


def files_to_pass_on(work: "Work") -> PassedOn:
    """The message's own files in the order they came, each while the total fits; read
    once, however many mails carry them."""
    if work.passed_on is None:
        store = work.rt.store
        work.passed_on = choose_files(
            work.parsed.attachments, work.rt.config.limits.max_attachment_bytes,
            lambda item: item.payload if item.body_ref is None else store.get(item.body_ref.sha256))
    return work.passed_on


def stored_files_to_pass_on(work: "Work", rows: Iterable["StoredAttachment"]) -> PassedOn:
    """The same choice for the files of a message already on the ticket; one that was
    over the limit when it came was never stored and stays in the raw message only."""
    store = work.rt.store
    return choose_files(rows, work.rt.config.limits.max_attachment_bytes,
                        lambda row: store.get(row.sha256) if row.sha256 else None)


def choose_files(items: Iterable[Any], limit: int, read: Callable[[Any], bytes | None]) -> PassedOn:
    """Items have filename, content_type, size and incidental; `read` gives the bytes,
    or None when they are not at hand."""
    files: list[FileAttachment] = []
    left_out: list[Any] = []
    total = 0
    for item in items:
        if item.incidental:
            continue
        data = read(item) if total + item.size <= limit else None
        if data is None:
            left_out.append(item)
            continue
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
    return notice_with_files(template, to, work.parsed.from_addr,
                             work.reply.visible if work.reply else "", files_to_pass_on(work), **extra)


def notice_with_files(template: str, to: tuple[str, ...], sender: str, text: str, passed: PassedOn,
                      **extra: Any) -> Mail:
    message = {"from": sender, "body_text": text, "files": file_list(passed)}
    mail = Mail(template, to, extra={"message": message, **extra})
    return mail if mail.audience == "customer" else replace(mail, attachments=passed.files)
