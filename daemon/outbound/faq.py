"""Which FAQ links to offer in an acknowledgement: entries whose keywords appear in the
customer's subject or text (accent- and case-insensitive). Pure."""
from __future__ import annotations

from typing import Any, Sequence

from daemon.words import fold


def matching_faq(entries: Sequence[Any], text: str, limit: int = 5) -> list[dict[str, str]]:
    haystack = fold(text)
    found = [e for e in entries if any(fold(k) in haystack for k in e.keywords)]
    return [{"title": e.title, "url": e.url} for e in found[:limit]]
