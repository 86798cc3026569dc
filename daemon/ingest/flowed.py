"""Undo format=flowed (RFC 3676): the paragraphs a customer typed, not the 72-column
lines their client (Thunderbird, Apple Mail, K-9 ...) cut them into for the wire.

A line ending in a space is continued by the next line of the same quote depth; with
delsp=yes that space was added by the client and goes too. Space-stuffing is undone,
quote markers are written back as on the wire (">> " for two levels), and the "-- "
signature separator is never joined. Pure.
"""
from __future__ import annotations

SIGNATURE_SEPARATOR = "-- "


def unflow(text: str, delsp: bool = False) -> str:
    out: list[str] = []
    paragraph: list[str] = []
    depth_open: int | None = None       # quote depth of the paragraph being joined
    for line in text.split("\n"):
        depth, content = _unquoted(line)
        if depth_open is not None and depth != depth_open:
            out.append(_quoted(depth_open, "".join(paragraph)))   # depth changed: a hard break
            paragraph, depth_open = [], None
        if content.endswith(" ") and content != SIGNATURE_SEPARATOR:
            paragraph.append(content[:-1] if delsp else content)
            depth_open = depth
            continue
        paragraph.append(content)
        out.append(_quoted(depth, "".join(paragraph)))
        paragraph, depth_open = [], None
    if depth_open is not None:
        out.append(_quoted(depth_open, "".join(paragraph)))
    return "\n".join(out)


def _unquoted(line: str) -> tuple[int, str]:
    depth = len(line) - len(line.lstrip(">"))
    content = line[depth:]
    if content.startswith(" "):      # space-stuffed (and the space after the quote marks)
        content = content[1:]
    return depth, content


def _quoted(depth: int, content: str) -> str:
    return ">" * depth + (" " + content if content else "") if depth else content
