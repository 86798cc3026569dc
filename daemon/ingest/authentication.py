"""Whether a staff member's mail is authenticated: an Authentication-Results header
(RFC 8601) added by OUR server (`authserv_id`) showing dkim=pass or spf=pass for the
sender's domain. Headers from other servers are ignored: anyone can write one. Pure."""
from __future__ import annotations

import re

from daemon.ingest.message import ParsedMessage

_RESULT = re.compile(r"\b(dkim|spf)\s*=\s*(\w+)([^;]*)", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:header\.d|header\.i|smtp\.mailfrom|smtp\.helo|header\.from)\s*=\s*\"?([^\s;\"]+)",
                     re.IGNORECASE)


def staff_authenticated(msg: ParsedMessage, authserv_id: str) -> bool:
    domain = msg.from_addr.rpartition("@")[2]
    return any(_passes(value, authserv_id, domain) for value in msg.header_all("authentication-results"))


def _passes(header: str, authserv_id: str, domain: str) -> bool:
    server, _, results = header.partition(";")
    words = server.split()
    if not words or words[0].lower() != authserv_id.lower():
        return False
    for method, verdict, props in _RESULT.findall(results):
        if verdict.lower() != "pass":
            continue
        domains = [d.rpartition("@")[2].lower() for d in _DOMAIN.findall(props)]
        if domain.lower() in domains:      # a pass for some other domain proves nothing
            return True
    return False
