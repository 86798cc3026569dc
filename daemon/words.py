"""Comparing words the way people type them: without regard to case or accents, so
`Categoría`, `categoria` and `CATEGORIA` are one word. Used for staff commands and
their values, and for FAQ keywords in a customer's whole message. Pure."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():
        return decomposed
    # a whole message may be folded: look at each distinct character once, and drop
    # each mark found (usually a handful: acute, tilde, diaeresis) in one C pass
    for mark in [c for c in set(decomposed) if unicodedata.combining(c)]:
        decomposed = decomposed.replace(mark, "")
    return decomposed
