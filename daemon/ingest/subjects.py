"""What a subject's prefix says about the message under it. One pattern, because the
same "Fwd:" decides both how a body is split and whether a report is a person's."""
from __future__ import annotations

import re

# Forward prefixes in the languages mail clients write them in ("I:" Italian, "VS:"
# Norwegian and Danish, "Doorst:" Dutch, "Továbbítás:" Hungarian...)
_FORWARD_PREFIX = re.compile(
    r"^\s*(?:fw|fwd|tr|wg|rv|enc|reenv|reenviado|vs|vb|vl|i|pd|doorst|továbbítás|转发|轉寄|전달)\s*[:：]",
    re.IGNORECASE)


def is_forward(subject: str | None) -> bool:
    """Outlook forwards look like replies in the body; only the subject tells them apart."""
    return _FORWARD_PREFIX.match(subject or "") is not None
