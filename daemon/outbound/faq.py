"""Which FAQ links to offer in an acknowledgement: entries whose keywords appear in the
customer's subject or text (accent- and case-insensitive). Pure."""
from __future__ import annotations

import unicodedata
from typing import Any, Sequence


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def matching_faq(entries: Sequence[Any], text: str, limit: int = 5) -> list[dict[str, str]]:
    haystack = fold(text)
    found = [e for e in entries if any(fold(k) in haystack for k in e.keywords)]
    return [{"title": e.title, "url": e.url} for e in found[:limit]]
