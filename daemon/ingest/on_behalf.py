"""Mail a web form or a no-reply robot sends for a customer names the customer in
Reply-To: the ticket, its acknowledgement and the answers are theirs, not the robot's
(nobody reads noreply@) nor ours (a site's contact form that sends as the support
address would be dropped as our own mail). Pure."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from email.utils import getaddresses

from daemon.ingest.decode import decode_header_value
from daemon.ingest.guards import null_return_path
from daemon.ingest.message import ParsedMessage
from daemon.unattended import nobody_reads


def on_behalf_of(msg: ParsedMessage, support_address: str,
                 staff_by_email: Callable[[str], object]) -> ParsedMessage:
    """The message with its one Reply-To address as the sender when the From is
    nobody's: missing, a no-reply robot, or the support address itself. Our own mail
    never changes: its Reply-To is the support address. Nor does a Reply-To naming a
    staff member: anyone can type one into a form, and staff commands must not follow."""
    support = support_address.lower()
    sender = msg.from_addr
    if len(msg.reply_to) != 1 or (sender and sender != support and not nobody_reads(sender)):
        return msg
    if null_return_path(msg):
        return msg      # a mail system's report: the guards must see it as written
    customer = msg.reply_to[0]
    if customer in (sender, support) or staff_by_email(customer) or nobody_reads(customer):
        return msg
    return replace(msg, from_addr=customer, from_name=_name_of(msg, customer),
                   defects=msg.defects + (f"sender taken from Reply-To (From: {sender or 'none'})",))


def _name_of(msg: ParsedMessage, address: str) -> str:
    """The name written beside the address in Reply-To; the robot's name is not theirs."""
    for name, found in getaddresses(list(msg.header_all("reply-to"))):
        if found.lower() == address and name:
            return decode_header_value(name).strip().strip('"')
    return ""
