"""Signed Message-IDs for the mail soporte sends, so that mail coming back (bounces,
auto-replies, our own messages looping) is recognised as ours.

In: our Message-ID domain and a secret (from the environment, never the TOML).
Out: ids like `soporte.<random>.<mac>@domain`, without angle brackets, and a
constant-time check of such an id. Pure: no clock, no I/O besides `secrets`.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PREFIX = "soporte"
MAC_CHARS = 8
_UNIQUE = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$")


def make_message_id(domain: str, secret: bytes, unique: str | None = None) -> str:
    """A new signed id; `unique` (letters, digits, `-_.`) replaces the random part."""
    body = unique if unique is not None else secrets.token_hex(12)
    if not _UNIQUE.match(body):
        raise ValueError(f"unusable unique part for a Message-ID: {body!r}")
    if not domain or "@" in domain or not secret:
        raise ValueError("a Message-ID needs a domain without '@' and a non-empty secret")
    local = f"{PREFIX}.{body}"
    return f"{local}.{_mac(local, domain, secret)}@{domain.lower()}"


def is_our_message_id(message_id: str, domain: str, secret: bytes) -> bool:
    """True only for an id this installation signed for this domain."""
    local, at, id_domain = message_id.strip().strip("<>").strip().rpartition("@")
    if not at or not secret or id_domain.lower() != domain.lower():
        return False
    signed, dot, mac = local.rpartition(".")
    if not dot or not signed.lower().startswith(PREFIX + "."):
        return False
    expected = _mac(signed, domain, secret)
    return hmac.compare_digest(mac.lower().encode(), expected.encode())


def _mac(local: str, domain: str, secret: bytes) -> str:
    # The domain is signed too, so an id minted for another installation never matches;
    # all lower-case, so a relay that changes the case does not break recognition.
    data = f"{local}@{domain}".lower().encode("utf-8")
    return hmac.new(secret, data, hashlib.sha256).hexdigest()[:MAC_CHARS]
