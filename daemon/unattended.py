"""Addresses nobody reads: no-reply robots and a web server's own account. A message
from one stands for someone else (its Reply-To) or for no one, and an automatic mail
to one is read by nobody and often bounces. Pure."""
from __future__ import annotations

import re

_NOBODY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|no[-_.]?responder|wordpress|www-data|"
                     r"apache|nginx|nobody)(?:[-+_.][^@]*)?@", re.IGNORECASE)


def nobody_reads(address: str) -> bool:
    return _NOBODY.match(address) is not None
