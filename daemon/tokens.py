"""Ticket tokens (`SOP-000123`): formatting, finding them in subjects, and putting ours
into an outgoing subject. Pure. Our token is never truncated; other systems' tokens in
a subject are left alone."""
from __future__ import annotations

import re
from functools import lru_cache


def format_token(prefix: str, digits: int, number: int) -> str:
    return f"{prefix.upper()}-{number:0{digits}d}"


@lru_cache(maxsize=16)
def _token_pattern(prefix: str, digits: int) -> re.Pattern[str]:
    # glued text is fine ("Re:[SOP-000123]Factura"), a longer number is not ours
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(prefix)}-(\d{{{digits}}})(?!\d)", re.IGNORECASE)


def find_tokens(subject: str, prefix: str, digits: int) -> list[str]:
    """Every token of ours in the subject, in order of appearance, normalised."""
    pattern = _token_pattern(prefix, digits)
    return [format_token(prefix, digits, int(m.group(1))) for m in pattern.finditer(subject or "")]


def subject_with_token(subject: str, token: str, prefix: str, digits: int) -> str:
    """Our token once, in brackets, in front; everything else in the subject kept."""
    clean = subject or ""
    if token in find_tokens(clean, prefix, digits):
        return clean
    return f"[{token}] {clean}".strip()
