"""text/enriched (RFC 1896) and its ancestor text/richtext as plain text: what Eudora
and older Apple Mail send as the body, or as the version beside the HTML. Pure."""
from __future__ import annotations

import re

ENRICHED_TYPES = ("text/enriched", "text/richtext")
_TOKEN = re.compile(r"<<|<(/?)([A-Za-z0-9-]{1,60})>")
_BREAKS = re.compile(r"\n+")
_RICHTEXT_BREAKS = {"nl": "\n", "np": "\n\n", "lt": "<"}


def _without_params(text: str) -> str:
    """<param>...</param> is data for the command before it, not text."""
    low, out, position = text.lower(), [], 0
    while (start := low.find("<param>", position)) >= 0:
        end = low.find("</param>", start)
        if end < 0:
            break
        out.append(text[position:start])
        position = end + len("</param>")
    return "".join(out) + text[position:]


def enriched_to_text(text: str, richtext: bool = False) -> str:
    """Commands dropped, "<<" read as "<"; in text/enriched a single line break is a
    space and n breaks are n-1; text/richtext breaks lines only with <nl> and <np>."""
    text = _without_params(text.replace("\r\n", "\n"))
    if not richtext:
        text = _BREAKS.sub(lambda m: " " if len(m.group()) == 1 else "\n" * (len(m.group()) - 1), text)

    def command(found: re.Match) -> str:
        if found.group(0) == "<<":
            return "<"
        name = found.group(2).lower()
        return _RICHTEXT_BREAKS.get(name, "") if richtext and not found.group(1) else ""
    return _TOKEN.sub(command, text)
