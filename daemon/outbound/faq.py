"""Which FAQ links to offer in an acknowledgement: entries whose keywords appear in the
customer's subject or text (accent- and case-insensitive). Pure."""
from __future__ import annotations

import unicodedata
from typing import Any, Sequence


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():
        return decomposed
    # a customer's whole message is folded: look at each distinct character once, and
    # drop each mark found (usually a handful: acute, tilde, diaeresis) in one C pass
    for mark in {c for c in set(decomposed) if unicodedata.combining(c)}:
        decomposed = decomposed.replace(mark, "")
    return decomposed


def matching_faq(entries: Sequence[Any], text: str, limit: int = 5) -> list[dict[str, str]]:
    haystack = fold(text)
    found = [e for e in entries if any(fold(k) in haystack for k in e.keywords)]
    return [{"title": e.title, "url": e.url} for e in found[:limit]]
